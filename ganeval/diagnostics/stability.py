"""Stability of training, from the per-step log (steps.csv) and the evaluations (evals.csv).

Pure functions over pandas frames: loss trends, oscillation (amplitude and period over rolling
windows), divergence (NaN or exploding losses, FID rising), D/G balance (D winning for long
stretches), gradient-norm spikes, and how close D(x) and D(G(z)) end to 0.5, where the minimax
game's equilibrium puts them. Each detector returns a list of `Finding`s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganeval.diagnostics.findings import D_DOMINANCE, DIVERGENCE, GRADIENT_SPIKE, OSCILLATION, Finding

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

# Exploding loss: the running median of |loss| reaches 10x the 95th percentile of |loss| over the
# first quarter of the run; normal training changes loss levels by far less than an order of magnitude.
EXPLODE_FACTOR = 10.0
# The explosion's start: after the last value within twice the normal level (the lowest running
# median before the crossing).
EXPLODE_ONSET_FACTOR = 2.0
# A loss or gradient norm past 1e5 is numerically broken for these objectives, whatever its early
# level (working BCE losses stay below ~20 nats, working WGAN critics' below a few hundred).
EXPLODE_ABSOLUTE = 1e5
# FID rising: the smoothed FID (running median of 3 evaluations) ends at least 2x above its best,
# over at least 3 evaluations after the best; 5x is a high-severity rise.
FID_RISE_FACTOR, FID_RISE_HIGH = 2.0, 5.0
FID_RISE_MIN_EVALS = 3

# D dominance: D separates held-out real from fresh fake samples with accuracy >= 0.9 ...
D_WIN_ACCURACY = 0.9
# ... or (probability outputs) its running median D(x) >= 0.9 and D(G(z)) <= 0.1, where the
# generator's minimax gradient vanishes ...
D_WIN_REAL, D_WIN_FAKE = 0.9, 0.1
# ... over at least 20% of the run; shorter stretches are part of the normal back and forth.
D_WIN_MIN_FRACTION = 0.2

# Gradient spikes: a gradient norm 10x above its running median (101 steps, centred).
SPIKE_FACTOR = 10.0
SPIKE_WINDOW = 101
SPIKE_GAP = 10  # spikes fewer than 10 steps apart are one event
SPIKE_MEDIUM_COUNT = 5  # five or more spikes in one event: medium severity

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
        rows.append({"signal": column, "start": float(series.iloc[:n].median()), "end": float(series.iloc[-n:].median()),
                     "slope_per_1000_steps": float(slope)})  # fmt: skip
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
        sizes = [window] if window else sorted({max(OSCILLATION_MIN_WINDOW, int(n * f)) for f in OSCILLATION_WINDOW_FRACTIONS})
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
                rows.append({"signal": column, "start_step": int(chunk.index[0]), "end_step": int(chunk.index[-1]), "window": size,
                             "period": period * spacing, "strength": strength, "amplitude": amplitude,
                             "oscillating": strength >= OSCILLATION_MIN_STRENGTH and not (longest_below and seen_finer)})  # fmt: skip
            longest_below = size / OSCILLATION_MIN_CYCLES
    return pd.DataFrame(rows, columns=["signal", "start_step", "end_step", "window", "period", "strength", "amplitude", "oscillating"])


def oscillation_onset(series: pd.Series, start_step: int, end_step: int, period_steps: float) -> int:
    """Where, inside the first oscillating window, the swing starts: the first step at which the
    running standard deviation (over one period) of the signal minus its running mean (over one
    period) crosses halfway from its level before `start_step` to its level inside the stretch.
    `start_step` itself when nothing precedes it or no crossing is found."""
    series = series[np.isfinite(series.to_numpy())]
    spacing = float(np.median(np.diff(series.index.to_numpy()))) if len(series) > 1 else 1.0
    period = max(2, int(round(period_steps / spacing)))
    residual = series - series.rolling(period, center=True, min_periods=1).mean()
    spread = residual.rolling(period, center=True, min_periods=1).std()
    before = spread[spread.index < start_step]
    inside = spread[(spread.index >= start_step) & (spread.index <= end_step)]
    if len(before) < period or inside.empty:
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
        per_signal = {s: {"period": float(g.period.median()), "amplitude": float(g.amplitude.median()), "strength": float(g.strength.max())}
                      for s, g in frame.groupby("signal")}  # fmt: skip
        start, end = int(frame.start_step.min()), int(frame.end_step.max())
        start = oscillation_onset(_series(steps, best.signal), start, end, float(best.period))
        severity = "high" if strength >= OSCILLATION_HIGH else "medium" if strength >= OSCILLATION_MEDIUM else "low"
        period = float(frame.period.median())
        if period < OSCILLATION_MIN_PERIOD:
            severity = "low"
        findings.append(Finding(
            OSCILLATION, start, None if end >= last_step else end, severity,
            {"period_steps": period, "strength": strength, "signals": per_signal},
            f"{', '.join(per_signal)} oscillate{'s' if len(per_signal) == 1 else ''} with a period of about {period:.0f} steps "
            f"(amplitude {best.amplitude:.3g} in {best.signal}; the periodic part carries {strength:.0%} of the variance) "
            f"over steps {start}-{end}.",
        ))  # fmt: skip
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


def _non_finite(steps: pd.DataFrame) -> list[Finding]:
    hits = []
    for column in LOSSES + D_OUTPUTS + GRAD_NORMS:
        series = _series(steps, column)
        position = _first_non_finite(series) if len(series) else None
        if position is not None:
            hits.append((int(series.index[position]), column, series.iloc[position]))
    if not hits:
        return []
    step, column, value = min(hits, key=lambda h: h[0])
    return [Finding(DIVERGENCE, step, None, "high", {"cause": "non_finite", "signal": column, "value": str(value)},
                    f"{column} became {value} at step {step}: the losses are no longer numbers.")]  # fmt: skip


def _exploding(steps: pd.DataFrame) -> list[Finding]:
    """The earliest explosion of a loss (relative to its first quarter, or past EXPLODE_ABSOLUTE) or
    of a gradient norm (past EXPLODE_ABSOLUTE); its onset is where the running median first left
    EXPLODE_ONSET_FACTOR x its lowest level before the crossing."""
    hits = []
    for column in LOSSES + GRAD_NORMS:
        series = _series(steps, column)
        series = series[np.isfinite(series.to_numpy())].abs()
        n = len(series)
        if n < 2:
            continue
        running = series.rolling(min(n, max(5, n // 100)), min_periods=1).median().to_numpy()
        crossing = running >= EXPLODE_ABSOLUTE
        if column in LOSSES and n >= 40:
            crossing |= running >= EXPLODE_FACTOR * max(float(series.iloc[: max(10, n // 4)].quantile(0.95)), 1e-12)
        above = np.flatnonzero(crossing)
        if above.size == 0:
            continue
        first = int(above[0])
        values = series.to_numpy()
        level = max(float(running[: first + 1].min()), 1e-12)
        normal = np.flatnonzero(values[:first] <= EXPLODE_ONSET_FACTOR * level)
        onset = int(normal[-1]) + 1 if normal.size else 0  # after the last value still at the normal level
        before = float(values[onset - 1]) if onset > 0 else level
        hits.append((int(series.index[onset]), column, before, float(series.iloc[first:].max()), int(series.index[first])))
    if not hits:
        return []
    step, column, before, peak, crossed = min(hits, key=lambda h: (h[0], h[1] not in LOSSES))
    name = f"|{column}|" if column in LOSSES else column
    ratio = peak / max(before, 1e-12)
    return [Finding(DIVERGENCE, step, None, "high",
                    {"cause": "exploding", "signal": column, "early_level": before, "peak": peak, "ratio": ratio, "crossed_step": crossed},
                    f"{name} exploded from {before:.3g} to {peak:.3g} ({ratio:.2g}x), rising from step {step}.")]  # fmt: skip


def _fid_rise(evals: pd.DataFrame) -> list[Finding]:
    fid = _series(evals, "fid").replace([np.inf, -np.inf], np.nan).dropna()
    if len(fid) < FID_RISE_MIN_EVALS + 1:
        return []
    smooth = fid.rolling(3, center=True, min_periods=1).median()
    best = int(np.argmin(smooth.to_numpy()))
    after = len(smooth) - 1 - best
    if after < FID_RISE_MIN_EVALS or smooth.iloc[best] <= 0:
        return []
    ratio = float(smooth.iloc[-1] / smooth.iloc[best])
    trend = np.corrcoef(np.arange(after + 1), smooth.iloc[best:].to_numpy())[0, 1]
    if ratio < FID_RISE_FACTOR or not trend > 0.5:
        return []
    step = int(fid.index[best])
    severity = "high" if ratio >= FID_RISE_HIGH else "medium"
    return [Finding(DIVERGENCE, step, None, severity,
                    {"cause": "fid_rising", "fid_best": float(fid.iloc[best]), "fid_end": float(fid.iloc[-1]), "ratio": ratio,
                     "best_step": step},
                    f"FID rose {ratio:.1f}x from its best, {fid.iloc[best]:.3g} at step {step}, to {fid.iloc[-1]:.3g} "
                    f"at step {int(fid.index[-1])}.")]  # fmt: skip


def detect_divergence(steps: pd.DataFrame, evals: pd.DataFrame | None = None) -> list[Finding]:
    """NaN or infinite values, exploding losses, and FID rising from its best to the end."""
    findings = _non_finite(steps)
    if not findings:
        findings = _exploding(steps)
    return findings + _fid_rise(evals if evals is not None else pd.DataFrame())


# ---------------------------------------------------------------------------------------------------
# D/G balance


def _span(index: np.ndarray, first: int, last: int, total: float) -> float:
    return (index[last] - index[first] + (index[1] - index[0] if len(index) > 1 else 1)) / total


def detect_d_dominance(steps: pd.DataFrame, evals: pd.DataFrame | None = None) -> list[Finding]:
    """Stretches of at least D_WIN_MIN_FRACTION of the run where D wins: held-out accuracy >=
    D_WIN_ACCURACY at consecutive evaluations, or (probability outputs) running medians D(x) >=
    D_WIN_REAL and D(G(z)) <= D_WIN_FAKE. One finding per stretch, merged over both sources."""
    total = float(max(1, steps["step"].max() - steps["step"].min() + 1)) if not steps.empty else 1.0
    stretches = []  # (start_step, end_step or None, evidence)
    accuracy = _series(evals, "d_accuracy").dropna() if evals is not None else pd.Series(dtype=float)
    if len(accuracy):
        index = accuracy.index.to_numpy()
        for first, last in _runs(accuracy.to_numpy() >= D_WIN_ACCURACY):
            if _span(index, first, last, total) >= D_WIN_MIN_FRACTION or (last - first >= 1 and last == len(index) - 1):
                chunk = accuracy.iloc[first : last + 1]
                stretches.append((int(index[first]), _end_step(index, last),
                                  {"source": "evaluations", "d_accuracy_mean": float(chunk.mean()), "evaluations": int(len(chunk))}))  # fmt: skip
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
                    stretches.append((int(index[onset]), _end_step(index, last),
                                      {"source": "steps", "d_real_mean": float(real.iloc[first : last + 1].mean()),
                                       "d_fake_mean": float(fake.iloc[first : last + 1].mean())}))  # fmt: skip
    if not stretches:
        return []
    stretches.sort(key=lambda s: s[0])
    merged = [list(stretches[0])]
    for start, end, evidence in stretches[1:]:
        current = merged[-1]
        if current[1] is None or start <= current[1]:
            current[1] = None if current[1] is None or end is None else max(current[1], end)
            current[2] = {**current[2], **{k: v for k, v in evidence.items() if k != "source"}, "source": "evaluations and steps"}
        else:
            merged.append([start, end, evidence])
    probabilities = outputs_are_probabilities(steps, evals)
    consequence = "so G's gradients vanish" if probabilities else "so the critic separates real from fake easily"
    findings = []
    for start, end, evidence in merged:
        parts = []
        if "d_accuracy_mean" in evidence:
            parts.append(f"held-out accuracy {evidence['d_accuracy_mean']:.2f}")
        if "d_real_mean" in evidence:
            parts.append(f"D(x) {evidence['d_real_mean']:.2f} vs D(G(z)) {evidence['d_fake_mean']:.2f}")
        until = "to the end" if end is None else f"until step {end}"
        findings.append(Finding(D_DOMINANCE, start, end, "high" if end is None else "medium", evidence,
                                f"D wins from step {start} {until} ({'; '.join(parts)}), {consequence}."))  # fmt: skip
    return findings


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
            findings.append(Finding(GRADIENT_SPIKE, int(chunk.index[0]), int(chunk.index[-1]),
                                    "medium" if len(chunk) >= SPIKE_MEDIUM_COUNT else "low",
                                    {"signal": column, "spikes": int(len(chunk)), "peak": float(chunk.max()), "ratio_to_median": ratio},
                                    f"{column} spiked to {chunk.max():.3g} ({ratio:.0f}x its running median) "
                                    f"{len(chunk)} time(s) in steps {chunk.index[0]}-{chunk.index[-1]}."))  # fmt: skip
    return findings
