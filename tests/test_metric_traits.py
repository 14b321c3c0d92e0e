"""Direction, bounds and labels of every metric come from the registry; the lists of names elsewhere
are selections of registered metrics."""

import pandas as pd
import pytest

from ganeval.compare import EXTRA_METRICS, LOG_METRICS, Entry, metric_bounds
from ganeval.compare.report import CURVE_METRICS, HEADLINE_METRICS
from ganeval.compare.runs import FINAL_METRICS
from ganeval.diagnostics.collapse import TIMELINE_METRICS
from ganeval.diagnostics.diagnose import END_METRICS
from ganeval.errors import GanevalError
from ganeval.metrics import LOGGED_METRICS, METRICS, get_metric, sample_metrics
from ganeval.render import figures
from ganeval.scoring import SUMMARY_METRICS
from ganeval.training.logger import EVAL_METRICS

SELECTIONS = {
    "metrics.sample_metrics()": tuple(sample_metrics()),
    "scoring.SUMMARY_METRICS": SUMMARY_METRICS,
    "compare.runs.FINAL_METRICS": FINAL_METRICS,
    "training.logger.EVAL_METRICS": EVAL_METRICS,
    "compare.LOG_METRICS": LOG_METRICS,
    "compare.EXTRA_METRICS": EXTRA_METRICS,
    "compare.report.CURVE_METRICS": CURVE_METRICS,
    "compare.report.HEADLINE_METRICS": HEADLINE_METRICS,
    "render.figures.RUN_METRICS": figures.RUN_METRICS,
    "diagnostics.diagnose.END_METRICS": END_METRICS,
    "diagnostics.collapse.TIMELINE_METRICS": TIMELINE_METRICS,
}


@pytest.mark.parametrize("where", SELECTIONS)
def test_every_list_of_metric_names_names_registered_metrics(where):
    names = SELECTIONS[where]
    assert len(set(names)) == len(names)
    assert set(names) <= set(METRICS) | set(LOGGED_METRICS), set(names) - set(METRICS) - set(LOGGED_METRICS)


def test_computed_selections_are_computed_metrics_and_logged_ones_are_apart():
    assert not set(METRICS) & set(LOGGED_METRICS)
    assert set(FINAL_METRICS) | set(EVAL_METRICS) | set(SUMMARY_METRICS) <= set(sample_metrics())
    assert sample_metrics() == [m for m in METRICS if not m.startswith("d_")]  # every metric but D's calibration


def test_logged_metrics_have_traits_but_are_not_computed():
    assert get_metric("cycle_error", logged=True).higher_is_better is False
    assert get_metric("class_accuracy", logged=True).upper == 1.0
    assert get_metric("fid", logged=True) is METRICS["fid"]
    with pytest.raises(GanevalError, match="unknown metric 'cycle_error'; valid metrics are: fid, kid"):
        get_metric("cycle_error")


def test_compare_takes_bounds_from_the_registry():
    entries = [Entry("r", "v", 0, {}, n_modes=8)]
    bounds = metric_bounds(["d_ece", "cycle_error", "class_accuracy", "wall_time_s", "modes_covered", "kid"], entries)
    assert bounds["d_ece"] == (0.0, 1.0) and bounds["modes_covered"] == (0.0, 8.0) and bounds["kid"] == (None, None)
    assert bounds["cycle_error"] == bounds["wall_time_s"] == (0.0, None) and bounds["class_accuracy"] == (0.0, 1.0)


def test_figure_axes_and_labels_come_from_the_registry():
    evals = pd.DataFrame({"run": "r", "step": [1, 2, 3], "d_ece": [0.05, 0.04, 0.06], "cycle_error": [0.03, 0.02, 0.0]})
    figure, _ = figures.metric_figure(evals, ["d_ece", "cycle_error"])
    ece, cycle = figure.axes[:2]
    assert ece.get_ylabel() == METRICS["d_ece"].axis_label and ece.get_ylim()[1] >= 1.0  # ECE's range is [0, 1]
    assert cycle.get_ylabel() == "cycle error (pixel units, 0-1)" and cycle.get_ylim()[1] < 0.1  # unbounded: the data's
