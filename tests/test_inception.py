"""The inception extractor against torch-fidelity 0.4: same weights file, same images, same numbers.

The real InceptionV3 weights cannot be downloaded here, so every test runs on the calibrated
random stand-in from inception_test_weights.py; both sides load the same file. InceptionV3 runs
at about 2 images/s on a 2-core CPU, so batches are small.
"""

from __future__ import annotations

import json
import time
import urllib.error

import numpy as np
import pytest
import torch
import torch_fidelity
from inception_test_weights import make_test_images
from PIL import Image
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from ganeval.cli import main
from ganeval.features import inception
from ganeval.features.base import sha256_of_file
from ganeval.features.inception import (
    WEIGHTS_ENV,
    WEIGHTS_FILE,
    WEIGHTS_URL,
    InceptionExtractor,
    InceptionWeightsInvalid,
    InceptionWeightsNotFound,
    resolve_weights,
)

TF_SEED = 2020  # torch-fidelity's default rng_seed: KID subsets and IS shuffling


@pytest.fixture(scope="module")
def inception_weights(inception_test_weights):
    return inception_test_weights


@pytest.fixture(scope="module")
def extractor(inception_weights):
    return InceptionExtractor(weights=inception_weights)


@pytest.fixture(scope="module")
def peer(inception_weights):
    return FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=str(inception_weights)
    )


def peer_outputs(peer, batch):
    with torch.no_grad():
        features, logits = peer(batch)
    return features.double().numpy(), logits.double().numpy()


def test_outputs_equal_torch_fidelity_exactly(extractor, peer, inception_weights):
    batch = make_test_images(6, seed=7)
    ours = extractor.extract(batch)
    features, logits = peer_outputs(peer, batch)
    assert ours["features"].dtype == np.float64 and ours["features"].shape == (6, 2048)
    assert ours["logits"].dtype == np.float64 and ours["logits"].shape == (6, 1008)
    np.testing.assert_array_equal(ours["features"], features)
    np.testing.assert_array_equal(ours["logits"], logits)
    assert extractor.weights_sha256 == sha256_of_file(inception_weights)
    assert extractor.provenance()["extractor"] == "inception"
    assert not np.allclose(ours["features"][0], ours["features"][1], rtol=1e-3)  # weights tell images apart


def test_any_image_size_and_numpy_input(extractor, peer):
    batch = make_test_images(2, seed=8, size=50)[:, :, :37, :]  # 37 x 50, not square
    ours = extractor.extract(batch.numpy())
    features, logits = peer_outputs(peer, batch)
    np.testing.assert_array_equal(ours["features"], features)
    np.testing.assert_array_equal(ours["logits"], logits)


def write_folder(folder, images):
    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(folder / f"{i:03d}.png")
    return folder


def test_fid_kid_is_on_folders_equal_torch_fidelity(inception_weights, tmp_path, monkeypatch):
    """End to end: `ganeval score FAKE --ref REAL --extractor inception --weights W` against the peer."""
    n, kid_subsets, kid_subset_size = 12, 3, 10
    fake_dir = write_folder(tmp_path / "fake", make_test_images(n, seed=101, smoothness=4))
    real_dir = write_folder(tmp_path / "real", make_test_images(n, seed=202, smoothness=8))
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "result.json"
    code = main(
        [
            "score",
            str(fake_dir),
            "--ref",
            str(real_dir),
            "--extractor",
            "inception",
            "--weights",
            str(inception_weights),
            "--metrics",
            "fid,kid,inception_score",
            "--kid-subsets",
            str(kid_subsets),
            "--kid-subset-size",
            str(kid_subset_size),
            "--is-splits",
            "1",
            "--seed",
            str(TF_SEED),
            "--bootstrap",
            "0",
            "--quiet",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    result = json.loads(out.read_text())
    fid, kid, isc = (result["metrics"][name]["value"] for name in ("fid", "kid", "inception_score"))
    assert result["provenance"]["weights_sha256"] == sha256_of_file(inception_weights)

    peer = torch_fidelity.calculate_metrics(
        input1=str(fake_dir),
        input2=str(real_dir),
        cuda=False,
        fid=True,
        kid=True,
        isc=True,
        feature_extractor="inception-v3-compat",
        feature_extractor_weights_path=str(inception_weights),
        kid_subsets=kid_subsets,
        kid_subset_size=kid_subset_size,
        isc_splits=1,
        rng_seed=TF_SEED,
        samples_find_deep=False,
        samples_find_ext="png",
        samples_shuffle=True,
        batch_size=64,
        cache=False,
        save_cpu_ram=True,
        verbose=False,
    )
    assert fid > 10.0 and isc > 1.05 and kid > 0.01  # the weights separate the images: the comparison can fail
    assert fid == pytest.approx(peer["frechet_inception_distance"], rel=1e-4)
    # torch-fidelity computes the KID kernels in float32 (ganeval in float64); on float64
    # features the two agree to 1e-15, on its float32 ones to about 2e-6 (the std, a difference
    # of three nearby values, loses most).
    assert kid == pytest.approx(peer["kernel_inception_distance_mean"], rel=1e-5)
    assert isc == pytest.approx(peer["inception_score_mean"], rel=1e-6)


@pytest.fixture
def empty_hub(monkeypatch, tmp_path):
    """No GANEVAL_INCEPTION_WEIGHTS, torch.hub pointed at an empty folder, the network 'down'."""
    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(inception, "network_reachable", lambda timeout=inception.PROBE_TIMEOUT_S: False)
    return tmp_path / "hub" / "checkpoints" / WEIGHTS_FILE


def test_missing_weights_offline_says_how_to_get_them(empty_hub):
    with pytest.raises(InceptionWeightsNotFound, match="network is unreachable") as info:
        InceptionExtractor()
    message = str(info.value)
    for needed in (WEIGHTS_FILE, WEIGHTS_URL, str(empty_hub), "--weights PATH", WEIGHTS_ENV):
        assert needed in message


def test_downloads_can_be_disabled(empty_hub, monkeypatch):
    monkeypatch.setattr(inception, "network_reachable", lambda timeout=0: pytest.fail("probed the network"))
    with pytest.raises(InceptionWeightsNotFound, match=r"allow_download=False"):
        InceptionExtractor(allow_download=False)


@pytest.mark.parametrize("via_env", [False, True])
def test_a_given_path_that_does_not_exist_is_named(empty_hub, monkeypatch, tmp_path, via_env):
    missing = tmp_path / "nowhere" / "inception.pth"
    if via_env:
        monkeypatch.setenv(WEIGHTS_ENV, str(missing))
    with pytest.raises(InceptionWeightsNotFound, match="does not exist") as info:
        InceptionExtractor() if via_env else InceptionExtractor(weights=missing)
    assert str(missing) in str(info.value)
    assert (WEIGHTS_ENV in str(info.value)) if via_env else ("weights argument" in str(info.value))


def test_lookup_order_argument_env_cache(empty_hub, monkeypatch, tmp_path, inception_weights):
    empty_hub.parent.mkdir(parents=True)
    empty_hub.symlink_to(inception_weights)
    assert resolve_weights() == (empty_hub, "cache")
    monkeypatch.setenv(WEIGHTS_ENV, str(inception_weights))
    assert resolve_weights() == (inception_weights, "environment")
    assert resolve_weights(empty_hub) == (empty_hub, "argument")


def test_unloadable_file_is_named(tmp_path):
    bad = tmp_path / "inception.pth"
    bad.write_bytes(b"not a state dict")
    with pytest.raises(InceptionWeightsInvalid, match="cannot be loaded") as info:
        InceptionExtractor(weights=bad)
    assert str(bad) in str(info.value)


def test_failed_download_says_how_to_get_the_weights(empty_hub, monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("connection refused")

    monkeypatch.setattr(inception, "network_reachable", lambda timeout=0: True)
    monkeypatch.setattr(inception.torch.hub, "download_url_to_file", refuse)
    with pytest.raises(InceptionWeightsNotFound, match="Downloading InceptionV3 weights .* failed") as info:
        InceptionExtractor()
    assert str(empty_hub) in str(info.value) and WEIGHTS_ENV in str(info.value)


def test_network_probe_is_bounded_by_its_timeout(monkeypatch):
    def hung_lookup(*args, **kwargs):
        time.sleep(1.5)
        raise OSError("name resolution timed out")

    monkeypatch.setattr(inception.socket, "create_connection", hung_lookup)
    start = time.perf_counter()
    assert inception.network_reachable(timeout=0.2) is False
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "batch,match",
    [
        (torch.zeros((2, 3, 8, 8), dtype=torch.float32), "dtype uint8"),
        (torch.zeros((2, 8, 8, 3), dtype=torch.uint8), "channels last"),
        (torch.zeros((3, 8, 8), dtype=torch.uint8), r"N x 3 x H x W"),
        ([[0]], "uint8 torch tensor or numpy array"),
    ],
)
def test_bad_batches_are_explained(extractor, batch, match):
    with pytest.raises(ValueError, match=match):
        extractor.extract(batch)


def test_empty_batch(extractor):
    out = extractor.extract(torch.zeros((0, 3, 64, 64), dtype=torch.uint8))
    assert out["features"].shape == (0, 2048) and out["logits"].shape == (0, 1008)
