"""A metric is one module and one registration (issue 22, item 1): a toy family module, written here as a user
would write theirs, is scored by `ganeval.score`, summarised, gated with the tolerance its spec declares and
plotted, and taken out again with `unregister`; without a tolerance its module does not import."""

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from ganeval import check, make_baseline, score
from ganeval.data import RING8
from ganeval.errors import GanevalError
from ganeval.metrics import METRICS, MetricOptions, unregister
from ganeval.metrics.registry import FAMILIES
from ganeval.render import figures

TOY_MODULE = '''
"""mean_gap: the distance between the two sides' feature means (a toy family)."""
import numpy as np

from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples, Summary


def mean_gap(real, fake) -> float:
    return float(np.linalg.norm(np.mean(real, axis=0) - np.mean(fake, axis=0)))


def _mean_gap(real: Samples, fake: Samples, o) -> dict[str, float]:
    return {"mean_gap": mean_gap(real.features, fake.features)}


register(
    MetricSpec(
        "mean_gap", "mean_gap", ("features",), ("features",), False, "Distance between the feature means.",
        label="mean gap (lower is better)", default=False, TOLERANCE, summary=Summary(5, "mean gap {interval}"),
    ),
    Family(_mean_gap),
)
'''


def _load(folder, tolerance: str):
    """The toy family module imported from `folder`, as a user's own module would be."""
    path = folder / "toy_mean_gap.py"
    path.write_text(TOY_MODULE.replace("TOLERANCE", tolerance))
    spec = importlib.util.spec_from_file_location("toy_mean_gap", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """The toy family registered for one test, then unregistered."""
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    module = _load(tmp_path, "tolerance=0.25")
    yield module
    unregister("mean_gap")
    assert "mean_gap" not in METRICS and "mean_gap" not in FAMILIES
    sys.modules.pop("toy_mean_gap", None)


def test_a_metric_in_one_module_is_scored_summarised_gated_and_plotted(toy):
    assert list(METRICS)[-1] == "mean_gap" and METRICS["mean_gap"].tolerance == 0.25
    options = MetricOptions(bootstrap=0)
    samples = RING8.sample(300, seed=1)[0]
    result = score(samples, "ring8", metrics=["fid", "mean_gap"], options=options)
    assert list(result.metrics) == ["fid", "mean_gap"]
    gap = result.metrics["mean_gap"].value
    reference = RING8.sample(result.provenance["reference"]["count"], seed=0)[0]
    assert 0 < gap < 0.25 and gap == pytest.approx(toy.mean_gap(reference, samples), abs=0.05)
    assert result.summary().endswith(f", mean gap {gap:.3g}")
    assert "mean_gap" in result.table()

    baseline = make_baseline(samples, "ring8", options=options, metrics=["mean_gap"])
    near = check(samples + np.array([0.1, 0.0]), baseline)  # the gap moves by about 0.1: under 0.25
    far = check(samples + np.array([1.0, 0.0]), baseline)  # by about 1: over it
    for report, verdict in ((near, "pass"), (far, "regressed")):
        decision = next(d for d in report.decisions if d.metric == "mean_gap")
        assert decision.tolerance == 0.25 and decision.verdict == verdict
    assert near.passed and not far.passed

    evals = pd.DataFrame({"run": "r", "step": [1, 2, 3], "mean_gap": [0.9, 0.4, 0.2]})
    figure, _ = figures.metric_figure(evals, ["mean_gap"])
    assert figure.axes[0].get_ylabel() == "mean gap (lower is better)"
    assert list(figure.axes[0].lines[0].get_ydata()) == [0.9, 0.4, 0.2]


def test_a_family_module_whose_spec_has_no_tolerance_does_not_import(tmp_path):
    with pytest.raises(GanevalError, match="metric 'mean_gap' cannot be registered: it has no tolerance"):
        _load(tmp_path, "tolerance=None")
    assert "mean_gap" not in METRICS and "mean_gap" not in FAMILIES  # nothing half-registered
