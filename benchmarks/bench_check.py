"""Seed-to-seed spread of `ganeval check`'s metrics: re-score one generator with 20 seeds.

    python3 benchmarks/bench_check.py [RUN] [--n 1000] [--seeds 20] [--bootstrap 0]

Prints, per metric, the mean, the standard deviation over seeds and the largest deviation in the
bad direction from seed 0 (what a check against a seed-0 baseline sees), next to the default
tolerance; the defaults in ganeval/gate/decision.py sit well above these deviations.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ganeval.options import Extraction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", default="ci/dcgan-digits")
    parser.add_argument("--ref", default="digits")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--bootstrap", type=int, default=0)
    parser.add_argument("--kid-subsets", type=int, default=100)
    args = parser.parse_args()

    import reference_models
    from ganeval.gate.decision import resolve_tolerance
    from ganeval.metrics import get_metric
    from ganeval.options import MetricOptions
    from ganeval.scoring import score

    generator = reference_models.load(args.run)
    values: dict[str, list[float]] = {}
    start = time.perf_counter()
    for seed in range(args.seeds + 1):  # seed 0 is the baseline, 1..seeds the re-scores
        result = score(
            generator.sample(args.n, seed),
            args.ref,
            options=MetricOptions(n=args.n, seed=seed, bootstrap=args.bootstrap, kid_subsets=args.kid_subsets),
            extraction=Extraction(progress=False),
        )
        for name, interval in result.metrics.items():
            values.setdefault(name, []).append(interval.value)
    elapsed = (time.perf_counter() - start) / (args.seeds + 1)
    print(
        f"{args.run} vs {args.ref}: n={args.n}, bootstrap={args.bootstrap}, "
        f"{args.seeds} seeds + baseline seed 0, {elapsed:.1f} s per score"
    )
    print(f"{'metric':<18}{'mean':>10}{'sd':>10}{'worst dev':>11}{'tolerance':>11}{'ratio':>8}")
    for name, series in values.items():
        series = np.array(series)
        sign = -1 if get_metric(name).higher_is_better else 1
        worst = max(0.0, float((sign * (series[1:] - series[0])).max()))
        tolerance = resolve_tolerance(name, {}, float(series[0]))  # a percentage of the seed-0 value
        ratio = tolerance / worst if worst else float("inf")
        print(
            f"{name:<18}{series.mean():>10.4g}{series[1:].std(ddof=1):>10.3g}{worst:>11.3g}{tolerance:>11.3g}{ratio:>8.2f}"
        )


if __name__ == "__main__":
    main()
