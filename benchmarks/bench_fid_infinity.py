"""Cost of ganeval's FID-infinity (15 points) against computing FID from the features once.

Synthetic correlated Gaussian features, default 20,000 real and 20,000 fake samples at d = 2048,
in this one process. Reference statistics (mu, sigma) of the real features are computed once,
outside the timing. Timed, each best of --repeats:

  fid_from_features   ganeval.metrics.fid_from_features(real, fake): both covariances + distance
  stats + distance    gaussian_stats(fake) + frechet_distance against the reference statistics
                      (the same inputs fid_infinity receives)
  fid_infinity        ganeval.metrics.fid_infinity((mu, sigma), fake, num_points=15)

Run from the repository root:
    python3 benchmarks/bench_fid_infinity.py               # n=20000, d=2048, best of 1
    python3 benchmarks/bench_fid_infinity.py --n 5000 --dim 512 --repeats 3
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import ForeignLoad, best_time, correlated_gaussian

from ganeval.metrics import fid_from_features, fid_infinity, frechet_distance, gaussian_stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="real and fake samples each (default 20000)")
    parser.add_argument("--dim", type=int, default=2048, help="feature dimension (default 2048)")
    parser.add_argument("--points", type=int, default=15, help="FID-infinity subset sizes (default 15)")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many runs (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    real = correlated_gaussian(rng, args.n, args.dim)
    fake = correlated_gaussian(rng, args.n, args.dim, shift=0.1)
    mu, sigma = gaussian_stats(real)  # the reference, computed once outside the timing
    print(f"FID-infinity cost: n={args.n} real and fake, d={args.dim}, {args.points} points, best of {args.repeats}")

    load = ForeignLoad()
    runs = [
        ("fid_from_features", lambda: fid_from_features(real, fake)),
        ("stats + distance", lambda: frechet_distance(mu, sigma, *gaussian_stats(fake))),
        (f"fid_infinity ({args.points} points)", lambda: fid_infinity((mu, sigma), fake, num_points=args.points)),
    ]
    times, values = {}, {}
    for name, fn in runs:
        times[name], values[name] = best_time(fn, args.repeats)

    inf_name = runs[2][0]
    result = values[inf_name]
    print(f"\n{'computation':<30}{'seconds':>10}{'FID':>16}")
    for name, _ in runs[:2]:
        print(f"{name:<30}{times[name]:>10.3f}{values[name]:>16.6f}")
    print(f"{inf_name:<30}{times[inf_name]:>10.3f}{result.value:>16.6f}  (FID_inf; slope {result.slope:.1f})")
    print(f"  subset sizes {result.sizes[0]}..{result.sizes[-1]}, FID at full size {result.fids[-1]:.6f}")

    vs_features = times[inf_name] / times["fid_from_features"]
    vs_stats = times[inf_name] / times["stats + distance"]
    print(f"\nfid_infinity / fid_from_features = {vs_features:.2f}x")
    print(f"fid_infinity / (stats + distance) = {vs_stats:.2f}x")
    print("\n" + load.report())
    print(
        f"SUMMARY fid_infinity n={args.n} d={args.dim} points={args.points}: {times[inf_name]:.2f} s, "
        f"{vs_features:.2f}x fid_from_features ({times['fid_from_features']:.2f} s) and "
        f"{vs_stats:.2f}x one FID against the same reference stats ({times['stats + distance']:.2f} s)"
    )


if __name__ == "__main__":
    main()
