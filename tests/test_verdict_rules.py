"""Verdict rules on the shapes real runs have (issue 24, items 1, 3 and 5): D dominance to the end
through dipping evaluations, the FID-only stall rule, a stall from gradients against the level few
evaluations show, and the same training evaluated every 50 or every 250 steps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from test_diagnostics import synthetic_log
from truth_logs import event_plans, plans, write_log

from ganeval.diagnostics import diagnose, diagnose_run
from ganeval.diagnostics.stability import _bridged


def _plan(name: str):
    return next(plan for plan in plans() if plan.name == name)


@pytest.mark.parametrize("name", ["dominate-dips", "dominate-dips-2"])
def test_d_dominance_to_the_end_through_dipping_evaluations_is_d_dominated(tmp_path, name):
    """A dcgan on digits: D's held-out AUC 0.99 from early on, two evaluations at 0.93 just before the
    last; D(x) and D(G(z)) drift only to 0.8 and 0.2. It was healthy, the stretch ending at the dip."""
    plan = _plan(name)
    diagnosis = diagnose_run(write_log(plan, tmp_path))
    assert diagnosis.verdict == "D-dominated", diagnosis.explanation
    [dominance] = diagnosis.of_kind("d_dominance")
    assert dominance.ongoing and abs(dominance.start_step - plan.onset) <= 0.1 * plan.steps
    assert dominance.evidence["d_auc_mean"] > 0.965


@pytest.mark.parametrize(
    "wins, stretches",
    [
        ("wwwwddw", [(0, 6)]),  # two dips inside, D wins 5 of 7: one stretch to the end
        ("wwdwwdw", [(0, 6)]),
        ("wwwwwdddw", [(0, 4), (8, 8)]),  # three in a row end it
        ("wddwddw", [(0, 0), (3, 3), (6, 6)]),  # D wins a third of the time: no stretch joins
        ("wdwdw", [(0, 2), (4, 4)]),
    ],
)
def test_dips_are_bridged_only_while_d_wins_two_thirds(wins, stretches):
    assert _bridged(np.array([c == "w" for c in wins])) == stretches


def test_d_dominance_confined_to_the_start_stays_healthy(tmp_path):
    diagnosis = diagnose_run(write_log(_plan("dominate-early"), tmp_path))
    assert diagnosis.verdict == "healthy", diagnosis.explanation
    assert all(not f.ongoing for f in diagnosis.of_kind("d_dominance"))


def _fid_only(gradient_drop: bool):
    """A log of FID alone (no precision, recall or shares) falling from 200 to 40 by step 500, then flat
    there (a poor level for images, but the log cannot know it), over 50 evaluations; G's gradient norm
    logged only when `gradient_drop` (then it falls 1000x at step 500)."""
    steps, evals, manifest = synthetic_log()
    rng = np.random.default_rng(3)
    level = 40.0 * 5 ** np.clip(1 - evals.step / 500, 0, 1)
    evals = pd.DataFrame({"step": evals.step, "fid": level * np.exp(rng.normal(0, 0.03, len(evals)))})
    steps = steps[["step", "loss_d", "loss_g", "d_real", "d_fake"]]
    if gradient_drop:
        fall = 10 ** (-3 * np.clip((steps.step - 500) / 50, 0, 1))
        steps = steps.assign(grad_norm_g=np.exp(rng.normal(0.5, 0.25, len(steps))) * fall)
    return steps, evals, {"variant": "synthetic"}


def test_flat_fid_alone_without_gradients_is_no_stall():
    """FID has no level a log can know (40 is the data's best on some sets, a frozen generator on
    others), and nothing else shows the samples: the stall rule says nothing, the run is healthy."""
    diagnosis = diagnose(*_fid_only(gradient_drop=False))
    assert diagnosis.of_kind("stall") == [] and diagnosis.verdict == "healthy", diagnosis.explanation


def test_flat_fid_alone_with_vanishing_gradients_is_stalled():
    """The same flat FID, while G's gradient norm falls 1000x at step 500: the gradients show the stall."""
    diagnosis = diagnose(*_fid_only(gradient_drop=True))
    assert diagnosis.verdict == "stalled", diagnosis.explanation
    [stall] = diagnosis.of_kind("stall")
    assert stall.evidence["quality_checked"] and stall.evidence["quality_levels"] == {}
    assert abs(stall.start_step - 500) <= 100 and "no precision or high-quality share logged" in stall.explanation


def _few_evaluations(precision: float):
    """4 evaluations (too few to judge whether the samples move) at the given precision and high-quality
    share, while G's gradient norm falls 1000x at step 500 and FID stays where it was then."""
    steps, evals, manifest = synthetic_log(eval_every=250)
    fall = 10 ** (-3 * np.clip((steps.step - 500) / 50, 0, 1))
    steps = steps.assign(grad_norm_g=steps.grad_norm_g * fall)
    frozen = evals.fid.where(evals.step <= 500).ffill()  # a G that stopped moving at step 500
    return steps, evals.assign(fid=frozen, precision=precision, high_quality_fraction=precision), manifest


def test_shrinking_gradients_beside_few_evaluations_at_the_data_level_are_convergence():
    diagnosis = diagnose(*_few_evaluations(precision=0.85))
    assert diagnosis.verdict == "healthy" and diagnosis.of_kind("stall") == [], diagnosis.explanation


def test_shrinking_gradients_beside_few_evaluations_that_improve_are_learning():
    """A dcgan's shape: G's gradient norm falls 1000x at step 500 while its 4 evaluations put FID at
    300, 240, 200, 180 (or precision rising 0.2 -> 0.3): the samples still improve, no stall."""
    steps, evals, manifest = _few_evaluations(precision=0.3)
    improving = evals.assign(fid=np.geomspace(300, 180, len(evals)))
    assert diagnose(steps, improving, manifest).of_kind("stall") == []
    rising = evals.assign(fid=200.0, precision=np.linspace(0.2, 0.3, len(evals)))
    assert diagnose(steps, rising, manifest).of_kind("stall") == []
    flat = evals.assign(fid=200.0 * np.exp(np.random.default_rng(0).normal(0, 0.03, len(evals))))
    assert diagnose(steps, flat, manifest).verdict == "stalled"


def test_vanishing_gradients_beside_few_evaluations_short_of_the_data_stay_a_stall():
    diagnosis = diagnose(*_few_evaluations(precision=0.3))
    assert diagnosis.verdict == "stalled", diagnosis.explanation
    [stall] = diagnosis.of_kind("stall")
    assert stall.evidence["quality_checked"] is False and abs(stall.start_step - 500) <= 100


# The same training evaluated every 50 and every 250 steps (8 evaluations over 2,000 steps): one verdict.
SCHEDULE_PLANS = [
    p.name for p in event_plans() if p.steps == 2000 and p.eval_every == 50 and p.event not in ("undertrained",)
] + ["healthy-1-2", "healthy-5-2", "undertrained-images"]


@pytest.mark.parametrize("name", SCHEDULE_PLANS)
def test_every_50_or_every_250_steps_gives_the_same_verdict(tmp_path, name):
    plan = replace(_plan(name), eval_every=50)
    run = write_log(plan, tmp_path)
    dense = diagnose_run(run)
    evals = pd.read_csv(run / "evals.csv")
    evals[evals.step % 250 == 0].to_csv(run / "evals.csv", index=False)
    sparse = diagnose_run(run)
    assert dense.verdict == sparse.verdict == plan.truth, (dense.explanation, sparse.explanation)
    if plan.kind is not None and plan.kind != "still_improving":  # still_improving dates its tail, not an event
        # onsets within 10% of the run, or one evaluation interval where that is longer (250 steps here)
        for diagnosis in (dense, sparse):
            starts = [f.start_step for f in diagnosis.of_kind(plan.kind)]
            assert any(abs(s - plan.onset) <= max(0.1 * plan.steps, 250) for s in starts), (starts, plan.onset)


def _blurred_early(coverage_rising: bool):
    """Precision and the high-quality share at 0.03-0.06 throughout, FID flat; PRDC coverage rising from
    0.08 to 0.17 over the last third (a minimax GAN on ring8 closing in on the data), or flat at 0.1."""
    steps, evals, manifest = synthetic_log()
    rng = np.random.default_rng(4)
    t = evals.step / evals.step.max()
    low = 0.03 + 0.03 * t + rng.normal(0, 0.004, len(t))
    coverage = 0.08 + 0.09 * np.clip((t - 2 / 3) * 3, 0, 1) if coverage_rising else np.full(len(t), 0.1)
    fid = 0.08 * np.exp(rng.normal(0, 0.3, len(t)))
    evals = evals.assign(
        precision=low, high_quality_fraction=low, coverage=coverage + rng.normal(0, 0.01, len(t)), fid=fid
    )
    return steps, evals, manifest


def test_coverage_still_rising_makes_a_blurred_early_run_undertrained_not_never_learned():
    diagnosis = diagnose(*_blurred_early(coverage_rising=True))
    assert diagnosis.verdict == "undertrained", diagnosis.explanation
    [improving] = diagnosis.of_kind("still_improving")
    assert improving.evidence["metric"] == "coverage" and improving.evidence["fitted_end"] > 0.15


def test_a_blurred_run_whose_coverage_is_flat_stays_never_learned():
    diagnosis = diagnose(*_blurred_early(coverage_rising=False))
    assert diagnosis.verdict == "never-learned", diagnosis.explanation


# The evaluations of a real dcgan on digits (reports/compare-digits, seed 1, every 150 steps): FID
# falls 247 -> 160 from step 450 while the halves' medians move less than 3 noise sd apart.
DCGAN_SLOW = {
    "step": [150, 300, 450, 600, 750, 900, 1050, 1200, 1350, 1500],
    "fid": [538.6, 312.6, 246.8, 218.5, 213.7, 215.4, 197.2, 167.7, 159.6, 177.3],
    "precision": [0.3215, 0.453, 0.422, 0.424, 0.4325, 0.47, 0.4725, 0.4625, 0.461, 0.491],
    "recall": [0.5559, 0.7551, 0.8331, 0.8742, 0.9043, 0.8904, 0.9043, 0.9288, 0.9265, 0.8948],
}


def test_a_slow_steady_improvement_is_no_stall():
    """A steady trend (slope 3 standard errors from zero, moving the metric 2 noise sd) is learning;
    the same evaluations with the trend taken out, a G that stopped moving, are a stall."""
    from ganeval.diagnostics.stability import detect_stall

    steps = pd.DataFrame({"step": np.arange(1, 1501), "grad_norm_g": 1.0})
    slow = pd.DataFrame(DCGAN_SLOW)
    assert detect_stall(steps, slow) == []
    frozen = slow.assign(
        fid=np.where(slow.step >= 450, 200 * np.exp(np.random.default_rng(1).normal(0, 0.03, 10)), slow.fid),
        precision=np.where(slow.step >= 450, 0.45, slow.precision),
        recall=np.where(slow.step >= 450, 0.87, slow.recall),
    )
    [stall] = detect_stall(steps, frozen)
    assert stall.start_step == 450
