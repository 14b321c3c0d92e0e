"""Reference work done once: one training-log evaluation of 2,000 ring8 points, old path against new.

The logger's reference is bundled ring8 (10,000 points). The old path is the code before the
prepared reference: tiled distances for every k-NN search (KDTREE_MAX_DIM = 0) and the reference's
radii and Gaussian fit recomputed at every call. The new path prepares the reference once
(`prepare_reference`, outside the timing, as `TrainingLogger` does when it starts) and searches
low-dimensional sets with a KD-tree. Three measurements, each old then new, best of --repeats:

  metrics    compute_metrics of every metric the points feed (FID, KID, precision, recall, density,
             coverage, modes), values only, as the logger computes them (plus KID)
  intervals  the same with --bootstrap resamples (score's and check's intervals)
  evaluate   TrainingLogger.evaluate as a training loop calls it: extraction, metrics, mode counts,
             diversity, evals.csv written (old path: radii recomputed, tiles)

The max difference of every metric between the paths is printed (0 means identical bits).

Run from the repository root (about a minute on a 2-core machine):
    python3 benchmarks/bench_reference.py
    python3 benchmarks/bench_reference.py --fake 10000 --repeats 5
"""

from __future__ import annotations

import argparse
import contextlib
import math
import tempfile

import numpy as np
from _common import ForeignLoad, best_time

import ganeval.training.logger as logger_module
from ganeval.data import MIXTURES
from ganeval.metrics import (
    MetricOptions,
    Samples,
    applicable_metrics,
    compute_metrics,
    prdc,
    prepare_reference,
)
from ganeval.scoring import ReferenceScorer
from ganeval.training import TrainingLogger

TARGET_SECONDS = 0.1  # one evaluation of 2,000 ring8 points with all metrics
TARGET_RATIO = 20.0


@contextlib.contextmanager
def old_path():
    """The code before the prepared reference: tiles everywhere, nothing kept between calls."""
    saved_dim, saved_compute = prdc.KDTREE_MAX_DIM, logger_module.compute_metrics
    prdc.KDTREE_MAX_DIM = 0
    logger_module.compute_metrics = lambda *args, prepared=None, **kwargs: saved_compute(*args, **kwargs)
    try:
        yield
    finally:
        prdc.KDTREE_MAX_DIM, logger_module.compute_metrics = saved_dim, saved_compute


def generated(n: int, seed: int) -> Samples:
    """ring8 samples of a fair generator: every mode, a little too broad (precision about 0.7)."""
    ring8 = MIXTURES["ring8"]
    rng = np.random.default_rng(seed)
    points = ring8.centres[rng.integers(0, 8, n)] + 0.05 * rng.standard_normal((n, 2))
    assigned = ring8.assign(points)
    return Samples(features=points, modes=assigned.modes, high_quality=assigned.high_quality)


def difference(a, b) -> float:
    if math.isnan(a) and math.isnan(b):
        return 0.0
    return abs(a - b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", type=int, default=2000, help="generated points per evaluation (default 2000)")
    parser.add_argument("--bootstrap", type=int, default=100, help="resamples for the intervals row (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many timed runs (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    load = ForeignLoad()
    real_points, real_modes = MIXTURES["ring8"].sample(10_000, seed=0)  # the bundled reference's default size
    real = Samples(features=real_points, modes=real_modes)
    fake = generated(args.fake, args.seed)
    options = MetricOptions(n_modes=8, bootstrap=args.bootstrap)
    names = applicable_metrics(real, fake, options)
    prepared = prepare_reference(real.features, k=options.k)
    compute_metrics(names, real, fake, options, prepared=prepared)  # fills the prepared reference, as a first call

    rows = {}
    for label, bootstrap_n, repeats in (("metrics", 0, args.repeats), ("intervals", args.bootstrap, 1)):
        with old_path():
            old_time, old = best_time(lambda n=bootstrap_n: compute_metrics(names, real, fake, options, n), repeats)
        new_time, new = best_time(
            lambda n=bootstrap_n: compute_metrics(names, real, fake, options, n, prepared=prepared), repeats
        )
        worst = {name: max(difference(x, y) for x, y in zip(old[name], new[name])) for name in names}
        rows[label] = (old_time, new_time, worst)

    with tempfile.TemporaryDirectory() as folder:
        points = fake.features
        with old_path():
            log = TrainingLogger(folder + "/old", ReferenceScorer.of("ring8"))
            old_time, old_row = best_time(lambda: log.evaluate(0, fake=points), args.repeats)
        log = TrainingLogger(folder + "/new", ReferenceScorer.of("ring8"))
        log.evaluate(0, fake=points)  # the first evaluation fills the prepared reference
        new_time, new_row = best_time(lambda: log.evaluate(0, fake=points), args.repeats)
        numeric = [key for key, value in new_row.items() if isinstance(value, (int, float)) and key != "step"]
        worst = {key: difference(old_row[key], new_row[key]) for key in numeric}
        text_same = all(old_row[key] == new_row[key] for key in new_row if key not in numeric)
        rows["evaluate"] = (old_time, new_time, worst)

    print(f"ring8: reference 10,000 points, {args.fake} generated, k={options.k}, metrics: {', '.join(names)}")
    print(f"best of {args.repeats} (intervals: one run, {args.bootstrap} resamples)\n")
    print(f"{'':<11}{'old s':>9}{'new s':>9}{'ratio':>8}   max difference per metric")
    for label, (old_time, new_time, worst) in rows.items():
        diffs = ", ".join(f"{name} {value:.1e}" for name, value in worst.items())
        print(f"{label:<11}{old_time:>9.3f}{new_time:>9.4f}{old_time / new_time:>7.1f}x   {diffs}")
    print(f"evaluate: the row's JSON columns (mode counts) {'equal' if text_same else 'DIFFER'}")

    old_time, new_time, worst = rows["evaluate"]
    ratio = old_time / new_time
    largest = max(max(w.values()) for *_, w in rows.values())
    met = new_time < TARGET_SECONDS and ratio >= TARGET_RATIO
    print(
        f"\ntarget: one evaluation under {TARGET_SECONDS * 1000:.0f} ms and {TARGET_RATIO:.0f}x faster, "
        "values unchanged: "
        f"{'met' if met and largest == 0 else 'NOT met'}"
    )
    print("\n" + load.report())
    print(
        f"SUMMARY reference ring8 {args.fake} points: evaluate {old_time * 1000:.0f} ms -> {new_time * 1000:.1f} ms "
        f"({ratio:.0f}x); metrics {rows['metrics'][0] * 1000:.0f} -> {rows['metrics'][1] * 1000:.1f} ms "
        f"({rows['metrics'][0] / rows['metrics'][1]:.0f}x); with {args.bootstrap} resamples "
        f"{rows['intervals'][0]:.2f} -> {rows['intervals'][1]:.2f} s; max difference {largest:.1e}"
    )


if __name__ == "__main__":
    main()
