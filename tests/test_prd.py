"""PRD curves (Sajjadi et al. 2018) against their formula written from scratch and the closed cases."""

import json
import math

import numpy as np
import pytest

from ganeval.errors import GanevalError
from ganeval.metrics.prd import cluster_histograms, max_f_beta, prd_curve, prd_from_features


@pytest.fixture(autouse=True)
def one_thread():
    """k-means on a few hundred points: OpenMP's threads cost more than they give on a shared machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def from_scratch(q, p, num_angles=1001, epsilon=1e-10):
    """The paper's alpha(lambda) = sum min(lambda P, Q) and beta(lambda) = sum min(P, Q / lambda), point by point."""
    alphas, betas = [], []
    for i in range(num_angles):
        lam = math.tan(epsilon + i * (math.pi / 2 - 2 * epsilon) / (num_angles - 1))
        alphas.append(min(1.0, sum(min(lam * pi, qi) for pi, qi in zip(p, q))))
        betas.append(min(1.0, sum(min(pi, qi / lam) for pi, qi in zip(p, q))))
    return np.array(alphas), np.array(betas)


@pytest.mark.parametrize(
    "q,p",
    [
        ([0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]),  # Q covers half of P: recall at most 1/2
        ([0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]),
        ([0.0, 0.0, 1.0], [0.6, 0.4, 0.0]),  # disjoint
    ],
)
def test_matches_the_formula_on_fixed_histograms(q, p):
    precision, recall = prd_curve(q, p)
    alpha, beta = from_scratch(q, p)
    np.testing.assert_allclose(precision, alpha, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(recall, beta, rtol=1e-9, atol=1e-12)


def test_closed_cases():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    precision, recall = prd_curve(p, p)
    assert precision[500] == pytest.approx(1.0, abs=1e-12) and recall[500] == pytest.approx(1.0, abs=1e-12)
    assert max_f_beta(precision, recall) == pytest.approx((1.0, 1.0), abs=1e-9)
    precision, recall = prd_curve([0.0, 0.0, 1.0], [0.5, 0.5, 0.0])
    assert not precision.any() and not recall.any() and max_f_beta(precision, recall) == (0.0, 0.0)
    # Q on half of P's bins: precision reaches 1 (Q lies where P is) but recall stops at 1/2
    precision, recall = prd_curve([0.5, 0.5, 0.0, 0.0], [0.25] * 4)
    assert precision.max() == pytest.approx(1.0) and recall.max() == pytest.approx(0.5)
    f_8, f_1_8 = max_f_beta(precision, recall)
    assert f_1_8 > 0.95 and f_8 == pytest.approx(
        65 * 0.5 / (64 + 0.5), rel=1e-4
    )  # at p = 1, r = 1/2, near a grid angle


def test_features_from_one_distribution_reach_one_and_a_lost_half_shows_as_recall(rng):
    centres = rng.standard_normal((10, 16)) * 8
    real = centres[rng.integers(0, 10, 400)] + rng.standard_normal((400, 16))
    same = centres[rng.integers(0, 10, 400)] + rng.standard_normal((400, 16))
    half = centres[rng.integers(0, 5, 400)] + rng.standard_normal((400, 16))
    good = prd_from_features(real, same, num_runs=1, seed=3)
    assert good.f_8 > 0.95 and good.f_1_8 > 0.95
    lost = prd_from_features(real, half, num_runs=1, seed=3)
    assert lost.f_1_8 > 0.9 and lost.f_8 < 0.6  # lies where the data is, covers half of it
    assert good.precision.shape == good.recall.shape == (1001,)
    again = prd_from_features(real, same, num_runs=1, seed=3)
    np.testing.assert_array_equal(again.precision, good.precision)  # seeded: the same curve


def test_histograms_and_unequal_sides(rng):
    real, fake = rng.standard_normal((150, 4)), rng.standard_normal((50, 4)) + 5.0
    q, p = cluster_histograms(real, fake[:50], num_clusters=6, seed=0)
    assert q.sum() == pytest.approx(1.0) and p.sum() == pytest.approx(1.0)
    curve = prd_from_features(real, fake, num_clusters=6, num_runs=1)  # 150 real subsampled to 50
    assert curve.f_8 < 0.05 and curve.f_1_8 < 0.05  # far apart: no shared cluster


def test_bad_settings_are_refused(rng):
    with pytest.raises(GanevalError, match="num_angles must be between 3"):
        prd_curve([1.0], [1.0], num_angles=2)
    with pytest.raises(GanevalError, match="same bins"):
        prd_curve([0.5, 0.5], [1.0])
    with pytest.raises(GanevalError, match="num_clusters"):
        prd_from_features(rng.standard_normal((30, 2)), rng.standard_normal((30, 2)), num_clusters=0)


def test_compare_draws_one_curve_per_variant_from_score_results(tmp_path):
    from ganeval.compare import compare_results
    from ganeval.compare import prd_curve as read_curve
    from ganeval.compare.report import prd_curves

    def result(name, shift, prd=True):
        q = np.array([0.25, 0.25, 0.25, 0.25 - shift, shift])
        precision, recall = prd_curve_of(q)
        payload = {"metrics": {"fid": {"value": 10.0 + 100 * shift, "ci": None}}}
        if prd:
            payload["prd"] = {"precision": precision.tolist(), "recall": recall.tolist(), "f_8": 0.0, "f_1_8": 0.0}
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(payload))
        return path

    def prd_curve_of(q):
        return prd_curve(q, [0.25, 0.25, 0.25, 0.25, 0.0])

    paths = [result("good", 0.0), result("worse", 0.2), result("plain", 0.1, prd=False)]
    comparison = compare_results(paths, output=tmp_path / "report")
    curves = prd_curves(comparison.entries)
    assert list(curves) == ["good", "worse"]  # the result without a curve has none drawn
    assert curves["good"]["f_8"] == pytest.approx(1.0, abs=1e-6)
    assert curves["worse"]["f_1_8"] < 0.85 < curves["good"]["f_1_8"]  # a fifth of its mass where the data is not
    html = (tmp_path / "report" / "report.html").read_text()
    assert "PRD curves" in html and (tmp_path / "report" / "figures" / "compare-prd.png").exists()
    # a result file is data: a curve that is not two lists of numbers in [0, 1] is left out, not drawn or trusted
    for bad in ({"precision": [2.0] * 5, "recall": [0.5] * 5}, {"precision": "x", "recall": []}, [1, 2]):
        assert read_curve({"prd": bad}) is None
    assert read_curve({"prd": {"precision": [0.1, 0.5, 1.0], "recall": [1.0, 0.5, 0.1]}})["recall"][0] == 1.0
