"""What evaluation costs a reference trainer: the fraction of its wall time spent evaluating.

Trains each (variant, data) pair for --steps steps at the trainers' defaults (eval_every 500, eval_n 2000
samples, every metric TrainingLogger computes: FID, precision, recall, density, coverage, modes, mode KL,
high-quality fraction, diversity, D's calibration) and times, by wrapping them:
  evaluate   the loop's evaluation: G's and D's eval batches, the metrics, the sample plot
  metrics    TrainingLogger.evaluate alone (extraction, metrics, calibration, the CSV write, the writers)
  plot       the sample plot (an image grid, or a matplotlib scatter of 2-D points)
  reference  preparing the reference once (ReferenceScorer.of; cached after the first run)
  training   the rest (steps, checkpoints), per step.
The fraction at the defaults is one evaluation over 500 training steps plus that evaluation,
evaluate / (500 * step + evaluate); the target (issue 26) is under 5%. --writers tensorboard adds
the writer's cost to every step and evaluation.

    python benchmarks/bench_eval_cost.py [--pairs gan:ring8,dcgan:digits] [--steps 1000] [--device cpu]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from _common import ForeignLoad

import reference_models
import reference_models.loop as loop
from ganeval.scoring import ReferenceScorer
from ganeval.training.logger import TrainingLogger

TARGET = 0.05  # issue 26: evaluation under 5% of the wall time at the defaults
EVAL_EVERY = 500  # the trainers' default


@contextmanager
def timing(owner, name: str, totals: dict, key: str):
    """Wrap owner.name so that every call adds its wall time to totals[key] and one to totals[key + ' calls']."""
    original, raw = getattr(owner, name), vars(owner)[name]  # raw: a classmethod as it is, for the restore

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - start
            totals[key + " calls"] += 1

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, raw)


@contextmanager
def logging_to(writers: list[str]):
    """Every TrainingLogger made in the block sends to `writers`."""
    original = TrainingLogger.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **{**kwargs, "writers": writers})

    TrainingLogger.__init__ = init
    try:
        yield
    finally:
        TrainingLogger.__init__ = original


def measure(variant: str, data: str, steps: int, device: str, writers: list[str], out: Path) -> dict:
    totals = dict.fromkeys(
        [f"{key}{calls}" for key in ("evaluate", "metrics", "plot", "reference") for calls in ("", " calls")], 0
    )
    with (
        timing(ReferenceScorer, "of", totals, "reference"),
        timing(TrainingLogger, "evaluate", totals, "metrics"),
        timing(loop, "evaluate", totals, "evaluate"),
        timing(loop, "save_grid", totals, "plot"),
        timing(loop, "plot_points", totals, "plot"),
        logging_to(writers),
    ):
        start = time.perf_counter()
        reference_models.train(
            variant, data, out=out, steps=steps, seed=0, overwrite=True, device=device, progress=False
        )
        wall = time.perf_counter() - start
    evaluations = totals["evaluate calls"]
    per_eval = totals["evaluate"] / max(evaluations, 1)
    per_step = (wall - totals["evaluate"] - totals["reference"]) / steps
    return {
        "pair": f"{variant}:{data}",
        "wall": wall,
        "evaluations": evaluations,
        "per_eval": per_eval,
        "metrics_per_eval": totals["metrics"] / max(evaluations, 1),
        "plot_per_eval": totals["plot"] / max(evaluations, 1),
        "reference": totals["reference"],
        "per_step_ms": 1000 * per_step,
        "fraction": per_eval / (EVAL_EVERY * per_step + per_eval),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", default="gan:ring8,dcgan:digits")
    parser.add_argument("--steps", type=int, default=1000, help="training steps per pair (evaluations at 500, 1000)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--writers", default="", help="comma-separated writers, e.g. tensorboard")
    args = parser.parse_args()
    writers = [w for w in args.writers.split(",") if w]
    load = ForeignLoad()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for pair in args.pairs.split(","):
            variant, data = pair.split(":")
            rows.append(measure(variant, data, args.steps, args.device, writers, Path(tmp) / pair.replace(":", "-")))
    print(f"evaluation cost at eval_every {EVAL_EVERY}, {args.steps} steps, device {args.device}, writers {writers}")
    print(
        f"{'pair':<14} {'wall s':>7} {'evals':>5} {'eval s':>7} {'metrics s':>9} {'plot s':>6} {'ref s':>6} "
        f"{'step ms':>8} {'fraction':>8}"
    )
    for r in rows:
        print(
            f"{r['pair']:<14} {r['wall']:7.1f} {r['evaluations']:5d} {r['per_eval']:7.2f} "
            f"{r['metrics_per_eval']:9.2f} {r['plot_per_eval']:6.2f} "
            f"{r['reference']:6.1f} {r['per_step_ms']:8.2f} {r['fraction']:8.1%}"
            f"  {'ok' if r['fraction'] < TARGET else f'over the {TARGET:.0%} target'}"
        )
    print(load.report())


if __name__ == "__main__":
    main()
