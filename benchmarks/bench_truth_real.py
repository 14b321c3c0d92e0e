"""The real-run truth suite: trainings pushed into each failure, judged by an oracle, diagnosed by ganeval.

Trains every run of benchmarks/truth_real.py into --out (a run whose folder is complete, with its
`trained.json`, is reused), establishes its truth with benchmarks/truth_oracle.py (samples and
checkpoints, nothing from the detectors; where the oracle and the intended failure disagree the oracle
wins, and both are printed), diagnoses it with `ganeval.diagnostics.diagnose_run`, and prints, per half:
the confusion matrix, false alarms on healthy runs (any finding of rank >= 1), onset errors where the
oracle knows an onset, and whether the runs of one training evaluated every 50 and every 250 steps
agree. A run trained before TrainingLogger recorded `realism` gets that column from its saved samples
first (`add_realism`: the same metric, the same reference). Writes DIR/INDEX.md (each run: half,
intended, oracle truth and why).

    python benchmarks/bench_truth_real.py --out /tmp/truth-real [--half HALF|all] [--no-train]

HALF: design, held-out, held-out-2, ... held-out-13 (truth_real.HALVES).

The diagnosis is whatever `ganeval` imports: `PYTHONPATH=/path/to/other/tree` diagnoses the same
folders with another tree's rules (the first line printed names the tree).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import ganeval.diagnostics  # first: the tree on PYTHONPATH, if any, before _common adds this checkout

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_truth import confusion_matrix  # noqa: E402
from truth_oracle import truth  # noqa: E402
from truth_real import DESIGN, HALVES, RUNS, RealRun, own_loop  # noqa: E402

from ganeval.diagnostics import diagnose_run  # noqa: E402

FINDING_OF = {  # the finding kind that names each failure (for onsets)
    "collapsed": "collapse",
    "diverged": "divergence",
    "stalled": "stall",
    "oscillating": "oscillation",
    "D-dominated": "d_dominance",
    "never-learned": "low_quality",
    "undertrained": "still_improving",
}
DONE = "trained.json"


def train(run: RealRun, folder: Path) -> float:
    """Train `run` into folder (unless it is complete there); the seconds it took (0: reused)."""
    if (folder / DONE).exists():
        return 0.0
    began = time.perf_counter()
    if run.variant == "own":
        shutil.rmtree(folder, ignore_errors=True)  # a run stopped half-way starts over
        own_loop(
            folder,
            run.data,
            run.steps,
            seed=run.seed,
            eval_every=run.eval_every,
            eval_n=run.eval_n,
            **dict(run.settings),
        )
    else:
        import reference_models
        from reference_models import TrainingDiverged

        settings = dict(run.settings, eval_every=run.eval_every, eval_n=run.eval_n)
        first = run.resume_from or run.steps
        try:
            reference_models.train(
                run.variant,
                run.data,
                out=folder,
                steps=first,
                seed=run.seed,
                overwrite=True,
                progress=False,
                **settings,
            )
            if run.resume_from is not None:
                reference_models.train(run.variant, run.data, out=folder, steps=run.steps, resume=True, progress=False)
        except TrainingDiverged:
            pass  # the log up to the NaN is the run
    seconds = time.perf_counter() - began
    add_realism(folder, run)
    (folder / DONE).write_text(json.dumps({"command": run.command(), "seconds": round(seconds, 1)}) + "\n")
    return seconds


def add_realism(folder: Path, run: RealRun) -> None:
    """Give a run trained before TrainingLogger recorded `realism` (2026-12-07) that column: the same
    metric on the samples the run saved at each evaluation (all of them: every run evaluates at most
    500, the logger's POINTS_SAVED), against the same reference the logger drew (n = eval_n, the run's
    seed). A run that has the column is left as it is."""
    import numpy as np
    import pandas as pd

    from ganeval.atomic import atomic_write
    from ganeval.options import MetricOptions
    from ganeval.scoring import ReferenceScorer

    path = folder / "evals.csv"
    if not path.exists():
        return
    evals = pd.read_csv(path)
    if "realism" in evals or evals.empty:
        return
    options = MetricOptions(n=run.eval_n, seed=run.seed)
    evaluator = ReferenceScorer.of(run.data, options=options).evaluator(
        ["realism"], options=options.replace(bootstrap=0)
    )
    values = []
    for step in evals["step"]:
        samples = folder / "samples" / f"step_{int(step):06d}.npy"
        if not samples.exists():
            values.append(float("nan"))
            continue
        evaluator.reset()
        evaluator.update(np.load(samples, allow_pickle=False))
        values.append(evaluator.compute().metrics["realism"].value)
    evals["realism"] = values
    with atomic_write(path, "w") as stream:
        evals.to_csv(stream, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder of the run folders (kept between calls)")
    parser.add_argument("--half", choices=(*HALVES, "all"), default="all")
    parser.add_argument("--no-train", action="store_true", help="diagnose only the runs already trained")
    parser.add_argument("--runs", default=None, help="comma-separated run names: only these (default: every run)")
    args = parser.parse_args()
    print(f"rules: {Path(ganeval.diagnostics.__file__).parent}")
    halves = HALVES if args.half == "all" else (args.half,)
    runs = [run for half in halves for run in RUNS if run.half == half]  # the design half first
    if args.runs:
        runs = [run for run in runs if run.name in args.runs.split(",")]
    rows, train_seconds = [], 0.0
    for run in runs:
        folder = args.out / run.name
        if not args.no_train:
            train_seconds += train(run, folder)
            if run.half == DESIGN and all((args.out / r.name / DONE).exists() for r in RUNS if r.half == DESIGN):
                (args.out / f"READY-{DESIGN}").touch()
        if not (folder / DONE).exists():
            continue
        add_realism(folder, run)
        known = truth(folder, run.data)
        diagnosis = diagnose_run(folder)
        rows.append((run, known, diagnosis))
        seconds = json.loads((folder / DONE).read_text())["seconds"]
        print(
            f"{run.name} [{run.half}, {seconds:.0f} s]: intended {run.intended}, oracle {known.verdict} "
            f"({known.why}); verdict {diagnosis.verdict}",
            flush=True,
        )
    if args.half == "all":
        write_index(args.out, rows)
    for half in halves:
        report(half, [row for row in rows if row[0].half == half])
    if len(halves) > 1:
        report("all", rows)
    trained = [json.loads((args.out / r.name / DONE).read_text())["seconds"] for r, _, _ in rows]
    print(f"\ntraining wall time: {sum(trained):.0f} s for {len(trained)} runs ({train_seconds:.0f} s in this call)")


def report(half: str, rows: list) -> None:
    """The half's confusion matrix (oracle truth against verdict), false alarms, onsets and pairs."""
    print(f"\n## {half}: {len(rows)} runs\n")
    print(confusion_matrix([(known.verdict, diagnosis.verdict) for _, known, diagnosis in rows]))
    right = sum(known.verdict == diagnosis.verdict for _, known, diagnosis in rows)
    print(f"\nverdicts right: {right} of {len(rows)}")
    clear = [(known, diagnosis) for _, known, diagnosis in rows if not known.borderline]
    clear_right = sum(known.verdict == diagnosis.verdict for known, diagnosis in clear)
    print(f"on the clear-cut runs (healthy/undertrained not borderline): {clear_right} of {len(clear)}")
    for run, known, diagnosis in rows:
        if known.verdict != diagnosis.verdict:
            mark = " (borderline)" if known.borderline else ""
            print(
                f"  wrong{mark}: {run.name}: truth {known.verdict}, verdict {diagnosis.verdict}: "
                f"{diagnosis.explanation}"
            )
    healthy = [(run, d) for run, known, d in rows if known.verdict == "healthy"]
    alarms = [(run.name, f.kind, f.severity) for run, d in healthy for f in d.findings if f.rank >= 1]
    print(f"false alarms on {len(healthy)} healthy runs: {len(alarms)} {alarms or ''}")
    for run, known, diagnosis in rows:
        kind = FINDING_OF.get(known.verdict)
        if kind and known.onset is not None:
            found = diagnosis.of_kind(kind)
            if kind == "divergence":  # samples that left the data: the low-quality finding that says so
                found += [f for f in diagnosis.of_kind("low_quality") if f.evidence.get("left_modes")]
            starts = [f.start_step for f in found]
            steps = max(run.steps, 1)
            error = min((abs(s - known.onset) / steps for s in starts), default=None)
            shown = "not found" if error is None else f"{error:.1%} of the run"
            print(f"onset {run.name}: oracle step {known.onset}, {kind} at {starts or 'none'}: {shown}")
    pairs: dict[str, list] = {}
    for run, _, diagnosis in rows:
        if run.pair:
            pairs.setdefault(run.pair, []).append((run.name, diagnosis.verdict))
    for pair, members in pairs.items():
        same = len({verdict for _, verdict in members}) == 1
        print(f"pair {pair}: {members}: {'same verdict' if same else 'DIFFERENT verdicts'}")


def write_index(out: Path, rows: list) -> None:
    """INDEX.md: each run folder, its half, intended failure, oracle truth and why."""
    lines = [
        "# Real-run truth suite (benchmarks/bench_truth_real.py)",
        "",
        "Truth: benchmarks/truth_oracle.py, from the samples and checkpoints (the oracle wins over the intention).",
        "",
        "| run folder | half | intended | oracle truth | onset | why | command |",
        "|---|---|---|---|---|---|---|",
    ]
    for run, known, _ in rows:
        onset = "" if known.onset is None else known.onset
        lines.append(
            f"| {run.name} | {run.half} | {run.intended} | {known.verdict} | {onset} | {known.why} "
            f"| `{run.command()}` |"
        )
    (out / "INDEX.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
