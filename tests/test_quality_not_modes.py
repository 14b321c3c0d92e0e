"""Quality apart from coverage (issue 24, items 1-2): a mode is lost when its share of the samples goes,
not when its samples blur; samples drifting off the data are a divergence; samples hopping between
modes beside an oscillating loss are an oscillation. Logs from truth_logs, which plant per-mode counts
and per-mode quality separately; each of these got "collapsed" before."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_diagnostics import synthetic_log
from truth_logs import event_plans, write_log

from ganeval.diagnostics import diagnose, diagnose_run


def _diagnosed(tmp_path, name):
    plan = next(plan for plan in event_plans() if plan.name == name)
    return plan, diagnose_run(write_log(plan, tmp_path))


def test_modes_that_keep_their_share_while_their_samples_blur_are_low_quality(tmp_path):
    plan, diagnosis = _diagnosed(tmp_path, "blur-three-modes")
    assert diagnosis.verdict == "healthy", diagnosis.explanation
    assert [f for f in diagnosis.of_kind("collapse") if not f.evidence["from_first_evaluation"]] == []
    [blur] = [f for f in diagnosis.of_kind("low_quality") if f.rank >= 1]
    assert blur.evidence["cause"] == "off_manifold" and "shares_kept" in blur.evidence["reasons"]
    assert blur.evidence["modes_hit_min"] == 5 and blur.evidence["modes_present"] == 8
    assert abs(blur.start_step - plan.onset) <= 0.1 * plan.steps and blur.end_step is None
    assert "the modes kept their share of the samples" in blur.explanation
    assert "low quality (from step" in diagnosis.explanation  # named, not hidden


@pytest.mark.parametrize("name", ["drift", "drift-images"])
def test_samples_drifting_off_the_data_are_a_divergence_not_a_collapse(tmp_path, name):
    plan, diagnosis = _diagnosed(tmp_path, name)
    assert diagnosis.verdict == "diverged", diagnosis.explanation
    [rise] = diagnosis.of_kind("divergence")
    assert rise.evidence["cause"] == "fid_rising" and abs(rise.start_step - plan.onset) <= 0.1 * plan.steps
    assert [f for f in diagnosis.of_kind("collapse") if f.rank >= 1] == []
    assert any("precision_fell" in f.evidence["reasons"] for f in diagnosis.of_kind("low_quality"))


def test_samples_hopping_between_modes_with_an_oscillating_loss_are_oscillating(tmp_path):
    plan, diagnosis = _diagnosed(tmp_path, "mode-hop")
    assert diagnosis.verdict == "oscillating", diagnosis.explanation
    [hop] = [f for f in diagnosis.of_kind("collapse") if f.ongoing]
    assert hop.evidence["mode_hopping"] and hop.evidence["modes_visited"] == 8 and hop.evidence["modes_at_once"] <= 3
    [oscillation] = diagnosis.of_kind("oscillation")
    assert abs(oscillation.start_step - plan.onset) <= 0.1 * plan.steps  # a half-run window starts at step 1
    assert "Also found: collapse" in diagnosis.explanation


@pytest.mark.parametrize("name", ["collapse-abrupt", "collapse-100-samples"])
def test_a_collapse_that_stays_on_its_modes_is_no_hopping(tmp_path, name):
    _, diagnosis = _diagnosed(tmp_path, name)
    assert diagnosis.verdict == "collapsed", diagnosis.explanation
    [collapse] = [f for f in diagnosis.of_kind("collapse") if f.ongoing]
    assert not collapse.evidence["mode_hopping"] and collapse.evidence["modes_visited"] == 2
    assert "hopped" not in collapse.explanation  # two equal modes trading first place is no hop


def test_a_generator_that_never_sharpens_is_stalled_by_blur_not_collapsed(tmp_path):
    _, diagnosis = _diagnosed(tmp_path, "blur-never-sharpens")
    assert diagnosis.verdict == "stalled", diagnosis.explanation
    [plateau] = diagnosis.of_kind("stall")
    assert plateau.evidence["cause"] == "low_plateau" and plateau.severity == "medium"
    assert 0.2 < plateau.evidence["ends"]["precision"] < 0.25
    assert diagnosis.of_kind("low_quality"), "the blur is reported as low quality"
    assert diagnosis.of_kind("collapse") == []


def test_samples_sharpening_as_training_starts_raise_no_quality_alarm():
    """A generator that starts on two modes, spreads over all of them blurred, and sharpens by step 500
    (a gan-ns on ring8, resumed): how training starts, a low finding, not a medium loss of quality."""
    steps, evals, manifest = synthetic_log()
    counts, good = [], []
    for i, step in enumerate(evals.step):
        share = np.full(8, 250) if i else np.array([0, 900, 1100, 0, 0, 0, 0, 0])
        counts.append(share.tolist())
        good.append((share * (0.8 if step >= 500 else 0.0)).astype(int).tolist())
    evals = evals.assign(mode_counts=[json.dumps(c) for c in counts], hq_mode_counts=[json.dumps(g) for g in good])
    evals.loc[0, ["diversity", "recall"]] = [0.3, 0.2]  # the narrow start: a collapse, not a blur
    diagnosis = diagnose(steps, evals, manifest)
    assert diagnosis.verdict == "healthy", diagnosis.explanation
    assert [f.explanation for f in diagnosis.findings if f.rank >= 1] == []
    assert [f.severity for f in diagnosis.of_kind("low_quality")] == ["low"]


def test_samples_that_blur_after_learning_are_a_medium_quality_finding():
    steps, evals, manifest = synthetic_log()
    good = [[200 if step < 500 or mode % 2 else 0 for mode in range(8)] for step in evals.step]
    evals = evals.assign(mode_counts=json.dumps([250] * 8), hq_mode_counts=[json.dumps(g) for g in good])
    diagnosis = diagnose(steps, evals, manifest)
    [blur] = diagnosis.of_kind("low_quality")
    assert blur.severity == "medium" and abs(blur.start_step - 500) <= 20 and blur.ongoing
    assert diagnosis.of_kind("collapse") == [] and diagnosis.verdict == "healthy", diagnosis.explanation


def test_quality_moving_between_modes_without_falling_raises_no_alarm():
    """From step 600 three modes (a different three each evaluation) fall under the hit line while the
    others sharpen, so the high-quality share stays at 0.49 (a generator wobbling around the modes, as
    our own loop at learning rate 2e-3 does): a low finding, not a medium loss of quality."""
    steps, evals, manifest = synthetic_log()
    good = []
    for i, step in enumerate(evals.step):
        share = np.full(8, 0.4875)
        if step >= 600:
            share = np.full(8, 0.75)
            share[[(3 * i + k) % 8 for k in range(3)]] = 0.05
        good.append((250 * share).astype(int).tolist())
    evals = evals.assign(mode_counts=json.dumps([250] * 8), hq_mode_counts=[json.dumps(g) for g in good])
    diagnosis = diagnose(steps, evals, manifest)
    assert diagnosis.verdict == "healthy" and diagnosis.of_kind("collapse") == [], diagnosis.explanation
    assert [f.severity for f in diagnosis.of_kind("low_quality")] == ["low"]
