"""Sample quality over training, from the evaluations (evals.csv): runs that never learned the data,
and runs stopped while still improving.

Both judge the quality metrics against the noise the log itself shows (`trends`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganeval.diagnostics.findings import DIVERGENCE, LOW_QUALITY, STALL, STILL_IMPROVING, Finding
from ganeval.diagnostics.trends import (
    NOISE_MULTIPLE,
    SCALES,
    holds_to_end,
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
# ... unless another quality share shows learning (`_learned`): it reached LOW_QUALITY_LEVEL (running
# median of 3) by rising from its first 3 evaluations to at least LEARNED_RISE times their level and
# by NOISE_MULTIPLE x one evaluation's noise. A share that sits at 0.25 from the first evaluation
# while no sample is sharp (blur a lenient metric counts) is an offset, not learning; three grid25
# loops whose precision climbed 0.02 -> 0.12 (high-quality share 0.02 -> 0.09) over 5,000 steps had
# learned a little, then stopped (the truth oracle: quality 0.14-0.19, no longer rising: stalled).
LEARNED_RISE = 2.0

# Still improving (undertrained): over the last 30% of evaluations (at least 5), the least-squares
# trend of FID (log10), precision, recall or coverage improves by NOISE_MULTIPLE x one evaluation's
# noise and by the metric's absolute floor, with a slope at least SLOPE_MIN_T = 2 standard errors from
# zero (sustained, not one lucky evaluation; the gain of 3 noise sd already guards against chance).
# Advice, not a failure: training longer would likely help. At 3 standard errors, runs of our own
# loop whose precision climbed 0.2 -> 0.6 over 10-15 evaluations, jittering 5x its sampling noise
# between them, were called healthy while their quality by the truth oracle's measure still rose.
# Not at the data's level: a run whose precision and high-quality share (those logged) end, running
# median of 3, at BELOW_DATA_LEVEL or above has converged; its precision still creeping up (0.47 ->
# 0.76 over the last 6 evaluations of a loop the truth oracle finds at quality 0.9+) is refinement,
# not a run stopped early (`_at_data_level`).
# Coverage (PRDC: the share of real samples with a generated one in their k-NN ball) shows a blurred
# generator still closing in on the data where precision is too strict to move: a minimax GAN on
# ring8 whose coverage rose 0.08 -> 0.17 over its last 9 evaluations (t = 4.3) with precision at
# 0.04-0.07 was called never-learned; trained on, it learns.
# A run below the data's quality (best precision and high-quality share under BELOW_DATA_LEVEL,
# running median of 3: generators that learned a bundled set reach 0.6-0.9, and a loop on ring8
# climbing 0.2 -> 0.6 over its second half, its quality by the truth oracle's measure still rising to
# 0.85, was cut off by 0.5) is judged over its second half too (SECOND_HALF): a slow learner's
# improvement (ring8 precision 0.19 -> 0.44 over 10 evaluations, 0.39 -> 0.44 over the last 6) is a
# trend no 30% tail of noisy evaluations resolves, and never-learned must not fire on a run that is
# still improving. The window needs one evaluation before it (TAIL_BEFORE): a start to improve from.
TAIL_FRACTION, TAIL_MIN_EVALS = 0.3, 5
SECOND_HALF = 0.5
BELOW_DATA_LEVEL = 0.7
TAIL_BEFORE = 1
# ... and a window with fewer than THIN_BEFORE evaluations before it is thin evidence (see below).
THIN_BEFORE = 2
SLOPE_MIN_T = 2.0
# ... a second-half trend counts where its last third still beats its middle third by TAIL_RISING_T
# standard errors: a collapse that recovered mid-run improves over the second half, in one step.
TAIL_RISING_T = 1.0
# The median realism score (logged since 2026-12-07) measures how far off the data the samples are, and
# keeps measuring where precision is 0 for all of them: a generator closing in on the data before any
# sample lands on it (ring8 loops whose median distance to a mode shrank 30 -> 22 std over their last 40%,
# precision at 0.00-0.02 throughout, were never-learned) is still improving. It counts only there
# (OFF_DATA_METRICS: while every logged quality share ends under LOW_QUALITY_LEVEL, running median of
# 3): on the data, precision judges, and a realism score still creeping up at precision 0.6 (a loop the
# truth oracle finds at quality 0.93, healthy) is refinement. A change counts from a factor of 1.25
# (`families.realism.REALISM_RATIO`: the distance to the data shrinking by a fifth), which a G crawling
# 31 -> 29 std from the modes (realism +9%) does not reach.
IMPROVING_METRICS = ("fid", "precision", "recall", "coverage", "realism")
OFF_DATA_METRICS = ("realism",)
IMPROVING_LABELS = {"fid": "FID", "realism": "the median realism score (how near the samples come to the data)"}
ON_DATA_METRICS = ("precision", "coverage", "realism")


def _share_ends(evals: pd.DataFrame) -> list[float]:
    """Where each logged quality share ends (running median of 3)."""
    return [float(smoothed(v).iloc[-1]) for v in (metric_series(evals, n) for n in LOW_QUALITY_METRICS) if len(v)]


def _off_the_data(evals: pd.DataFrame) -> bool:
    """Whether every logged quality share ends under LOW_QUALITY_LEVEL."""
    ends = _share_ends(evals)
    return bool(ends) and max(ends) < LOW_QUALITY_LEVEL


def _below_data_level(evals: pd.DataFrame) -> bool:
    """Whether every logged quality metric stayed below BELOW_DATA_LEVEL (running median of 3)."""
    best = [float(smoothed(v).max()) for v in (metric_series(evals, n) for n in LOW_QUALITY_METRICS) if len(v)]
    return bool(best) and max(best) < BELOW_DATA_LEVEL


# Off the data to the end: precision, the high-quality share and recall (those logged, running median
# of 3) all under LOW_QUALITY_LEVEL over at least LEFT_DATA_MIN_EVALS evaluations to the end, after
# precision or the high-quality share had reached it. No sample lies near the data and the data is not
# covered: the samples left it (a divergence; blur keeps recall, never-learned never had the quality).
# A loop whose noise scale bug spread one point over four modes at the end (precision 0.35 at step
# 100, 0 from step 250, recall 0 at the end) was called healthy with "precision 0.00 and recall 0.00".
LEFT_DATA_METRICS = ("precision", "high_quality_fraction", "recall")
LEFT_DATA_MIN_EVALS = 3


def detect_left_data(evals: pd.DataFrame) -> list[Finding]:
    """One high divergence finding when the samples ended off the data after having been on it (see
    LEFT_DATA_METRICS)."""
    running = {name: smoothed(v) for name in LEFT_DATA_METRICS if len(v := metric_series(evals, name))}
    if not {"precision", "recall"} <= set(running) or len(running["recall"]) < LEFT_DATA_MIN_EVALS:
        return []
    shares = [running[name] for name in LOW_QUALITY_METRICS if name in running]
    if max(float(v.max()) for v in shares) < LOW_QUALITY_LEVEL:
        return []  # never on the data: never-learned's case
    frame = pd.concat(running, axis=1).dropna()
    off = (frame < LOW_QUALITY_LEVEL).all(axis=1).to_numpy()
    if not off[-1]:
        return []
    first = holds_to_end(off)
    if len(off) - first < LEFT_DATA_MIN_EVALS:
        return []
    start = int(frame.index[first])
    best = {name: float(running[name].max()) for name in LOW_QUALITY_METRICS if name in running}
    ends = ", ".join(f"{name.replace('_', ' ')} {float(metric_series(evals, name).iloc[-1]):.2f}" for name in running)
    return [
        Finding(
            DIVERGENCE,
            start,
            None,
            "high",
            {"cause": "left_data", "evaluations": int(len(off) - first), "best": best},
            f"the samples left the data: from step {start} to the end ({len(off) - first} evaluations) precision, "
            f"the high-quality share and recall stayed under {LOW_QUALITY_LEVEL} ({ends} at the end), after "
            f"precision had reached {max(best.values()):.2f}.",
        )
    ]


def _learned(evals: pd.DataFrame) -> bool:
    """Whether a quality share rose to LOW_QUALITY_LEVEL from its start, beyond noise (see LEARNED_RISE)."""
    for name in LOW_QUALITY_METRICS:
        values = metric_series(evals, name)
        if len(values) < 2 * LOW_QUALITY_MIN_EVALS:
            continue
        start, best = float(values.iloc[:LOW_QUALITY_MIN_EVALS].median()), float(smoothed(values).max())
        rise = best - start
        if best >= LOW_QUALITY_LEVEL and best >= LEARNED_RISE * start:
            if rise > NOISE_MULTIPLE * noise_sd(evals, name, SCALES[name]):
                return True
    return False


def detect_low_quality(evals: pd.DataFrame) -> list[Finding]:
    """One finding when a quality metric never rises above LOW_QUALITY_LEVEL, and no other shows
    learning (see above)."""
    if _learned(evals):
        return []
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


# A plateau far below the data: every logged quality share ends (median of the last 3 evaluations)
# under PLATEAU_LEVEL after one of them rose to LOW_QUALITY_LEVEL (`_learned`: not never-learned's
# case), over at least PLATEAU_MIN_EVALS evaluations, still at its second half's level (within
# NOISE_MULTIPLE noise sd, and at least half LOW_QUALITY_LEVEL: not a decline, nor samples that left
# the data), and nothing is still improving. Such a run stopped short of the data without freezing:
# its samples still move, its quality does not. Generators that learned a bundled set end at
# precision 0.36-0.77; the three grid25 loops above, stopped at precision 0.08-0.13, were called
# never-learned, and "healthy at precision 0.12" once their rise counted. The truth oracle's rule is
# the same: quality between its never-learned level and the data's, no longer rising, is stalled.
PLATEAU_LEVEL = 0.25
PLATEAU_MIN_EVALS = 6


def detect_low_plateau(evals: pd.DataFrame, improving: list[Finding]) -> list[Finding]:
    """One medium stall finding (cause low_plateau) when quality plateaued far below the data (see
    PLATEAU_LEVEL), dated from the evaluation where the deciding share's running median reached its
    final level; none where `improving` (the log's `detect_still_improving`) found a metric still
    improving."""
    judged = {n: v for n in LOW_QUALITY_METRICS if len(v := metric_series(evals, n)) >= PLATEAU_MIN_EVALS}
    if not judged or not _learned(evals):
        return []
    ends = {name: float(np.median(values.iloc[-3:])) for name, values in judged.items()}
    if max(ends.values()) >= PLATEAU_LEVEL or improving:
        return []
    name = max(ends, key=ends.get)
    values = judged[name]
    level, noise = smoothed(values), NOISE_MULTIPLE * noise_sd(evals, name, SCALES[name])
    if ends[name] < LOW_QUALITY_LEVEL / 2 or ends[name] < float(values.iloc[len(values) // 2 :].median()) - noise:
        return []  # fell over the second half: a decline (or the samples leaving the data), not a plateau
    start = int(level.index[int(np.argmax((level >= ends[name] - noise).to_numpy()))])
    label = "precision" if name == "precision" else "the high-quality share"
    shown = " and ".join(f"{n.replace('_', ' ')} {v:.2f}" for n, v in ends.items())
    return [
        Finding(
            STALL,
            start,
            None,
            "medium",
            {"cause": "low_plateau", "metric": name, "ends": ends, "evaluations": int(len(judged[name]))},
            f"quality plateaued far below the data's level: {label} reached {ends[name]:.2f} by step {start} "
            f"and stayed there ({shown} over the last 3 evaluations, under {PLATEAU_LEVEL}; a generator "
            "that learned the data ends higher), not improving beyond noise: G stopped short of the data.",
        )
    ]


def _at_data_level(evals: pd.DataFrame) -> bool:
    """Whether every logged quality share ends at BELOW_DATA_LEVEL or above (`_share_ends`)."""
    ends = _share_ends(evals)
    return bool(ends) and min(ends) >= BELOW_DATA_LEVEL


def detect_still_improving(evals: pd.DataFrame) -> list[Finding]:
    """One finding when a quality metric is still improving beyond noise at the end (see above)."""
    if _at_data_level(evals):
        return []
    thin = []  # findings on a window with a single evaluation before it
    fractions = (TAIL_FRACTION, SECOND_HALF) if _below_data_level(evals) else (TAIL_FRACTION,)
    for name in IMPROVING_METRICS:
        if name in OFF_DATA_METRICS and not _off_the_data(evals):
            continue
        values = metric_series(evals, name)
        for fraction in fractions:
            k = max(TAIL_MIN_EVALS, int(round(len(values) * fraction)))
            found = _improving(evals, name, values, k)
            if found and fraction == SECOND_HALF and not _still_rising(evals, values, name, k):
                found = []  # improved over the second half but flat at the end: a recovery that finished
            if found and len(values) >= k + THIN_BEFORE:
                return found
            if found:
                thin.append(found)
                break
    # On thin evidence two metrics must agree, one of them precision or coverage (samples landing on
    # the data): FID falling and recall rising are what a blur spreading over the data shows too
    # (grid25: FID 15 -> 2 and recall 0 -> 0.87 over 6 evaluations at precision 0.03 never learned).
    on_data = [f for f in thin if f[0].evidence["metric"] in ON_DATA_METRICS]
    return on_data[0] if len(thin) >= 2 and on_data else []


def _still_rising(evals: pd.DataFrame, values: pd.Series, name: str, k: int) -> bool:
    """Whether the last third of the last k evaluations is better than their middle third by
    TAIL_RISING_T standard errors of one evaluation's noise: the improvement goes on to the end, not
    one step (a recovery) early in the window followed by a plateau."""
    scale = SCALES[name]
    y = on_scale(values.iloc[-k:].to_numpy(), scale)
    third = max(2, len(y) // 3)
    middle, last = y[-2 * third : -third], y[-third:]
    difference = float(last.mean() - middle.mean())
    better = -difference if scale.lower_is_better else difference
    noise = noise_sd(evals, name, scale)
    if better <= 0:
        return False
    return noise <= 0 or better >= TAIL_RISING_T * noise * np.sqrt(1 / len(middle) + 1 / len(last))


def _improving(evals: pd.DataFrame, name: str, values: pd.Series, k: int) -> list[Finding]:
    """The still-improving finding of one metric over its last k evaluations, or []."""
    if len(values) < k + TAIL_BEFORE:
        return []
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
    if gain > NOISE_MULTIPLE * noise and t_stat >= SLOPE_MIN_T and scale.matters(start_value, end_value):
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
                f"{IMPROVING_LABELS.get(name, name)} was still improving at the end: "
                f"over the last {k} evaluations (from step "
                f"{int(tail.index[0])}) its trend {direction} from {start_value:.3g} to {end_value:.3g}, beyond "
                f"the noise between evaluations; training longer would likely help.",
            )
        ]
    return []
