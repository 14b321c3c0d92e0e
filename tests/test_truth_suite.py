"""The truth suite: logs with planted events (tests/truth_logs.py), written through TrainingLogger,
must get their true verdict, and every planted event must be found within 10% of the run of its onset.

The slow part trains real reference models pushed into failure with --set (benchmarks/bench_truth.py
runs the same cases and prints the confusion matrix)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from truth_logs import REAL_CASES, event_plans, healthy_plans, plans, train_case, write_log
from truth_runs import REAL_RUNS, diagnose_real_run

from ganeval.diagnostics import VERDICTS, diagnose_run, load_log

ONSET_TOLERANCE = 0.1  # a planted event's reported onset within 10% of the run's length


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory):
    """(plan, diagnosis) for every synthetic log, written and diagnosed once for the module."""
    folder = tmp_path_factory.mktemp("truth")
    return [(plan, diagnose_run(write_log(plan, folder))) for plan in plans()]


def test_the_suite_has_30_healthy_logs_and_every_verdict_twice():
    assert len(healthy_plans()) >= 30
    truths = Counter(plan.truth for plan in plans())
    assert set(truths) == set(VERDICTS) and min(truths.values()) >= 2, truths
    scales = {plan.fid_scale for plan in healthy_plans()}
    assert min(scales) <= 1e-4 and max(scales) >= 1e3


def test_healthy_logs_raise_no_alarm(diagnosed):
    for plan, diagnosis in diagnosed:
        if plan.truth == "healthy" and plan.event is None:
            alarms = [f.explanation for f in diagnosis.findings if f.rank >= 1]
            assert diagnosis.verdict == "healthy" and alarms == [], (plan, diagnosis.explanation, alarms)


def test_every_log_gets_its_true_verdict(diagnosed):
    wrong = [
        (plan.name, plan.truth, diagnosis.verdict, diagnosis.explanation)
        for plan, diagnosis in diagnosed
        if diagnosis.verdict != plan.truth
    ]
    assert wrong == []


def test_every_planted_event_is_found_at_its_onset(diagnosed):
    for plan, diagnosis in diagnosed:
        if plan.kind is None:
            continue
        starts = [f.start_step for f in diagnosis.of_kind(plan.kind)]
        assert any(abs(start - plan.onset) <= ONSET_TOLERANCE * plan.steps for start in starts), (
            plan,
            starts,
            diagnosis.explanation,
        )


def test_events_that_end_are_reported_with_their_end(diagnosed):
    for plan, diagnosis in diagnosed:
        if plan.end is not None:
            ends = [f.end_step for f in diagnosis.of_kind(plan.kind) if f.end_step is not None]
            assert any(abs(end - plan.end) <= ONSET_TOLERANCE * plan.steps for end in ends), (plan, ends)


def test_every_sentence_gives_numbers_in_the_direction_it_names(diagnosed):
    """'rose ... to' a smaller number, or 'exploded' to a level no higher than before, must be impossible."""
    for _, diagnosis in diagnosed:
        for finding in diagnosis.findings:
            e = finding.evidence
            if finding.kind == "divergence" and e.get("cause") == "fid_rising":
                assert e["fid_end"] > e["fid_best"] and "rose" in finding.explanation
            if finding.kind == "divergence" and e.get("cause") == "exploding":
                assert e["late_level"] >= 10 * e["early_level"]
            if finding.kind == "still_improving" and e["metric"] == "fid":
                assert e["fitted_end"] < e["fitted_start"] and "fell" in finding.explanation


def _best_running_median(values) -> float:
    values = pd.Series(values, dtype=float).dropna()
    return float(values.rolling(3, center=True, min_periods=1).median().max()) if len(values) else np.nan


def _ended_off_data(evals: pd.DataFrame) -> bool:
    """Precision and recall both under 0.1 at the end (median of the last 3 evaluations)."""
    ends = [column(evals, c).dropna().iloc[-3:].median() for c in ("precision", "recall")]
    return all(len(column(evals, c).dropna()) >= 3 for c in ("precision", "recall")) and max(ends) < 0.1


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """frame[name] as floats (empty when not logged)."""
    return pd.to_numeric(frame[name], errors="coerce") if name in frame else pd.Series([], dtype=float)


def contradictions(diagnosis) -> list[str]:
    """What in a verdict's sentence its run's own log contradicts, judged from the log's columns
    directly (not from the detectors' evidence):
    - collapsed: recall at the end at least 0.9 of its best and diversity at least 0.9 of the real
      set's (the samples still cover the data); or every mode holding its share of the samples at
      the end while diversity holds (nothing was lost);
    - diverged: every loss, D output and gradient norm finite and under 1e5, no loss 10x its early
      level, and FID at the end (median of the last 3) under twice its best (running median of 3);
    - never-learned: precision or the high-quality share ever at 0.1 or more (running median of 3)
      on both; D-dominated: neither the last evaluation (accuracy 0.9, AUC 0.965) nor the last 10%
      of steps (D(x) 0.9, D(G(z)) 0.1) shows D winning; stalled: precision or the high-quality
      share at the end at the data's level (0.5 or more); undertrained: no metric still improving;
      oscillating: no sustained oscillation; healthy: a non-finite loss, or precision and recall
      both under 0.1 at the end (median of the last 3: no sample near the data, the data uncovered);
      diverged is consistent with the latter where precision had reached 0.1 (the samples left it);
      healthy with a medium or high failure finding (collapse, divergence, low quality, stall,
      oscillation, D dominance) lasting to the end, a blur that kept precision aside;
    - any "N of M modes" with N above M, or "fell from A to B" with B not below A."""
    steps, evals, _ = load_log(diagnosis.run)
    last = evals.iloc[-1] if len(evals) else pd.Series(dtype=object)
    wrong = []
    recall, diversity = column(evals, "recall"), column(evals, "diversity")
    if diagnosis.verdict == "collapsed":
        spread = (
            len(recall) and recall.iloc[-1] >= 0.9 * recall.max() and (not len(diversity) or diversity.iloc[-1] >= 0.9)
        )
        if spread:
            wrong.append("collapsed while recall and diversity hold")
        if "mode_counts" in evals and len(diversity) and diversity.iloc[-1] >= 0.9:
            counts = np.array(json.loads(last["mode_counts"]), dtype=float)
            if (counts >= 0.25 * counts.sum() / len(counts)).all():
                wrong.append("collapsed while every mode keeps its share and diversity holds")
    if diagnosis.verdict == "diverged":
        signals = [column(steps, c) for c in ("loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g")]
        broken = any((~np.isfinite(v.dropna().to_numpy())).any() or (v.abs() >= 1e5).any() for v in signals)
        broken |= any(not np.isfinite(v.to_numpy()).all() for v in signals[:2] if len(v))  # a NaN loss
        quarter = max(5, len(steps) // 4)
        exploding = any(
            v.abs().iloc[-max(5, len(v) // 10) :].median() >= 10 * max(v.abs().iloc[:quarter].median(), 1e-12)
            for v in signals[:2]
            if len(v)
        )
        fid = column(evals, "fid").where(lambda v: np.isfinite(v) & (v >= 0) & (v < 1e5)).dropna()
        rising = (
            len(fid) >= 5 and fid.iloc[-3:].median() >= 2 * fid.rolling(3, center=True, min_periods=1).median().min()
        )
        off_data = _ended_off_data(evals) and _best_running_median(column(evals, "precision")) >= 0.1
        if not (broken or exploding or rising or off_data):
            wrong.append("diverged with every number finite, no loss exploded, FID flat and the samples on the data")
    if diagnosis.verdict == "never-learned":
        levels = [_best_running_median(column(evals, c)) for c in ("precision", "high_quality_fraction") if c in evals]
        if levels and min(levels) >= 0.1:
            wrong.append(f"never-learned with precision and high-quality share reaching {min(levels):.2f}")
    if diagnosis.verdict == "D-dominated":
        eval_win = (column(evals, "d_accuracy").iloc[-1:] >= 0.9).any() or (
            column(evals, "d_auc").iloc[-1:] >= 0.965
        ).any()
        tail = max(5, len(steps) // 10)
        real, fake = column(steps, "d_real").iloc[-tail:], column(steps, "d_fake").iloc[-tail:]
        step_win = len(real) and real.median() >= 0.9 and fake.median() <= 0.1
        if not (eval_win or step_win):
            wrong.append("D-dominated while D does not win at the end")
    if diagnosis.verdict == "stalled":
        ends = [
            column(evals, c).dropna().iloc[-3:].median() for c in ("precision", "high_quality_fraction") if c in evals
        ]
        if any(v >= 0.5 for v in ends):
            wrong.append("stalled at the data's level")
    if diagnosis.verdict == "undertrained" and not diagnosis.of_kind("still_improving"):
        wrong.append("undertrained with nothing still improving")
    if diagnosis.verdict == "oscillating" and not [f for f in diagnosis.of_kind("oscillation") if f.rank >= 1]:
        wrong.append("oscillating without a sustained oscillation")
    if diagnosis.verdict == "healthy" and any(not np.isfinite(column(steps, c).to_numpy()).all() for c in LOSS_COLUMNS):
        wrong.append("healthy with a non-finite loss")
    if diagnosis.verdict == "healthy" and _ended_off_data(evals):
        wrong.append("healthy with precision and recall near zero at the end")
    if diagnosis.verdict == "healthy":
        lasting = [
            f.kind
            for f in diagnosis.findings
            if f.ongoing and f.rank >= 1 and f.kind in FAILURE_KINDS and not _partial_blur(f)
        ]
        if lasting:
            wrong.append(f"healthy with a medium or high {', '.join(sorted(set(lasting)))} lasting to the end")
    for n, m in re.findall(r"(\d+) of (\d+) modes", diagnosis.explanation):
        if int(n) > int(m):
            wrong.append(f"{n} of {m} modes")
    for a, b in re.findall(r"fell from (\d+) to (\d+) of", diagnosis.explanation):
        if int(b) >= int(a):
            wrong.append(f"fell from {a} to {b}")
    return wrong


def _partial_blur(finding) -> bool:
    """A loss of quality that kept the samples near the modes (precision held): a finding beside a
    healthy run, not a failure of it."""
    return finding.evidence.get("cause") == "off_manifold" and not finding.evidence.get("left_modes")


LOSS_COLUMNS = ("loss_d", "loss_g")
FAILURE_KINDS = ("collapse", "divergence", "low_quality", "stall", "oscillation", "d_dominance")


def test_no_verdict_contradicts_its_numbers(diagnosed):
    found = {plan.name: contradictions(diagnosis) for plan, diagnosis in diagnosed}
    assert {name: wrong for name, wrong in found.items() if wrong} == {}


def test_the_contradiction_check_catches_what_it_names(diagnosed):
    """The invariants are not vacuous: the same logs under a wrong verdict are caught."""
    by_name = {plan.name: diagnosis for plan, diagnosis in diagnosed}
    swaps = {
        "healthy-1-1": "collapsed",
        "blur-three-modes": "collapsed",
        "healthy-5-1": "diverged",  # FID 10 with 6% noise: flat (2-D FIDs swing more than 2x)
        "healthy-3-1": "never-learned",
        "healthy-4-1": "D-dominated",
        "converged-grad-shrinks": "stalled",
        "collapse-abrupt": "healthy",  # only the lasting-failure invariant names this one
    }
    for name, wrong in swaps.items():
        assert contradictions(replace(by_name[name], verdict=wrong)), (name, wrong)


def test_planted_events_do_not_add_unrelated_alarms(diagnosed):
    """A planted event brings its own finding; the only company allowed is what it causes (a collapse
    raises FID; a run that never learned also looks collapsed and D-dominated, and a blur that never
    sharpens plateaus, a stall; a drift off the data loses quality; samples hopping between modes
    are collapsed at each evaluation)."""
    allowed = {
        "collapse": {"divergence"},
        "low_quality": {"collapse", "d_dominance", "stall"},
        "divergence": {"collapse", "d_dominance", "low_quality"},
        "oscillation": {"collapse"},
    }
    for plan, diagnosis in diagnosed:
        if plan.kind is None or plan.truth == "healthy":
            continue
        others = {f.kind for f in diagnosis.findings if f.rank >= 1 and f.kind != plan.kind} - allowed.get(
            plan.kind, set()
        )
        assert others <= {"gradient_spike", "miscalibration"}, (plan.name, others, diagnosis.explanation)


def test_event_plans_cover_every_verdict():
    assert {plan.truth for plan in event_plans()} == set(VERDICTS)


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(run, marks=pytest.mark.xfail(reason=f"needs {run.needs}", strict=False)) if run.needs else run
        for run in REAL_RUNS
    ],
    ids=lambda run: run.name,
)
def test_published_run_folders_get_their_true_verdict(run):
    """Real runs from public repositories (tests/fixtures/logs, truths in its READMEs); a healthy one raises no
    alarm at all."""
    diagnosis = diagnose_real_run(run)
    assert diagnosis.verdict == run.truth, (run.why, diagnosis.explanation)
    if run.truth == "healthy":
        assert [f.explanation for f in diagnosis.findings if f.rank >= 1] == []


@pytest.mark.slow
@pytest.mark.parametrize("case", REAL_CASES, ids=lambda case: case.name)
def test_real_training_pushed_into_failure_gets_its_verdict(case, tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    diagnosis = diagnose_run(train_case(case, tmp_path))
    assert diagnosis.verdict == case.truth, (case.why, diagnosis.explanation)
