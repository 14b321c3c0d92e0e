"""The verdict's rule order and its consistency with its own evidence (issue 24, item 4): a skipped
mixed-precision step is no divergence, an oscillation is no divergence, an early run still improving is
undertrained, and lost modes that diversity and recall contradict are a loss of quality, not a collapse."""

import numpy as np
import pytest
from test_diagnostics import kinds, synthetic_log

from ganeval.diagnostics import diagnose
from ganeval.diagnostics.stability import detect_divergence


def _with_infinite_grad(at, column="grad_norm_g"):
    steps, evals, manifest = synthetic_log()
    steps.loc[steps.step.isin(at), column] = np.inf
    return steps, evals, manifest


def test_an_isolated_infinite_gradient_norm_with_finite_losses_is_a_warning_not_divergence():
    diagnosis = diagnose(*_with_infinite_grad([400]))
    assert diagnosis.verdict == "healthy", diagnosis.explanation
    assert kinds(diagnosis, "divergence") == []
    [warning] = [f for f in kinds(diagnosis, "gradient_spike") if f.evidence.get("cause") == "non_finite"]
    assert (warning.start_step, warning.end_step, warning.severity) == (400, 400, "low")
    assert warning.evidence["non_finite"] == 1 and warning.evidence["signal"] == "grad_norm_g"


@pytest.mark.parametrize("at", [[300, 500, 700], [999]], ids=["several", "at-the-end"])
def test_several_or_final_infinite_gradient_norms_stay_divergence(at):
    diagnosis = diagnose(*_with_infinite_grad(at))
    assert diagnosis.verdict == "diverged"
    assert kinds(diagnosis, "divergence")[0].evidence["cause"] == "non_finite"


def test_an_infinite_gradient_norm_beside_a_nan_loss_stays_divergence():
    steps, evals, manifest = synthetic_log(nan_at=800)
    steps.loc[steps.step == 400, "grad_norm_d"] = np.inf
    diagnosis = diagnose(steps, evals, manifest)
    assert diagnosis.verdict == "diverged" and kinds(diagnosis, "divergence")[0].start_step == 400


def _swinging_fid(evals, low=0.0015, factor=100.0, period=300, peak=980):
    """FID oscillating around a level on a log scale, between `low` and low x factor, peaking at `peak`."""
    phase = 2 * np.pi * (evals.step - peak) / period
    return evals.assign(fid=low * factor ** (0.5 + 0.5 * np.cos(phase)))


def test_fid_oscillating_around_a_level_is_not_a_rise():
    _, evals, _ = synthetic_log()
    assert [f for f in detect_divergence(*synthetic_log()[:1], _swinging_fid(evals))] == []


def test_fid_that_rises_for_good_after_swinging_is_still_a_rise():
    _, evals, _ = synthetic_log()
    swinging = _swinging_fid(evals)
    risen = swinging.assign(fid=np.where(swinging.step >= 860, 2.0, swinging.fid))
    [rise] = detect_divergence(synthetic_log()[0], risen)
    assert rise.evidence["cause"] == "fid_rising" and rise.severity == "high" and 840 <= rise.start_step <= 880


def test_oscillation_outranks_a_fid_rise():
    steps, evals, manifest = synthetic_log(oscillate=(50, 200))
    risen = evals.assign(fid=np.where(evals.step >= 700, evals.fid * 20, evals.fid))
    diagnosis = diagnose(steps, risen, manifest)
    assert any(f.evidence.get("cause") == "fid_rising" for f in kinds(diagnosis, "divergence"))
    assert diagnosis.verdict == "oscillating", diagnosis.explanation


def test_oscillation_with_swinging_fid_is_oscillating_not_diverged():
    steps, evals, manifest = synthetic_log(oscillate=(50, 200))
    diagnosis = diagnose(steps, _swinging_fid(evals), manifest)
    assert diagnosis.verdict == "oscillating", diagnosis.explanation
    assert kinds(diagnosis, "divergence") == []


def _early(evals, fid_falling):
    """An early run: precision and the high-quality share under 0.1 throughout, and with FID still
    improving; or all of them flat."""
    t = evals.step / evals.step.max()
    rng = np.random.default_rng(1)
    precision = 0.01 + 0.08 * (t**3 if fid_falling else 0.5) + rng.normal(0, 0.002, len(t))
    fid = 2.0 * 10 ** (-1.5 * t) if fid_falling else 2.0 + rng.normal(0, 0.02, len(t))
    return evals.assign(precision=precision, high_quality_fraction=precision, fid=fid)


def test_an_early_run_still_improving_is_undertrained_not_never_learned():
    steps, evals, manifest = synthetic_log()
    diagnosis = diagnose(steps, _early(evals, fid_falling=True), manifest)
    assert kinds(diagnosis, "low_quality") and kinds(diagnosis, "still_improving")
    assert diagnosis.verdict == "undertrained", diagnosis.explanation


def test_an_early_run_that_stopped_improving_is_never_learned():
    steps, evals, manifest = synthetic_log()
    diagnosis = diagnose(steps, _early(evals, fid_falling=False), manifest)
    assert diagnosis.verdict == "never-learned", diagnosis.explanation


def _blurred(collapse_at=500):
    """Modes lost (no sample within a mode's reach) while diversity and recall stay at the data's level."""
    steps, evals, manifest = synthetic_log(collapse_at=collapse_at)
    rng = np.random.default_rng(2)
    evals = evals.assign(recall=0.9 + rng.normal(0, 0.01, len(evals)), diversity=1.0 + rng.normal(0, 0.02, len(evals)))
    return steps, evals, manifest


def test_lost_modes_that_diversity_and_recall_contradict_are_low_quality_not_collapse():
    diagnosis = diagnose(*_blurred())
    assert diagnosis.verdict != "collapsed" and kinds(diagnosis, "collapse") == [], diagnosis.explanation
    [blur] = kinds(diagnosis, "low_quality")
    assert blur.evidence["cause"] == "off_manifold" and blur.severity == "medium"
    assert abs(blur.start_step - 500) <= 20 and blur.end_step is None
    assert blur.evidence["modes_hit_min"] <= 2 and blur.evidence["recall"] >= 0.85


@pytest.mark.parametrize("signal", ["recall", "diversity"])
def test_lost_modes_confirmed_by_either_signal_are_a_collapse(signal):
    steps, evals, manifest = synthetic_log(collapse_at=500)
    held = _blurred()[1]
    other = "diversity" if signal == "recall" else "recall"
    diagnosis = diagnose(steps, evals.assign(**{other: held[other]}), manifest)
    assert diagnosis.verdict == "collapsed", diagnosis.explanation
    assert kinds(diagnosis, "low_quality") == []
