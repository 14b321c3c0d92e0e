"""Mode coverage on hand-built cases; discriminator calibration against sklearn and closed forms."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from ganeval.metrics import assign_to_centres, discriminator_calibration, mode_coverage, roc_auc
from ganeval.options import Extraction

RING = np.array([[2 * np.cos(t), 2 * np.sin(t)] for t in np.linspace(0, 2 * np.pi, 8, endpoint=False)])


def test_mode_coverage_hand_built():
    fake = np.array([0, 0, 1, 1, 2, 2, 2, 2])  # 3 of 4 modes; mode 2 twice as frequent
    result = mode_coverage(fake, n_modes=4)
    assert result.modes_covered == 3 and result.fraction == 0.75
    # KL(p || uniform) with p = (1/4, 1/4, 1/2, 0): sum p log(4 p)
    assert result.kl == pytest.approx(0.25 * np.log(1) * 2 + 0.5 * np.log(2))
    assert result.high_quality_fraction == 1.0
    np.testing.assert_array_equal(result.counts, [2, 2, 4, 0])


def test_mode_coverage_with_reference_histogram_and_quality():
    fake = np.array([0, 1, 1, 1])
    reference = np.array([0, 0, 0, 1])  # target shares (3/4, 1/4)
    hq = np.array([False, True, True, True])
    result = mode_coverage(fake, 2, reference_modes=reference, high_quality=hq)
    assert result.modes_covered == 1  # mode 0's only sample is low quality
    assert result.high_quality_fraction == 0.75
    assert result.kl == pytest.approx(0.25 * np.log(0.25 / 0.75) + 0.75 * np.log(0.75 / 0.25))
    assert mode_coverage(fake, 2, reference_modes=reference, min_count=2).modes_covered == 1


def test_a_mode_the_reference_lacks_is_not_covered_and_makes_kl_infinite():
    result = mode_coverage(np.array([0, 1]), 2, reference_modes=np.array([0, 0]))
    assert result.kl == np.inf
    assert result.modes_covered == 1 and result.n_modes == 1


def test_assign_to_centres_ring():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 8, 400)
    points = RING[labels] + rng.standard_normal((400, 2)) * 0.02
    points[:50] = [[0.0, 0.0]]  # far from every centre: low quality
    assignment = assign_to_centres(points, RING, std=0.02)
    np.testing.assert_array_equal(assignment.modes[50:], labels[50:])
    assert not assignment.high_quality[:50].any()
    assert assignment.high_quality[50:].mean() > 0.98  # ~98.9% of a 2-D Gaussian lies within 3 std
    result = mode_coverage(assignment.modes, 8, high_quality=assignment.high_quality)
    assert result.modes_covered == 8 and result.high_quality_fraction == pytest.approx(assignment.high_quality.mean())


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: mode_coverage(np.array([0, 5]), 4), "outside 0..3"),
        (lambda: mode_coverage(np.array([0.5, 1.0]), 4), "integer mode indices"),
        (lambda: mode_coverage(np.array([0, 1]), 2, high_quality=np.array([True])), "high_quality has 1 entries"),
        (lambda: assign_to_centres(np.zeros((3, 2)), RING, std=0), "std and max_std must be positive"),
    ],
)
def test_mode_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_calibration_of_probabilities_against_sklearn():
    rng = np.random.default_rng(0)
    d_real = rng.beta(5, 2, 500)
    d_fake = rng.beta(2, 5, 400)
    c = discriminator_calibration(d_real, d_fake)
    labels = np.r_[np.ones(500), np.zeros(400)]
    p = np.r_[d_real, d_fake]
    assert c.input_kind == "probability" and c.platt is None
    assert c.auc == pytest.approx(roc_auc_score(labels, p), abs=1e-12)
    assert c.brier == pytest.approx(brier_score_loss(labels, p), abs=1e-12)
    assert c.accuracy == pytest.approx(np.mean((p >= 0.5) == labels))
    # ECE by its definition, bin by bin
    bins = np.minimum((p * 15).astype(int), 14)
    ece = sum(abs(labels[bins == b].mean() - p[bins == b].mean()) * (bins == b).sum() for b in np.unique(bins)) / p.size
    assert c.ece == pytest.approx(ece, abs=1e-12)
    assert c.reliability.count.sum() == 900


def test_chance_discriminator():
    c = discriminator_calibration(np.full(100, 0.5), np.full(100, 0.5))
    assert c.auc == 0.5 and c.brier == 0.25 and c.ece == pytest.approx(0.0)
    assert c.mean_d_real == c.mean_d_fake == 0.5


def test_perfect_overconfident_discriminator():
    c = discriminator_calibration(np.ones(50), np.zeros(50))
    assert c.accuracy == 1.0 and c.auc == 1.0 and c.brier == 0.0 and c.ece == 0.0


def test_critic_scores_get_a_platt_fit_matching_sklearn():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(2.0, 3.0, 600), rng.normal(-1.0, 3.0, 600)  # WGAN critic: unbounded
    c = discriminator_calibration(real, fake)
    assert c.input_kind == "score"
    scores = np.r_[real, fake][:, None]
    labels = np.r_[np.ones(600), np.zeros(600)]
    model = LogisticRegression(C=1e8, tol=1e-12, max_iter=10_000).fit(scores, labels)
    assert c.platt[0] == pytest.approx(model.coef_[0, 0], rel=1e-4)
    assert c.platt[1] == pytest.approx(model.intercept_[0], rel=1e-4, abs=1e-6)
    assert c.auc == pytest.approx(roc_auc_score(labels, scores[:, 0]), abs=1e-12)
    assert c.ece < 0.05  # a logistic fit to logistic-like data is calibrated in-sample


def test_separable_scores_stay_finite():
    c = discriminator_calibration(np.array([5.0, 6.0, 7.0]), np.array([-5.0, -6.0]))
    assert c.accuracy == 1.0 and np.isfinite(c.platt).all()


def test_average_ranks_match_scipy():
    from scipy.stats import rankdata

    from ganeval.metrics.calibration import average_ranks

    values = np.random.default_rng(0).integers(0, 6, 200).astype(float)  # many ties
    np.testing.assert_array_equal(average_ranks(values), rankdata(values))


def test_roc_auc_ties_count_half():
    assert roc_auc(np.array([1.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(0.75)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (
            dict(d_real=np.array([2.0]), d_fake=np.array([0.1]), kind="probability"),
            "kind='probability' but D's outputs range",
        ),
        (dict(d_real=np.array([0.2]), d_fake=np.array([0.1]), kind="logit"), "kind must be 'auto'"),
        (dict(d_real=np.array([]), d_fake=np.array([0.1])), "d_real has 0 value"),
        (dict(d_real=np.array([np.nan]), d_fake=np.array([0.1])), "d_real contains 1 NaN"),
    ],
)
def test_calibration_bad_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        discriminator_calibration(**kwargs)


# ---------------------------------------------------------------- intervals and provenance of the mode metrics


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mode_kl_interval_holds_its_value_against_a_uniform_reference(seed):
    """A balanced generator has KL 0; resampled histograms are never as even, so a percentile interval
    started above 0 and excluded the value. The centred interval holds it (clipped at the bound 0)."""
    from ganeval.metrics import MetricOptions, Samples, compute_metrics

    rng = np.random.default_rng(seed)
    modes = rng.permutation(np.arange(300) % 10)
    fake = Samples(modes=modes, high_quality=rng.random(300) < 0.95)
    names = ["mode_kl", "modes_covered", "high_quality_fraction"]
    values = compute_metrics(names, Samples(), fake, MetricOptions(n_modes=10, seed=seed), bootstrap_n=30)
    assert values["mode_kl"].value == 0.0
    for interval in values.values():
        assert interval.low <= interval.value <= interval.high
    assert values["mode_kl"].high > 0


def test_mode_metrics_against_mu_and_sigma_say_the_modes_are_taken_as_equally_likely(tmp_path):
    from ganeval import MetricOptions, score

    np.savez(tmp_path / "fid_stats.npz", mu=np.zeros(92), sigma=np.eye(92))  # digits features are 92-d
    for seed in (0, 1):
        options = MetricOptions(n=200, bootstrap=20, seed=seed)
        stats = str(tmp_path / "fid_stats.npz")
        result = score(
            "digits", stats, extractor="digits", options=options, extraction=Extraction(cache=False, progress=False)
        )
        assert {"mode_kl", "modes_covered"} <= set(result.metrics)
        kl = result.metrics["mode_kl"]
        assert kl.low <= kl.value <= kl.high
        assert result.provenance["options"]["mode_reference"] == "uniform (assumed: the reference has no mode labels)"
        assert any("holds only mu and sigma, no mode labels" in note for note in result.provenance["warnings"])

    labelled = score(
        "digits",
        "digits",
        metrics=["mode_kl"],
        options=MetricOptions(n=200, bootstrap=0),
        extraction=Extraction(cache=False),
    )
    assert labelled.provenance["options"]["mode_reference"] == "reference labels"
    uniform = score(
        "ring8",
        "ring8",
        metrics=["mode_kl"],
        options=MetricOptions(n=200, bootstrap=0),
        extraction=Extraction(cache=False),
    )
    assert uniform.provenance["options"]["mode_reference"] == "uniform (true modes)"
    fid_only = score(
        "ring8", "ring8", metrics=["fid"], options=MetricOptions(n=200, bootstrap=0), extraction=Extraction(cache=False)
    )
    assert "mode_reference" not in fid_only.provenance["options"]  # no mode metric, no claim about one


def test_gate_compares_the_mode_reference_only_where_a_mode_metric_is_gated():
    """Baselines made before carry "reference labels" whatever they computed; without a mode metric it
    is not a setting of any gated number."""
    from ganeval.gate.core import _settings

    provenance = {"options": {"k": 5, "mode_reference": "reference labels"}}
    assert "mode_reference" not in _settings(provenance, ["fid", "precision"], None)
    assert _settings(provenance, ["fid", "mode_kl"], None)["mode_reference"] == "reference labels"
