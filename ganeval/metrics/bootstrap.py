"""Bootstrap confidence intervals for any metric, by resampling samples: with replacement, or halves without.

Cost: `n` extra evaluations of the metric, so n times its run time (no extra memory beyond one
resampled copy of the inputs). The default n=100 gives usable 95% intervals in seconds for the
bundled extractors; raise it to 1,000 for publication-grade tails on cheap metrics.

Caveat worth knowing: FID, KID and the k-NN metrics depend on sample size and on duplicates,
which resampling with replacement introduces. FID of a resample is biased upwards and k-NN radii
shrink, so the percentile interval can sit beside the point estimate rather than around it.
Methods:
- "percentile" (default): quantiles of the resampled values, as peers report.
- "centred": the percentile interval shifted so that the resamples' median falls on the
  estimate: it keeps the spread and drops the resampling bias. It answers "how much would this
  number move with other samples of the same size", which is what comparing runs needs.
- "basic": 2 * value - quantiles, the textbook bias-corrected interval for the population value.
- "half": half-sampling, for metrics that duplicates bias (the k-NN metrics: a duplicate is its own
  nearest neighbour, so radii shrink). Each resample draws half of each array's rows *without*
  replacement, so no row appears twice, and the interval is value + sqrt(m / (n - m)) times the
  draws' quantiles minus their median: the delete-d jackknife (Shao and Wu 1989) with d = n - m,
  whose spread is that of the metric at the full size n (for a mean exactly, the half-samples'
  variance is the full sample's variance of the mean, n/(n-1) aside). Centring on the value drops
  the difference between the metric at size m and at size n (k-NN radii grow as n shrinks), so
  the interval holds the value and, on synthetic data with a known truth, covers the metric's
  expected value at size n about 95% of the time (benchmarks/bench_interval_coverage.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal, NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import positive_int


class Interval(NamedTuple):
    value: float  # the metric on the full samples
    low: float
    high: float


def _scalars(result) -> dict[str, float] | float:
    """A float, or the scalar fields of a NamedTuple or mapping (arrays and tuples dropped)."""
    if isinstance(result, (int, float, np.number)):
        return float(result)
    items = result._asdict().items() if hasattr(result, "_asdict") else dict(result).items()
    return {key: float(v) for key, v in items if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)}


def bootstrap(
    metric: Callable,
    *arrays,
    n: int = 100,
    seed: int = 0,
    confidence: float = 0.95,
    method: Literal["percentile", "centred", "basic", "half"] = "percentile",
    resample: tuple[bool, ...] | None = None,
) -> Interval | dict[str, Interval]:
    """Confidence interval of `metric(*arrays)` from `n` resamples of its inputs.

    Each array (anything with len() and row indexing by an integer array) is resampled
    independently, with replacement, to its own size; with method "half", without replacement, to
    half its size (`half_sample`). `resample` marks which arguments to
    resample (for example keep a fixed reference with (False, True)). A metric returning a
    NamedTuple or mapping gets one interval per scalar field, from the same resamples.
    """
    n = positive_int(n, "n")
    if not 0 < confidence < 1:
        raise GanevalError(f"confidence must lie strictly between 0 and 1; got {confidence!r}.")
    if method not in ("percentile", "centred", "basic", "half"):
        raise GanevalError(f"method must be 'percentile', 'centred', 'basic' or 'half'; got {method!r}.")
    if not arrays:
        raise GanevalError("bootstrap needs at least one array to resample after the metric.")
    resample = (True,) * len(arrays) if resample is None else tuple(resample)
    if len(resample) != len(arrays):
        raise GanevalError(f"resample has {len(resample)} flag(s) but {len(arrays)} array(s) were given.")
    if method == "half" and any(flag and 0 < len(a) < 2 for a, flag in zip(arrays, resample)):
        sizes = [len(a) for a in arrays]
        raise GanevalError(f"half-sampling needs at least 2 rows in each array it resamples; got sizes {sizes}.")

    point = _scalars(metric(*arrays))
    rng = np.random.default_rng(seed)
    draw = half_sample if method == "half" else lambda size, rng: rng.integers(0, size, size)
    draws = []
    for _ in range(n):
        picked = [a[draw(len(a), rng)] if flag and len(a) else a for a, flag in zip(arrays, resample)]
        draws.append(_scalars(metric(*picked)))
    sizes = [(len(a) // 2, len(a)) for a, flag in zip(arrays, resample) if flag and len(a)]
    # the delete-d jackknife's scale sqrt(m / (n - m)): 1 for even sizes
    scale = np.sqrt(sum(m for m, _ in sizes) / max(1, sum(size - m for m, size in sizes))) if sizes else 1.0

    tail = (1 - confidence) / 2 * 100

    def interval(value: float, values: np.ndarray) -> Interval:
        # no interpolation between draws: an infinite draw (KL) stays infinite instead of NaN
        low = np.nanpercentile(values, tail, method="lower")
        median = np.nanpercentile(values, 50, method="nearest")
        high = np.nanpercentile(values, 100 - tail, method="higher")
        if method == "centred":
            low, high = low + value - median, high + value - median
        elif method == "half":
            low, high = value + scale * (low - median), value + scale * (high - median)
        elif method == "basic":
            low, high = 2 * value - high, 2 * value - low
        return Interval(value, float(low), float(high))

    if isinstance(point, Mapping):
        return {key: interval(value, np.array([d[key] for d in draws])) for key, value in point.items()}
    return interval(point, np.array(draws))


def half_sample(size: int, rng: np.random.Generator) -> np.ndarray:
    """size // 2 distinct row indices out of `size`, in ascending order: a half-sample without replacement."""
    return np.sort(rng.choice(size, size // 2, replace=False))
