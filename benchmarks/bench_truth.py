"""The truth suite: verdicts and onsets of the diagnostics against logs whose truth is known.

Writes every synthetic log of tests/truth_logs.py through TrainingLogger (healthy ones with realistic
noise and drift at FID scales 1e-4..1e3, and one planted event each in the others), reads the published
run folders of tests/truth_runs.py (StyleGAN2-ADA / StyleGAN3 runs from public repositories), trains the
short real cases pushed into failure (`REAL_CASES`, unless --synthetic-only), diagnoses every run, and
prints the confusion matrix (truth against verdict, Markdown), the false alarms on healthy logs, and
each planted event's onset error as a share of its run.

    python benchmarks/bench_truth.py [--synthetic-only] [--seeds K] [--out runs/truth]

--seeds K writes every synthetic log K times, with seeds shifted by 1000, 2000, ... (same plan, new noise).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT

sys.path.insert(0, str(ROOT / "tests"))

from truth_logs import REAL_CASES, plans, train_case, write_log  # noqa: E402
from truth_runs import REAL_RUNS, diagnose_real_run  # noqa: E402

from ganeval.diagnostics import VERDICTS, diagnose_run  # noqa: E402
from ganeval.errors import GanevalError  # noqa: E402


def confusion_matrix(pairs: list[tuple[str, str]]) -> str:
    """Markdown table: one row per true verdict, one column per verdict given."""
    header = "| truth \\ verdict | " + " | ".join(VERDICTS) + " | logs |"
    lines = [header, "|" + "---|" * (len(VERDICTS) + 2)]
    for truth in VERDICTS:
        row = [sum(1 for t, v in pairs if t == truth and v == given) for given in VERDICTS]
        lines.append(f"| {truth} | " + " | ".join(str(c) if c else "." for c in row) + f" | {sum(row)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--synthetic-only", action="store_true", help="skip the real trainings (minutes each on a small CPU)"
    )
    parser.add_argument(
        "--seeds", type=int, default=1, help="noise seeds per synthetic plan (default 1: the test suite's)"
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for the logs (default: a temporary folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="truth-"))

    pairs, false_alarms, onset_errors, misses = [], [], [], []
    start = time.perf_counter()
    synthetic = [
        dataclasses.replace(p, seed=p.seed + 1000 * k, name=f"{p.name}-s{k}" if k else p.name)
        for k in range(args.seeds)
        for p in plans()
    ]
    for plan in synthetic:
        diagnosis = diagnose_run(write_log(plan, out / "synthetic"))
        pairs.append((plan.truth, diagnosis.verdict))
        if plan.truth == "healthy" and plan.event is None and any(f.rank >= 1 for f in diagnosis.findings):
            false_alarms.append(plan.name)
        if plan.kind:
            starts = [f.start_step for f in diagnosis.of_kind(plan.kind)]
            error = min((abs(s - plan.onset) / plan.steps for s in starts), default=None)
            onset_errors.append((plan.name, error))
            if error is None or error > 0.1:
                misses.append(plan.name)
        if diagnosis.verdict != plan.truth:
            print(f"  {plan.name}: truth {plan.truth}, verdict {diagnosis.verdict}: {diagnosis.explanation}")
    synthetic_time = time.perf_counter() - start
    n_synthetic = len(pairs)

    published_rows = []
    for run in REAL_RUNS:
        try:
            diagnosis = diagnose_real_run(run)
        except GanevalError as error:  # a run the diagnostics cannot judge yet (run.needs says why)
            published_rows.append((run, None, str(error)))
            continue
        pairs.append((run.truth, diagnosis.verdict))
        published_rows.append((run, diagnosis.verdict, diagnosis.explanation))

    real_rows = []
    if not args.synthetic_only:
        for case in REAL_CASES:
            began = time.perf_counter()
            diagnosis = diagnose_run(train_case(case, out / "real"))
            pairs.append((case.truth, diagnosis.verdict))
            real_rows.append((case, diagnosis, time.perf_counter() - began))

    print(
        f"\n{n_synthetic} synthetic logs ({synthetic_time:.0f} s), {len(REAL_RUNS)} published run folders and "
        f"{len(real_rows)} real trainings, in {out}\n"
    )
    print(confusion_matrix(pairs))
    correct = sum(t == v for t, v in pairs)
    print(
        f"\nverdicts right: {correct} of {len(pairs)}; "
        f"false alarms on healthy logs: {len(false_alarms)} {false_alarms or ''}"
    )
    found = [e for _, e in onset_errors if e is not None]
    print(
        f"planted events found within 10% of the run: "
        f"{len(onset_errors) - len(misses)} of {len(onset_errors)} {misses or ''}; "
        f"onset error median {sorted(found)[len(found) // 2]:.1%}, worst {max(found):.1%} of the run"
    )
    for run, verdict, explanation in published_rows:
        print(f"\npublished {run.folder}: truth {run.truth}, verdict {verdict or 'none'}\n  {explanation}")
    for case, diagnosis, seconds in real_rows:
        settings = " ".join(f"--set {k}={v}" for k, v in case.settings)
        print(
            f"\n{case.variant} --data {case.data} --steps {case.steps} {settings} ({seconds:.0f} s): "
            f"truth {case.truth}, "
            f"verdict {diagnosis.verdict}\n  {diagnosis.explanation}"
        )


if __name__ == "__main__":
    main()
