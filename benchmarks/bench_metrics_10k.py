"""Every metric of the registry against FID on the same features: seconds and peak memory as ratios to FID's.

The metrics are read from `ganeval.metrics.registry` (METRICS, FAMILIES) when the script runs, so a family
registered since it was written is timed too. A family is computed once for all its metrics, as `score` does
(`compute_metrics`, no bootstrap, no prepared reference); one that needs an input this benchmark lacks
(logits, modes, D's outputs, labels, spatial features, ...) is skipped with a note naming it. Memorization
metrics (a training set's features) get a third set of n samples from the reference's distribution.

  input        seeded Gaussian features near a 64-dimensional linear manifold plus isotropic noise, float32
               as extractors give them (default 10,000 real, 10,000 generated, d = 2048; the generated
               side's latent shifted, so precision and recall land inside (0, 1)), written once to
               temporary .npy files so every family reads the identical input
  measured     each family runs in a fresh subprocess (this script with --worker) that loads the features,
               warms up on 200 rows (what a metric imports, scikit-learn for C_T, is not timed), then
               makes the timed call (best of --repeats) under tracemalloc: its peak is the memory the call
               allocated through numpy (the input is not counted; tracing costs a few percent of the time
               of these array-heavy calls); and the growth of the peak RSS (VmHWM, reset before the call),
               which also counts BLAS buffers

Run from the repository root:
    python3 benchmarks/bench_metrics_10k.py              # n=10000, d=2048 (minutes on 2 cores)
    python3 benchmarks/bench_metrics_10k.py --quick      # n=2000
    python3 benchmarks/bench_metrics_10k.py --threads 1  # on a busy machine: one BLAS thread per measurement
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from _common import ForeignLoad

from ganeval.metrics.registry import FAMILIES, METRICS, Samples, compute_metrics
from ganeval.options import MetricOptions

MiB = 2**20
HAVE = {"features"}  # what this benchmark gives each side (and the training set)
BASELINE = "fid"
WARM_UP = 200  # rows of the warm-up call
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def families() -> dict[str, list[str]]:
    """{family: its metrics}, in the registry's order."""
    found: dict[str, list[str]] = {}
    for name, spec in METRICS.items():
        found.setdefault(spec.family, []).append(name)
    return found


def lacking(family: str) -> list[str]:
    """What the family's metrics need that the benchmark does not give (empty: it runs)."""
    specs = [METRICS[name] for name in families()[family]]
    needs = {need for spec in specs for need in (*spec.needs_real, *spec.needs_fake, *spec.needs_train)}
    return sorted(needs - HAVE)


def make_features(n: int, dim: int, seed: int) -> dict[str, np.ndarray]:
    """Real, generated and training features (module docstring), float32: Gaussian near a 64-dimensional
    linear manifold plus isotropic noise (as bench_prdc.py), the generated side's latent shifted by 0.2."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((64, dim)) / 8.0
    draw = lambda shift: (  # noqa: E731
        (rng.standard_normal((n, 64)) + shift) @ basis + 0.3 * rng.standard_normal((n, dim))
    ).astype(np.float32)
    return {"real": draw(0.0), "fake": draw(0.2), "train": draw(0.0)}


def _rss_kib(field: str) -> int:
    """VmRSS (current) or VmHWM (peak) resident memory of this process, in KiB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))
    except (OSError, StopIteration):
        return 0


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # the peak-RSS mark (VmHWM) back to the current RSS
        return True
    except OSError:
        return False


def worker(family: str, path: str, repeats: int) -> None:
    """Fresh process: load the input, time the family's metrics, then trace one more call; one JSON line."""
    arrays = {side: np.load(f"{path}{side}.npy") for side in ("real", "fake", "train")}
    real, fake, train = (Samples(features=arrays[side]) for side in ("real", "fake", "train"))
    names = families()[family]
    uses_train = FAMILIES[family].train
    call = lambda: compute_metrics(names, real, fake, MetricOptions(), train=train if uses_train else None)  # noqa: E731
    best, peak = float("inf"), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ct's note that the reference is no held-out set, and the like
        try:  # a warm-up on a few rows: what a metric imports when first called (scikit-learn for C_T) is not timed
            small = lambda side: Samples(features=arrays[side][:WARM_UP])  # noqa: E731
            warm = small("train") if uses_train else None
            compute_metrics(names, small("real"), small("fake"), MetricOptions(), train=warm)
        except Exception:  # noqa: BLE001 (too few rows for this metric: the timed call says what is wrong)
            pass
        rss_reset = _reset_peak_rss()
        rss_before = _rss_kib("VmRSS")
        for _ in range(max(1, repeats)):
            tracemalloc.start()
            start = time.perf_counter()
            values = call()
            best = min(best, time.perf_counter() - start)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        rss_growth = (_rss_kib("VmHWM") - rss_before) * 1024 if rss_reset else None
    print(
        json.dumps(
            {
                "seconds": best,
                "tracemalloc_peak": peak,
                "rss_growth": rss_growth,
                "values": {name: float(interval.value) for name, interval in values.items()},
            }
        )
    )


def measure(family: str, path: str, repeats: int, threads: int | None = None) -> dict:
    """The worker's measurement of `family` (with `threads` BLAS and OpenMP threads, when given), or
    {"error": its last line} when it failed."""
    env = dict(os.environ)
    if threads:
        env.update({name: str(threads) for name in THREAD_VARIABLES})
    done = subprocess.run(
        [sys.executable, __file__, "--worker", family, "--input", path, "--repeats", str(repeats)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last[:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: dict[str, dict], skipped: dict[str, list[str]]) -> list[str]:
    """The Markdown table: a row per family, times and peaks as ratios to FID's."""
    base = results[BASELINE]
    lines = [
        "| metrics (family) | seconds | x FID | tracemalloc peak | x FID | RSS growth | values |",
        "|---|---|---|---|---|---|---|",
    ]
    for family, result in results.items():
        names = ", ".join(families()[family])
        shown = f"{names} ({family})" if names != family else family
        if "error" in result:
            lines.append(f"| {shown} | failed: `{result['error']}` | | | | | |")
            continue
        rss = "n/a" if result["rss_growth"] is None else f"{result['rss_growth'] / MiB:,.0f} MiB"
        values = ", ".join(f"{name} {value:.4g}" for name, value in result["values"].items())
        lines.append(
            f"| {shown}{' + training set' if FAMILIES[family].train else ''} | {result['seconds']:.2f} | "
            f"{result['seconds'] / base['seconds']:.2f} | {result['tracemalloc_peak'] / MiB:,.0f} MiB | "
            f"{result['tracemalloc_peak'] / base['tracemalloc_peak']:.2f} | {rss} | {values} |"
        )
    for family, needs in skipped.items():
        lines.append(f"| {', '.join(families()[family])} ({family}) | skipped: needs {', '.join(needs)} | | | | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="samples per side (default 10000)")
    parser.add_argument("--quick", action="store_true", help="n=2000: a quick run")
    parser.add_argument("--dim", type=int, default=2048, help="feature dimension (default 2048)")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many timed calls (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="comma-separated families to run (FID always runs: the baseline)")
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS and OpenMP threads of each measurement (default: the libraries' own); 1 on a busy machine, where "
        "OpenBLAS threads that share cores with other processes slow LAPACK (FID's eigenvalues) down 10x",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.input, args.repeats)
    n = 2000 if args.quick else args.n
    chosen = list(families())
    if args.only:
        wanted = {BASELINE, *args.only.split(",")}
        chosen = [family for family in chosen if family in wanted]
    skipped = {family: lacking(family) for family in chosen if lacking(family)}
    runs = [BASELINE] + [family for family in chosen if family not in skipped and family != BASELINE]
    threads = f"{args.threads} BLAS thread(s)" if args.threads else "the libraries' default threads"
    print(f"every registered metric against FID: n={n} per side (and training set), d={args.dim}, float32, {threads}")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "features_")
        for side, array in make_features(n, args.dim, args.seed).items():
            np.save(f"{path}{side}.npy", array)
        load = ForeignLoad()
        results = {}
        for family in runs:
            result = results[family] = measure(family, path, args.repeats, args.threads)
            print(f"  {family}: " + (result.get("error") or f"{result['seconds']:.2f} s"), flush=True)
    print()
    print("\n".join(table(results, skipped)))
    print("\n" + load.report())
    timed = {family: result for family, result in results.items() if "error" not in result}
    if BASELINE not in timed:
        print(f"SUMMARY metrics n={n} d={args.dim}: FID failed ({results[BASELINE]['error']}); no ratios")
        return
    base = timed[BASELINE]["seconds"]
    ratios = ", ".join(f"{family} {result['seconds'] / base:.1f}x" for family, result in timed.items())
    print(
        f"SUMMARY metrics n={n} d={args.dim}: FID {base:.2f} s; time as a multiple of FID's: {ratios}; "
        f"{len(skipped)} families skipped ({', '.join(skipped) or 'none'}); "
        f"{len(results) - len(timed)} failed"
    )


if __name__ == "__main__":
    main()
