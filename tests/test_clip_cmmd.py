"""The `clip-vitl14-336` extractor: CMMD's reference preprocessing and open_clip's ViT-L-14-336 image embedding.

The reference is google-research's cmmd (io_util.py `_read_image`/`_center_crop_and_resize`, the /255 of
`compute_embeddings_for_dir`, embedding.py `_clip_preprocess`), which needs jax, TensorFlow and scenic:
`cmmd_reference` re-implements its steps, as written there, with PIL and numpy. Nothing downloads: ViT-L-14-336
gets the seeded random weights of clip_test_weights.py; building and running it takes about a minute on two cores,
so the test that compares features with open_clip's own `encode_image` is slow.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from clip_test_weights import make_test_state, save_safetensors
from PIL import Image

from ganeval.cli import main
from ganeval.features import EXTRACTORS, get_extractor
from ganeval.features.clip import (
    ARCHS,
    CLIP_MEAN,
    CLIP_STD,
    PREPROCESSING,
    CLIPExtractor,
    crop_and_resize_cmmd,
    preprocess_cmmd,
)
from ganeval.features.weightfiles import WeightsNotFound

open_clip = pytest.importorskip("open_clip")

URL = "https://huggingface.co/timm/vit_large_patch14_clip_336.openai/resolve/main/open_clip_model.safetensors"
ENV = "GANEVAL_CLIP_VITL14_336_WEIGHTS"
# upsampling, already 336 (no resampling), downsampling, non-square both ways with odd differences (floor offsets)
SIZES = [(8, 8), (64, 64), (336, 336), (337, 337), (301, 200), (100, 300), (227, 229), (57, 91), (500, 336), (480, 640)]


@pytest.fixture(autouse=True)
def no_library_caches(tmp_path, monkeypatch):
    """No weights from the environment or the user's Hugging Face cache."""
    for arch in ARCHS.values():
        monkeypatch.delenv(arch.env, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-hub"))


def cmmd_reference(image: np.ndarray) -> np.ndarray:
    """CMMD's network input (336 x 336 x 3 float32) for one uint8 H x W x 3 image, step by step as the reference
    code does it: PIL image, centre square crop (offsets by floor division), PIL BICUBIC resize to 336, float32
    array, /255.0, jax.image.resize bicubic to (336, 336, 3) (a shape it already has: jax skips every such
    dimension, so the array is returned unchanged), scenic's normalize_image (mean and std as float32 arrays)."""
    pil = Image.fromarray(image)
    w, h = pil.size
    side = min(w, h)
    top, left = (h - side) // 2, (w - side) // 2
    pil = pil.crop((left, top, left + side, top + side)).resize((336, 336), resample=Image.BICUBIC)
    x = np.asarray(pil).astype(np.float32)
    x = x / 255.0
    assert x.dtype == np.float32 and x.shape == (336, 336, 3)
    return (x - np.asarray(CLIP_MEAN, np.float32)) / np.asarray(CLIP_STD, np.float32)


def _random_image(size) -> np.ndarray:
    return np.random.default_rng(sum(size)).integers(0, 256, (*size, 3), dtype=np.uint8)


def _chw(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1)[None]


@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
def test_network_input_equals_cmmds_reference_steps(size):
    image = _random_image(size)
    cropped = crop_and_resize_cmmd(_chw(image))
    assert cropped.dtype == torch.uint8 and cropped.shape == (1, 3, 336, 336)
    ours = preprocess_cmmd(_chw(image))
    assert ours.dtype == torch.float32 and ours.shape == (1, 3, 336, 336)
    assert np.array_equal(ours[0].permute(1, 2, 0).numpy(), cmmd_reference(image))


def test_an_image_already_336_is_not_resampled_and_odd_offsets_floor():
    image = _random_image((336, 336))
    assert np.array_equal(crop_and_resize_cmmd(_chw(image))[0].permute(1, 2, 0).numpy(), image)
    wide = _random_image((336, 339))  # 3 columns too many: the crop starts at column 1 (floor of 1.5)
    assert np.array_equal(crop_and_resize_cmmd(_chw(wide))[0].permute(1, 2, 0).numpy(), wide[:, 1:337])


def test_registered_with_cmmds_preprocessing_and_the_others_keep_clean_fids():
    assert ARCHS["ViT-L-14-336"].name == "clip-vitl14-336" and ARCHS["ViT-L-14-336"].preprocessing == "cmmd"
    assert "CMMD" in EXTRACTORS["clip-vitl14-336"]
    table = open_clip.get_pretrained_cfg("ViT-L-14-336", "openai")
    assert table["hf_hub"].rstrip("/") == ARCHS["ViT-L-14-336"].repo and table["quick_gelu"] is True
    assert open_clip.get_model_config("ViT-L-14-336")["vision_cfg"]["image_size"] == 336
    assert ARCHS["ViT-L-14"].preprocessing == ARCHS["ViT-B-32"].preprocessing == "clean-fid"


def test_missing_weights_name_the_file_the_url_and_the_environment_variable(tmp_path, capsys):
    with pytest.raises(WeightsNotFound) as caught:
        get_extractor("clip-vitl14-336")
    message = str(caught.value)
    assert "CLIP ViT-L/14 at 336 pixels (OpenAI) weights not found" in message
    assert URL in message and ENV in message and "--weights" in message
    assert "models--timm--vit_large_patch14_clip_336.openai" in message
    for name, seed in [("fake", 1), ("real", 2)]:
        assert main(["export", "digits", str(tmp_path / name), "--n", "2", "--seed", str(seed)]) == 0
    capsys.readouterr()
    score = ["score", str(tmp_path / "fake"), "--ref", str(tmp_path / "real"), "--extractor", "clip-vitl14-336"]
    assert main([*score, "--metrics", "fid", "--bootstrap", "0", "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "open_clip_model.safetensors" in err and URL in err and ENV in err


@pytest.mark.slow
def test_features_equal_open_clips_encode_image(tmp_path, monkeypatch):
    """With seeded random weights (from the environment variable), the extractor's features are open_clip's own
    `encode_image` of the whole ViT-L-14-336 CLIP model (create_model, quick_gelu) on the same input tensor;
    the provenance states CMMD's preprocessing. About 60 s on two cores."""
    state = make_test_state("ViT-L-14-336", seed=0)
    path = save_safetensors(tmp_path / "open_clip_model.safetensors", state)
    monkeypatch.setenv(ENV, str(path))
    extractor = get_extractor("clip-vitl14-336")
    assert isinstance(extractor, CLIPExtractor) and extractor.weights_source == "environment"
    assert extractor.name == "clip-vitl14-336" and extractor.dim == 768
    made = extractor.provenance()
    assert "CMMD" in made["preprocessing"] and "336x336" in made["preprocessing"]
    assert made["preprocessing"] != PREPROCESSING
    images = [_random_image((120, 90)), _random_image((64, 64))]
    ours = np.concatenate([extractor.extract(_chw(image))["features"] for image in images])
    with torch.random.fork_rng(devices=[]):
        model = open_clip.create_model("ViT-L-14-336", pretrained=None, force_quick_gelu=True).eval()
    loaded = model.load_state_dict(state, strict=False)
    assert not loaded.unexpected_keys and not [key for key in loaded.missing_keys if key.startswith("visual.")]
    inputs = [torch.from_numpy(cmmd_reference(image)).permute(2, 0, 1)[None] for image in images]
    with torch.no_grad():  # one image a batch on both sides, as the sizes differ
        theirs = np.concatenate([model.encode_image(tensor).numpy() for tensor in inputs])
    assert ours.shape == (2, 768) and np.isfinite(ours).all() and not np.allclose(ours[0], ours[1])
    assert np.array_equal(ours, theirs.astype(np.float64))
