"""Inception's --resize legacy-tf|clean (issue 15, part 2): clean equals clean-fid's own resizer, feeds the
network its float images exactly, and is recorded in the provenance, the cache key, statistics files and
baselines; the default (legacy-tf) keeps today's provenance and cache keys, byte for byte.

InceptionV3 runs on the calibrated random stand-in weights (inception_test_weights.py) and few images:
it takes about a second an image on a busy 2-core CPU.
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from cleanfid.resize import make_resizer
from inception_test_weights import make_test_images
from torch_fidelity import feature_extractor_inceptionv3 as tf_inception

import ganeval
from ganeval.cache.keys import cache_key
from ganeval.cli import main
from ganeval.errors import GanevalError
from ganeval.features import get_extractor
from ganeval.features.base import sha256_of_file
from ganeval.features.inception import InceptionExtractor
from ganeval.features.resize import clean_resize
from ganeval.gate.core import _mismatches, _settings
from ganeval.options import Extraction, MetricOptions

ROOT = Path(__file__).resolve().parents[1]
DIGITS_BASELINE = ROOT / "ci" / "dcgan-digits.baseline.json"
# inception's preprocessing text before --resize existed: the default's provenance and cache keys must keep it
LEGACY_TEXT = (
    "RGB uint8 in, resized to 299x299 inside the network by torch-fidelity's TF-compatible "
    "bilinear resize, then scaled to [-1, 1]"
)
FAST = MetricOptions(bootstrap=0)


@pytest.fixture(scope="module")
def weights(inception_test_weights):
    return inception_test_weights


@pytest.fixture(scope="module")
def legacy(weights):
    return InceptionExtractor(weights=weights)


@pytest.fixture(scope="module")
def clean(weights):
    return InceptionExtractor(weights=weights, extraction=Extraction(resize="clean"))


def clean_fid_resized(images: torch.Tensor) -> np.ndarray:
    """clean-fid's "clean" resizer on each image (it takes H x W x 3 uint8), back to N x 3 x 299 x 299."""
    resizer = make_resizer("PIL", False, "bicubic", (299, 299))
    return np.stack([resizer(image.permute(1, 2, 0).numpy()).transpose(2, 0, 1) for image in images])


@pytest.mark.parametrize("height, width", [(32, 32), (48, 64), (299, 299), (512, 512)])
def test_clean_resize_equals_clean_fid(height, width):
    images = make_test_images(2, seed=height + width, size=max(height, width))[:, :, :height, :width]
    ours = clean_resize(images)
    assert ours.dtype == torch.float32 and tuple(ours.shape) == (2, 3, 299, 299)
    np.testing.assert_array_equal(ours.numpy(), clean_fid_resized(images))
    if (height, width) != (299, 299):
        assert not np.array_equal(ours.numpy(), ours.numpy().round())  # kept in float, not re-quantised


def test_the_default_keeps_todays_provenance_and_cache_keys(weights, legacy):
    today = {"extractor": "inception", "weights_sha256": sha256_of_file(weights), "preprocessing": LEGACY_TEXT}
    assert legacy.provenance() == today
    assert get_extractor("inception", Extraction(weights=weights)).provenance() == today  # resize None: the default
    source = {"array": "0" * 64}
    assert cache_key(source, legacy.provenance()) == cache_key(source, today)
    assert get_extractor("digits", Extraction(resize=None)).provenance() == get_extractor("digits").provenance()


def test_clean_is_recorded_and_keys_another_cache_entry(legacy, clean):
    made = clean.provenance()
    assert made["resize"] == "clean" and "resize" not in legacy.provenance()
    assert made["preprocessing"] != legacy.provenance()["preprocessing"]
    assert "PIL bicubic" in made["preprocessing"] and "not re-quantised" in made["preprocessing"]
    source = {"array": "0" * 64}
    assert cache_key(source, made) != cache_key(source, legacy.provenance())


def test_clean_feeds_the_network_clean_fids_float_images_exactly(clean, legacy):
    images = make_test_images(2, seed=11, size=32)
    ours = clean.extract(images)
    # the reference: torch-fidelity's own forward run on clean-fid's float images (its uint8 check lifted)
    with mock.patch.object(tf_inception, "vassert", lambda condition, message: None), torch.no_grad():
        features, logits = clean.network(torch.from_numpy(clean_fid_resized(images)))
    np.testing.assert_array_equal(ours["features"], features.double().numpy())
    np.testing.assert_array_equal(ours["logits"], logits.double().numpy())
    assert np.abs(ours["features"] - legacy.extract(images)["features"]).max() > 1e-3  # the resizes differ


def test_at_299_both_resizes_are_the_identity(clean, legacy):
    images = make_test_images(1, seed=12, size=299)
    np.testing.assert_array_equal(clean.extract(images)["features"], legacy.extract(images)["features"])


def test_extractors_without_a_resize_refuse_one():
    for name in ("digits", "points"):
        with pytest.raises(GanevalError, match=f"the {name} extractor .* takes no resize.*--resize clean") as caught:
            get_extractor(name, Extraction(resize="clean"))
        assert caught.value.argument == "resize"
    with pytest.raises(GanevalError, match="resize must be one of legacy-tf, clean") as caught:
        get_extractor("inception", Extraction(resize="bilinear"))
    assert caught.value.argument == "resize"


def test_cli_flag(capsys):
    assert main(["score", "digits", "--ref", "digits", "--resize", "clean", "--quiet"]) == 2
    assert "--resize clean" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["score", "digits", "--ref", "digits", "--resize", "bilinear"])
    assert caught.value.code == 2
    assert "invalid choice: 'bilinear'" in capsys.readouterr().err


def test_a_statistics_file_made_clean_refuses_the_default(tmp_path, weights):
    reference = make_test_images(2, seed=13, size=32)
    path = ganeval.stats(
        reference,
        tmp_path / "reference.npz",
        "inception",
        extraction=Extraction(weights=weights, resize="clean", progress=False),
    )
    generated = make_test_images(2, seed=14, size=32)
    with pytest.raises(GanevalError, match="resize 'clean' \\(file\\) vs 'default'"):
        ganeval.score(
            generated, path, "inception", ["fid"], options=FAST, extraction=Extraction(weights=weights, progress=False)
        )


def test_a_baseline_refuses_another_resize(tmp_path, capsys):
    def clean_inception(payload):
        payload["provenance"].update(extractor="inception", weights_sha256="6726825d" * 8, resize="clean")

    payload = json.loads(DIGITS_BASELINE.read_text())
    clean_inception(payload)
    baseline = tmp_path / "clean.json"
    baseline.write_text(json.dumps(payload))
    with pytest.raises(GanevalError, match="scored with --resize clean; a candidate resized with legacy-tf") as caught:
        ganeval.check(str(ROOT / "ci" / "dcgan-digits"), str(baseline), extraction=Extraction(resize="legacy-tf"))
    assert caught.value.argument == "resize"
    assert main(["check", str(ROOT / "ci" / "dcgan-digits"), "--baseline", str(baseline), "--resize", "legacy-tf"]) == 2
    assert "Check with --resize clean" in capsys.readouterr().err
    # and what check compares after scoring: a recorded resize against none (the default)
    before = _settings(payload["provenance"], ["fid"], None)
    after = _settings({**payload["provenance"], "resize": None}, ["fid"], None)
    assert _mismatches(before, after) == ["resize: baseline 'clean', candidate None"]


@pytest.mark.slow  # about 40 s here: a baseline and a check, each extracting both sides
def test_baseline_and_check_with_clean(tmp_path, weights):
    reference = tmp_path / "reference.npy"  # check finds the reference by path
    np.save(reference, make_test_images(3, seed=15, size=32).numpy())
    candidate = make_test_images(3, seed=16, size=32)
    common = dict(weights=weights, cache=False, progress=False, device="cpu")
    baseline = ganeval.make_baseline(
        candidate,
        str(reference),
        options=FAST,
        extractor="inception",
        metrics=["fid"],
        **common,
        extraction=Extraction(resize="clean"),
    )
    assert baseline.provenance["resize"] == "clean"
    report = ganeval.check(candidate, baseline, tolerances={"fid": 1.0}, **common)
    assert report.passed  # the baseline's resize by default: the same features, the same FID
