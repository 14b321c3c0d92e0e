"""Precision/recall/density/coverage against the prdc package and torch-fidelity; invariants."""

import numpy as np
import pytest
import torch
from conftest import quiet
from prdc import compute_prdc
from torch_fidelity.metric_prc import calculate_precision_recall_full

from ganeval.metrics import knn_radii, precision_recall_density_coverage
from ganeval.metrics.prdc import prdc_per_sample


@pytest.mark.parametrize(
    "seed,n_real,n_fake,d,k,scale",
    [(0, 300, 300, 16, 5, 1.2), (1, 250, 400, 64, 3, 1.1), (2, 500, 200, 8, 10, 1.2), (3, 120, 130, 2048, 5, 1.0)],
)
def test_matches_prdc_package(seed, n_real, n_fake, d, k, scale):
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((n_real, d))
    fake = rng.standard_normal((n_fake, d)) * scale + 0.3 / np.sqrt(d)
    with quiet():
        peer = compute_prdc(real, fake, k)
    ours = precision_recall_density_coverage(real, fake, k, tile=64)  # small tiles: many blocks
    for name in ("precision", "recall", "density", "coverage"):
        assert getattr(ours, name) == pytest.approx(peer[name], abs=1e-12), name
    assert 0 < ours.precision < 1 and 0 < ours.coverage < 1  # a case that can fail


@pytest.mark.parametrize("seed,k", [(0, 3), (1, 5)])
def test_precision_recall_match_torch_fidelity(seed, k):
    rng = np.random.default_rng(seed)
    real, fake = rng.standard_normal((300, 32)), rng.standard_normal((260, 32)) + 0.4
    precision, recall = calculate_precision_recall_full(torch.from_numpy(fake), torch.from_numpy(real), neighborhood=k)
    ours = precision_recall_density_coverage(real, fake, k)
    assert ours.precision == pytest.approx(precision, rel=1e-6)  # the peer averages in float32
    assert ours.recall == pytest.approx(recall, rel=1e-6)


def test_radii_match_brute_force_and_tiling(rng):
    x = rng.standard_normal((157, 6))
    x[10] = x[11]  # a duplicate counts as a neighbour at distance 0
    d = np.linalg.norm(x[:, None] - x[None], axis=2)
    expected = np.sort(d, axis=1)[:, 4]  # k = 4; column 0 is the sample itself
    for tile in (1, 10, 64, 1000):
        np.testing.assert_allclose(knn_radii(x, k=4, tile=tile), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("d", [3, 10])  # a KD-tree and the tiles
def test_identical_sets_are_fully_precise_and_covered(rng, d):
    x = rng.standard_normal((400, d))
    result = precision_recall_density_coverage(x, x.copy(), k=5)
    assert result.precision == result.recall == result.coverage == 1.0
    # each real ball holds its own copy and those of its k - 1 nearer neighbours, not the k-th on its boundary
    assert result.density == 1.0
    with quiet():
        peer = compute_prdc(x, x.copy(), 5)
    assert (result.density, result.coverage) == (peer["density"], peer["coverage"])


@pytest.mark.parametrize("d", [2, 12])  # a KD-tree and the tiles
@pytest.mark.parametrize("k", [1, 3])
def test_ties_follow_each_metrics_original_code(rng, d, k):
    """Exact ties, where < and <= differ: duplicated points (k = 1 makes every radius 0) and lattices. Density
    and coverage count < as Naeem et al.'s prdc does; precision and recall count <= as Kynkaanniemi et al.'s
    code and torch-fidelity do."""
    points = rng.integers(0, 4, (60, d)).astype(float)  # a lattice: many equal distances
    for real, fake in [(np.repeat(points, 2, axis=0), points), (points, points[::-1] + 1.0), (points, points)]:
        ours = precision_recall_density_coverage(real, fake, k=k, tile=16)
        with quiet():
            peer = compute_prdc(real, fake, k)
        assert ours.density == pytest.approx(peer["density"], abs=1e-12)
        assert ours.coverage == pytest.approx(peer["coverage"], abs=1e-12)
        precision, recall = calculate_precision_recall_full(
            torch.from_numpy(fake), torch.from_numpy(real), neighborhood=k
        )
        assert (ours.precision, ours.recall) == pytest.approx((precision, recall), abs=1e-6)


def test_duplicated_points_with_k_1_hold_nothing_for_density_and_coverage():
    real = np.repeat(np.arange(10.0)[:, None], 2, axis=0)  # every radius 0
    ours = precision_recall_density_coverage(real, real[::2].copy(), k=1)
    assert (ours.precision, ours.density, ours.coverage) == (1.0, 0.0, 0.0)


def test_ties_count_as_inside_the_ball_for_precision_and_recall():
    # 1-D grid: every radius equals a neighbour's distance exactly, so < and <= differ
    real = np.arange(10.0)[:, None]
    fake = real + 1.0
    ours = precision_recall_density_coverage(real, fake, k=1)
    assert ours.precision == 1.0  # fake 10 lies exactly on real 9's ball boundary: inside (<=)
    assert ours.coverage == 0.9  # real 0's nearest fake, 1, lies on its boundary: not covered (prdc's <)


def test_disjoint_sets_score_zero(rng):
    real = rng.standard_normal((100, 3))
    result = precision_recall_density_coverage(real, real + 100.0, k=5)
    assert result == (0.0, 0.0, 0.0, 0.0)


def test_mode_dropping_lowers_recall_and_coverage_not_precision(rng):
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    real = centres[rng.integers(0, 4, 2000)] + rng.standard_normal((2000, 2)) * 0.5
    half = centres[rng.integers(0, 2, 2000)] + rng.standard_normal((2000, 2)) * 0.5  # two modes only
    result = precision_recall_density_coverage(real, half, k=5)
    assert result.precision > 0.95
    assert 0.4 < result.recall < 0.6 and 0.4 < result.coverage < 0.6


def test_per_sample_memberships_average_to_the_metrics(rng):
    real, fake = rng.standard_normal((80, 4)), rng.standard_normal((70, 4))
    per = prdc_per_sample(real, fake, k=3)
    assert per.fake_in_real_manifold.shape == (70,) and per.real_ball_covered.shape == (80,)
    assert per.summary(3) == precision_recall_density_coverage(real, fake, k=3)


@pytest.mark.parametrize(
    "real,fake,k,match",
    [
        (np.zeros((5, 2)), np.zeros((10, 2)), 5, "real has 5 sample\\(s\\) but at least 6 are needed"),
        (np.zeros((10, 2)), np.zeros((10, 3)), 5, "real has dimension 2 but fake has dimension 3"),
        (np.zeros((10, 2)), np.zeros((10, 2)), 0, "k must be an integer >= 1"),
        (np.zeros((0, 2)), np.zeros((10, 2)), 5, "real has 0 sample"),
        (np.full((10, 2), np.inf), np.zeros((10, 2)), 5, "real contains 20 NaN or infinite"),
    ],
)
def test_bad_inputs(real, fake, k, match):
    with pytest.raises(ValueError, match=match):
        precision_recall_density_coverage(real, fake, k)


def test_the_docs_say_which_boundary_each_metric_counts():
    """The metrics page's claim about ties is the code's: precision and recall count <=, density and coverage <."""
    import pathlib

    text = " ".join((pathlib.Path(__file__).parents[1] / "docs" / "metrics.md").read_text().split())
    assert "as the original authors' code does" not in text
    assert "precision and recall count distance <= radius" in text
    assert "density and coverage count distance < radius" in text
