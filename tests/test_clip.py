"""The `clip` extractors: clean-fid's CLIP-FID preprocessing, open_clip's image embedding, weight files, errors, CLI.

Nothing downloads: the networks get the seeded random weights of clip_test_weights.py (ViT-B/32 for speed;
one slow test runs ViT-L/14). clean-fid's own functions are the reference: `img_preprocess_clip`, its
`ResizeDataset`/`get_files_features` file pipeline and `CLIP_fx.__call__`'s normalisation, with open_clip's
network in place of the `clip` package's (whose `clip.load` downloads: `CLIP_fx.__init__` never runs here).
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings

import numpy as np
import pytest
import torch
from clip_test_weights import make_test_state, save_safetensors, save_torch
from inception_test_weights import make_test_images
from PIL import Image

from ganeval.cli import main
from ganeval.errors import GanevalError
from ganeval.features import get_extractor
from ganeval.features.base import sha256_of_file
from ganeval.features.clip import ARCHS, CLIP_MEAN, CLIP_STD, CLIPExtractor, preprocess, resize_and_crop
from ganeval.features.weightfiles import WeightsInvalid, WeightsNotFound
from ganeval.metrics.fid import fid_from_features
from ganeval.options import Extraction

open_clip = pytest.importorskip("open_clip")

# sizes that exercise torchvision's Resize(224) and CenterCrop(224) arithmetic: upsampling, no change,
# truncation of the longer side (301 x 200 -> 337 x 224), and crop offsets of exactly .5 (rounded to even)
SIZES = [(8, 8), (64, 64), (224, 224), (225, 225), (301, 200), (100, 300), (227, 229), (57, 91), (500, 224)]


@pytest.fixture(autouse=True)
def no_library_caches(tmp_path, monkeypatch):
    """No weights from the environment or the user's Hugging Face cache."""
    for arch in ARCHS.values():
        monkeypatch.delenv(arch.env, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-hub"))


@pytest.fixture(scope="module")
def cleanfid_clip():
    """cleanfid.clip_features, imported with a stand-in for OpenAI's `clip` package (only CLIP_fx.__init__ uses it)."""
    pytest.importorskip("cleanfid")
    had = "clip" in sys.modules
    sys.modules.setdefault("clip", types.ModuleType("clip"))
    try:
        return importlib.import_module("cleanfid.clip_features")
    finally:
        if not had:
            del sys.modules["clip"]


@pytest.fixture(scope="module")
def state():
    return make_test_state("ViT-B-32", seed=0)


@pytest.fixture(scope="module")
def safetensors_file(state, tmp_path_factory):
    return save_safetensors(tmp_path_factory.mktemp("clip") / "open_clip_model.safetensors", state)


@pytest.fixture(scope="module")
def torch_file(state, tmp_path_factory):
    return save_torch(tmp_path_factory.mktemp("clip-bin") / "open_clip_pytorch_model.bin", state)


@pytest.fixture(scope="module")
def extractor(safetensors_file):
    return CLIPExtractor(weights=safetensors_file, arch="ViT-B-32")


@pytest.fixture(scope="module")
def image_sets():
    """Two sets of seeded colour-blob images (64 x 64): `warm` is another draw shifted towards red (+40 red,
    -40 blue), as a generator with a colour cast would make them."""
    cool = make_test_images(12, seed=1, size=64)
    warm = make_test_images(6, seed=2, size=64).to(torch.int16)
    warm[:, 0] += 40
    warm[:, 2] -= 40
    return cool, warm.clamp(0, 255).to(torch.uint8)


@pytest.fixture(scope="module")
def features(extractor, image_sets):
    return tuple(extractor.extract(images)["features"] for images in image_sets)


def _hwc(image: torch.Tensor) -> np.ndarray:
    return image.permute(1, 2, 0).contiguous().numpy()


@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
def test_resize_and_crop_equal_cleanfids_img_preprocess_clip(size, cleanfid_clip):
    image = np.random.default_rng(sum(size)).integers(0, 256, (*size, 3), dtype=np.uint8)
    ours = resize_and_crop(torch.from_numpy(image).permute(2, 0, 1)[None])
    assert ours.dtype == torch.uint8 and ours.shape == (1, 3, 224, 224)
    assert np.array_equal(_hwc(ours[0]), cleanfid_clip.img_preprocess_clip(image))


def test_network_input_equals_cleanfids_file_pipeline(cleanfid_clip, tmp_path):
    """PNG files through clean-fid's ResizeDataset (custom_fn_resize=img_preprocess_clip, ToTensor * 255) and
    CLIP_fx.__call__ (/255, Normalize) give, bit for bit, what `preprocess` gives on the decoded images."""
    from cleanfid.utils import ResizeDataset

    images = [
        np.random.default_rng(index).integers(0, 256, (*size, 3), dtype=np.uint8) for index, size in enumerate(SIZES)
    ]
    files = []
    for index, image in enumerate(images):
        Image.fromarray(image).save(tmp_path / f"{index}.png")
        files.append(str(tmp_path / f"{index}.png"))
    dataset = ResizeDataset(files, mode="clean")
    dataset.fn_resize = cleanfid_clip.img_preprocess_clip
    normalise = object.__new__(cleanfid_clip.CLIP_fx)  # __init__ would load (download) OpenAI's network
    normalise.model = types.SimpleNamespace(encode_image=lambda x: x)  # the network's input comes back
    theirs = normalise(torch.stack([dataset[index] for index in range(len(files))]))
    ours = torch.cat([preprocess(torch.from_numpy(image).permute(2, 0, 1)[None]) for image in images])
    assert ours.dtype == theirs.dtype == torch.float32 and torch.equal(ours, theirs)


def test_constants_are_open_clips_openai_entries():
    from open_clip.constants import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD

    assert (CLIP_MEAN, CLIP_STD) == (tuple(OPENAI_DATASET_MEAN), tuple(OPENAI_DATASET_STD))
    for arch, spec in ARCHS.items():
        table = open_clip.get_pretrained_cfg(arch, "openai")
        assert table["hf_hub"].rstrip("/") == spec.repo and table["quick_gelu"] is True
        assert tuple(table["mean"]) == CLIP_MEAN and table["interpolation"] == "bicubic"


def test_names_dimensions_and_provenance(extractor, safetensors_file, features):
    assert extractor.name == "clip-vitb32" and extractor.dim == 512 and features[0].shape == (12, 512)
    assert features[0].dtype == np.float64 and np.isfinite(features[0]).all()
    made = extractor.provenance()
    assert made["weights_sha256"] == sha256_of_file(safetensors_file) and "clean-fid" in made["preprocessing"]
    assert "precision" not in made and extractor.weights_source == "argument"
    assert extractor.extract(np.zeros((0, 3, 32, 32), np.uint8))["features"].shape == (0, 512)


def test_features_equal_cleanfids_clip_pipeline_with_open_clips_model(cleanfid_clip, image_sets, features, tmp_path):
    """clean-fid's get_files_features (PNG files, img_preprocess_clip, CLIP_fx's normalisation) with open_clip's
    whole CLIP model in CLIP_fx's place, built by create_model and loaded with the same tensors, gives the
    extractor's features exactly: same input, same encode_image (one batch of the 6 warm images on both sides)."""
    from cleanfid.fid import get_files_features

    with torch.random.fork_rng(devices=[]):
        model = open_clip.create_model("ViT-B-32", pretrained=None, force_quick_gelu=True).eval()
    loaded = model.load_state_dict(make_test_state("ViT-B-32", seed=0), strict=False)
    assert not loaded.unexpected_keys and not [key for key in loaded.missing_keys if key.startswith("visual.")]
    files = []
    for index, image in enumerate(image_sets[1]):
        Image.fromarray(_hwc(image)).save(tmp_path / f"{index}.png")
        files.append(str(tmp_path / f"{index}.png"))
    fx = object.__new__(cleanfid_clip.CLIP_fx)
    fx.model = model
    theirs = get_files_features(
        files,
        model=fx,
        num_workers=0,
        batch_size=len(files),
        device=torch.device("cpu"),
        custom_fn_resize=cleanfid_clip.img_preprocess_clip,
        verbose=False,
    )
    assert theirs.dtype == np.float32 and np.array_equal(features[1], theirs.astype(np.float64))


def test_safetensors_and_torch_files_load_identically(extractor, torch_file):
    from_torch = CLIPExtractor(weights=torch_file, arch="ViT-B-32")
    ours, theirs = extractor.network.state_dict(), from_torch.network.state_dict()
    assert ours.keys() == theirs.keys() and all(torch.equal(ours[key], theirs[key]) for key in ours)
    assert all(value.dtype == torch.float32 and value.device.type == "cpu" for value in ours.values())
    assert from_torch.weights_sha256 == sha256_of_file(torch_file) != extractor.weights_sha256


def test_random_weights_tell_image_sets_apart(features):
    """Random weights see colour and coarse layout more than texture, so the test sets differ by a colour cast
    (image_sets): two such sets are far apart in feature space and two halves of one set are close, by the
    Frechet distance and by the distance between means (measured: FD 201 between, 16 within; means 13.2 apart
    between, 1.8 within). The features also vary from image to image."""
    cool, warm = features
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 6 samples in 512 dimensions: the singular-covariance warning
        within = fid_from_features(cool[:6], cool[6:])
        between = fid_from_features(cool[:6], warm)
    assert between > 5 * within > 0
    assert np.linalg.norm(cool[:6].mean(0) - warm.mean(0)) > 3 * np.linalg.norm(cool[:6].mean(0) - cool[6:].mean(0))
    assert np.linalg.matrix_rank(cool) == len(cool)


def test_bf16_on_cpu(safetensors_file, features, image_sets):
    bf16 = CLIPExtractor(weights=safetensors_file, arch="ViT-B-32", extraction=Extraction(precision="bf16"))
    assert bf16.provenance()["precision"] == "bf16"
    got = bf16.extract(image_sets[1][:1])["features"]
    relative = np.linalg.norm(got - features[1][:1], axis=1) / np.linalg.norm(features[1][:1], axis=1)
    assert got.dtype == np.float64 and relative.max() < 0.1


def test_registry_builds_both(safetensors_file):
    built = get_extractor("clip-vitb32", Extraction(weights=safetensors_file))
    assert isinstance(built, CLIPExtractor) and built.name == "clip-vitb32" and built.arch == "ViT-B-32"


def test_environment_variable_and_hugging_face_cache(safetensors_file, tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CLIP_VITB32_WEIGHTS", str(safetensors_file))
    assert CLIPExtractor(arch="ViT-B-32").weights_source == "environment"
    monkeypatch.delenv("GANEVAL_CLIP_VITB32_WEIGHTS")
    snapshot = tmp_path / "hf-hub" / "models--timm--vit_base_patch32_clip_224.openai" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "open_clip_model.safetensors").symlink_to(safetensors_file)  # as the hub's cache links its blobs
    found = CLIPExtractor(arch="ViT-B-32")
    assert found.weights_source == "cache" and found.weights_path == snapshot / "open_clip_model.safetensors"


def test_missing_weights_say_which_file_where_to_get_it_and_where_to_put_it(tmp_path):
    with pytest.raises(WeightsNotFound) as caught:
        CLIPExtractor()
    message = str(caught.value)
    assert "CLIP ViT-L/14 (OpenAI) weights not found" in message
    url = "https://huggingface.co/timm/vit_large_patch14_clip_224.openai/resolve/main/open_clip_model.safetensors"
    assert url in message and "GANEVAL_CLIP_WEIGHTS" in message and "--weights" in message
    snapshots = tmp_path / "hf-hub" / "models--timm--vit_large_patch14_clip_224.openai" / "snapshots"
    assert str(snapshots / "*" / "open_clip_model.safetensors") in message
    assert caught.value.argument == "--weights"
    with pytest.raises(WeightsNotFound, match="does not exist"):
        CLIPExtractor(weights=tmp_path / "nowhere.safetensors", arch="ViT-B-32")
    with pytest.raises(WeightsNotFound, match="is a directory, not a file"):
        CLIPExtractor(weights=tmp_path, arch="ViT-B-32")


class CreatesFile:
    """Unpickling this opens (creates) a file: the marker that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickle_with_code_is_refused_before_it_runs(tmp_path):
    marker = tmp_path / "ran"
    hostile = tmp_path / "open_clip_pytorch_model.bin"
    torch.save({"visual.proj": torch.zeros(768, 512), "payload": CreatesFile(marker)}, hostile)
    with pytest.raises(WeightsInvalid, match="never unpickles objects"):
        CLIPExtractor(weights=hostile, arch="ViT-B-32")
    assert not marker.exists()


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
def test_openais_torchscript_archive_and_foreign_files_are_refused(tmp_path):
    program = tmp_path / "ViT-B-32.pt"  # OpenAI's release format: a TorchScript archive, code and all
    torch.jit.script(torch.nn.Linear(2, 2)).save(str(program))
    with pytest.raises(WeightsInvalid, match=r"TorchScript archive.*never runs code.*open_clip_model\.safetensors"):
        CLIPExtractor(weights=program, arch="ViT-B-32")
    text = tmp_path / "notes.bin"
    text.write_text("not weights")
    with pytest.raises(WeightsInvalid, match="cannot be loaded"):
        CLIPExtractor(weights=text, arch="ViT-B-32")
    garbage = tmp_path / "open_clip_model.safetensors"
    garbage.write_bytes(b"\x00" * 64)
    with pytest.raises(WeightsInvalid, match="not a readable safetensors file"):
        CLIPExtractor(weights=garbage, arch="ViT-B-32")


def test_other_architectures_and_layouts_are_invalid(safetensors_file, state, tmp_path):
    with pytest.raises(WeightsInvalid, match=r"CLIP ViT-L/14 \(OpenAI\) weights file .* does not fit the network"):
        CLIPExtractor(weights=safetensors_file, arch="ViT-L-14")
    broken = {key: value for key, value in state.items() if key != "visual.transformer.resblocks.3.attn.in_proj_weight"}
    with pytest.raises(WeightsInvalid, match="does not fit the network.*resblocks.3.attn.in_proj_weight"):
        CLIPExtractor(weights=save_safetensors(tmp_path / "broken.safetensors", broken), arch="ViT-B-32")
    timm_layout = {"patch_embed.proj.weight": torch.zeros(768, 3, 32, 32)}  # timm's model.safetensors keys
    with pytest.raises(WeightsInvalid, match="not an open_clip CLIP state dict"):
        CLIPExtractor(weights=save_safetensors(tmp_path / "model.safetensors", timm_layout), arch="ViT-B-32")
    with pytest.raises(GanevalError, match="arch must be one of ViT-L-14, ViT-B-32"):
        CLIPExtractor(weights=safetensors_file, arch="ViT-B-16")


def test_missing_open_clip_names_the_package(safetensors_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "open_clip", None)
    with pytest.raises(GanevalError, match=r"clip-vitb32 extractor needs the open_clip_torch package.*encoders"):
        CLIPExtractor(weights=safetensors_file, arch="ViT-B-32")


def test_cli_scores_with_clip_and_exits_2_without_weights(safetensors_file, tmp_path, capsys):
    for name, seed in [("fake", 1), ("real", 2)]:
        assert main(["export", "digits", str(tmp_path / name), "--n", "4", "--seed", str(seed)]) == 0
    score = ["score", str(tmp_path / "fake"), "--ref", str(tmp_path / "real"), "--extractor", "clip-vitb32"]
    options = ["--metrics", "fid", "--bootstrap", "0", "--no-cache"]
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 4 samples in 512 dimensions
        assert main([*score, "--weights", str(safetensors_file), *options]) == 0
    assert "fd" in capsys.readouterr().out.lower()
    assert main([*score, *options]) == 2
    assert "open_clip_model.safetensors" in capsys.readouterr().err


@pytest.mark.slow
def test_vit_large(tmp_path, image_sets):
    """The default extractor (ViT-L/14, 768-d) from open_clip's safetensors layout (about 1.2 GB): 30-60 s."""
    path = save_safetensors(tmp_path / "open_clip_model.safetensors", make_test_state("ViT-L-14", seed=0))
    large = get_extractor("clip", Extraction(weights=path))
    got = large.extract(image_sets[0][:2])["features"]
    assert large.name == "clip" and got.shape == (2, 768) and np.isfinite(got).all()
    assert not np.allclose(got[0], got[1])
