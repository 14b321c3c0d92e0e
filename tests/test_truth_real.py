"""The real-run truth suite (benchmarks/truth_real.py): a few of its fastest trainings, trained afresh,
must get the verdict that the oracle (benchmarks/truth_oracle.py: samples and checkpoints only) reads
from them. benchmarks/bench_truth_real.py runs all of them and prints the confusion matrices."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_truth_real import train  # noqa: E402
from truth_oracle import truth  # noqa: E402
from truth_real import HALVES, RUNS  # noqa: E402

from ganeval.diagnostics import diagnose_run  # noqa: E402

FASTEST = ("diverged-gan-ns-lr1", "never-gan-ring8-lrg1e-6", "healthy-own-ring8-lr2e-3-s6")


def test_the_suite_is_balanced_and_has_its_kinds_of_runs():
    """At least 24 runs; each intended truth in the design half and in every held-out set; resumed runs,
    our own loop and a 50/250 pair."""
    assert len(RUNS) >= 24 and len({run.name for run in RUNS}) == len(RUNS)
    assert {run.half for run in RUNS} == set(HALVES)
    for intended in {run.intended for run in RUNS}:
        assert {run.half for run in RUNS if run.intended == intended} == set(HALVES), intended
    assert any(run.resume_from for run in RUNS) and any(run.variant == "own" for run in RUNS)
    pairs = {run.pair for run in RUNS if run.pair}
    for pair in pairs:
        assert sorted(run.eval_every for run in RUNS if run.pair == pair) == [50, 250]


@pytest.mark.slow
@pytest.mark.parametrize("name", FASTEST)
def test_a_real_run_gets_the_oracles_verdict(name, tmp_path):
    run = next(run for run in RUNS if run.name == name)
    folder = tmp_path / name
    train(run, folder)
    known = truth(folder, run.data)
    diagnosis = diagnose_run(folder)
    assert diagnosis.verdict == known.verdict, (known.why, known.numbers, diagnosis.explanation)
