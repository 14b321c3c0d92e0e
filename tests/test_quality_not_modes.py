"""Quality apart from coverage (issue 24, items 1-2): a mode is lost when its share of the samples goes,
not when its samples blur; samples drifting off the data are a divergence; samples hopping between
modes beside an oscillating loss are an oscillation. Logs from truth_logs, which plant per-mode counts
and per-mode quality separately; each of these got "collapsed" before."""

from __future__ import annotations

import pytest
from truth_logs import event_plans, write_log

from ganeval.diagnostics import diagnose_run


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
    assert "every mode kept its share of the samples" in blur.explanation
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


def test_a_generator_that_never_sharpens_is_never_learned_not_collapsed(tmp_path):
    _, diagnosis = _diagnosed(tmp_path, "blur-never-sharpens")
    assert diagnosis.verdict == "never-learned", diagnosis.explanation
    assert diagnosis.of_kind("collapse") == []
