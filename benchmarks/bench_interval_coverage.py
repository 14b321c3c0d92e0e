"""Coverage of every metric's 95% interval on synthetic data with a known truth.

    python3 benchmarks/bench_interval_coverage.py [--n 500] [--reps 200] [--resamples 100] [--truth 500]

A 95% interval should hold the value it is meant to bound 95% of the time. The truth here is each
metric's expected value at the sample size n (what another draw of n samples gives on average),
estimated by the mean over --truth independent draws. Data: 16-d Gaussian features (reference
N(0, I), generated N(0.2, 1.15^2 I)); generated logits over 10 classes with unequal shares, one of
them rare enough that it is covered about half the time; reference labels uniform. Each of --reps
repetitions draws new samples, computes `compute_metrics` with --resamples bootstrap resamples (the
intervals `ganeval score` reports), and counts whether the interval holds the truth and its value.

Prints, per metric: the nominal level, the observed coverage (its Monte Carlo standard error is
about sqrt(0.95 * 0.05 / reps): 1.5% at 200), the mean width, the width over 2 x 1.96 x the value's
standard deviation across draws (1.0: as wide as a normal 95% interval from the true spread), and
how often the interval holds its own value. modes_covered is a count: where every resample agrees, its
interval is one integer and cannot hold a truth between two (9.56 here), so it covers less.
On a shared machine, OMP_NUM_THREADS=1 keeps the small matrix products from fighting for cores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

DIM, CLASSES = 16, 10
METRICS = [
    "fid",
    "kid",
    "inception_score",
    "precision",
    "recall",
    "density",
    "coverage",
    "modes_covered",
    "mode_kl",
    "high_quality_fraction",
]


def class_shares() -> np.ndarray:
    """Unequal class shares; the last class rare: its confident samples sit near a quarter of a fair share."""
    shares = np.linspace(1.0, 1.6, CLASSES)
    shares[-1] = 0.35
    return shares / shares.sum()


def draw(n: int, rng: np.random.Generator):
    """One synthetic (reference, generated) pair of Samples of n each."""
    from ganeval.metrics import Samples
    from ganeval.metrics.modes import confident

    real = rng.standard_normal((n, DIM))
    fake = rng.standard_normal((n, DIM)) * 1.15 + 0.2
    classes = rng.choice(CLASSES, n, p=class_shares())
    logits = 6.0 * np.eye(CLASSES)[classes] + rng.standard_normal((n, CLASSES))
    labels = rng.integers(0, CLASSES, n)
    fake_samples = Samples(features=fake, logits=logits, modes=classes, high_quality=confident(logits))
    return Samples(features=real, modes=labels), fake_samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="samples per side")
    parser.add_argument("--reps", type=int, default=200, help="repetitions (intervals) per metric")
    parser.add_argument("--resamples", type=int, default=100, help="bootstrap resamples per interval")
    parser.add_argument("--truth", type=int, default=500, help="independent draws that estimate the truth")
    parser.add_argument("--kid-subsets", type=int, default=10)
    args = parser.parse_args()

    from ganeval.metrics import MetricOptions, compute_metrics

    def options(seed: int) -> MetricOptions:
        return MetricOptions(n_modes=CLASSES, kid_subsets=args.kid_subsets, seed=seed)

    start = time.perf_counter()
    rng = np.random.default_rng(12345)  # the truth's draws; repetition r draws with seed r
    draws = [compute_metrics(METRICS, *draw(args.n, rng), options(t)) for t in range(args.truth)]
    values = {name: np.array([d[name].value for d in draws]) for name in METRICS}
    truth = {name: v.mean() for name, v in values.items()}
    covered, held, widths = ({name: [] for name in METRICS} for _ in range(3))
    for rep in range(args.reps):
        result = compute_metrics(METRICS, *draw(args.n, np.random.default_rng(rep)), options(rep), args.resamples)
        for name, interval in result.items():
            covered[name].append(interval.low <= truth[name] <= interval.high)
            held[name].append(interval.low <= interval.value <= interval.high)
            widths[name].append(interval.high - interval.low)
    seconds = time.perf_counter() - start

    print(
        f"n = {args.n} per side, {args.reps} repetitions, {args.resamples} resamples, truth from {args.truth} draws "
        f"({seconds:.0f} s)"
    )
    print("| metric | nominal | coverage | mean width | width / normal's | holds its value | truth |")
    print("|---|---|---|---|---|---|---|")
    for name in METRICS:
        width, spread = np.mean(widths[name]), values[name].std()
        ratio = f"{width / (2 * 1.96 * spread):.2f}" if spread > 0 else "-"
        print(
            f"| {name} | 95% | {np.mean(covered[name]):.1%} | {width:.4g} | {ratio} | {np.mean(held[name]):.0%} "
            f"| {truth[name]:.4g} |"
        )


if __name__ == "__main__":
    main()
