"""Stall against convergence (issue 24, item 3), and mode hits at the evaluation's size (item 2):
synthetic logs from truth_logs, each shape the gradient-only stall rule or the plain quarter rule got
wrong, beside the shapes they got right."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from truth_logs import event_plans, write_log

from ganeval.diagnostics import diagnose_run
from ganeval.diagnostics.collapse import hit_share, modes_hit
from ganeval.metrics.modes import MODE_HIT_SHARE


def _plan(name: str):
    return next(plan for plan in event_plans() if plan.name == name)


@pytest.mark.parametrize("name", ["stall-lr0", "stall-lr0-long"])
def test_a_frozen_generator_with_normal_gradients_is_stalled(tmp_path, name):
    plan = _plan(name)
    diagnosis = diagnose_run(write_log(plan, tmp_path))
    assert diagnosis.verdict == "stalled", diagnosis.explanation
    (stall,) = diagnosis.of_kind("stall")
    assert "drop" not in stall.evidence  # the gradient norm never fell: the samples decided
    assert stall.evidence["quality_checked"] is True
    assert all(0.1 <= v < 0.5 for v in stall.evidence["quality_levels"].values())
    assert abs(stall.start_step - plan.onset) <= 0.1 * plan.steps


@pytest.mark.parametrize("name", ["converged-grad-shrinks", "converged-grad-shrinks-long"])
def test_a_converged_run_whose_gradients_shrink_is_healthy(tmp_path, name):
    diagnosis = diagnose_run(write_log(_plan(name), tmp_path))
    assert diagnosis.verdict == "healthy", diagnosis.explanation
    assert diagnosis.of_kind("stall") == []


@pytest.mark.parametrize("name", ["stall", "stall-long"])
def test_a_stall_with_vanishing_gradients_short_of_the_data_is_stalled(tmp_path, name):
    diagnosis = diagnose_run(write_log(_plan(name), tmp_path))
    assert diagnosis.verdict == "stalled", diagnosis.explanation
    (stall,) = diagnosis.of_kind("stall")  # the gradients fell within the first quarter: the samples date it
    assert stall.evidence["quality_checked"] is True


def test_vanishing_gradients_frozen_at_the_data_level_are_convergence(tmp_path):
    """The stall the suite once planted (frozen at quality 0.98, step 300 of 1,000): converged."""
    diagnosis = diagnose_run(write_log(replace(_plan("stall"), name="stall-at-data", onset=300), tmp_path))
    assert diagnosis.of_kind("stall") == [] and diagnosis.verdict == "healthy", diagnosis.explanation


@pytest.mark.parametrize("seed", [36, 40, 41, 42])
def test_100_sample_evaluations_of_a_healthy_generator_show_no_collapse(tmp_path, seed):
    plan = replace(_plan("healthy-100-samples"), name=f"small-{seed}", seed=seed)
    diagnosis = diagnose_run(write_log(plan, tmp_path))
    assert diagnosis.verdict == "healthy", diagnosis.explanation
    events = [f.explanation for f in diagnosis.of_kind("collapse") if not f.evidence["from_first_evaluation"]]
    assert events == []  # the generator's starting state (its first evaluation) is no event


def test_2000_sample_evaluations_keep_their_collapse(tmp_path):
    diagnosis = diagnose_run(write_log(_plan("collapse-abrupt"), tmp_path))
    assert diagnosis.verdict == "collapsed"
    (collapse,) = [f for f in diagnosis.of_kind("collapse") if f.ongoing]
    assert collapse.evidence["modes_min"] == 2 and collapse.evidence["missing_modes"] == [0, 1, 2, 5, 6, 7]


def test_hit_share_shrinks_its_allowance_with_the_evaluation_size():
    assert hit_share(100, 8) == 0.0  # one high-quality sample keeps a mode
    assert hit_share(2000, 8) * 250 == pytest.approx(62.5 - 2 * np.sqrt(62.5))  # 46.7 of 62.5
    assert hit_share(1e9, 8) == pytest.approx(MODE_HIT_SHARE, rel=1e-3)  # the plain quarter, in the limit
    assert hit_share(0, 8) == MODE_HIT_SHARE


def test_modes_hit_at_100_and_2000_samples():
    small = pd.DataFrame([[13, 12, 12, 13, 12, 13, 12, 13]])
    small_good = pd.DataFrame([[3, 2, 1, 8, 7, 9, 8, 9]])  # quality 0.6: few per mode, none lost
    assert modes_hit(small, small_good).to_numpy().all()
    lost = pd.DataFrame([[0, 1, 0, 8, 7, 9, 8, 9]])  # nothing on modes 0 and 2: lost at any size
    assert modes_hit(small, lost).to_numpy().tolist() == [[False, True, False, True, True, True, True, True]]
    big = pd.DataFrame([[250] * 8])
    big_good = pd.DataFrame([[200, 200, 47, 46, 5, 0, 200, 200]])
    assert modes_hit(big, big_good).to_numpy().tolist() == [[True, True, True, False, False, False, True, True]]
