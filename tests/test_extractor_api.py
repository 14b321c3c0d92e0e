"""The extractors take the extraction settings as one `Extraction` (issue 22, item 2): `get_extractor(name,
extraction)` and the bundled constructors build from its weights, device, precision and resize; the loose keywords
of the release before still work, with a DeprecationWarning and the same extractor; third-party factories are
called with the keywords they were called with before."""

import inspect
import warnings

import numpy as np
import pytest
import torch

from ganeval import features
from ganeval.errors import GanevalError
from ganeval.features import Extractor, get_extractor, register_extractor
from ganeval.features.clip import CLIPExtractor
from ganeval.features.digits import DEFAULT_WEIGHTS, DigitsExtractor
from ganeval.features.dinov2 import DINOv2Extractor
from ganeval.features.inception import InceptionExtractor
from ganeval.options import EXTRACTION_KEYWORDS, Extraction

NINE = {*EXTRACTION_KEYWORDS, "use_cache"}
IMAGES = np.random.default_rng(0).integers(0, 256, (8, 1, 32, 32), dtype=np.uint8)


@pytest.fixture
def registered():
    """Register factories under test names; removed afterwards."""
    names = []

    def register(name, factory):
        register_extractor(name, factory, "test factory")
        names.append(name)

    yield register
    for name in names:
        features._FACTORIES.pop(name)
        features.EXTRACTORS.pop(name)


class Recorded(Extractor):
    """Points as their own features; records the keywords its factory was called with."""

    name, kind, channels, preprocessing = "recorded", "points", 0, "none"

    def __init__(self, called):
        self.called = called

    def extract(self, batch):
        return {"features": np.asarray(batch, dtype=np.float64)}


@pytest.mark.parametrize(
    "function",
    [
        get_extractor,
        features._inception,
        features._FACTORIES["dinov2"],
        features._FACTORIES["clip"],
        InceptionExtractor.__init__,
        DigitsExtractor.__init__,
        DINOv2Extractor.__init__,
        CLIPExtractor.__init__,
    ],
)
def test_builders_take_at_most_two_of_the_nine_keywords(function):
    parameters = inspect.signature(function).parameters
    assert len(set(parameters) & NINE) <= 2, sorted(set(parameters) & NINE)


def test_get_extractor_builds_from_the_extraction():
    extraction = Extraction(weights=DEFAULT_WEIGHTS, device="cpu", precision="bf16").resolved()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the new form warns nothing
        built = get_extractor("digits", extraction, channels=3)
    assert built.channels == 3 and built.precision == "bf16" and built.device == torch.device("cpu")
    assert built.weights_path == DEFAULT_WEIGHTS
    assert built.provenance()["precision"] == "bf16"


def test_the_defaults_are_the_cpu_at_fp32_and_an_unresolved_extraction_is_resolved():
    default = get_extractor("digits")
    assert default.device == torch.device("cpu") and default.precision == "fp32"
    assert "precision" not in default.provenance()  # fp32 cache keys and baselines stay as they were
    auto = get_extractor("digits", Extraction(device="auto"))
    assert isinstance(auto.device, torch.device)
    np.testing.assert_array_equal(
        get_extractor("digits", Extraction(device="cpu")).extract(IMAGES)["features"],
        default.extract(IMAGES)["features"],
    )


def test_constructors_take_the_extraction_and_the_loose_keywords_warn_and_agree():
    new = DigitsExtractor(extraction=Extraction(device="cpu", precision="bf16"))
    with pytest.warns(DeprecationWarning, match=r"DigitsExtractor\(device=, precision=\) is deprecated"):
        old = DigitsExtractor(device="cpu", precision="bf16")
    assert new.provenance() == old.provenance() and new.device == old.device
    np.testing.assert_array_equal(new.extract(IMAGES)["features"], old.extract(IMAGES)["features"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'batchsize'"):
        DigitsExtractor(batchsize=8)


def test_weights_given_twice_must_be_one_file(tmp_path):
    same = DigitsExtractor(weights=DEFAULT_WEIGHTS, extraction=Extraction(weights=DEFAULT_WEIGHTS))
    assert same.weights_path == DEFAULT_WEIGHTS  # the same file both ways: no refusal
    assert DigitsExtractor(extraction=Extraction(weights=DEFAULT_WEIGHTS)).weights_path == DEFAULT_WEIGHTS
    with pytest.raises(GanevalError, match="are two files; give one") as caught:
        DigitsExtractor(weights=tmp_path / "other.pt", extraction=Extraction(weights=DEFAULT_WEIGHTS))
    assert caught.value.argument == "weights"


@pytest.mark.parametrize(
    "build",
    [
        lambda extraction: DigitsExtractor(extraction=extraction),
        lambda extraction: DINOv2Extractor(extraction=extraction, arch="vits14"),
        lambda extraction: CLIPExtractor(extraction=extraction, arch="ViT-B-32"),
    ],
)
def test_extractors_with_their_own_preprocessing_refuse_a_resize_before_loading(build):
    with pytest.raises(GanevalError, match=r"takes no resize\); drop --resize clean") as caught:
        build(Extraction(resize="clean"))  # refused before any weights file is looked for
    assert caught.value.argument == "resize"


def test_inception_takes_its_resize_and_device_from_the_extraction(inception_test_weights):
    extraction = Extraction(weights=inception_test_weights, device="cpu", resize="clean").resolved()
    built = get_extractor("inception", extraction, spatial=True)
    assert built.resize == "clean" and built.spatial and built.device == torch.device("cpu")
    assert built.provenance()["resize"] == "clean"
    direct = InceptionExtractor(weights=inception_test_weights, extraction=Extraction(resize="clean"), spatial=True)
    assert direct.provenance() == built.provenance()


def test_a_factory_taking_keywords_is_offered_what_it_was_before(registered, tmp_path):
    weights = tmp_path / "w.pt"
    register = registered
    register("loose", lambda **keywords: Recorded(keywords))
    register("named", lambda weights=None, device=None: Recorded({"weights": weights, "device": device}))
    extraction = Extraction(weights=weights, device="cpu", precision="bf16", batch_size=7, cache=False)
    loose = get_extractor("loose", extraction.resolved(), channels=3)
    assert loose.called == {
        "weights": str(weights),
        "channels": 3,
        "mixture": None,
        "device": torch.device("cpu"),
        "precision": "bf16",
    }  # no extraction, no batch size: what third-party factories got before
    assert get_extractor("loose", Extraction(resize="clean")).called["resize"] == "clean"  # offered when chosen
    named = get_extractor("named", Extraction(weights=weights))
    assert named.called == {"weights": str(weights), "device": torch.device("cpu")}
    with pytest.raises(GanevalError, match="it takes no resize") as caught:
        get_extractor("named", Extraction(resize="clean"))
    assert caught.value.argument == "resize"


def test_a_factory_naming_extraction_is_handed_it(registered):
    registered("whole", lambda extraction, channels=1: Recorded({"extraction": extraction, "channels": channels}))
    extraction = Extraction(device="cpu", precision="bf16", resize="clean").resolved()
    built = get_extractor("whole", extraction, channels=3, mixture="unused")
    assert built.called == {"extraction": extraction, "channels": 3}  # it refuses what it cannot do itself
