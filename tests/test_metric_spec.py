"""Each metric's traits live on its MetricSpec (issue 22, item 1): a metric added in one module with one
`register` call is scored, summarised, gated with its declared tolerance and plotted; a spec without a
tolerance is refused at registration, never given 0.0."""

import numpy as np
import pandas as pd
import pytest

from ganeval import check, make_baseline
from ganeval.compare.answer import is_quality
from ganeval.data import RING8
from ganeval.diagnostics.trends import SCALES
from ganeval.errors import GanevalError
from ganeval.gate.decision import DEFAULT_TOLERANCES, resolve_tolerance
from ganeval.metrics import METRICS, MetricOptions, MetricSpec, Samples, compute_metrics, register
from ganeval.metrics.registry import FAMILIES
from ganeval.metrics.spec import Family, Summary
from ganeval.options import Extraction
from ganeval.render import figures
from ganeval.scoring import SUMMARY_METRICS, score

_F = ("features",)


def mean_gap(real: np.ndarray, fake: np.ndarray) -> float:
    """The toy metric's math: the distance between the two sides' feature means."""
    return float(np.linalg.norm(np.mean(real, axis=0) - np.mean(fake, axis=0)))


def _mean_gap(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"mean_gap": mean_gap(real.features, fake.features)}


TOY = MetricSpec(
    "mean_gap",
    "mean_gap",
    _F,
    _F,
    False,
    "Distance between the feature means.",
    label="mean gap (lower is better)",
    default=False,
    tolerance=0.25,
    summary=Summary(5, "mean gap {interval}"),
)


@pytest.fixture
def toy():
    """The toy metric registered for one test, then taken out again."""
    register(TOY, Family(_mean_gap))
    yield TOY
    METRICS.pop(TOY.name)
    FAMILIES.pop(TOY.family)


def test_a_metric_registered_in_one_call_is_scored_summarised_gated_and_plotted(toy):
    rng = np.random.default_rng(0)
    real, fake = Samples(features=rng.standard_normal((200, 2))), Samples(features=rng.standard_normal((200, 2)) + 1)
    computed = compute_metrics(["mean_gap"], real, fake)["mean_gap"].value
    assert computed == pytest.approx(mean_gap(real.features, fake.features)) and computed > 1

    options = MetricOptions(bootstrap=0)
    result = score(
        RING8.sample(300, seed=1)[0],
        "ring8",
        metrics=["fid", "mean_gap"],
        options=options,
        extraction=Extraction(cache=False),
    )
    assert set(result.metrics) == {"fid", "mean_gap"}
    gap = result.metrics["mean_gap"].value
    assert result.summary().endswith(f"mean gap {gap:.3g}") and ", mean gap" in result.summary()

    assert resolve_tolerance("mean_gap", {}, gap) == 0.25  # not 0.0
    baseline = make_baseline(
        RING8.sample(300, seed=1)[0],
        "ring8",
        options=options,
        metrics=["mean_gap"],
        extraction=Extraction(cache=False, progress=False),
    )
    report = check(RING8.sample(300, seed=2)[0], baseline, extraction=Extraction(cache=False, progress=False))
    decision = next(d for d in report.decisions if d.metric == "mean_gap")
    assert decision.tolerance == 0.25 and decision.verdict == "pass" and report.passed

    evals = pd.DataFrame({"run": "r", "step": [1, 2, 3], "mean_gap": [0.9, 0.4, 0.2]})
    figure, _ = figures.metric_figure(evals, ["mean_gap"])
    assert figure.axes[0].get_ylabel() == "mean gap (lower is better)"


def test_a_spec_without_a_tolerance_is_refused_at_registration():
    untolerated = MetricSpec("mean_gap", "mean_gap", _F, _F, False, "Distance between the feature means.")
    with pytest.raises(GanevalError, match="metric 'mean_gap' cannot be registered: it has no tolerance"):
        register(untolerated, Family(_mean_gap))
    for tolerance in (-1.0, "x%", "-5%", float("nan"), True):
        with pytest.raises(GanevalError, match="metric 'mean_gap' cannot be registered: its tolerance"):
            register(MetricSpec("mean_gap", "mean_gap", _F, _F, False, "d", tolerance=tolerance), Family(_mean_gap))
    with pytest.raises(GanevalError, match="its family 'nowhere' is not registered"):
        register(MetricSpec("mean_gap", "nowhere", _F, _F, False, "d", tolerance=0.1))
    with pytest.raises(GanevalError, match="metric 'fid' cannot be registered: another metric of that name"):
        register(MetricSpec("fid", "fid", _F, _F, True, "d", tolerance=0.1))
    assert "mean_gap" not in METRICS and "mean_gap" not in FAMILIES  # nothing half-registered


def test_a_spec_put_into_the_registry_by_hand_without_a_tolerance_is_refused_by_the_gate(monkeypatch):
    monkeypatch.setitem(METRICS, "mean_gap", MetricSpec("mean_gap", "mean_gap", _F, _F, False, "d"))
    with pytest.raises(GanevalError, match="metric 'mean_gap' has no tolerance to gate it with; register it"):
        resolve_tolerance("mean_gap", {}, 1.0)
    assert resolve_tolerance("mean_gap", {"mean_gap": 0.3}, 1.0) == 0.3  # one given on the command line serves


@pytest.mark.parametrize("tolerance", [0.0, 0, 0.5, "0%", "5%", "12.5%"])
def test_every_tolerance_the_gate_reads_is_accepted_at_registration(tolerance):
    spec = MetricSpec("mean_gap", "mean_gap", _F, _F, False, "d", tolerance=tolerance)
    try:
        assert register(spec, Family(_mean_gap)) is METRICS["mean_gap"]
        assert resolve_tolerance("mean_gap", {}, 10.0) == pytest.approx(
            float(tolerance[:-1]) / 10 if isinstance(tolerance, str) else tolerance
        )
    finally:
        METRICS.pop("mean_gap", None), FAMILIES.pop("mean_gap", None)


def test_every_built_in_metric_is_registered_with_a_tolerance():
    assert all(spec.tolerance is not None for spec in METRICS.values())
    assert set(DEFAULT_TOLERANCES) == set(METRICS) and DEFAULT_TOLERANCES["fid"] == "5%"
    with pytest.raises(TypeError):
        DEFAULT_TOLERANCES["fid"] = 0.0  # a read-only view of the specs
    register(METRICS["fid"])  # the same spec again is no clash


def test_the_gate_trends_answer_and_summary_read_the_specs():
    assert resolve_tolerance("fd_dinov2", {}, 20.0) == pytest.approx(1.0)  # FID's 5%
    assert list(SCALES) == ["fid", "precision", "recall", "coverage", "high_quality_fraction", "realism"]
    assert SCALES["realism"].log and SCALES["realism"].ratio == 1.25  # scale-free: a factor, not units
    assert SCALES["realism"].matters(0.012, 0.019) and not SCALES["realism"].matters(0.0139, 0.0152)
    assert SCALES["fid"].ratio == 1.0 and not SCALES["fid"].matters(1.0, 1.04)  # FID's floor: 0.05 units
    assert SCALES["fid"].log and SCALES["fid"].lower_is_better and SCALES["fid"].floor == 0.05
    assert not SCALES["recall"].log and not SCALES["recall"].lower_is_better and SCALES["recall"].floor == 0.05
    assert [m for m in ("fid", "d_ece", "wall_time_s", "fd_dinov2", "d_auc") if not is_quality(m)] == [
        "d_ece",
        "wall_time_s",
    ]
    assert SUMMARY_METRICS == ("fid", "modes_covered", "precision", "recall", "memorized")
