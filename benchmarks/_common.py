"""Helpers shared by the benchmark scripts: import path, timing, synthetic features."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing ganeval
    sys.path.insert(0, str(ROOT))


def best_time(fn, repeats: int):
    """(best wall-clock seconds over `repeats` calls, value of the last call)."""
    best, value = float("inf"), None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


class ForeignLoad:
    """CPU time that other processes on this machine used while the benchmark ran (Linux only).

    Timings on a small machine are only meaningful when nothing else runs: OpenBLAS threads that
    share cores with another busy process can slow LAPACK calls down by 10x or more.
    """

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                ticks = [int(v) for v in f.readline().split()[1:]]
        except OSError:
            return None
        busy = sum(ticks) - ticks[3] - ticks[4]  # everything but idle and iowait
        own = os.times()
        return (
            time.perf_counter(),
            busy / os.sysconf("SC_CLK_TCK"),
            own.user + own.system + own.children_user + own.children_system,
        )

    def report(self) -> str:
        end = self._sample()
        if self.start is None or end is None:
            return "other processes' CPU use: unknown (no /proc/stat)"
        wall = end[0] - self.start[0]
        other = max(0.0, (end[1] - self.start[1]) - (end[2] - self.start[2]))
        return (
            f"other processes used {other:.1f} CPU-s during this {wall:.0f} s run "
            f"({other / wall:.2f} of {os.cpu_count()} cores; timings are reliable only near 0)"
        )


def correlated_gaussian(rng: np.random.Generator, n: int, dim: int, shift: float = 0.0) -> np.ndarray:
    """n samples of a well-conditioned correlated Gaussian in `dim` dimensions.

    x = mu + z Q diag(s) with Q a random orthogonal matrix and s in [0.5, 1.5], so the population
    covariance has condition number 9 and is far from diagonal.
    """
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    scales = rng.uniform(0.5, 1.5, dim)
    mu = shift * rng.standard_normal(dim)
    return mu + (rng.standard_normal((n, dim)) @ q) * scales
