"""The `dinov2` extractors: dgm-eval's preprocessing, timm's forward, weight files, errors and the CLI.

Nothing downloads: the networks get the calibrated random weights of dinov2_test_weights.py (ViT-S/14
for speed; one slow test runs ViT-L/14). dgm-eval's transform is rebuilt here from torchvision as
dgm_eval/models/dinov2.py writes it.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
import torch
from dinov2_test_weights import make_test_state, meta_layout, save_meta, save_timm
from PIL import Image

from ganeval.cli import main
from ganeval.data.bundled import get_bundled
from ganeval.errors import GanevalError
from ganeval.features import get_extractor
from ganeval.features.base import sha256_of_file
from ganeval.features.dinov2 import (
    ARCHS,
    IMAGENET_MEAN,
    IMAGENET_STD,
    DINOv2Extractor,
    extractor_name,
    hub_position_embedding,
    preprocess,
)
from ganeval.features.weightfiles import WeightsInvalid, WeightsNotFound
from ganeval.metrics.fid import fid_from_features
from ganeval.options import Extraction

timm = pytest.importorskip("timm")


@pytest.fixture(autouse=True)
def no_library_caches(tmp_path, monkeypatch):
    """No weights from the environment or the user's torch.hub and Hugging Face caches."""
    monkeypatch.delenv("GANEVAL_DINOV2_WEIGHTS", raising=False)
    monkeypatch.delenv("GANEVAL_DINOV2_VITS14_WEIGHTS", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-hub"))


@pytest.fixture(scope="module")
def state():
    return make_test_state("vits14", seed=0)


@pytest.fixture(scope="module")
def meta_file(state, tmp_path_factory):
    return save_meta(tmp_path_factory.mktemp("dinov2") / "dinov2_vits14_pretrain.pth", state)


@pytest.fixture(scope="module")
def timm_file(state, tmp_path_factory):
    return save_timm(tmp_path_factory.mktemp("dinov2-timm") / "model.safetensors", state)


@pytest.fixture(scope="module")
def extractor(meta_file):
    return DINOv2Extractor(weights=meta_file, arch="vits14")


@pytest.fixture(scope="module")
def image_sets():
    """Bundled digits (gray, replicated to RGB) and stacked digits (RGB), uint8, 32 x 32."""
    digits, _ = get_bundled("digits").sample(16, 0)
    stacked, _ = get_bundled("stacked-digits").sample(8, 0)
    return torch.from_numpy(np.repeat(digits, 3, axis=1)), torch.from_numpy(stacked)


@pytest.fixture(scope="module")
def features(extractor, image_sets):
    digits, stacked = image_sets
    return extractor.extract(digits)["features"], extractor.extract(stacked)["features"]


def dgm_eval_transform():
    """dgm-eval's DINOv2Encoder.transform with clean_resize=False (its default), from torchvision."""
    import torchvision.transforms as TF

    return TF.Compose(
        [
            TF.Resize((224, 224), TF.InterpolationMode.BICUBIC),
            TF.ToTensor(),
            TF.Normalize(np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])),
        ]
    )


@pytest.mark.parametrize("size", [(8, 8), (32, 32), (48, 80), (224, 224), (300, 257)])
def test_preprocessing_equals_dgm_evals_torchvision_pipeline(size):
    rng = np.random.default_rng(size[0] * 1000 + size[1])
    images = rng.integers(0, 256, (3, 3, *size), dtype=np.uint8)
    images[1] = np.clip(images[1].astype(int) // 64 * 64, 0, 255)  # flat areas and hard edges too
    transform = dgm_eval_transform()
    expected = torch.stack([transform(Image.fromarray(image.transpose(1, 2, 0)).convert("RGB")) for image in images])
    got = preprocess(torch.from_numpy(images))
    assert got.dtype == torch.float32 and got.shape == (3, 3, 224, 224)
    assert torch.equal(got, expected)


def test_normalisation_constants_are_imagenets():
    assert IMAGENET_MEAN == (0.485, 0.456, 0.406) and IMAGENET_STD == (0.229, 0.224, 0.225)


def test_names_dimensions_and_provenance(extractor, meta_file, image_sets):
    assert [extractor_name(arch) for arch in ARCHS] == ["dinov2-vits14", "dinov2-vitb14", "dinov2", "dinov2-vitg14"]
    assert extractor.name == "dinov2-vits14" and extractor.weights_source == "argument"
    assert extractor.weights_sha256 == sha256_of_file(meta_file)
    made = extractor.provenance()
    assert made["extractor"] == "dinov2-vits14" and "224x224 by PIL bicubic" in made["preprocessing"]
    assert "precision" not in made
    assert extractor.extract(np.zeros((0, 3, 32, 32), np.uint8))["features"].shape == (0, 384)
    with pytest.raises(GanevalError, match="arch must be one of vits14, vitb14, vitl14, vitg14"):
        DINOv2Extractor(weights=meta_file, arch="vit_l")


def test_features_are_timms_forward_and_both_layouts_agree(extractor, timm_file, features, image_sets):
    """Meta's file and timm's safetensors give the same features, equal to timm's own network loaded by
    timm from the file (its pretrained path) when given the same position embedding."""
    digits = image_sets[0][:4]
    from_timm_file = DINOv2Extractor(weights=timm_file, arch="vits14").extract(digits)["features"]
    assert np.array_equal(from_timm_file, features[0][:4])
    assert features[0].dtype == np.float64 and features[0].shape == (16, 384)

    overlay = {"file": str(timm_file)}  # timm's own pretrained loading, from this file
    name = ARCHS["vits14"].timm
    own = timm.create_model(name, pretrained=True, pretrained_cfg_overlay=overlay, num_classes=0, img_size=224).eval()
    with torch.no_grad():
        timm_resampled = own.pos_embed.clone()
        own.pos_embed.copy_(extractor.network.pos_embed)
        expected = own(preprocess(digits)).double().numpy()
    assert np.array_equal(features[0][:4], expected)
    assert not torch.equal(timm_resampled, extractor.network.pos_embed)  # timm resamples with antialiasing


def test_position_embedding_is_resampled_as_torch_hub_does():
    """torch.hub's DINOv2 (interpolate_pos_encoding): bicubic, antialias off, scale factor (16 + 0.1) / 37."""
    grid = torch.randn(1, 1 + 37 * 37, 8, generator=torch.Generator().manual_seed(0))
    patches = grid[:, 1:].reshape(1, 37, 37, 8).permute(0, 3, 1, 2)
    expected = torch.nn.functional.interpolate(patches, scale_factor=(16.1 / 37, 16.1 / 37), mode="bicubic")
    expected = torch.cat([grid[:, :1], expected.permute(0, 2, 3, 1).reshape(1, 256, 8)], dim=1)
    assert torch.equal(hub_position_embedding(grid), expected)
    at_224 = torch.randn(1, 257, 8)
    assert hub_position_embedding(at_224) is at_224  # already 16 x 16: used as it is


def test_random_weights_are_calibrated_so_image_sets_differ(features):
    """The test weights are calibrated (layer scales 1, see dinov2_test_weights.py) so that two different
    image sets are far apart in feature space and two halves of one set are close."""
    digits, stacked = features
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 8 samples in 384 dimensions: the singular-covariance warning
        within = fid_from_features(digits[:8], digits[8:])
        between = fid_from_features(digits[:8], stacked)
    assert between > 5 * within > 0
    assert np.linalg.matrix_rank(digits) == len(digits)  # features vary from image to image


def test_bf16_on_cpu(meta_file, features, image_sets):
    bf16 = DINOv2Extractor(weights=meta_file, arch="vits14", extraction=Extraction(precision="bf16"))
    assert bf16.provenance()["precision"] == "bf16"
    got = bf16.extract(image_sets[0][:1])["features"]
    assert np.linalg.norm(got - features[0][:1]) < 0.1 * np.linalg.norm(features[0][:1])


def test_registry_builds_it(meta_file):
    built = get_extractor("dinov2-vits14", Extraction(weights=meta_file))
    assert isinstance(built, DINOv2Extractor) and built.name == "dinov2-vits14" and built.arch == "vits14"


def test_environment_variable_and_caches(meta_file, timm_file, tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_DINOV2_VITS14_WEIGHTS", str(meta_file))
    assert DINOv2Extractor(arch="vits14").weights_source == "environment"
    monkeypatch.delenv("GANEVAL_DINOV2_VITS14_WEIGHTS")
    snapshot = tmp_path / "hf-hub" / "models--timm--vit_small_patch14_dinov2.lvd142m" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "model.safetensors").write_bytes(timm_file.read_bytes())
    found = DINOv2Extractor(arch="vits14")
    assert found.weights_source == "cache" and found.weights_path == snapshot / "model.safetensors"


def test_missing_weights_say_which_file_where_to_get_it_and_where_to_put_it(tmp_path):
    with pytest.raises(WeightsNotFound) as caught:
        DINOv2Extractor()
    message = str(caught.value)
    assert "DINOv2 ViT-L/14 weights not found" in message
    assert "https://dl.fbaipublicfiles.com/dinov2/dinov2_vitl14/dinov2_vitl14_pretrain.pth" in message
    assert str(tmp_path / "torch-home" / "hub" / "checkpoints" / "dinov2_vitl14_pretrain.pth") in message
    assert "GANEVAL_DINOV2_WEIGHTS" in message and "--weights" in message
    with pytest.raises(WeightsNotFound, match="does not exist"):
        DINOv2Extractor(weights=tmp_path / "nowhere.pth", arch="vits14")
    with pytest.raises(WeightsNotFound, match="is a directory, not a file"):
        DINOv2Extractor(weights=tmp_path, arch="vits14")


class CreatesFile:
    """Unpickling this opens (creates) a file: the marker that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickle_with_code_is_refused_before_it_runs(tmp_path):
    marker = tmp_path / "ran"
    hostile = tmp_path / "dinov2_vits14_pretrain.pth"
    torch.save({"cls_token": torch.zeros(1, 1, 384), "payload": CreatesFile(marker)}, hostile)
    with pytest.raises(WeightsInvalid, match="never unpickles objects"):
        DINOv2Extractor(weights=hostile, arch="vits14")
    assert not marker.exists()


def test_other_architectures_weights_are_invalid(meta_file, state, tmp_path):
    with pytest.raises(WeightsInvalid, match=r"DINOv2 ViT-B/14 weights file .* does not fit the network"):
        DINOv2Extractor(weights=meta_file, arch="vitb14")
    broken = dict(meta_layout(state))
    broken.pop("blocks.3.attn.qkv.weight")
    with pytest.raises(WeightsInvalid, match="does not fit the network.*blocks.3.attn.qkv.weight"):
        DINOv2Extractor(weights=save_meta(tmp_path / "broken.pth", broken), arch="vits14")
    not_a_grid = {**state, "pos_embed": torch.zeros(1, 1 + 37 * 36, 384)}
    with pytest.raises(WeightsInvalid, match="does not fit"):
        DINOv2Extractor(weights=save_timm(tmp_path / "grid.safetensors", not_a_grid), arch="vits14")


def test_missing_timm_names_the_package(meta_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)
    with pytest.raises(GanevalError, match=r"dinov2-vits14 extractor needs the timm package.*ganeval\[encoders\]"):
        DINOv2Extractor(weights=meta_file, arch="vits14")


def test_cli_scores_with_dinov2_and_exits_2_without_weights(meta_file, tmp_path, capsys):
    for name, seed in [("fake", 1), ("real", 2)]:
        assert main(["export", "digits", str(tmp_path / name), "--n", "4", "--seed", str(seed)]) == 0
    score = ["score", str(tmp_path / "fake"), "--ref", str(tmp_path / "real"), "--extractor", "dinov2-vits14"]
    options = ["--metrics", "fid", "--bootstrap", "0", "--no-cache"]
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 4 samples in 384 dimensions
        assert main([*score, "--weights", str(meta_file), *options]) == 0
    assert "fd_dinov2" in capsys.readouterr().out
    assert main([*score, *options]) == 2
    assert "dinov2_vits14_pretrain.pth" in capsys.readouterr().err


@pytest.mark.slow
def test_vit_large_from_metas_layout(tmp_path, image_sets):
    """The default extractor (ViT-L/14, 1024-d) from a file in Meta's layout (1.2 GB): about 25 CPU-s."""
    path = save_meta(tmp_path / "dinov2_vitl14_pretrain.pth", make_test_state("vitl14", seed=0))
    large = get_extractor("dinov2", Extraction(weights=path))
    got = large.extract(image_sets[0][:2])["features"]
    assert large.name == "dinov2" and got.shape == (2, 1024) and np.isfinite(got).all()
    assert not np.allclose(got[0], got[1])
