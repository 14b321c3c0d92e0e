"""The truth suite: logs with planted events (tests/truth_logs.py), written through TrainingLogger,
must get their true verdict, and every planted event must be found within 10% of the run of its onset.

The slow part trains real reference models pushed into failure with --set (benchmarks/bench_truth.py
runs the same cases and prints the confusion matrix)."""

from __future__ import annotations

from collections import Counter

import pytest
from truth_logs import REAL_CASES, event_plans, healthy_plans, plans, train_case, write_log
from truth_runs import REAL_RUNS, diagnose_real_run

from ganeval.diagnostics import VERDICTS, diagnose_run

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


def test_planted_events_do_not_add_unrelated_alarms(diagnosed):
    """A planted event brings its own finding; the only company allowed is what it causes (a collapse
    raises FID; a run that never learned also looks collapsed and D-dominated; a drift off the data
    loses quality; samples hopping between modes are collapsed at each evaluation)."""
    allowed = {
        "collapse": {"divergence"},
        "low_quality": {"collapse", "d_dominance"},
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
