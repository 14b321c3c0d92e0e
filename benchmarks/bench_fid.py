"""FID from statistics to value: ganeval against the torch-fidelity 0.4 and pytorch-fid formulas.

Synthetic correlated Gaussian features (default 5,000 samples per side, d = 2048) are reduced to
(mu, sigma) once, outside the timing; then each implementation is timed from the statistics to
the distance, on the same statistics, in this one process:

  ganeval full     ganeval.metrics.frechet_distance (Cholesky + eigvalsh, factorisation included)
  ganeval cached   FrechetReference.from_stats(mu1, s1) built once, then .distance(mu2, s2) timed
  eigvals          torch_fidelity.metric_fid.fid_statistics_to_metric (eigvals of s1 @ s2)
  sqrtm            pytorch-fid / clean-fid formula with scipy.linalg.sqrtm (written out below)

Run from the repository root:
    python3 benchmarks/bench_fid.py                 # d=2048, n=5000, best of 3 (sqrtm best of 2)
    python3 benchmarks/bench_fid.py --n 2000 --dim 512 --repeats 5
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import scipy.linalg
from _common import ForeignLoad, best_time, correlated_gaussian
from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_statistics_to_metric

from ganeval.metrics import FrechetReference, frechet_distance


def sqrtm_fid(mu1, s1, mu2, s2, eps=1e-6):
    """The classic pytorch-fid / clean-fid formula: tr(sqrtm(s1 @ s2)), eps offset if not finite."""
    diff = mu1 - mu2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sqrtm may warn that the product is singular
        covmean = scipy.linalg.sqrtm(s1.dot(s2))
        if not np.isfinite(covmean).all():
            offset = np.eye(s1.shape[0]) * eps
            covmean = scipy.linalg.sqrtm((s1 + offset).dot(s2 + offset))
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="samples per side (default 5000)")
    parser.add_argument("--dim", type=int, default=2048, help="feature dimension (default 2048)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (sqrtm: at most 2)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    real = correlated_gaussian(rng, args.n, args.dim)
    fake = correlated_gaussian(rng, args.n, args.dim, shift=0.1)
    mu1, s1 = real.mean(axis=0), np.cov(real, rowvar=False)
    mu2, s2 = fake.mean(axis=0), np.cov(fake, rowvar=False)
    del real, fake
    print(f"FID from statistics: n={args.n} per side, d={args.dim}, float64, best of {args.repeats}")

    load = ForeignLoad()
    reference = FrechetReference.from_stats(mu1, s1)  # built once, outside the timing
    runs = [
        ("ganeval full", lambda: frechet_distance(mu1, s1, mu2, s2), args.repeats),
        ("ganeval cached", lambda: reference.distance(mu2, s2), args.repeats),
        (
            "eigvals (torch-fidelity 0.4)",
            lambda: fid_statistics_to_metric({"mu": mu1, "sigma": s1}, {"mu": mu2, "sigma": s2}, False)[KEY_METRIC_FID],
            args.repeats,
        ),
        ("sqrtm (pytorch-fid formula)", lambda: sqrtm_fid(mu1, s1, mu2, s2), min(args.repeats, 2)),
    ]
    times, values = {}, {}
    for name, fn, repeats in runs:
        times[name], values[name] = best_time(fn, repeats)

    ref_value = values["ganeval full"]
    print(f"\n{'implementation':<30}{'seconds':>10}{'FID':>20}{'rel. diff':>12}")
    for name, _, _ in runs:
        rel = abs(values[name] - ref_value) / abs(ref_value)
        print(f"{name:<30}{times[name]:>10.3f}{values[name]:>20.10f}{rel:>12.1e}")
    worst = max(abs(v - ref_value) / abs(ref_value) for v in values.values())
    print(f"\nlargest relative difference to ganeval: {worst:.1e} ({'OK' if worst <= 1e-6 else 'FAIL'}, limit 1e-6)")

    ratios = {}
    print(f"\n{'speed-up':<30}{'sqrtm / ganeval':>18}{'eigvals / ganeval':>20}")
    for mine in ("ganeval full", "ganeval cached"):
        ratios[mine] = (
            times["sqrtm (pytorch-fid formula)"] / times[mine],
            times["eigvals (torch-fidelity 0.4)"] / times[mine],
        )
        print(f"{mine:<30}{ratios[mine][0]:>17.1f}x{ratios[mine][1]:>19.1f}x")
    print("\n" + load.report())
    print(
        f"SUMMARY fid n={args.n} d={args.dim}: ganeval full is {ratios['ganeval full'][0]:.1f}x faster than sqrtm "
        f"and {ratios['ganeval full'][1]:.1f}x faster than eigvals; "
        f"cached reference {ratios['ganeval cached'][0]:.1f}x "
        f"and {ratios['ganeval cached'][1]:.1f}x; max rel. diff {worst:.1e}"
    )


if __name__ == "__main__":
    main()
