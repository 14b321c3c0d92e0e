"""Noise-aware trends of the evaluation metrics: what counts as a real rise or fall.

A metric's change counts only when it (1) exceeds the noise the log itself shows: the spread
between consecutive evaluations, or the bootstrap intervals when the log records them
(`<metric>_low`, `<metric>_high`); (2) is sustained over several evaluations; and (3) exceeds an
absolute floor on the metric's scale. FID is judged on a log scale (its noise is multiplicative:
on 2-D data it sits at 1e-4..1e-2 and jumps more than 10x between evaluations of the same
distribution); bounded metrics (precision, recall, shares in [0, 1]) on their own scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ganeval.diagnostics.validity import broken_mask
from ganeval.metrics.registry import METRICS


@dataclass(frozen=True)
class Scale:
    """How a metric's changes are judged: on log10 values or raw ones, which way is better, and the
    smallest change in the metric's own units that can matter."""

    log: bool
    lower_is_better: bool
    floor: float
    ratio: float = 1.0  # the smallest factor of change that can matter (scale-free metrics: realism)

    def matters(self, a: float, b: float) -> bool:
        """Whether the change from a to b is at least the floor and, for a positive metric, the ratio."""
        if abs(b - a) < self.floor:
            return False
        low, high = sorted((a, b))
        return self.ratio <= 1.0 or (low > 0 and high >= self.ratio * low)


# Each judged metric's scale comes from its MetricSpec (noise_floor, log_scale; the registry says why those
# floors): FID on log10 with a floor of 0.05 FID units, the shares in [0, 1] on their own with 5 points.
SCALES = {
    name: Scale(
        log=spec.log_scale,
        lower_is_better=not spec.higher_is_better,
        floor=spec.noise_floor,
        ratio=spec.noise_ratio or 1.0,
    )
    for name, spec in METRICS.items()
    if spec.noise_floor is not None
}
FID_FLOOR = SCALES["fid"].floor  # the smallest FID change that can matter (ada's and stability's rules)
# A change counts when it exceeds this many noise standard deviations (3: about one chance in 700
# for a single Gaussian comparison, so 30 healthy logs with a few metrics each raise no alarm).
NOISE_MULTIPLE = 3.0
# The log's FID is clipped below at this value before taking log10 (an exact 0 would be -inf).
LOG_EPSILON = 1e-12
# A robust standard deviation from a median absolute deviation (Gaussian consistency factor).
MAD_TO_SD = 1.4826


def metric_series(evals: pd.DataFrame, name: str) -> pd.Series:
    """evals[name] as valid floats indexed by step (empty when not logged): missing values and broken
    ones (infinite or out of range, `validity`; reported as their own finding) dropped, so no trend
    rests on a value the metric could not have."""
    if evals is None or evals.empty or name not in evals or "step" not in evals:
        return pd.Series(dtype=float)
    values = pd.Series(
        pd.to_numeric(evals[name], errors="coerce").to_numpy(dtype=float), index=evals["step"].to_numpy()
    )
    return values[np.isfinite(values.to_numpy()) & ~broken_mask(name, values.to_numpy())]


def on_scale(values, scale: Scale) -> np.ndarray:
    """The values on the scale their noise is judged on (log10 for FID)."""
    values = np.asarray(values, dtype=float)
    return np.log10(np.maximum(values, LOG_EPSILON)) if scale.log else values


def consecutive_sd(values) -> float:
    """The spread between consecutive values as one value's standard deviation, robustly: the MAD of
    their differences around the differences' median (which discounts a steady trend), over sqrt 2."""
    differences = np.diff(np.asarray(values, dtype=float))
    return MAD_TO_SD * float(np.median(np.abs(differences - np.median(differences)))) / np.sqrt(2)


def holds_to_end(mask) -> int:
    """The first position from which the boolean `mask` holds to its end (its length when its last
    value is false): where a state that lasts to the end began."""
    mask = np.asarray(mask, dtype=bool)
    return len(mask) - int(np.argmin(mask[::-1])) if not mask.all() else 0


def noise_sd(evals: pd.DataFrame, name: str, scale: Scale) -> float:
    """One evaluation's noise, as a standard deviation on the metric's judging scale: from the spread
    between consecutive evaluations (robust: the MAD of the differences around their median, which
    discounts a steady trend, over sqrt 2), or the logged bootstrap intervals, whichever is larger."""
    values = metric_series(evals, name)
    sd = 0.0
    if len(values) >= 3:
        sd = consecutive_sd(on_scale(values.to_numpy(), scale))
    low, high = metric_series(evals, f"{name}_low"), metric_series(evals, f"{name}_high")
    if len(low) and len(high):
        width = np.median(on_scale(high.to_numpy(), scale) - on_scale(low.to_numpy(), scale))
        sd = max(sd, float(width) / (2 * 1.96))  # a 95% interval spans 2 x 1.96 sd
    return sd


def linear_trend(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares line through values y at steps t (at least 3): slope, intercept, and the slope's
    distance from zero in standard errors (inf when the points lie on the line)."""
    slope, intercept = np.polyfit(t, y, 1)
    residual = y - (slope * t + intercept)
    spread = np.sqrt((residual**2).sum() / (len(y) - 2)) / np.sqrt(((t - t.mean()) ** 2).sum())
    return float(slope), float(intercept), abs(slope) / spread if spread > 0 else np.inf


def smoothed(values: pd.Series, window: int = 3) -> pd.Series:
    """Running median over `window` evaluations (centred), which a single outlier cannot move."""
    return values.rolling(window, center=True, min_periods=1).median()


def worse_by(a: float, b: float, scale: Scale) -> float:
    """How much worse b is than a, on the judging scale (negative when better)."""
    a_s, b_s = on_scale([a, b], scale)
    return (b_s - a_s) if scale.lower_is_better else (a_s - b_s)
