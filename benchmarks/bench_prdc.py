"""Precision/recall/density/coverage: ganeval against the prdc package, time and peak memory.

Synthetic continuous float64 features (default 10,000 real and 10,000 fake samples, d = 2048, k = 5;
continuous, so no distance ties and prdc's strict < agrees with ganeval's <=) are written once to a
temporary .npy files so that every measurement reads the identical input.

  time         both implementations run one after the other in this process, on the same arrays
  peak memory  each implementation runs in a fresh subprocess (this script with --worker), which
               loads the features, then measures the tracemalloc peak of the call (numpy's
               allocations are traced, the input itself is not counted) and, as a cross-check,
               the growth of the peak RSS (VmHWM, reset after loading) over the RSS after loading,
               which also counts BLAS buffers and thread stacks

Run from the repository root (about 5 minutes on a 2-core machine):
    python3 benchmarks/bench_prdc.py                    # n=10000, d=2048, k=5
    python3 benchmarks/bench_prdc.py --n 2000 --dim 256
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from _common import ForeignLoad, best_time
from prdc import compute_prdc

from ganeval.metrics import precision_recall_density_coverage

MiB = 2**20
KEYS = ("precision", "recall", "density", "coverage")


def make_features(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Real and fake features near a 64-dimensional linear manifold, plus isotropic noise.

    The fake latent distribution is shifted, so all four metrics land well inside (0, 1).
    """
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((64, dim)) / 8.0
    real = rng.standard_normal((n, 64)) @ basis + 0.3 * rng.standard_normal((n, dim))
    fake = (rng.standard_normal((n, 64)) + 0.2) @ basis + 0.3 * rng.standard_normal((n, dim))
    return real, fake


def run_ganeval(real, fake, k):
    return dict(zip(KEYS, map(float, precision_recall_density_coverage(real, fake, k=k))))


def run_prdc(real, fake, k):
    with contextlib.redirect_stdout(io.StringIO()):  # compute_prdc prints "Num real: ..."
        result = compute_prdc(real, fake, nearest_k=k)
    return {key: float(result[key]) for key in KEYS}


IMPLEMENTATIONS = {"ganeval": run_ganeval, "prdc": run_prdc}


def _rss_kib(field: str) -> int:
    """VmRSS (current) or VmHWM (peak) resident memory of this process, in KiB (Linux)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def worker(name: str, path: str, k: int) -> None:
    """Fresh process: load the input, then report the peak memory of one call as a JSON line."""
    real, fake = np.load(path + "real.npy"), np.load(path + "fake.npy")  # read in place, no extra copy
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak-RSS mark (VmHWM) to the current RSS
    rss_before = _rss_kib("VmRSS")
    tracemalloc.start()
    start = time.perf_counter()
    IMPLEMENTATIONS[name](real, fake, k)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = (_rss_kib("VmHWM") - rss_before) * 1024
    print(json.dumps({"tracemalloc_peak": peak, "rss_growth": rss_growth, "seconds_traced": seconds}))


def peak_memory(name: str, path: str, k: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--input", path, "--k", str(k)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="real and fake samples each (default 10000)")
    parser.add_argument("--dim", type=int, default=2048, help="feature dimension (default 2048)")
    parser.add_argument("--k", type=int, default=5, help="nearest neighbours (default 5)")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many timed runs (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", choices=sorted(IMPLEMENTATIONS), help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.input, args.k)

    real, fake = make_features(args.n, args.dim, args.seed)
    print(
        f"PRDC: n={args.n} real and fake, d={args.dim}, k={args.k}, float64, "
        f"input {2 * real.nbytes / MiB:.0f} MiB, time best of {args.repeats}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "features_")
        np.save(path + "real.npy", real)
        np.save(path + "fake.npy", fake)
        load = ForeignLoad()
        times, values = {}, {}
        for name, fn in IMPLEMENTATIONS.items():
            times[name], values[name] = best_time(lambda fn=fn: fn(real, fake, args.k), args.repeats)
        memory = {name: peak_memory(name, path, args.k) for name in IMPLEMENTATIONS}

    print(f"\n{'':<10}{'seconds':>9}{'tracemalloc peak':>18}{'RSS growth':>12}" + "".join(f"{key:>11}" for key in KEYS))
    for name in IMPLEMENTATIONS:
        print(
            f"{name:<10}{times[name]:>9.2f}{memory[name]['tracemalloc_peak'] / MiB:>14.0f} MiB"
            f"{memory[name]['rss_growth'] / MiB:>8.0f} MiB" + "".join(f"{values[name][key]:>11.6f}" for key in KEYS)
        )
    worst = max(abs(values["ganeval"][key] - values["prdc"][key]) for key in KEYS)
    print(
        f"\nlargest difference between the four values: {worst:.1e} "
        f"({'OK, equal up to float rounding' if worst <= 1e-12 else 'DIFFER'})"
    )

    speed = times["prdc"] / times["ganeval"]
    mem = memory["ganeval"]["tracemalloc_peak"] / memory["prdc"]["tracemalloc_peak"]
    rss = memory["ganeval"]["rss_growth"] / max(memory["prdc"]["rss_growth"], 1)
    print(
        f"prdc / ganeval time: {speed:.2f}x; "
        f"ganeval / prdc peak memory: {mem:.3f} (tracemalloc), {rss:.3f} (RSS growth)"
    )
    print(
        f"targets: ganeval faster ({'met' if speed > 1 else 'NOT met'}), peak memory <= 1/4 of prdc's "
        f"({'met' if mem <= 0.25 else 'NOT met'})"
    )
    print("\n" + load.report())
    print(
        f"SUMMARY prdc n={args.n} d={args.dim} k={args.k}: "
        f"ganeval {times['ganeval']:.1f} s vs prdc {times['prdc']:.1f} s "
        f"({speed:.2f}x faster); peak memory {memory['ganeval']['tracemalloc_peak'] / MiB:.0f} MiB vs "
        f"{memory['prdc']['tracemalloc_peak'] / MiB:.0f} MiB ({mem:.3f} of prdc's); max value difference {worst:.1e}"
    )


if __name__ == "__main__":
    main()
