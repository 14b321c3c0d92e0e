"""sFID: FID on InceptionV3's mixed_6/conv features (7 channels, 2023-d), against guided-diffusion's formula,
a closed form, and a real extraction with the stand-in weights (tests/inception_test_weights.py)."""

import numpy as np
import pytest
import torch
from inception_test_weights import make_test_images
from scipy import linalg
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from ganeval.cache.statsfile import load_outputs, save_outputs
from ganeval.data import RING8
from ganeval.errors import GanevalError
from ganeval.features import get_extractor
from ganeval.features.inception import SPATIAL_DIM, InceptionExtractor
from ganeval.gate.decision import DEFAULT_TOLERANCES
from ganeval.metrics import Samples, applicable_metrics, compute_metrics, get_metric
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score


def reference_sfid(real: np.ndarray, fake: np.ndarray) -> float:
    """guided-diffusion's FIDStatistics.frechet_distance on mu and np.cov of the flattened spatial features."""
    mu1, mu2 = real.mean(axis=0), fake.mean(axis=0)
    sigma1, sigma2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    covmean = linalg.sqrtm(sigma1.dot(sigma2)).real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def sfid_of(real: np.ndarray, fake: np.ndarray) -> float:
    values = compute_metrics(["sfid"], Samples(spatial=real), Samples(spatial=fake), MetricOptions())
    return values["sfid"].value


def test_equals_the_reference_formula_on_the_same_features(rng):
    mixing = rng.standard_normal((40, 40))
    real = np.maximum(rng.standard_normal((300, 40)) @ mixing, 0)  # ReLU outputs, as mixed_6/conv's
    fake = np.maximum(rng.standard_normal((250, 40)) @ mixing * 1.2 + 0.3, 0)
    assert sfid_of(real, fake) == pytest.approx(reference_sfid(real, fake), rel=1e-9)
    assert sfid_of(real, fake) > 1.0


def _exactly(rng, n: int, d: int, mean: np.ndarray, scale: float) -> np.ndarray:
    """n samples whose sample mean is `mean` and sample covariance scale^2 I, exactly."""
    z = rng.standard_normal((n, d))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)  # sample covariance I
    return mean + scale * z


def test_closed_form_on_gaussians(rng):
    d = 12
    m1, m2 = rng.standard_normal(d), rng.standard_normal(d)
    real, fake = _exactly(rng, 200, d, m1, 1.0), _exactly(rng, 150, d, m2, 2.5)
    expected = float(((m1 - m2) ** 2).sum() + d * (1.0 - 2.5) ** 2)  # |m1 - m2|^2 + tr(I + s^2 I - 2 s I)
    assert sfid_of(real, fake) == pytest.approx(expected, rel=1e-10)
    assert sfid_of(real, real) == pytest.approx(0.0, abs=1e-9)


def test_registered_opt_in_on_the_spatial_features(rng):
    spec = get_metric("sfid")
    assert not spec.higher_is_better and not spec.default and spec.bounds() == (0.0, None)
    assert spec.needs_real == spec.needs_fake == ("spatial",)
    assert DEFAULT_TOLERANCES["sfid"] == "5%"
    features = rng.standard_normal((30, 4))
    plain = Samples(features=features)
    spatial = Samples(features=features, spatial=rng.standard_normal((30, 6)))
    assert "sfid" not in applicable_metrics(spatial, spatial)  # opt-in
    assert "sfid" in applicable_metrics(spatial, spatial, opt_in=True)
    assert "sfid" not in applicable_metrics(plain, plain, opt_in=True)
    with pytest.raises(GanevalError, match="'sfid' needs spatial of the real samples"):
        compute_metrics(["sfid"], plain, spatial)


def test_other_extractors_have_no_spatial_features_and_say_so():
    points, _ = RING8.sample(200, seed=1)
    with pytest.raises(GanevalError, match=r"sfid needs the inception extractor's spatial \(mixed_6/conv\) features"):
        score(
            points, "ring8", metrics=["sfid"], options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False)
        )
    assert not hasattr(get_extractor("points", spatial=True), "spatial")  # offered to inception only


def test_statistics_files_keep_spatial_features_and_refuse_bad_ones(rng, tmp_path):
    features, spatial = rng.standard_normal((5, 4)), rng.standard_normal((5, 6))
    path = save_outputs(tmp_path / "stats.npz", {"features": features, "spatial": spatial}, {"extractor": "x"})
    np.testing.assert_array_equal(load_outputs(path)[0]["spatial"], spatial)
    spatial[2, 3] = np.nan
    save_outputs(path, {"features": features, "spatial": spatial}, {"extractor": "x"})
    with pytest.raises(GanevalError, match="'spatial' holds NaN"):
        load_outputs(path)
    save_outputs(path, {"features": features, "spatial": spatial[:3]}, {"extractor": "x"})
    with pytest.raises(GanevalError, match="'spatial' has float64 values of shape \\(3, 6\\), which do not fit 5"):
        load_outputs(path)


@pytest.fixture(scope="module")
def spatial_extractor(inception_test_weights):
    return InceptionExtractor(weights=inception_test_weights, spatial=True)


@pytest.mark.slow  # about a minute on 2 shared cores: two networks, three images
def test_spatial_features_are_mixed_6_conv_first_7_channels_of_the_same_pass(spatial_extractor, inception_test_weights):
    images = make_test_images(3, seed=5)
    made = spatial_extractor.extract(images)
    assert made["spatial"].shape == (3, SPATIAL_DIM) == (3, 7 * 17 * 17)
    peer = FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048"], feature_extractor_weights_path=str(inception_test_weights)
    )
    caught = {}
    peer.Mixed_6d.branch1x1.register_forward_hook(lambda module, inputs, output: caught.update(out=output.clone()))
    with torch.no_grad():
        (pool,) = peer(images)
    layer = caught["out"].double().numpy()  # N x 192 x 17 x 17, after the ReLU (TF's mixed_6/conv:0)
    np.testing.assert_array_equal(made["spatial"], layer[:, :7].transpose(0, 2, 3, 1).reshape(3, -1))  # NHWC
    np.testing.assert_array_equal(made["features"], pool.double().numpy())  # one pass feeds both
    plain = InceptionExtractor(weights=inception_test_weights)
    assert "spatial" not in plain.extract(images) and "spatial" not in plain.provenance()  # default keys unchanged
    assert spatial_extractor.provenance() == {**plain.provenance(), "spatial": "Mixed_6d.branch1x1[:7]"}
    assert spatial_extractor.extract(images[:0])["spatial"].shape == (0, SPATIAL_DIM)


@pytest.mark.slow  # about two minutes: 28 images through InceptionV3 on the CPU
def test_score_computes_sfid_from_a_real_extraction(inception_test_weights):
    real, fake = make_test_images(14, seed=1), make_test_images(14, seed=2, smoothness=9)
    options = MetricOptions(bootstrap=0)
    common = dict(extractor="inception", weights=inception_test_weights, options=options, progress=False)
    different = score(fake, real, metrics=["sfid", "fid"], **common)
    assert np.isfinite(different.metrics["sfid"].value) and different.metrics["sfid"].value > 1.0
    again = score(real, real, metrics=["sfid"], **common)  # the cached entries now hold the spatial features
    assert again.metrics["sfid"].value == pytest.approx(0.0, abs=1e-6 * different.metrics["sfid"].value)
