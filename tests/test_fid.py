"""FID against the classic sqrtm formula, torch-fidelity 0.4, closed forms and invariants."""

import warnings

import numpy as np
import pytest
import scipy.linalg
import torch
from conftest import correlated_gaussian
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch_fidelity.metric_fid import fid_statistics_to_metric

from ganeval.metrics import (
    FrechetReference,
    GaussianStats,
    SingularCovarianceWarning,
    fid_from_features,
    fid_infinity,
    frechet_distance,
    gaussian_stats,
)
from ganeval.metrics.fid import fid_from_sums


def sqrtm_fid(mu1, s1, mu2, s2):
    """The classic formula of pytorch-fid and TTUR, written out independently."""
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real))


@pytest.mark.parametrize("seed,n,d", [(0, 600, 64), (1, 1500, 256), (2, 900, 512)])
def test_matches_sqrtm_formula(seed, n, d):
    rng = np.random.default_rng(seed)
    s1 = gaussian_stats(correlated_gaussian(rng, n, d))
    s2 = gaussian_stats(correlated_gaussian(rng, n, d, shift=0.1, scale=1.2))
    assert frechet_distance(*s1, *s2) == pytest.approx(sqrtm_fid(*s1, *s2), rel=1e-6)


def test_matches_torch_fidelity_at_2048_dims():
    rng = np.random.default_rng(7)
    s1 = gaussian_stats(correlated_gaussian(rng, 5000, 2048))
    s2 = gaussian_stats(correlated_gaussian(rng, 5000, 2048, shift=0.05, scale=1.1))
    peer = fid_statistics_to_metric({"mu": s1[0], "sigma": s1[1]}, {"mu": s2[0], "sigma": s2[1]}, verbose=False)
    ours = frechet_distance(*s1, *s2)
    assert ours == pytest.approx(peer["frechet_inception_distance"], rel=1e-6)
    assert ours > 10  # a real, non-trivial distance


def test_closed_form_diagonal_gaussians(rng):
    d = 50
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    a, b = rng.uniform(0.1, 3, d), rng.uniform(0.1, 3, d)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)


def test_closed_form_pinned_value():
    # N(0, I) vs N(1, 4I) in 3-D: 3 * 1^2 + 3 * (1 - 2)^2 = 6
    assert frechet_distance(np.zeros(3), np.eye(3), np.ones(3), 4 * np.eye(3)) == pytest.approx(6.0, abs=1e-12)


def test_identical_statistics_give_zero(rng):
    mu, sigma = gaussian_stats(correlated_gaussian(rng, 400, 32))
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)


def test_fewer_samples_than_dimensions_is_finite_with_warning(rng):
    s1 = gaussian_stats(rng.standard_normal((40, 100)))
    s2 = gaussian_stats(rng.standard_normal((40, 100)) + 0.5)
    with pytest.warns(
        SingularCovarianceWarning,
        match=r"no more samples than dimensions \(100\), or features that never vary.*"
        r"pass more reference samples than dimensions \(or a larger --n",
    ):
        value = frechet_distance(*s1, *s2)
    assert np.isfinite(value) and value > 0
    # a singular reference factorised by eigh still gives the exact value for PSD inputs
    assert value == pytest.approx(sqrtm_fid(*s1, *s2), rel=1e-4)


@pytest.mark.parametrize("n,m,d", [(48, 48, 512), (20, 60, 100), (90, 30, 90)])
def test_sample_space_fid_for_few_samples_equals_the_covariance_formula(rng, n, m, d):
    real, fake = rng.standard_normal((n, d)), rng.standard_normal((m, d)) * 1.3 + 0.1
    with pytest.warns(SingularCovarianceWarning):
        few = fid_from_features(real, fake)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularCovarianceWarning)
        expected = sqrtm_fid(*gaussian_stats(real), *gaussian_stats(fake))
    assert few == pytest.approx(expected, rel=1e-6)


def test_streaming_stats_equal_batch_stats_and_merge_by_addition(rng):
    x = correlated_gaussian(rng, 1000, 20, shift=3.0)
    mu, sigma = gaussian_stats(x)
    shards = [GaussianStats.from_features(part) for part in np.array_split(x, 3)]
    merged = shards[0] + shards[1] + shards[2]
    streamed = GaussianStats.empty(20)
    for batch in np.array_split(x, 7):
        streamed.update(batch)
    for stats in (merged, streamed):
        assert stats.count == 1000
        np.testing.assert_allclose(stats.mean, mu, rtol=1e-12)
        np.testing.assert_allclose(stats.covariance, sigma, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False), rtol=1e-10)


def test_torch_input_accepted():
    x = torch.randn(200, 8, generator=torch.Generator().manual_seed(0))
    y = x + 1.0
    assert fid_from_features(x, y) == pytest.approx(8.0, rel=1e-6)  # shift by 1 in 8 dims (float32 input)


def test_cached_reference_equals_direct(rng):
    s1 = gaussian_stats(correlated_gaussian(rng, 500, 30))
    s2 = gaussian_stats(correlated_gaussian(rng, 500, 30, shift=0.2))
    ref = FrechetReference.from_stats(*s1)
    assert ref.distance(*s2) == frechet_distance(*s1, *s2)


def test_fid_infinity_removes_small_sample_bias():
    rng = np.random.default_rng(3)
    d, shift = 64, 0.25
    truth = d * shift**2  # N(0, I) vs N(shift, I)
    reference = (np.zeros(d), np.eye(d))
    fake = rng.standard_normal((4000, d)) + shift
    result = fid_infinity(reference, fake, num_points=15, seed=0)
    fid_n = frechet_distance(*reference, *gaussian_stats(fake))
    assert fid_n > truth  # FID is biased upwards at finite N
    assert abs(result.value - truth) < 0.25 * abs(fid_n - truth)
    assert result.slope > 0 and len(result.sizes) == 15
    assert result.fids[-1] == pytest.approx(fid_n, rel=1e-9)  # the last point uses all samples


def test_fid_infinity_is_seeded(rng):
    fake = rng.standard_normal((300, 5))
    ref = (np.zeros(5), np.eye(5))
    assert fid_infinity(ref, fake, seed=1).value == fid_infinity(ref, fake, seed=1).value
    assert fid_infinity(ref, fake, seed=1).value != fid_infinity(ref, fake, seed=2).value


@pytest.mark.parametrize(
    "args,match",
    [
        ((np.zeros(3), np.eye(3), np.zeros(4), np.eye(4)), "dimension 4 but the reference has dimension 3"),
        ((np.zeros(3), np.eye(2), np.zeros(3), np.eye(3)), r"sigma1 must be a square matrix matching mu1"),
        ((np.array([0.0, np.nan, 0.0]), np.eye(3), np.zeros(3), np.eye(3)), "mu1 contains 1 NaN or infinite"),
        ((np.zeros(3), np.eye(3), np.zeros(3), np.full((3, 3), np.inf)), "sigma2 contains 9 NaN"),
    ],
)
def test_bad_statistics_raise(args, match):
    with pytest.raises(ValueError, match=match):
        frechet_distance(*args)


def test_bad_features_raise(rng):
    with pytest.raises(ValueError, match="real has dimension 3 but fake has dimension 4"):
        fid_from_features(rng.random((10, 3)), rng.random((10, 4)))
    with pytest.raises(ValueError, match="features has 1 sample"):
        gaussian_stats(rng.random((1, 3)))
    with pytest.raises(ValueError, match="must be a 2-D array"):
        gaussian_stats(rng.random(10))
    with pytest.raises(ValueError, match="batch has dimension 2 but these statistics have dimension 3"):
        GaussianStats.empty(3).update(rng.random((4, 2)))


finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (12, 3), elements=finite), arrays(np.float64, (9, 3), elements=finite))
def test_properties_symmetric_nonnegative_order_invariant(x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularCovarianceWarning)
        forward = fid_from_features(x, y)
        backward = fid_from_features(y, x)
        shuffled = fid_from_features(x[::-1], y[np.argsort(y[:, 0], kind="stable")])
    assert forward >= 0
    scale = 1 + abs(forward)
    assert backward == pytest.approx(forward, abs=1e-6 * scale)
    assert shuffled == pytest.approx(forward, abs=1e-6 * scale)


def _exact_fid(real: np.ndarray, fake: np.ndarray) -> float:
    """FID of the two feature sets' statistics in 40-digit arithmetic (mpmath): tr((S1 S2)^(1/2)) as the sum
    of the singular values of A B^T / sqrt((n - 1)(m - 1)) for the centred features A and B."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(40):
        sides = []
        for x in (real, fake):
            rows = mpmath.matrix(x.tolist())
            mean = [mpmath.fsum(rows[i, j] for i in range(rows.rows)) / rows.rows for j in range(rows.cols)]
            centred = mpmath.matrix([[rows[i, j] - mean[j] for j in range(rows.cols)] for i in range(rows.rows)])
            sides.append((mean, centred, rows.rows - 1))
        (mu1, a, n1), (mu2, b, m1) = sides
        trace_sqrt = mpmath.fsum(mpmath.svd_r(a * b.T, compute_uv=False)) / mpmath.sqrt(n1 * m1)
        traces = mpmath.fsum(v**2 for v in a) / n1 + mpmath.fsum(v**2 for v in b) / m1
        return float(mpmath.fsum((p - q) ** 2 for p, q in zip(mu1, mu2)) + traces - 2 * trace_sqrt)


@pytest.mark.parametrize("n,m,d", [(16, 16, 48), (16, 80, 48), (80, 16, 48)])
def test_singular_covariances_give_the_exact_value(n, m, d):
    """With no more samples than dimensions the null space's round-off eigenvalues (half of them positive)
    once added their square roots: 1.2-1.8e-8 relative from mu and sigma. Now exact to round-off, from the
    statistics, the sums and the features; torch-fidelity stays within its own places=5 of the exact value."""
    rng = np.random.default_rng(n * m)
    real, fake = rng.standard_normal((n, d)), rng.standard_normal((m, d)) + 0.3
    exact = _exact_fid(real, fake)
    s1, s2 = gaussian_stats(real), gaussian_stats(fake)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularCovarianceWarning)
        values = {
            "stats": frechet_distance(*s1, *s2),
            "features": fid_from_features(real, fake),
            "sums": fid_from_sums(GaussianStats.from_features(real), GaussianStats.from_features(fake)),
        }
    for path, value in values.items():
        assert value == pytest.approx(exact, rel=1e-12, abs=0), path
    peer = fid_statistics_to_metric({"mu": s1[0], "sigma": s1[1]}, {"mu": s2[0], "sigma": s2[1]}, verbose=False)
    assert round(peer["frechet_inception_distance"] - exact, 5) == 0


def test_nonsingular_covariances_are_unchanged_by_the_span_cut(rng):
    """Positive definite statistics keep every eigenvalue: equal to the sqrtm formula as before."""
    s1 = gaussian_stats(correlated_gaussian(rng, 400, 32))
    s2 = gaussian_stats(correlated_gaussian(rng, 400, 32, shift=0.1, scale=1.2))
    assert frechet_distance(*s1, *s2) == pytest.approx(sqrtm_fid(*s1, *s2), rel=1e-9)
