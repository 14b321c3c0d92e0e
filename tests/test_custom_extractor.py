"""Your own extractor (ganeval.features.custom): `--extractor package.module:attribute` and `ganeval.extractors`
entry points wrap a torch.nn.Module, a class of one, a plain function or an Extractor; their code's and weights'
hashes are in the provenance, the cache key and what a baseline compares; their mistakes exit 2 naming them."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import pytest
import torch

import ganeval
from ganeval import MetricOptions, check, make_baseline, plugins
from ganeval.cache.keys import cache_key
from ganeval.cli import main
from ganeval.data.images import decode_image, find_images
from ganeval.errors import GanevalError, UserCodeError
from ganeval.features import extractor_names, get_extractor
from ganeval.features.custom import ModelExtractor, tensors_sha256
from ganeval.options import Extraction

REPOSITORY = Path(__file__).resolve().parent.parent
QUIET = ["--bootstrap", "0", "--quiet", "--no-cache"]

ENCODERS = '''
"""Tiny encoders of digit images, as a user writes them."""

import numpy as np
import torch
from torch import nn

from ganeval.features import Extractor


def pooled(images, size=4):
    """Pixels scaled to [0, 1] and average-pooled to size x size (the model's own resizing)."""
    x = images.float() / 255.0
    return nn.functional.interpolate(x, size=(size, size), mode="bilinear", antialias=True)


def seeded_linear(inputs, outputs):
    layer = nn.Linear(inputs, outputs)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(outputs, inputs, generator=generator) / inputs**0.5)
        layer.bias.zero_()
    return layer


class Encoder(nn.Module):
    """RGB 4 x 4 pooled pixels through a fixed linear map: 6 features."""

    def __init__(self):
        super().__init__()
        self.proj = seeded_linear(48, 6)

    def forward(self, images):
        return self.proj(pooled(images).flatten(1))


encoder = Encoder()


def pixels(images):
    """A plain function: 4 x 4 pooled pixels, 48 features."""
    return pooled(images).flatten(1)


class Gray(nn.Module):
    """A grayscale encoder: asks for 1 channel."""

    channels = 1
    preprocessing = "grayscale, antialiased bilinear to 8x8, / 255"

    def __init__(self):
        super().__init__()
        self.proj = seeded_linear(64, 5)
        self.shapes = []

    def forward(self, images):
        self.shapes.append(tuple(images.shape))
        return self.proj(pooled(images, 8).flatten(1))


gray = Gray()


class Classifier(nn.Module):
    """Features and logits in a dict: the logits give the Inception Score."""

    def __init__(self):
        super().__init__()
        self.proj = seeded_linear(48, 10)

    def forward(self, images):
        features = pooled(images).flatten(1)
        return {"features": features, "logits": 10 * self.proj(features)}


classifier = Classifier()


class Pixels(Extractor):
    """An Extractor of its own (used as is, renamed to its spec)."""

    name = "pixels"
    preprocessing = "4 x 4 pooled pixels"

    def __init__(self, device="cpu"):
        self.device = device

    def extract(self, batch):
        return {"features": pixels(torch.as_tensor(batch)).double().numpy()}


def broken(images):
    raise RuntimeError("boom in the encoder")


def one_row(images):
    return pixels(images)[:1]


def no_features(images):
    return {"embedding": pixels(images)}


def not_finite(images):
    return pixels(images) * float("nan")


class NeedsWidth(nn.Module):
    def __init__(self, width):
        super().__init__()


class FourChannels(nn.Module):
    channels = 4

    def forward(self, images):
        return pixels(images)


not_an_extractor = 42
'''


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """30 exported digits as reference and 30 others (another seed) as generated images."""
    root = tmp_path_factory.mktemp("digits")
    assert main(["export", "digits", str(root / "real"), "--n", "30"]) == 0
    assert main(["export", "digits", str(root / "fake"), "--n", "30", "--seed", "3"]) == 0
    return root / "fake", root / "real"


@pytest.fixture
def encoders(tmp_path, monkeypatch, request):
    """The name of a fresh module of encoders (in tmp_path, on sys.path), and its file."""
    name = "encoders_" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:10]
    path = tmp_path / f"{name}.py"
    path.write_text(ENCODERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, path
    sys.modules.pop(name, None)


def batch_of(folder: Path, channels: int = 3) -> torch.Tensor:
    """The folder's images as one uint8 batch N x C x H x W, as ganeval reads them."""
    return torch.from_numpy(np.stack([decode_image(path, channels) for path in find_images(folder)]))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("attribute", ["encoder", "Encoder", "pixels", "Pixels"])
def test_a_module_a_class_a_function_and_an_extractor_give_their_features(attribute, encoders, digits):
    name, path = encoders
    spec = f"{name}:{attribute}"
    extractor = get_extractor(spec)
    fake, real = digits
    images = batch_of(real)
    module = sys.modules[name]
    expected = module.encoder(images) if attribute.lower() == "encoder" else module.pixels(images)
    np.testing.assert_array_equal(extractor.extract(images)["features"], expected.detach().double().numpy())
    provenance = extractor.provenance()
    assert provenance["extractor"] == spec and provenance["code_sha256"] == sha256(path)
    assert provenance["weights_sha256"] == (tensors_sha256(module.encoder) if attribute.lower() == "encoder" else None)
    result = ganeval.score(
        fake, real, extractor=spec, options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False)
    )
    assert result.provenance["extractor"] == spec and result.provenance["code_sha256"] == sha256(path)
    assert all(np.isfinite(metric.value) for metric in result.metrics.values())


def test_logits_in_a_dict_give_the_inception_score(encoders, digits):
    name, _ = encoders
    fake, real = digits
    extractor = get_extractor(f"{name}:classifier")
    outputs = extractor.extract(batch_of(real))
    assert outputs["features"].shape == (30, 48) and outputs["logits"].shape == (30, 10)
    assert outputs["features"].dtype == outputs["logits"].dtype == np.float64
    result = ganeval.score(
        fake,
        real,
        extractor=f"{name}:classifier",
        metrics=["inception_score"],
        options=MetricOptions(bootstrap=0, is_splits=1),
        extraction=Extraction(progress=False),
    )
    assert result.metrics["inception_score"].value > 1.0


def test_channels_1_asks_for_grayscale(encoders, digits):
    name, _ = encoders
    fake, real = digits
    extractor = get_extractor(f"{name}:gray")
    assert isinstance(extractor, ModelExtractor) and extractor.channels == 1
    assert extractor.preprocessing == "grayscale, antialiased bilinear to 8x8, / 255"
    result = ganeval.score(
        fake, real, extractor=f"{name}:gray", options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False)
    )
    assert result.provenance["image_conversion"].startswith("grayscale")
    assert {shape[1] for shape in sys.modules[name].gray.shapes} == {1}


def test_the_cli_scores_with_a_module_on_pythonpath(encoders, digits, tmp_path):
    name, _ = encoders
    fake, real = digits
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPOSITORY)])}
    arguments = ["--extractor", f"{name}:encoder", "--json", str(tmp_path / "result.json"), *QUIET]
    run = subprocess.run(
        [sys.executable, "-m", "ganeval", "score", str(fake), "--ref", str(real), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert f'"extractor": "{name}:encoder"' in (tmp_path / "result.json").read_text()


def test_editing_the_file_or_the_weights_changes_the_cache_key(encoders):
    name, path = encoders
    spec = f"{name}:encoder"
    source = {"bundled": "digits", "n": 30, "seed": 0}
    before = get_extractor(spec).provenance()
    path.write_text(ENCODERS + "\n# a comment is a change of code too\n")
    assert get_extractor(spec).provenance() == before  # the module runs as imported: the hash of what runs
    del sys.modules[name]  # a new process imports the edited file
    edited = get_extractor(spec).provenance()
    assert edited["code_sha256"] == sha256(path) != before["code_sha256"]
    assert cache_key(source, edited) != cache_key(source, before)
    with torch.no_grad():
        sys.modules[name].encoder.proj.bias.add_(1.0)  # other weights, same code
    reweighted = get_extractor(spec).provenance()
    assert reweighted["weights_sha256"] != edited["weights_sha256"]
    assert cache_key(source, reweighted) != cache_key(source, edited)


def fake_entry_points(extractors: dict):
    def entry_points(group: str):
        listed = extractors if group == plugins.EXTRACTORS else {}
        return [EntryPoint(name, value, group) for name, value in listed.items()]

    return entry_points


def test_an_entry_point_to_a_module_or_a_function_is_wrapped_alike(encoders, digits, monkeypatch, capsys):
    name, path = encoders
    installed = {"xray": f"{name}:encoder", "pix": f"{name}:pixels", "mine": f"{name}:Pixels"}
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points(installed))
    assert {"xray", "pix", "mine"} <= set(extractor_names())
    images = batch_of(digits[1])
    for entry, attribute in (("xray", "encoder"), ("pix", "pixels")):
        extractor = get_extractor(entry)
        assert isinstance(extractor, ModelExtractor) and extractor.name == entry
        assert extractor.provenance()["code_sha256"] == sha256(path)
        expected = getattr(sys.modules[name], attribute)(images).detach().double().numpy()
        np.testing.assert_array_equal(extractor.extract(images)["features"], expected)
    mine = get_extractor("mine")
    assert type(mine).__name__ == "Pixels" and mine.name == "mine" and mine.code_sha256 == sha256(path)
    fake, real = digits
    assert main(["score", str(fake), "--ref", str(real), "--extractor", "xray", *QUIET]) == 0
    assert "fake vs real" in capsys.readouterr().out


@pytest.fixture
def two_files(tmp_path, monkeypatch):
    """Two modules with the same encoder in different files (a changed comment): two extractors."""
    names = [f"encoders_pair_{side}" for side in "ab"]
    for index, name in enumerate(names):
        (tmp_path / f"{name}.py").write_text(ENCODERS + f"\n# file {index}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield names
    for name in names:
        sys.modules.pop(name, None)


def test_a_baseline_refuses_a_candidate_scored_with_another_extractor(two_files, digits, tmp_path):
    first, second = (f"{name}:encoder" for name in two_files)
    fake, real = digits
    options = MetricOptions(bootstrap=0)
    settings = dict(options=options, metrics=["fid"], extraction=Extraction(cache=False, progress=False))
    baseline = make_baseline(fake, real, tmp_path / "baseline.json", extractor=first, **settings)
    assert baseline.provenance["extractor"] == first
    assert check(
        fake, tmp_path / "baseline.json", extraction=Extraction(cache=False)
    ).passed  # the same extractor, rebuilt by its name
    with pytest.raises(GanevalError, match=f"scored with the {first} extractor; --extractor {second} would"):
        check(fake, tmp_path / "baseline.json", extractor=second, extraction=Extraction(cache=False))
    with pytest.raises(GanevalError, match="scored with the digits extractor"):
        check(
            fake,
            make_baseline(fake, real, extractor="digits", **settings),
            extractor=first,
            extraction=Extraction(cache=False),
        )
    with pytest.raises(GanevalError, match=f"scored with the {first} extractor; --extractor digits"):
        check(fake, baseline, extractor="digits", extraction=Extraction(cache=False))


def test_a_baseline_refuses_the_same_spec_after_its_file_changed(encoders, digits, tmp_path):
    name, path = encoders
    spec = f"{name}:encoder"
    fake, real = digits
    settings = dict(
        options=MetricOptions(bootstrap=0), metrics=["fid"], extraction=Extraction(cache=False, progress=False)
    )
    baseline = make_baseline(fake, real, extractor=spec, **settings)
    path.write_text(ENCODERS.replace("/ inputs**0.5", "/ inputs"))  # other weights at import: other features
    del sys.modules[name]
    with pytest.raises(GanevalError, match="code_sha256: baseline '[0-9a-f]{64}', candidate '[0-9a-f]{64}'"):
        check(fake, baseline, extraction=Extraction(cache=False))


def score_with(extractor: str, digits, *extra: str) -> list[str]:
    fake, real = digits
    return ["score", str(fake), "--ref", str(real), "--extractor", extractor, *extra, *QUIET]


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ("not_an_extractor", "--extractor {spec}: an object of type int is not an extractor. Give an Extractor"),
        ("no_such_thing", "--extractor {spec}: {module} has no attribute 'no_such_thing'"),
        ("NeedsWidth", r"--extractor {spec}: NeedsWidth needs arguments \(width\); name an instance"),
        ("FourChannels", "--extractor {spec}: its channels attribute is 4; it must be 3"),
        ("one_row", r"--extractor {spec} returned features of shape \(1, 48\) for 30 images; expected 30 x D"),
        ("no_features", "--extractor {spec} returned a dict without 'features' \\(its keys: 'embedding'\\)"),
        ("not_finite", "--extractor {spec} returned features that are not finite"),
    ],
)
def test_a_wrong_extractor_exits_2_naming_it(attribute, message, encoders, digits, capsys):
    name, _ = encoders
    spec = f"{name}:{attribute}"
    assert main(score_with(spec, digits)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(message.format(spec=spec, module=name), err), err


def test_an_exception_in_the_extractor_shows_its_traceback(encoders, digits, capsys):
    name, path = encoders
    assert main(score_with(f"{name}:broken", digits)) == 2
    err = capsys.readouterr().err
    assert "Traceback of the extractor's code (most recent call last)" in err and str(path) in err
    assert f"the extractor {name}:broken raised RuntimeError: boom in the encoder while extracting" in err
    assert "ganeval/" not in err.split("Traceback of the extractor's code")[1].split("RuntimeError")[0]
    with pytest.raises(UserCodeError, match="not in ganeval"):
        get_extractor(f"{name}:broken").extract(batch_of(digits[1]))


def test_a_module_that_fails_on_import_exits_2(tmp_path, monkeypatch, digits, capsys):
    (tmp_path / "crashing_encoders.py").write_text("import torch\n\nraise ImportError('needs a GPU library')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(score_with("crashing_encoders:encoder", digits)) == 2
    err = capsys.readouterr().err
    assert "raised ImportError: needs a GPU library while importing crashing_encoders" in err
    assert "crashing_encoders.py" in err  # its traceback


def test_a_module_that_is_not_importable_says_how_to_make_it_so(digits, capsys):
    assert main(score_with("no_such_lab_x1.encoders:encoder", digits)) == 2
    err = capsys.readouterr().err
    assert "--extractor no_such_lab_x1.encoders:encoder: cannot import no_such_lab_x1.encoders" in err
    assert "put the folder that holds no_such_lab_x1 on PYTHONPATH" in err


@pytest.mark.parametrize(
    ("extractor", "message"),
    [
        ("incepton", "unknown extractor 'incepton'; choose one of: inception, digits, points"),
        ("mylab/encoders.py:net", r"name the file's module instead.*PYTHONPATH=mylab ganeval \.\.\. --extractor enc"),
        ("mylab.encoders:", "extractor 'mylab.encoders:' is neither a registered name nor package.module:attribute"),
    ],
)
def test_a_malformed_extractor_is_refused_before_any_work(extractor, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["score", "nowhere", "--ref", "digits", "--extractor", extractor])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --extractor:" in err and re.search(message, err), err
    assert "or your own as package.module:attribute" in err or "neither" in err


def test_weights_and_resize_are_refused_for_a_model(encoders, digits, tmp_path, capsys):
    name, _ = encoders
    (tmp_path / "w.pt").write_bytes(b"")
    assert main(score_with(f"{name}:encoder", digits, "--weights", str(tmp_path / "w.pt"))) == 2
    assert "takes no weights file" in capsys.readouterr().err
    assert main(score_with(f"{name}:encoder", digits, "--resize", "clean")) == 2
    assert "prepares its images itself (it takes no resize)" in capsys.readouterr().err


def test_bf16_runs_a_model_under_autocast(encoders, digits):
    name, _ = encoders
    extractor = get_extractor(f"{name}:encoder", Extraction(precision="bf16"))
    assert extractor.provenance()["precision"] == "bf16"
    features = extractor.extract(batch_of(digits[1]))["features"]
    assert features.dtype == np.float64 and features.shape == (30, 6)
    with pytest.raises(GanevalError, match="it takes no precision"):  # an Extractor without a precision parameter
        get_extractor(f"{name}:Pixels", Extraction(precision="bf16"))
