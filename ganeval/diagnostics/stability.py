"""Stability of training, from the per-step log (steps.csv) and the evaluations (evals.csv).

Pure functions over pandas frames: loss trends, oscillation (amplitude and period over rolling
windows), divergence (NaN or exploding losses, FID rising), D/G balance (D winning for long
stretches), gradient-norm spikes, and how close D(x) and D(G(z)) end to 0.5, where the minimax
game's equilibrium puts them. Each detector returns a list of `Finding`s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganeval.diagnostics.collapse import samples_per_evaluation
from ganeval.diagnostics.findings import D_DOMINANCE, DIVERGENCE, GRADIENT_SPIKE, OSCILLATION, STALL, Finding
from ganeval.diagnostics.quality import LOW_QUALITY_LEVEL
from ganeval.diagnostics.trends import (
    MAD_TO_SD,
    NOISE_MULTIPLE,
    SCALES,
    consecutive_sd,
    linear_trend,
    metric_series,
    noise_sd,
    on_scale,
    smoothed,
    worse_by,
)

LOSSES = ("loss_d", "loss_g")
D_OUTPUTS = ("d_real", "d_fake")
GRAD_NORMS = ("grad_norm_d", "grad_norm_g")

# Oscillation: a window of a signal oscillates when, after removing its linear trend, its
# autocorrelation has a peak of at least this height past its first zero crossing: the periodic part
# then carries at least half the window's variance, which noise and slow drifts rarely reach.
OSCILLATION_MIN_STRENGTH = 0.5
# ... and at least this many periods fit in the window (a single bump is not an oscillation).
OSCILLATION_MIN_CYCLES = 3
# Rolling windows: a quarter of the log (at least 40 steps), overlapping by half; and half the log
# for periods too long to fit OSCILLATION_MIN_CYCLES times into a quarter.
OSCILLATION_WINDOW_FRACTIONS = (0.25, 0.5)
OSCILLATION_MIN_WINDOW = 40
# Severity: medium when the periodic part carries 65% of the variance, high at 80%.
OSCILLATION_MEDIUM, OSCILLATION_HIGH = 0.65, 0.8
# Periods under 4 steps are step-to-step alternation (the jitter of alternating updates): low severity.
OSCILLATION_MIN_PERIOD = 4
# An oscillation that ended before the last quarter of the log, having lasted under half of it, is a
# transient of the early game between G and D: low severity, never the verdict. A loop whose
# D(G(z)) swung by 0.04 with a 25-step period over its first 1,000 of 4,000 steps, then settled and
# learned all 8 modes (the truth oracle: healthy, quality 0.93), was called "oscillating".
OSCILLATION_TRANSIENT_END, OSCILLATION_TRANSIENT_SPAN = 0.75, 0.5

# Exploding: a loss's magnitude over the last 10% of the run (median) is at least 10x its median
# over the first quarter (a robust early level, which a few wild first steps cannot set); normal
# training changes loss levels by far less than an order of magnitude. Judged at the end, so a drop,
# a spike or a return to normal is never an explosion.
EXPLODE_FACTOR = 10.0
EXPLODE_EARLY_FRACTION, EXPLODE_LATE_FRACTION = 0.25, 0.1
# ... and the late level is at least 20 (absolute floor: working BCE losses stay under a few nats
# and working critics' losses under a few tens, so a rise from 0.01 to 0.2 is drift, not explosion)
# and beyond the early noise (NOISE_MULTIPLE robust standard deviations above the early median).
EXPLODE_FLOOR = 20.0
# The relative rule applies to losses of runs whose D outputs are not probabilities (critics, or
# unlogged outputs): a BCE loss of 20+ nats means D gives the losing side a probability under 1e-9,
# which is D (or G) dominating, reported as d_dominance, not a divergence of the numbers.
# The explosion's start: after the last step at which the centred running median of the magnitude
# was still within twice the early level.
EXPLODE_ONSET_FACTOR = 2.0
# A loss or gradient norm past 1e5 at the end is numerically broken for these objectives, whatever
# its early level (working BCE losses stay below ~20 nats, working WGAN critics' below a few hundred).
EXPLODE_ABSOLUTE = 1e5
# FID rising (a divergence of quality): the median of the last 3 evaluations is at least 2x the best
# smoothed level (running median of 3 evaluations), each of those evaluations is worse than the best
# by NOISE_MULTIPLE x the log's own noise (judged on log10 FID), and the rise exceeds FID_FLOOR in FID
# units; 5x is a high-severity rise (which alone decides the verdict). FID that oscillates around a
# level is no rise: when, after settling near its best, it already reached the end's level and came
# back before the end (`_swung_back`), the end is within its own swing.
FID_RISE_FACTOR, FID_RISE_HIGH = 2.0, 5.0
FID_RISE_MIN_EVALS = 3
# ... unless one of these is better at the end than at FID's best (`_closer_to_data`).
CLOSER_METRICS = ("precision", "coverage")

# D dominance: D separates held-out real from fresh fake samples with accuracy >= 0.9 ...
D_WIN_ACCURACY = 0.9
# ... or held-out ROC AUC >= 0.965, the same separation as accuracy 0.9 at the best threshold for two
# equal-variance Gaussians (accuracy Phi(d/2) = 0.9 gives AUC Phi(d/sqrt 2) = 0.965): D can separate
# real from fake even when its outputs are shifted away from 0.5 and its accuracy at 0.5 looks like chance ...
D_WIN_AUC = 0.965
# ... or (probability outputs) its running median D(x) >= 0.9 and D(G(z)) <= 0.1, where the
# generator's minimax gradient vanishes ...
D_WIN_REAL, D_WIN_FAKE = 0.9, 0.1
# ... over at least 20% of the run; shorter stretches are part of the normal back and forth.
D_WIN_MIN_FRACTION = 0.2
# A dip of up to D_WIN_GAP evaluations between evaluations that D wins does not end its dominance,
# while D still wins at least D_WIN_SHARE of the joined stretch's evaluations: held-out accuracy and
# AUC on a few hundred samples swing by several points, so a dip below the line (a dcgan on digits,
# D winning from step 600 with AUC 1.00 at its last evaluation, dipped at steps 1200 and 1350 and was
# called healthy) is noise inside the stretch, not G catching up. Longer or more frequent dips end it.
D_WIN_GAP = 2
D_WIN_SHARE = 2 / 3

# A gradient norm that is infinite at no more than 2 steps, and finite again after them, while
# every loss and D output stays finite, is a skipped step (mixed precision's loss scaler skips the
# update when its gradients overflow), not a divergence: a low-severity gradient_spike. More non-finite
# values, or one at the end, or any in a loss or D output, stay a divergence (rule 1).
NON_FINITE_GRAD_MAX = 2

# Gradient spikes: a gradient norm 10x above its running median (101 steps, centred).
SPIKE_FACTOR = 10.0
SPIKE_WINDOW = 101
SPIKE_GAP = 10  # spikes fewer than 10 steps apart are one event
SPIKE_MEDIUM_COUNT = 5  # five or more spikes in one event: medium severity

# Stall: the samples stop changing while their quality is below the data's. From the evaluations:
# over a stretch to the end of at least STALL_MIN_FRACTION of the run and STALL_MIN_EVALS evaluations,
# every quality metric logged (FID, precision, recall, high-quality share) stays flat: its running
# median of 3 evaluations within NOISE_MULTIPLE x its noise of the stretch's median, and the stretch's
# halves within that of each other. Quality is below the data's when every share logged of
# STALL_QUALITY_METRICS has a median under STALL_QUALITY_LEVEL over the stretch: the data scores
# itself near 1 on both (99% of a Gaussian mode's samples lie within 3 std; a generator that learned
# a bundled set reaches precision 0.6-0.9, `quality`), so under half of that is a generator stuck
# short of the data, while a run frozen at the data's level has converged (healthy, however small its
# gradients). FID has no floor a log can know, so it shows movement, never the level. A run that
# never reached LOW_QUALITY_LEVEL is never-learned's case, not a stall.
STALL_QUALITY_LEVEL = 0.5
STALL_QUALITY_METRICS = ("precision", "high_quality_fraction")
STALL_FROZEN_METRICS = ("fid", "precision", "recall", "coverage", "high_quality_fraction")
STALL_MIN_EVALS = 6
STALL_MIN_FRACTION = 0.2
# ... and none follows a steady trend (`_trending`): a fitted slope 3 standard errors from zero that
# moves the metric by twice one evaluation's noise over the stretch (and by the scale's floor). A
# frozen generator's evaluations give both in a few stretches of a hundred; a dcgan still learning
# slowly (FID 218 -> 160 over 7 evaluations, precision 0.42 -> 0.49) gives both.
STALL_TREND_T = 3.0
STALL_TREND_NOISES = 2.0
# G's gradient norm (centred running median) falling at least 100x below its median over the first
# quarter (two orders of magnitude) is the stall's cause when it happens, and dates the onset: after
# the last step at which the gradient norm was within 2x below its early level. Without enough
# evaluations to judge the samples, such a drop over STALL_MIN_FRACTION of the run to the end is
# reported on its own (the quality could not be checked, and the finding says so), unless the few
# evaluations there put the samples at the data's level (`_at_data_level`: converged).
STALL_DROP = 100.0
STALL_ONSET_FACTOR = 2.0
# ... nor when those few evaluations show the samples still improving from the gradient's fall (the
# last evaluation at or before it) to the end (`_still_improving_after`): FID down 1.2x (twice the
# 5-10% that evaluations of one generator swing by), or a share up by STALL_IMPROVING_SHARE. A dcgan's
# G gradient falls 100x in its first few hundred steps while FID goes 250 -> 200: that is learning.
STALL_IMPROVING_FID = 1.2
STALL_IMPROVING_SHARE = 0.05
# ... and the samples themselves must have stopped, not only the metrics' trend. Where the log says how
# many samples each evaluation scored (`collapse.samples_per_evaluation`), a share of
# STALL_QUALITY_METRICS is binomial in that count: a frozen generator's evaluations scatter it by about
# sqrt(p(1-p)/n) (fresh noise each time) or not at all (the same noise). Consecutive evaluations
# scattering it by over STALL_JITTER x that are a generator still moving, however flat its trend (a
# healthy loop at 2e-3 swings precision 0.29-0.69 at n=500, 6x): no stall. (Binomial draws of 8
# evaluations exceed 3x in about 1 stretch in 1,000, as simulated; 2x in 1-4 in 100.)
STALL_JITTER = 3.0
# A generator that learned, then froze: over the frozen stretch every logged share of
# STALL_QUALITY_METRICS repeats exactly (the same samples: frozen weights fed the same noise, as
# `ganeval train` and TrainingLogger users evaluating fixed noise do) and lies STALL_LEARNED_Z binomial
# sd (at its level) above its median over the first 3 evaluations. Such a stall counts even below
# LOW_QUALITY_LEVEL and outranks never-learned (`findings.verdict`): the quality rose, so G learned,
# and what to fix is what stopped it (a learning rate decayed to 0, a frozen optimiser). Without
# exact repeats the metrics cannot tell a frozen generator from one converged blurred (a synthetic
# plateau at precision 0.25 and high-quality share 0.05 scatters at its binomial sd either way, and a
# real grid25 loop still moving jittered at 2x it): those stay never-learned's case.
STALL_LEARNED_Z = 3.0

# Equilibrium: over the last 20% of steps, mean D(x) and D(G(z)) within 0.1 of 0.5.
EQUILIBRIUM_TOLERANCE = 0.1
END_FRACTION = 0.2


def _series(frame: pd.DataFrame, column: str) -> pd.Series:
    """frame[column] as floats indexed by step (empty when the column is absent)."""
    if frame is None or frame.empty or column not in frame or "step" not in frame:
        return pd.Series(dtype=float)
    values = pd.to_numeric(frame[column], errors="coerce")
    return pd.Series(values.to_numpy(dtype=float), index=frame["step"].to_numpy())


def outputs_are_probabilities(steps: pd.DataFrame, evals: pd.DataFrame | None = None) -> bool:
    """Whether D(x), D(G(z)) are probabilities (evals say d_input='probability', or they lie in [0, 1])."""
    if evals is not None and not evals.empty and "d_input" in evals and evals["d_input"].notna().any():
        return bool((evals["d_input"].dropna() == "probability").all())
    values = pd.concat([_series(steps, c) for c in D_OUTPUTS]).dropna()
    return bool(len(values)) and bool(values.between(0.0, 1.0).all())


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index pairs of the runs of True in a boolean array."""
    padded = np.r_[False, np.asarray(mask, dtype=bool), False]
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _end_step(index: np.ndarray, last: int) -> int | None:
    """The step after the event (None when it lasts to the end)."""
    return None if last + 1 >= len(index) else int(index[last + 1])


# ---------------------------------------------------------------------------------------------------
# Trends and equilibrium


def loss_trends(steps: pd.DataFrame, columns=LOSSES + D_OUTPUTS) -> pd.DataFrame:
    """Per column: median over the first and last 20% of steps, and the slope over the second half
    (least squares on the values, per 1,000 steps)."""
    rows = []
    for column in columns:
        series = _series(steps, column).replace([np.inf, -np.inf], np.nan).dropna()
        if len(series) < 4:
            continue
        n = max(1, int(len(series) * END_FRACTION))
        half = series.iloc[len(series) // 2 :]
        slope = np.polyfit(half.index.to_numpy(dtype=float), half.to_numpy(), 1)[0] * 1000 if len(half) > 1 else np.nan
        rows.append(
            {
                "signal": column,
                "start": float(series.iloc[:n].median()),
                "end": float(series.iloc[-n:].median()),
                "slope_per_1000_steps": float(slope),
            }
        )
    return pd.DataFrame(rows, columns=["signal", "start", "end", "slope_per_1000_steps"])


def equilibrium(steps: pd.DataFrame, evals: pd.DataFrame | None = None) -> dict:
    """Mean D(x) and D(G(z)) over the last 20% of steps, and whether both are within 0.1 of 0.5
    (probability outputs only; WGAN critic scores have no 0.5)."""
    if not outputs_are_probabilities(steps, evals):
        return {}
    real, fake = _series(steps, "d_real").dropna(), _series(steps, "d_fake").dropna()
    if real.empty or fake.empty:
        return {}
    n = max(1, int(len(real) * END_FRACTION))
    d_real, d_fake = float(real.iloc[-n:].mean()), float(fake.iloc[-n:].mean())
    near = abs(d_real - 0.5) <= EQUILIBRIUM_TOLERANCE and abs(d_fake - 0.5) <= EQUILIBRIUM_TOLERANCE
    return {"d_real_end": d_real, "d_fake_end": d_fake, "d_gap_end": d_real - d_fake, "near_equilibrium": near}


# ---------------------------------------------------------------------------------------------------
# Oscillation


def _autocorrelation(x: np.ndarray) -> np.ndarray:
    x = x - x.mean()
    n = len(x)
    spectrum = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    return acf / acf[0] if acf[0] > 0 else np.zeros(n)


def periodicity(values: np.ndarray) -> tuple[float, float, float]:
    """(period in samples, strength, amplitude) of the dominant oscillation of a detrended window.

    strength: the autocorrelation's highest peak after its first zero crossing, within lags that fit
    OSCILLATION_MIN_CYCLES periods into the window (0 when there is none). The period is that peak's
    lag (refined by a parabola through its neighbours); the amplitude is that of a sine carrying the
    periodic share of the variance, sqrt(2 * strength * variance). NaN period when none.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 8 or np.ptp(x) == 0:
        return np.nan, 0.0, 0.0
    t = np.arange(len(x), dtype=float)
    x = x - np.polyval(np.polyfit(t, x, 1), t)
    acf = _autocorrelation(x)
    max_lag = len(x) // OSCILLATION_MIN_CYCLES
    negative = np.flatnonzero(acf[1 : max_lag + 1] < 0)
    if negative.size == 0:
        return np.nan, 0.0, 0.0
    first = negative[0] + 1
    segment = acf[first : max_lag + 1]
    if segment.size < 3:
        return np.nan, 0.0, 0.0
    lag = first + int(np.argmax(segment))
    strength = float(acf[lag])
    if strength <= 0 or lag >= max_lag:  # still rising at the edge: no peak inside the window
        return np.nan, 0.0, 0.0
    a, b, c = acf[lag - 1], acf[lag], acf[lag + 1]
    denominator = a - 2 * b + c
    shift = 0.5 * (a - c) / denominator if denominator < 0 else 0.0
    amplitude = float(np.sqrt(2 * strength * x.var()))
    return float(lag + shift), strength, amplitude


def oscillation_windows(steps: pd.DataFrame, columns=LOSSES + D_OUTPUTS, window: int | None = None) -> pd.DataFrame:
    """Period (steps), strength and amplitude of each signal over rolling windows (half overlapping).

    Columns: signal, start_step, end_step, period, strength, amplitude, oscillating (strength >=
    OSCILLATION_MIN_STRENGTH)."""
    rows = []
    for column in columns:
        series = _series(steps, column)
        series = series[np.isfinite(series.to_numpy())]
        n = len(series)
        if n < OSCILLATION_MIN_WINDOW:
            continue
        sizes = (
            [window]
            if window
            else sorted({max(OSCILLATION_MIN_WINDOW, int(n * f)) for f in OSCILLATION_WINDOW_FRACTIONS})
        )
        spacing = float(np.median(np.diff(series.index.to_numpy()))) if n > 1 else 1.0
        longest_below = 0.0  # the longest period (in samples) the finer windows can see
        for size in (min(s, n) for s in sizes):
            starts = list(range(0, n - size + 1, max(1, size // 2)))
            if starts[-1] != n - size:
                starts.append(n - size)
            for start in starts:
                chunk = series.iloc[start : start + size]
                period, strength, amplitude = periodicity(chunk.to_numpy())
                seen_finer = not period > 0.9 * longest_below  # NaN period: not oscillating anyway
                rows.append(
                    {
                        "signal": column,
                        "start_step": int(chunk.index[0]),
                        "end_step": int(chunk.index[-1]),
                        "window": size,
                        "period": period * spacing,
                        "strength": strength,
                        "amplitude": amplitude,
                        "oscillating": strength >= OSCILLATION_MIN_STRENGTH and not (longest_below and seen_finer),
                    }
                )
            longest_below = size / OSCILLATION_MIN_CYCLES
    return pd.DataFrame(
        rows, columns=["signal", "start_step", "end_step", "window", "period", "strength", "amplitude", "oscillating"]
    )


def oscillation_onset(series: pd.Series, start_step: int, end_step: int, period_steps: float) -> int:
    """Where, inside the first oscillating window, the swing starts: the first step at which the
    running standard deviation (over one period) of the signal minus its running mean (over one
    period) crosses halfway from its level before `start_step` (or, when the log has too little before
    it, over the stretch's first period: a long-period window may start long before the swing) to its
    level inside the stretch. `start_step` itself when no crossing is found."""
    series = series[np.isfinite(series.to_numpy())]
    spacing = float(np.median(np.diff(series.index.to_numpy()))) if len(series) > 1 else 1.0
    period = max(2, int(round(period_steps / spacing)))
    residual = series - series.rolling(period, center=True, min_periods=1).mean()
    spread = residual.rolling(period, center=True, min_periods=1).std()
    before = spread[spread.index < start_step]
    inside = spread[(spread.index >= start_step) & (spread.index <= end_step)]
    if len(before) < period:
        before = inside.iloc[:period]
    if len(before) < period or len(inside) < 2 * period:
        return start_step
    low, high = float(before.median()), float(inside.iloc[len(inside) // 2 :].median())
    if not high > 1.5 * low:
        return start_step
    crossed = inside[inside >= (low + high) / 2]
    return int(crossed.index[0]) if len(crossed) else start_step


def detect_oscillation(steps: pd.DataFrame, windows: pd.DataFrame | None = None) -> list[Finding]:
    """One finding per stretch of overlapping oscillating windows (any signal)."""
    windows = oscillation_windows(steps) if windows is None else windows
    if windows.empty:
        return []
    hits = windows[windows.oscillating].sort_values("start_step")
    if hits.empty:
        return []
    last_step = int(steps["step"].max())
    groups, current = [], [hits.iloc[0]]
    for _, row in hits.iloc[1:].iterrows():
        if row.start_step <= max(r.end_step for r in current):
            current.append(row)
        else:
            groups.append(current)
            current = [row]
    groups.append(current)
    findings = []
    for group in groups:
        frame = pd.DataFrame(group)
        strength = float(frame.strength.max())
        best = frame.loc[frame.strength.idxmax()]
        per_signal = {
            s: {
                "period": float(g.period.median()),
                "amplitude": float(g.amplitude.median()),
                "strength": float(g.strength.max()),
            }
            for s, g in frame.groupby("signal")
        }
        start, end = int(frame.start_step.min()), int(frame.end_step.max())
        start = oscillation_onset(_series(steps, best.signal), start, end, float(best.period))
        severity = "high" if strength >= OSCILLATION_HIGH else "medium" if strength >= OSCILLATION_MEDIUM else "low"
        period = float(frame.period.median())
        first_step = int(steps["step"].min())
        length = max(last_step - first_step, 1)
        ended_early = end - first_step < OSCILLATION_TRANSIENT_END * length
        brief = end - start < OSCILLATION_TRANSIENT_SPAN * length
        if period < OSCILLATION_MIN_PERIOD or (ended_early and brief):
            severity = "low"
        findings.append(
            Finding(
                OSCILLATION,
                start,
                None if end >= last_step else end,
                severity,
                {"period_steps": period, "strength": strength, "signals": per_signal},
                f"{', '.join(per_signal)} oscillate{'s' if len(per_signal) == 1 else ''} "
                f"with a period of about {period:.0f} steps "
                f"(amplitude {best.amplitude:.3g} in {best.signal}; "
                f"the periodic part carries {strength:.0%} of the variance) "
                f"over steps {start}-{end}.",
            )
        )
    return findings


# ---------------------------------------------------------------------------------------------------
# Divergence


def _first_non_finite(series: pd.Series) -> int | None:
    """Position of the first infinite value, or of the first of a trailing run of NaNs in a column
    logged at every step before it (a gap in a sparsely logged column is not a NaN loss)."""
    values = series.to_numpy()
    infinite = np.flatnonzero(np.isinf(values))
    finite = np.flatnonzero(np.isfinite(values))
    trailing = None
    if finite.size and finite[-1] < len(values) - 1 and finite.size == finite[-1] + 1:
        trailing = int(finite[-1] + 1)
    candidates = [int(infinite[0])] if infinite.size else []
    candidates += [trailing] if trailing is not None else []
    return min(candidates) if candidates else None


def _isolated_non_finite(series: pd.Series) -> bool:
    """Whether a gradient norm's infinite values are isolated skipped steps (see NON_FINITE_GRAD_MAX):
    at most that many, the last value not among them, and no trailing run of NaNs (`_first_non_finite`)."""
    infinite = np.isinf(series.to_numpy())
    rest = series.where(~infinite, 0.0)
    count = int(infinite.sum())
    return 0 < count <= NON_FINITE_GRAD_MAX and not infinite[-1] and _first_non_finite(rest) is None


def _skipped_steps(steps: pd.DataFrame) -> list[Finding]:
    """A low-severity gradient_spike per gradient norm whose only non-finite values are isolated
    (a mixed-precision step skipped), when every loss and D output is finite."""
    findings = []
    for column in GRAD_NORMS:
        series = _series(steps, column)
        if not len(series) or not _isolated_non_finite(series):
            continue
        bad = series[np.isinf(series.to_numpy())]
        findings.append(
            Finding(
                GRADIENT_SPIKE,
                int(bad.index[0]),
                int(bad.index[-1]),
                "low",
                {"signal": column, "cause": "non_finite", "non_finite": int(len(bad)), "value": str(bad.iloc[0])},
                f"{column} was {bad.iloc[0]} at {len(bad)} step(s) from step {int(bad.index[0])} while every loss "
                "stayed finite: a skipped step (mixed precision), not a divergence.",
            )
        )
    return findings


def _non_finite(steps: pd.DataFrame) -> list[Finding]:
    hits = []
    finite_outputs = True
    for column in LOSSES + D_OUTPUTS + GRAD_NORMS:
        series = _series(steps, column)
        position = _first_non_finite(series) if len(series) else None
        if position is not None:
            hits.append((int(series.index[position]), column, series.iloc[position]))
            finite_outputs &= column in GRAD_NORMS
    isolated = {c for c in GRAD_NORMS if len(_series(steps, c)) and _isolated_non_finite(_series(steps, c))}
    if finite_outputs:
        hits = [h for h in hits if h[1] not in isolated]
    if not hits:
        return _skipped_steps(steps) if finite_outputs else []
    step, column, value = min(hits, key=lambda h: h[0])
    return [
        Finding(
            DIVERGENCE,
            step,
            None,
            "high",
            {"cause": "non_finite", "signal": column, "value": str(value)},
            f"{column} became {value} at step {step}: the losses are no longer numbers.",
        )
    ]


def _magnitude(steps: pd.DataFrame, column: str) -> pd.Series:
    series = _series(steps, column)
    return series[np.isfinite(series.to_numpy())].abs()


def _level(values: pd.Series, fraction: float, first: bool) -> float:
    """Median of the first (or last) `fraction` of the values (at least 5 of them)."""
    k = min(len(values), max(5, int(len(values) * fraction)))
    return float((values.iloc[:k] if first else values.iloc[-k:]).median())


def _centred_median(values: pd.Series) -> np.ndarray:
    return values.rolling(min(len(values), max(5, len(values) // 100)), center=True, min_periods=1).median().to_numpy()


def _after_last(mask: np.ndarray) -> int:
    """The position after the last True (0 when none)."""
    hits = np.flatnonzero(mask)
    return int(hits[-1]) + 1 if hits.size else 0


def _explosion(series: pd.Series, relative: bool) -> dict | None:
    """An explosion of one signal's magnitude to the end of the log, or None (see EXPLODE_*)."""
    n = len(series)
    if n < 10:
        return None
    early, late = _level(series, EXPLODE_EARLY_FRACTION, True), _level(series, EXPLODE_LATE_FRACTION, False)
    running = _centred_median(series)
    if late >= EXPLODE_ABSOLUTE:
        crossing = int(np.argmax(running >= EXPLODE_ABSOLUTE)) if (running >= EXPLODE_ABSOLUTE).any() else n - 1
        level = max(float(running[: crossing + 1].min()), 1e-12)  # the lowest level before it broke
        cause = "exploding_absolute"
    elif relative and n >= 40:
        spread = MAD_TO_SD * float((series.iloc[: n // 4] - early).abs().median())
        if not (late >= EXPLODE_FACTOR * early and late >= EXPLODE_FLOOR and late >= early + NOISE_MULTIPLE * spread):
            return None
        crossing, level, cause = n - 1, max(early, 1e-12), "exploding"
    else:
        return None
    onset = min(_after_last(running[: crossing + 1] <= EXPLODE_ONSET_FACTOR * level), crossing)
    before = float(np.median(series.to_numpy()[max(0, onset - 5) : onset])) if onset > 0 else None
    return {
        "cause": cause,
        "onset": onset,
        "early_level": early,
        "level_before": before,
        "late_level": late,
        "ratio": late / max(before if before is not None else early, 1e-12),
    }


def _exploding(steps: pd.DataFrame, evals: pd.DataFrame | None = None) -> list[Finding]:
    """The earliest explosion of a loss or gradient norm that lasts to the end: past EXPLODE_ABSOLUTE
    (any run), or a loss EXPLODE_FACTOR x above its early level (runs without probability outputs)."""
    relative = not outputs_are_probabilities(steps, evals)
    hits = []
    for column in LOSSES + GRAD_NORMS:
        series = _magnitude(steps, column)
        found = _explosion(series, relative and column in LOSSES)
        if found:
            hits.append((int(series.index[found["onset"]]), column, found))
    if not hits:
        return []
    step, column, found = min(hits, key=lambda h: (h[0], h[1] not in LOSSES))
    name = f"|{column}|" if column in LOSSES else column
    late, before = found.pop("late_level"), found["level_before"]
    if found["cause"] == "exploding_absolute" and (before is None or before >= late):
        text = f"{name} is {late:.3g} from step {step} on (past 1e5: the numbers are broken)."
    elif found["cause"] == "exploding_absolute":
        text = (
            f"{name} exploded from {before:.3g} to {late:.3g} (past 1e5: the numbers are broken), "
            f"rising from step {step}."
        )
    else:
        text = (
            f"{name} exploded from {found['early_level']:.3g} (median over the first quarter) "
            f"to {late:.3g} (median over "
            f"the last 10% of steps), {late / max(found['early_level'], 1e-12):.3g}x, rising from step {step}."
        )
    evidence = {**found, "signal": column, "late_level": late}
    evidence.pop("onset")
    return [Finding(DIVERGENCE, step, None, "high", evidence, text)]


def _swung_back(level: np.ndarray, best_level: float, end_level: float) -> bool:
    """Whether FID oscillates around a level rather than rising for good: after first settling
    within FID_RISE_FACTOR of its best, the smoothed FID already reached the end's level once and came
    back within FID_RISE_FACTOR of the best before the final FID_RISE_MIN_EVALS evaluations, so the
    end is inside FID's own swing, not beyond it."""
    near = level <= FID_RISE_FACTOR * best_level
    settled = int(np.argmax(near))
    stretch, returns = level[settled:-FID_RISE_MIN_EVALS], near[settled:-FID_RISE_MIN_EVALS]
    peaks = np.flatnonzero(stretch >= end_level)
    return bool(peaks.size) and bool(returns[peaks[0] + 1 :].any())


def _fid_rise(evals: pd.DataFrame) -> list[Finding]:
    """FID rising beyond the log's noise from its best to the end (FID_RISE_*)."""
    scale = SCALES["fid"]
    fid = metric_series(evals, "fid")
    if len(fid) < FID_RISE_MIN_EVALS + 2:
        return []
    level = smoothed(fid)
    best = int(np.argmin(level.to_numpy()))
    if len(fid) - 1 - best < FID_RISE_MIN_EVALS or level.iloc[best] <= 0:
        return []
    best_level, last = float(level.iloc[best]), fid.iloc[-FID_RISE_MIN_EVALS:]
    end_level = float(last.median())
    noise = noise_sd(evals, "fid", scale)
    margin = NOISE_MULTIPLE * noise
    sustained = all(worse_by(best_level, v, scale) > margin for v in last)
    ratio = end_level / best_level
    if not (sustained and ratio >= FID_RISE_FACTOR and end_level - best_level >= scale.floor):
        return []
    if _swung_back(level.to_numpy(), best_level, end_level):
        return []
    after = fid.iloc[best:]
    final = len(after) - FID_RISE_MIN_EVALS
    near = [i for i, v in enumerate(after.iloc[:final]) if worse_by(best_level, v, scale) <= noise]
    onset_step = int(after.index[near[-1] + 1 if near else 1])
    best_step = int(fid.index[best])
    factor = 10**noise
    closer = _closer_to_data(evals, best_step)
    severity = "low" if closer else "high" if ratio >= FID_RISE_HIGH else "medium"
    but = (
        f" But {closer['metric']} rose from {closer['at_best']:.3g} to {closer['end']:.3g} meanwhile: the samples "
        "came closer to the data, so this is not a divergence (FID's Gaussian fit favours a blur)."
        if closer
        else ""
    )
    return [
        Finding(
            DIVERGENCE,
            onset_step,
            None,
            severity,
            {
                "cause": "fid_rising",
                "fid_best": best_level,
                "fid_end": end_level,
                "ratio": ratio,
                "best_step": best_step,
                "noise_factor": factor,
                **({"closer_to_data": closer} if closer else {}),
            },
            f"FID rose from its best, {best_level:.3g} around step {best_step}, to {end_level:.3g} over the last "
            f"{FID_RISE_MIN_EVALS} evaluations ({ratio:.1f}x; one evaluation's noise is about {factor:.2g}x), "
            f"rising from step {onset_step}.{but}",
        )
    ]


def _closer_to_data(evals: pd.DataFrame, best_step: int) -> dict | None:
    """Where FID rose from best_step: precision or coverage (the share of samples on the data, of the
    data near a sample) better at the end than at FID's best, beyond NOISE_MULTIPLE x one evaluation's
    noise. A divergence is the samples drifting off the data, which lowers both; a rising FID with
    samples landing on the data is FID's Gaussian fit preferring the earlier blur (ring8: FID 0.04 ->
    0.26 while precision rose 0.02 -> 0.63)."""
    for name in CLOSER_METRICS:
        values = metric_series(evals, name)
        if len(values) < FID_RISE_MIN_EVALS + 2 or name not in SCALES:
            continue
        scale = SCALES[name]
        level = smoothed(values)
        before = level[level.index <= best_step]
        if before.empty:
            continue
        at_best, end = float(before.iloc[-1]), float(values.iloc[-FID_RISE_MIN_EVALS:].median())
        if worse_by(end, at_best, scale) > NOISE_MULTIPLE * noise_sd(evals, name, scale):
            return {"metric": name, "at_best": at_best, "end": end}
    return None


def detect_divergence(steps: pd.DataFrame, evals: pd.DataFrame | None = None) -> list[Finding]:
    """NaN or infinite values, exploding losses, and FID rising from its best to the end."""
    findings = _non_finite(steps)
    if not findings:
        findings = _exploding(steps, evals)
    return findings + _fid_rise(evals if evals is not None else pd.DataFrame())


# ---------------------------------------------------------------------------------------------------
# D/G balance


def _span(index: np.ndarray, first: int, last: int, total: float) -> float:
    return (index[last] - index[first] + (index[1] - index[0] if len(index) > 1 else 1)) / total


def _bridged(wins: np.ndarray) -> list[tuple[int, int]]:
    """The runs of wins (`_runs`), joined across dips of up to D_WIN_GAP evaluations while the joined
    stretch keeps a share of wins of at least D_WIN_SHARE."""
    joined: list[tuple[int, int]] = []
    for first, last in _runs(wins):
        if joined and first - joined[-1][1] - 1 <= D_WIN_GAP and wins[joined[-1][0] : last + 1].mean() >= D_WIN_SHARE:
            joined[-1] = (joined[-1][0], last)
        else:
            joined.append((first, last))
    return joined


def detect_d_dominance(steps: pd.DataFrame, evals: pd.DataFrame | None = None) -> list[Finding]:
    """Stretches of at least D_WIN_MIN_FRACTION of the run where D wins: held-out accuracy >=
    D_WIN_ACCURACY or AUC >= D_WIN_AUC at consecutive evaluations (dips bridged, `_bridged`), or
    (probability outputs) running medians D(x) >= D_WIN_REAL and D(G(z)) <= D_WIN_FAKE. One finding per
    stretch, merged over both sources."""
    total = float(max(1, steps["step"].max() - steps["step"].min() + 1)) if not steps.empty else 1.0
    stretches = []  # (start_step, end_step or None, evidence)
    accuracy, auc = metric_series(evals, "d_accuracy"), metric_series(evals, "d_auc")  # valid values only
    if len(accuracy) or len(auc):
        frame = pd.DataFrame({"accuracy": accuracy, "auc": auc}).dropna(how="all")
        index = frame.index.to_numpy()
        wins = ((frame["accuracy"] >= D_WIN_ACCURACY) | (frame["auc"] >= D_WIN_AUC)).to_numpy()
        for first, last in _bridged(wins):
            if _span(index, first, last, total) >= D_WIN_MIN_FRACTION or (last - first >= 1 and last == len(index) - 1):
                chunk = frame.iloc[first : last + 1]
                evidence = {"source": "evaluations", "evaluations": int(len(chunk))}
                for name, column in (("d_accuracy_mean", "accuracy"), ("d_auc_mean", "auc")):
                    if chunk[column].notna().any():
                        evidence[name] = float(chunk[column].mean())
                stretches.append((int(index[first]), _end_step(index, last), evidence))
    if outputs_are_probabilities(steps, evals):
        real, fake = _series(steps, "d_real"), _series(steps, "d_fake")
        if len(real) and len(fake):
            window = max(5, len(real) // 50)
            real_m = real.rolling(window, min_periods=1).median()
            fake_m = fake.rolling(window, min_periods=1).median()
            index = real.index.to_numpy()
            for first, last in _runs((real_m >= D_WIN_REAL).to_numpy() & (fake_m <= D_WIN_FAKE).to_numpy()):
                if _span(index, first, last, total) >= D_WIN_MIN_FRACTION:
                    onset = max(0, first - window // 2)  # the running median lags by half a window
                    stretches.append(
                        (
                            int(index[onset]),
                            _end_step(index, last),
                            {
                                "source": "steps",
                                "d_real_mean": float(real.iloc[first : last + 1].mean()),
                                "d_fake_mean": float(fake.iloc[first : last + 1].mean()),
                            },
                        )
                    )
    if not stretches:
        return []
    stretches.sort(key=lambda s: s[0])
    merged = [list(stretches[0])]
    for start, end, evidence in stretches[1:]:
        current = merged[-1]
        if current[1] is None or start <= current[1]:
            current[1] = None if current[1] is None or end is None else max(current[1], end)
            current[2] = {
                **current[2],
                **{k: v for k, v in evidence.items() if k != "source"},
                "source": "evaluations and steps",
            }
        else:
            merged.append([start, end, evidence])
    probabilities = outputs_are_probabilities(steps, evals)
    consequence = "so G's gradients vanish" if probabilities else "so the critic separates real from fake easily"
    findings = []
    for start, end, evidence in merged:
        parts = []
        if "d_auc_mean" in evidence:
            parts.append(f"held-out AUC {evidence['d_auc_mean']:.2f}")
        if "d_accuracy_mean" in evidence:
            parts.append(f"held-out accuracy {evidence['d_accuracy_mean']:.2f}")
        if "d_real_mean" in evidence:
            parts.append(f"D(x) {evidence['d_real_mean']:.2f} vs D(G(z)) {evidence['d_fake_mean']:.2f}")
        until = "to the end" if end is None else f"until step {end}"
        findings.append(
            Finding(
                D_DOMINANCE,
                start,
                end,
                "high" if end is None else "medium",
                evidence,
                f"D wins from step {start} {until} ({'; '.join(parts)}), {consequence}.",
            )
        )
    return findings


# ---------------------------------------------------------------------------------------------------
# Stall


def _frozen(evals: pd.DataFrame | None, start: int, n: float | None) -> dict | None:
    """Whether the quality metrics stayed flat from step `start` to the end (see STALL_*): per metric
    with at least 4 evaluations there, its largest change in noise units; None when any moved beyond
    NOISE_MULTIPLE x noise, or scattered beyond STALL_JITTER x its sampling noise at n samples per
    evaluation. Empty dict when too few evaluations fall in the stretch to tell."""
    changes = {}
    for name in STALL_FROZEN_METRICS:
        values = metric_series(evals, name)
        inside = values[values.index >= start]
        if len(inside) < 4:
            continue
        scale = SCALES[name]
        y = on_scale(inside.to_numpy(), scale)
        half = len(y) // 2
        level = float(np.median(y))
        running = on_scale(smoothed(inside).to_numpy(), scale)
        change = max(abs(float(np.median(y[half:]) - np.median(y[:half]))), float(np.abs(running - level).max()))
        noise = noise_sd(evals, name, scale)
        if change > NOISE_MULTIPLE * noise and change > 0:
            return None
        if _trending(inside.index.to_numpy(dtype=float), y, noise, scale):
            return None
        changes[name] = change / noise if noise > 0 else 0.0
    if changes and _scatter(evals, start, n) > STALL_JITTER:
        return None
    return changes


def _share_sd(share: float, n: float) -> float:
    """The binomial sampling sd of a share of n samples (the share kept 1/n from 0 and 1)."""
    share = min(max(share, 1.0 / n), 1.0 - 1.0 / n)
    return float(np.sqrt(share * (1.0 - share) / n))


def _evaluation_size(evals: pd.DataFrame | None) -> float | None:
    """The samples an evaluation scored (median over the log, `collapse.samples_per_evaluation`), or
    None where the log does not say, or says fewer than 2 (no sampling noise to judge a share by)."""
    sizes = samples_per_evaluation(evals)
    n = float(sizes.median()) if sizes is not None and len(sizes) else None
    return n if n is not None and n >= 2 else None


def _scatter(evals: pd.DataFrame, start: int, n: float | None) -> float:
    """How much consecutive evaluations from step `start` scatter the shares of STALL_QUALITY_METRICS,
    in their binomial sampling sd at n samples (the largest; see STALL_JITTER): about 1 for a frozen
    generator evaluated on fresh noise, 0 on the same noise. 0 where n is unknown (None)."""
    if n is None:
        return 0.0
    largest = 0.0
    for name in STALL_QUALITY_METRICS:
        values = metric_series(evals, name)
        inside = values[values.index >= start].to_numpy(dtype=float)
        if len(inside) < 4:
            continue
        largest = max(largest, consecutive_sd(inside) / _share_sd(float(np.median(inside)), n))
    return largest


def _repeats_from(evals: pd.DataFrame) -> int | None:
    """The first evaluation step from which every logged share of STALL_QUALITY_METRICS repeats its
    last value exactly (the same samples), over STALL_MIN_EVALS evaluations at least; None if none."""
    starts = []
    for name in STALL_QUALITY_METRICS:
        values = metric_series(evals, name)
        if not len(values):
            continue
        same = (values == values.iloc[-1]).to_numpy()[::-1]
        run = int(np.argmin(same)) if not same.all() else len(same)
        if run < STALL_MIN_EVALS:
            return None
        starts.append(int(values.index[len(values) - run]))
    return max(starts) if starts else None


def _learned_before(evals: pd.DataFrame, start: int, n: float | None) -> dict:
    """{share: its rise from the first 3 evaluations to the frozen stretch from `start`, in binomial sd
    at n samples} when every logged share of STALL_QUALITY_METRICS repeats exactly over the stretch
    and rose STALL_LEARNED_Z sd or more (see STALL_LEARNED_Z); empty otherwise, or where n is unknown
    (None)."""
    if n is None:
        return {}
    rises = {}
    for name in STALL_QUALITY_METRICS:
        values = metric_series(evals, name)
        early, inside = values[values.index < start].iloc[:3], values[values.index >= start]
        if len(early) < 3 or not len(inside):
            continue
        if float(inside.max()) != float(inside.min()):
            return {}  # not the same samples every time
        level = float(inside.iloc[0])
        rises[name] = (level - float(early.median())) / _share_sd(level, n)
    return rises if rises and min(rises.values()) >= STALL_LEARNED_Z else {}


def _trending(t: np.ndarray, y: np.ndarray, noise: float, scale) -> bool:
    """Whether values y at steps t follow a steady trend (see STALL_TREND_T): a steady fall that moves
    the halves' medians less than 3 noise sd apart is still learning, not a stall."""
    if len(y) < 5:
        return False
    slope, _, t_stat = linear_trend(t, y)
    change = abs(slope) * (t[-1] - t[0])
    steady = np.isfinite(t_stat) and t_stat >= STALL_TREND_T
    return steady and change > STALL_TREND_NOISES * noise and change >= scale.floor


def _quality_levels(evals: pd.DataFrame | None, start: int) -> dict:
    """Median from step `start` of each logged share of STALL_QUALITY_METRICS (empty: none logged)."""
    levels = {}
    for name in STALL_QUALITY_METRICS:
        values = metric_series(evals, name)
        inside = values[values.index >= start]
        if len(inside):
            levels[name] = float(inside.median())
    return levels


def _at_data_level(evals: pd.DataFrame | None, start: int) -> bool:
    """Whether any share of STALL_QUALITY_METRICS logged from step `start` has a median at or above
    STALL_QUALITY_LEVEL: however few the evaluations, G's gradients shrinking there is convergence."""
    return any(level >= STALL_QUALITY_LEVEL for level in _quality_levels(evals, start).values())


def _still_improving_after(evals: pd.DataFrame | None, start: int) -> bool:
    """Whether the evaluations from step `start` (or the last one before it) to the end show the samples improving
    beyond what evaluations of one generator swing by: FID falling STALL_IMPROVING_FID x, or
    precision, recall or the high-quality share rising STALL_IMPROVING_SHARE (see STALL_*)."""
    fid = metric_series(evals, "fid")
    before = fid.index[fid.index <= start]
    start = int(before.max()) if len(before) else start  # the samples as they were when it fell
    fid = fid[(fid.index >= start) & (fid > 0)]
    if len(fid) >= 2 and float(fid.iloc[0]) >= STALL_IMPROVING_FID * float(fid.iloc[-1]):
        return True
    for name in ("precision", "recall", "high_quality_fraction"):
        share = metric_series(evals, name)
        share = share[share.index >= start]
        if len(share) >= 2 and float(share.iloc[-1]) - float(share.iloc[0]) >= STALL_IMPROVING_SHARE:
            return True
    return False


def _frozen_stretch(evals: pd.DataFrame | None, first: int, last: int, n: float | None) -> tuple[int, dict] | None:
    """The earliest evaluation step from which the metrics stay flat to the end (`_frozen`, at n samples
    per evaluation), over at least STALL_MIN_EVALS evaluations and STALL_MIN_FRACTION of the run (steps
    first..last); None if none."""
    if evals is None or evals.empty or "step" not in evals:
        return None
    eval_steps = np.unique(pd.to_numeric(evals["step"], errors="coerce").dropna().to_numpy(dtype=int))
    total = float(last - first + 1)
    for i, start in enumerate(eval_steps):
        if len(eval_steps) - i < STALL_MIN_EVALS or (last - start + 1) / total < STALL_MIN_FRACTION:
            return None
        changes = _frozen(evals, int(start), n)
        if changes:
            return int(start), changes
    return None


def _evaluated(evals: pd.DataFrame | None) -> bool:
    """Whether the log has enough evaluations of a quality metric to judge a stall from the samples."""
    return any(len(metric_series(evals, name)) >= STALL_MIN_EVALS for name in STALL_FROZEN_METRICS)


def _gradient_drop(steps: pd.DataFrame) -> dict | None:
    """G's gradient norm falling STALL_DROP x below its early level for good, over at least
    STALL_MIN_FRACTION of the run: onset step, since (the step the drop is complete), levels; or None."""
    series = _magnitude(steps, "grad_norm_g")
    n = len(series)
    if n < 40:
        return None
    early = _level(series, EXPLODE_EARLY_FRACTION, True)
    running = _centred_median(series)
    if not early > 0 or not running[-1] * STALL_DROP <= early:
        return None
    onset = _after_last(running >= early / STALL_ONSET_FACTOR)
    dropped = np.flatnonzero(running * STALL_DROP > early)
    since = int(dropped[-1]) + 1 if dropped.size else 0  # from here on the drop is complete
    index = series.index.to_numpy()
    if onset >= n or _span(index, since, n - 1, float(index[-1] - index[0] + 1)) < STALL_MIN_FRACTION:
        return None
    late = _level(series, EXPLODE_LATE_FRACTION, False)
    return {"onset": int(index[onset]), "since": int(index[since]), "early_level": early, "late_level": late}


def detect_stall(steps: pd.DataFrame, evals: pd.DataFrame | None = None) -> list[Finding]:
    """A stall (see STALL_*): the samples stop changing while their quality is below the data's, judged
    from the evaluations; G's gradient norm dropping STALL_DROP x dates it when it happens, and decides
    alone only where too few evaluations show the samples (a frozen generator with normal gradients
    is a stall; a converged one with shrinking gradients is not)."""
    drop = _gradient_drop(steps)
    evidence: dict = {}
    gradient = ""
    if drop is not None:
        early, late = drop["early_level"], drop["late_level"]
        evidence.update(signal="grad_norm_g", early_level=early, late_level=late, drop=early / max(late, 1e-300))
        gradient = (
            f"G's gradient norm fell from {early:.3g} (median over the first quarter) to {late:.3g} at the end "
            f"({early / max(late, 1e-300):.2g}x smaller) from step {drop['onset']}"
        )
    if not _evaluated(evals):
        if drop is None or _at_data_level(evals, drop["onset"]) or _still_improving_after(evals, drop["onset"]):
            return []
        evidence["quality_checked"] = False
        sentence = f"{gradient}; too few evaluations to check the samples: G stopped learning."
        return [Finding(STALL, drop["onset"], None, "high", evidence, sentence)]
    step_values = pd.to_numeric(steps["step"], errors="coerce").dropna()
    eval_values = pd.to_numeric(evals["step"], errors="coerce").dropna()
    first = int(min(step_values.min(), eval_values.min()))
    last = int(max(step_values.max(), eval_values.max()))
    n = _evaluation_size(evals)  # parsed once: the frozen and learned tests scale with it
    stretch = _frozen_stretch(evals, first, last, n)
    if stretch is None:
        return []
    start, changes = stretch
    levels = _quality_levels(evals, start)
    if not levels and drop is None:  # a log of FID alone: the gradients must show it
        return []
    if any(value >= STALL_QUALITY_LEVEL for value in levels.values()):
        return []  # frozen at the data's level: converged
    learned = {}
    if any(value < LOW_QUALITY_LEVEL for value in levels.values()):
        repeats = _repeats_from(evals)  # below never-learned's level only the same samples prove a freeze
        start = max(start, repeats) if repeats is not None else start
        learned = _learned_before(evals, start, n) if repeats is not None else {}
        if not learned:
            return []  # never above never-learned's level: that rule's case
        levels = _quality_levels(evals, start)
    onset = start if drop is None else min(start, drop["onset"])  # the gradient's fall dates it, when earlier
    evidence.update(changes_in_noise_units=changes, quality_levels=levels, frozen_from=start, quality_checked=True)
    if learned:
        evidence["learned_before"] = learned
    shares = " and ".join(f"{name.replace('_', ' ')} {value:.2g}" for name, value in levels.items())
    below = (
        f"while below the data's level ({shares}, median; under {STALL_QUALITY_LEVEL} of the data's near 1)"
        if levels
        else "(no precision or high-quality share logged to compare with the data's level)"
    )
    flat = f"from step {start} the quality metrics stopped changing ({', '.join(changes)} within noise) {below}"
    if learned:
        rose = " and ".join(f"{name.replace('_', ' ')} {z:.0f}" for name, z in learned.items())
        flat += f", after rising from the first evaluations beyond sampling noise ({rose} sd): G had been learning"
    sentence = f"{gradient}; {flat}" if gradient else f"{flat[0].upper()}{flat[1:]}"
    return [Finding(STALL, int(onset), None, "high", evidence, f"{sentence}: G stopped learning.")]


# ---------------------------------------------------------------------------------------------------
# Gradient spikes


def detect_gradient_spikes(steps: pd.DataFrame) -> list[Finding]:
    """Gradient norms above SPIKE_FACTOR x their running median; spikes closer than SPIKE_GAP steps are one event."""
    findings = []
    for column in GRAD_NORMS:
        series = _series(steps, column)
        series = series[np.isfinite(series.to_numpy())]
        if len(series) < SPIKE_WINDOW // 2:
            continue
        median = series.rolling(SPIKE_WINDOW, center=True, min_periods=SPIKE_WINDOW // 4).median()
        spikes = series[(series > SPIKE_FACTOR * median) & (median > 0)]
        if spikes.empty:
            continue
        index = spikes.index.to_numpy()
        breaks = np.flatnonzero(np.diff(index) >= SPIKE_GAP)
        for group in np.split(np.arange(len(index)), breaks + 1):
            chunk = spikes.iloc[group]
            ratio = float((chunk / median.loc[chunk.index]).max())
            findings.append(
                Finding(
                    GRADIENT_SPIKE,
                    int(chunk.index[0]),
                    int(chunk.index[-1]),
                    "medium" if len(chunk) >= SPIKE_MEDIUM_COUNT else "low",
                    {"signal": column, "spikes": int(len(chunk)), "peak": float(chunk.max()), "ratio_to_median": ratio},
                    f"{column} spiked to {chunk.max():.3g} ({ratio:.0f}x its running median) "
                    f"{len(chunk)} time(s) in steps {chunk.index[0]}-{chunk.index[-1]}.",
                )
            )
    return findings
