"""Sample quality over training, from the evaluations (evals.csv): runs that never learned the data,
and runs stopped while still improving.

Both judge the quality metrics against the noise the log itself shows (`trends`).
"""

from __future__ import annotations

import pandas as pd

from ganeval.diagnostics.findings import LOW_QUALITY, STILL_IMPROVING, Finding
from ganeval.diagnostics.trends import (
    NOISE_MULTIPLE,
    SCALES,
    linear_trend,
    metric_series,
    noise_sd,
    on_scale,
    smoothed,
)

# Never learned: the best precision or high-quality share (running median of 3 evaluations) over the
# whole run stays below 0.1. Generators that learned a bundled set put most samples on it (precision
# 0.6-0.9, high-quality share near 0.8 at the defaults); under 0.1 at its best, nine samples in ten
# are off the data from the first evaluation to the last.
LOW_QUALITY_LEVEL = 0.1
LOW_QUALITY_METRICS = ("precision", "high_quality_fraction")
# ... judged over at least 3 evaluations (fewer cannot tell a slow start from never learning).
LOW_QUALITY_MIN_EVALS = 3

# Still improving (undertrained): over the last 30% of evaluations (at least 5), the least-squares
# trend of FID (log10), precision, recall or coverage improves by NOISE_MULTIPLE x one evaluation's
# noise and by the metric's absolute floor, with a slope at least 3 standard errors from zero
# (sustained, not one lucky evaluation). Advice, not a failure: training longer would likely help.
# Coverage (PRDC: the share of real samples with a generated one in their k-NN ball) shows a blurred
# generator still closing in on the data where precision is too strict to move: a minimax GAN on
# ring8 whose coverage rose 0.08 -> 0.17 over its last 9 evaluations (t = 4.3) with precision at
# 0.04-0.07 was called never-learned; trained on, it learns.
TAIL_FRACTION, TAIL_MIN_EVALS = 0.3, 5
SLOPE_MIN_T = 3.0
IMPROVING_METRICS = ("fid", "precision", "recall", "coverage")


def detect_low_quality(evals: pd.DataFrame) -> list[Finding]:
    """One finding when a quality metric never rises above LOW_QUALITY_LEVEL (see above)."""
    for name in LOW_QUALITY_METRICS:
        values = metric_series(evals, name)
        if len(values) < LOW_QUALITY_MIN_EVALS:
            continue
        best = float(smoothed(values).max())
        if best < LOW_QUALITY_LEVEL:
            label = "precision" if name == "precision" else "the high-quality share"
            return [
                Finding(
                    LOW_QUALITY,
                    int(values.index[0]),
                    None,
                    "high",
                    {"metric": name, "best": best, "end": float(values.iloc[-1]), "evaluations": int(len(values))},
                    f"{label} stayed near zero: at most {best:.3f} (running median of 3 evaluations) over "
                    f"{len(values)} evaluations, {values.iloc[-1]:.3f} at the end; the generator never learned to "
                    f"produce samples like the data.",
                )
            ]
    return []


def detect_still_improving(evals: pd.DataFrame) -> list[Finding]:
    """One finding when a quality metric is still improving beyond noise at the end (see above)."""
    for name in IMPROVING_METRICS:
        values = metric_series(evals, name)
        k = max(TAIL_MIN_EVALS, int(round(len(values) * TAIL_FRACTION)))
        if len(values) < k + 2:
            continue
        scale = SCALES[name]
        tail = values.iloc[-k:]
        t = tail.index.to_numpy(dtype=float)
        y = on_scale(tail.to_numpy(), scale)
        slope, intercept, t_stat = linear_trend(t, y)
        change = slope * (t[-1] - t[0])  # fitted change over the tail, judging scale
        gain = -change if scale.lower_is_better else change
        noise = noise_sd(evals, name, scale)
        start_fit, end_fit = slope * t[0] + intercept, slope * t[-1] + intercept
        start_value, end_value = (10**start_fit, 10**end_fit) if scale.log else (start_fit, end_fit)
        if gain > NOISE_MULTIPLE * noise and t_stat >= SLOPE_MIN_T and abs(end_value - start_value) >= scale.floor:
            direction = "fell" if end_value < start_value else "rose"
            return [
                Finding(
                    STILL_IMPROVING,
                    int(tail.index[0]),
                    None,
                    "low",
                    {
                        "metric": name,
                        "fitted_start": float(start_value),
                        "fitted_end": float(end_value),
                        "t_statistic": float(t_stat),
                        "evaluations": int(k),
                    },
                    f"{'FID' if name == 'fid' else name} was still improving at the end: "
                    f"over the last {k} evaluations (from step "
                    f"{int(tail.index[0])}) its trend {direction} from {start_value:.3g} to {end_value:.3g}, beyond "
                    f"the noise between evaluations; training longer would likely help.",
                )
            ]
    return []
