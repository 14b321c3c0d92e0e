"""Bundled digits data and the `digits` extractor: data layout, committed weights, outputs, errors."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from ganeval.data.digits import digits_split, load_digits_images, stacked_digits
from ganeval.features.base import sha256_of_file
from ganeval.features.digits import DEFAULT_WEIGHTS, DigitsExtractor


@pytest.fixture(scope="module")
def gray():
    return DigitsExtractor()


@pytest.fixture(scope="module")
def stacked():
    return DigitsExtractor(channels=3)


# -- data ---------------------------------------------------------------------------------------


def test_load_digits_images_layout_and_values():
    images, labels = load_digits_images()
    assert images.shape == (1797, 1, 32, 32) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 255
    assert np.bincount(labels).tolist() == np.bincount(load_digits().target).tolist()
    # independent upsampling: torch's bilinear interpolation (half-pixel centres) of the 0..255 digits
    small = torch.from_numpy(load_digits().images * (255.0 / 16.0))[:, None]
    expected = F.interpolate(small, size=(32, 32), mode="bilinear", align_corners=False)
    np.testing.assert_array_equal(images, expected.round().clamp(0, 255).to(torch.uint8).numpy())


def test_load_digits_images_is_cached_and_read_only():
    first, second = load_digits_images(), load_digits_images()
    assert first[0] is second[0] and first[1] is second[1]
    with pytest.raises(ValueError):
        first[0][0, 0, 0, 0] = 1


def test_digits_split_is_fixed_stratified_and_disjoint():
    _, labels = load_digits_images()
    train, held = digits_split()
    assert train.dtype == held.dtype == np.int64
    assert np.intersect1d(train, held).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, held])), np.arange(labels.size))
    per_class = np.bincount(labels[held], minlength=10) / np.bincount(labels)
    assert np.all(np.abs(per_class - 0.2) < 0.02)
    np.testing.assert_array_equal(held, digits_split()[1])
    assert not np.array_equal(held, digits_split(seed=1)[1])


def test_stacked_digits_layout_determinism_and_modes():
    images, modes = stacked_digits(200, seed=3)
    assert images.shape == (200, 3, 32, 32) and images.dtype == np.uint8
    assert modes.shape == (200,) and modes.dtype == np.int64
    assert modes.min() >= 0 and modes.max() <= 999
    again, again_modes = stacked_digits(200, seed=3)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(modes, again_modes)
    assert not np.array_equal(images, stacked_digits(200, seed=4)[0])
    # every channel is a bundled digit whose label is the matching decimal digit of the mode
    digits, labels = load_digits_images()
    label_of = {digits[i, 0].tobytes(): labels[i] for i in range(labels.size)}
    drawn = np.array([[label_of[images[s, c].tobytes()] for c in range(3)] for s in range(200)])
    np.testing.assert_array_equal(modes, 100 * drawn[:, 0] + 10 * drawn[:, 1] + drawn[:, 2])


def test_stacked_digits_rejects_bad_n():
    with pytest.raises(ValueError, match=r"n must be an integer >= 0; got -1"):
        stacked_digits(-1)


# -- extractor ----------------------------------------------------------------------------------


def test_committed_weights_held_out_accuracy(gray):
    images, labels = load_digits_images()
    _, held = digits_split()
    accuracy = np.mean(gray.extract(images[held])["modes"] == labels[held])
    assert accuracy >= 0.97, f"held-out accuracy {accuracy:.4f} < 0.97"


def test_grayscale_outputs(gray):
    images, _ = load_digits_images()
    batch = torch.from_numpy(images[:50].copy())
    out = gray.extract(batch)
    assert set(out) == {"features", "logits", "modes"}
    assert out["features"].shape == (50, gray.feature_dim) and out["features"].dtype == np.float64
    assert out["logits"].shape == (50, 10) and out["logits"].dtype == np.float64
    assert out["modes"].dtype == np.int64
    np.testing.assert_array_equal(out["modes"], out["logits"].argmax(axis=1))
    for key, value in gray.extract(batch).items():  # deterministic
        np.testing.assert_array_equal(value, out[key])
    with warnings.catch_warnings():  # the cached, read-only numpy images go in as they are
        warnings.simplefilter("error")
        np.testing.assert_allclose(gray.extract(images[:50])["logits"], out["logits"], rtol=1e-6, atol=1e-6)
    assert gray.name == "digits" and gray.n_modes == 10 and gray.channels == 1
    assert gray.weights_sha256 == sha256_of_file(DEFAULT_WEIGHTS)
    assert gray.provenance()["weights_sha256"] == gray.weights_sha256


def test_stacked_outputs_and_logits_layout(stacked):
    images, true_modes = stacked_digits(300, seed=0)
    out = stacked.extract(torch.from_numpy(images))
    assert out["features"].shape == (300, stacked.feature_dim) and out["features"].dtype == np.float64
    assert out["logits"].shape == (300, 1000) and out["logits"].dtype == np.float64
    assert out["modes"].dtype == np.int64 and stacked.n_modes == 1000
    assert np.mean(out["modes"] == true_modes) >= 0.9
    np.testing.assert_array_equal(out["logits"].argmax(axis=1), out["modes"])
    # log-probabilities: each row normalises; index 100a + 10b + c is log p_R(a) + log p_G(b) + log p_B(c)
    np.testing.assert_allclose(np.exp(out["logits"]).sum(axis=1), 1.0, rtol=1e-9)
    per_channel = [
        torch.log_softmax(torch.from_numpy(DigitsExtractor().extract(images[:5, c : c + 1])["logits"]), 1).numpy()
        for c in range(3)
    ]
    a, b, c = 4, 7, 2
    np.testing.assert_allclose(
        out["logits"][:5, 100 * a + 10 * b + c],
        per_channel[0][:, a] + per_channel[1][:, b] + per_channel[2][:, c],
        rtol=1e-5,
    )
    width = stacked.feature_dim // 3
    np.testing.assert_allclose(
        out["features"][:5, width : 2 * width],  # float32 nets: batch size changes the last bits
        DigitsExtractor().extract(images[:5, 1:2])["features"],
        rtol=1e-5,
        atol=1e-5,
    )


def test_resizes_other_sizes():
    extractor = DigitsExtractor()
    images, labels = load_digits_images()
    _, held = digits_split()
    large = F.interpolate(torch.from_numpy(images[held]).float(), size=(64, 64), mode="bilinear")
    out = extractor.extract(large.round().clamp(0, 255).to(torch.uint8))
    assert out["features"].shape == (held.size, extractor.feature_dim)
    assert np.mean(out["modes"] == labels[held]) >= 0.95
    assert "resized 64x64 -> 32x32" in extractor.preprocessing_for([large.shape[-2:]])
    assert "resized" not in extractor.preprocessing  # extracting never changes the extractor (nor its cache keys)


def test_bad_channels_named():
    with pytest.raises(ValueError, match=r"channels must be 1 .* or 3 .*; got 2"):
        DigitsExtractor(channels=2)


def test_bad_batches_named(gray):
    with pytest.raises(ValueError, match=r"shape N x 1 x H x W for the digits extractor; got \(2, 3, 32, 32\)"):
        gray.extract(torch.zeros(2, 3, 32, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"dtype uint8 .* got torch.float32"):
        gray.extract(torch.zeros(2, 1, 32, 32))


def test_unloadable_weights_named(tmp_path):
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"not a state dict")
    with pytest.raises(ValueError, match=r"broken\.pt.*train_digits_classifier\.py"):
        DigitsExtractor(weights=bad)
    with pytest.raises(ValueError, match=r"missing\.pt"):
        DigitsExtractor(weights=tmp_path / "missing.pt")
