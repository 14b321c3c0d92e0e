"""Mode collapse, from the evaluations (evals.csv): which modes the generator covers over time,
recall falling while precision holds, sample diversity, and collapse events.

Modes come from `mode_counts` (generated samples per mode, nearest mode for mixtures, classifier
label for images) and `hq_mode_counts` (the same, high-quality samples only) when logged. A mode is
*hit* by the definition `ganeval score` uses (`ganeval.metrics.modes.covered_modes`): its
high-quality samples reach a quarter of its fair share of all samples, so neither a few stray
samples nor samples far from every mode keep it alive, less an allowance for the evaluation's size
(`hit_share`): a mode is missed only when its count lies significantly below that quarter, so the few
samples per mode of a small evaluation (100 samples) do not lose modes to chance. The metric
`modes_covered` keeps the plain quarter. Logs written before hq_mode_counts count all samples; logs
without mode_counts use `modes_covered`. `diversity` (mean pairwise feature distance of a generated
batch over the real set's) and recall complete the picture.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ganeval.data.bundled import get_bundled
from ganeval.data.mode_names import mode_names, names_text
from ganeval.diagnostics.findings import COLLAPSE, LOW_QUALITY, Finding
from ganeval.diagnostics.trends import NOISE_MULTIPLE, SCALES, consecutive_sd
from ganeval.diagnostics.validity import broken_mask
from ganeval.metrics.modes import MODE_HIT_SHARE, covered_modes

__all__ = [
    "COLLAPSE_MIN_EVALS",
    "MODE_HIT_SHARE",
    "coverage_timeline",
    "detect_collapse",
    "hit_share",
    "missing_modes",
    "mode_histogram",
    "modes_hit",
    "n_modes_of",
    "samples_per_evaluation",
]
# Collapsed: fewer than half of the modes hit ...
COLLAPSE_COVERAGE = 0.5
# ... or a quarter of the modes the run had reached lost (losing one of eight is ordinary noise).
MODE_LOSS_FRACTION = 0.25
# Diversity below half the real set's: samples bunch together even where modes are not labelled.
DIVERSITY_COLLAPSE = 0.5
# Without modes or diversity: recall falls to half its best (from at least 0.2) while precision
# keeps 70% of its level at that best: the samples stay realistic but stop covering the data.
RECALL_DROP, RECALL_MIN_BEST, PRECISION_HOLD = 0.5, 0.2, 0.7
# A mode is lost to a collapse when its share of the samples goes, not when its samples blur: modes
# missed by their high-quality samples (`hq_mode_counts`) while every mode keeps its share of all
# samples (`mode_counts`, each counted at the same `hit_share`) are a loss of quality. So are modes
# missed while the spread says the samples still cover the data: diversity and recall (those logged)
# both at least 90% (diversity of the real set's, recall of its best so far); 90%: losing a quarter
# of the modes costs recall about a quarter, evaluation noise moves either by a few points. And so
# are modes missed while precision falls below PRECISION_HOLD of its best so far: a collapsed
# generator's samples sit on the modes it keeps (precision holds), samples drifting or blurring off
# the data lose precision. Each is a quality finding (low_quality, cause off_manifold), never a
# collapse; a drift off the data is judged by FID (a divergence of quality, `stability`).
AGREE_LEVEL = 0.9
# The collapse starts after the last evaluation whose coverage, diversity and recall were all within
# 10% of their best before it: a decline that leads into the collapse belongs to it, noise does not.
ONSET_TOLERANCE = 0.9
# A collapse is judged over at least 3 evaluations: one or two (a short run, or StyleGAN's few
# evaluations) cannot tell a generator's starting state or one noisy evaluation from a collapse, so
# with fewer the finding is reported at low severity and marked too_few_evaluations (never a verdict).
COLLAPSE_MIN_EVALS = 3
# A loss of quality that recovers within a fifth of the run is low: a healthy loop at lr 1.5e-3 blurred
# for 3 evaluations (10% of its run) and sharpened again, a generator's wobble rather than an event to
# act on. Longer, or lasting to the end, it is medium.
QUALITY_EPISODE_FRACTION = 0.2
# Severity: high when at most a quarter of the modes are left, or the collapse lasts to the end;
# low when the run starts collapsed and recovers (the generator's initial state, not an event), when
# a recovered collapse spans a single evaluation (one evaluation decides nothing: a loop at step 150
# whose recall dipped 0.51 -> 0.39 for one evaluation got a high collapse on a healthy run), or when
# no mode was hit before a recovered collapse (no mode was lost).
HIGH_COVERAGE = 0.25
# Mode hits at the evaluation's size: a mode is missed only when its high-quality count lies more
# than HIT_NOISE_Z Poisson standard deviations below MODE_HIT_SHARE of its fair share (with q that
# quarter share, q = MODE_HIT_SHARE x samples / modes: below q - 2 sqrt(q), and always below 1). At
# 2,000 samples on 8 modes that is 47 of 62.5 samples (a lost mode keeps a handful, a healthy one
# about 200); at 100 samples on 8 modes one high-quality sample keeps a mode, where the plain quarter
# (4 samples) missed one in 16 evaluations of a healthy generator (high-quality share 0.8) and two
# modes, a collapse, in one of 1,100.
HIT_NOISE_Z = 2.0
# Mode hopping: over a collapse, the samples visit most modes in turn (at least 1 - MODE_LOSS_FRACTION
# of them reach their fair share of all samples at some evaluation) but hold few at once (the visited
# exceed the most held at one evaluation by 2 or more): the generator is chasing D from mode to mode
# (`findings.verdict`: beside a sustained oscillation, the run is oscillating), not stuck on a few.
# The logged metrics the coverage timeline carries beside its modes hit and coverage.
TIMELINE_METRICS = ("modes_covered", "mode_kl", "precision", "recall", "diversity", "high_quality_fraction")


def mode_counts(evals: pd.DataFrame, column: str = "mode_counts") -> pd.DataFrame | None:
    """step x mode matrix of generated samples per mode (None when `column` is not logged)."""
    if evals is None or evals.empty or column not in evals or evals[column].isna().all():
        return None
    rows, steps = [], []
    for step, text in zip(evals["step"], evals[column]):
        if isinstance(text, str) and text.strip():
            rows.append(json.loads(text))
            steps.append(int(step))
    if not rows:
        return None
    width = max(len(r) for r in rows)
    matrix = np.array([r + [0] * (width - len(r)) for r in rows], dtype=float)
    return pd.DataFrame(matrix, index=pd.Index(steps, name="step"), columns=pd.RangeIndex(width, name="mode"))


def samples_per_evaluation(evals: pd.DataFrame) -> pd.Series | None:
    """How many samples each evaluation scored (its mode_counts' total), by step; None without
    mode_counts. The sampling noise of a share of samples (precision, the high-quality share) is
    binomial in it, so rules that compare such shares scale with it."""
    counts = mode_counts(evals)
    if counts is None:
        return None
    totals = counts.sum(axis=1)
    return totals[totals > 0]


def _good_counts(evals: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """High-quality samples per mode (hq_mode_counts) aligned with `counts`; all samples for
    evaluations (or older logs) that did not record them."""
    good = mode_counts(evals, "hq_mode_counts")
    if good is None:
        return counts
    return good.reindex(index=counts.index, columns=counts.columns).fillna(counts)


def mode_histogram(evals: pd.DataFrame) -> pd.DataFrame:
    """Long frame: step, mode, count (high-quality samples on the mode when the log has them, else
    all), share (count over all of that evaluation's samples), all_count; empty without mode_counts."""
    counts = mode_counts(evals)
    if counts is None:
        return pd.DataFrame(columns=["step", "mode", "count", "share", "all_count"])
    good = _good_counts(evals, counts)
    shares = good.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    frame = (
        good.stack()
        .rename("count")
        .to_frame()
        .join(shares.stack().rename("share"))
        .join(counts.stack().rename("all_count"))
        .reset_index()
    )
    return frame[["step", "mode", "count", "share", "all_count"]]


def hit_share(n_samples: float, n_modes: int) -> float:
    """The part of a mode's fair share its high-quality samples must reach to count as hit in an
    evaluation of n_samples over n_modes (see HIT_NOISE_Z): MODE_HIT_SHARE less the noise allowance."""
    quarter = MODE_HIT_SHARE * float(n_samples) / max(n_modes, 1)
    if not quarter > 0:
        return MODE_HIT_SHARE
    return max(0.0, quarter - HIT_NOISE_Z * np.sqrt(quarter)) / quarter * MODE_HIT_SHARE


def modes_hit(counts: pd.DataFrame, good: pd.DataFrame | None = None) -> pd.DataFrame:
    """Boolean step x mode matrix: covered by `covered_modes`, i.e. the high-quality samples `good`
    (default: all samples) reach `hit_share` of the mode's fair share of all samples (at least one)."""
    good = counts if good is None else good
    width = counts.shape[1]
    hit = [
        covered_modes(g, n, min_share=hit_share(n, width))
        for g, n in zip(good.to_numpy(), counts.sum(axis=1).to_numpy())
    ]
    return pd.DataFrame(np.array(hit, dtype=bool).reshape(counts.shape), index=counts.index, columns=counts.columns)


def _hits(evals: pd.DataFrame) -> pd.DataFrame | None:
    """`modes_hit` of a log's evaluations, from high-quality counts where logged; None without mode_counts."""
    counts = mode_counts(evals)
    return None if counts is None else modes_hit(counts, _good_counts(evals, counts))


def n_modes_of(evals: pd.DataFrame, manifest: dict | None = None) -> int | None:
    """How many modes the data has: mode_counts' length, the bundled set named in the manifest, or
    the most modes_covered ever reached."""
    counts = mode_counts(evals)
    if counts is not None:
        return counts.shape[1]
    name = (manifest or {}).get("data") or (manifest or {}).get("reference")
    if name:
        try:
            return int(get_bundled(str(name)).n_modes)
        except (ValueError, KeyError, AttributeError):
            pass
    if evals is not None and "modes_covered" in evals and evals["modes_covered"].notna().any():
        return int(evals["modes_covered"].max()) or None
    return None


def _column(evals: pd.DataFrame, name: str) -> np.ndarray | None:
    """evals[name] as floats, broken values (`validity`: a recall of 3.5, a precision of -1) as NaN."""
    if evals is None or name not in evals or evals[name].isna().all():
        return None
    values = pd.to_numeric(evals[name], errors="coerce").to_numpy(dtype=float)
    return np.where(broken_mask(name, values), np.nan, values)


def coverage_timeline(evals: pd.DataFrame, n_modes: int | None = None) -> pd.DataFrame:
    """Per evaluation: step, modes_hit, n_modes, coverage (modes_hit / n_modes), modes_covered,
    mode_kl, precision, recall, diversity (those logged), and collapsed (see `collapsed_mask`)."""
    if evals is None or evals.empty or "step" not in evals:
        return pd.DataFrame(columns=["step", "modes_hit", "n_modes", "coverage", "collapsed"])
    evals = evals.sort_values("step").reset_index(drop=True)
    frame = pd.DataFrame({"step": evals["step"].astype(int)})
    hits = _hits(evals)
    if hits is not None:
        frame["modes_hit"] = frame["step"].map(hits.sum(axis=1)).astype(float)
        frame["n_modes"] = hits.shape[1]
    elif _column(evals, "modes_covered") is not None:
        n = n_modes or int(np.nanmax(_column(evals, "modes_covered"))) or 1
        frame["modes_hit"] = _column(evals, "modes_covered")
        frame["n_modes"] = n
    if "modes_hit" in frame:
        frame["coverage"] = frame["modes_hit"] / frame["n_modes"]
    counts = mode_counts(evals)
    if counts is not None:  # modes whose share of all samples holds, at the same hit share
        frame["modes_present"] = frame["step"].map(modes_hit(counts).sum(axis=1)).astype(float)
        if mode_counts(evals, "hq_mode_counts") is not None:  # the high-quality share the mode counts give
            share = _good_counts(evals, counts).sum(axis=1) / counts.sum(axis=1).replace(0, np.nan)
            frame["hq_share"] = frame["step"].map(share).astype(float)
    for name in TIMELINE_METRICS:
        values = _column(evals, name)
        if values is not None:
            frame[name] = values
    frame["collapsed"] = collapsed_mask(frame)
    return frame


def _running_best(values: np.ndarray) -> np.ndarray:
    return np.fmax.accumulate(np.where(np.isfinite(values), values, -np.inf))


def _lost(coverage: np.ndarray) -> np.ndarray:
    """Whether each coverage says collapsed: below COLLAPSE_COVERAGE, or a quarter of the best so far lost."""
    return (coverage < COLLAPSE_COVERAGE) | (coverage <= (1 - MODE_LOSS_FRACTION) * _running_best(coverage))


def _modes_lost(timeline: pd.DataFrame) -> np.ndarray:
    """Whether each evaluation's coverage (modes hit) says collapsed (`_lost`)."""
    if "coverage" not in timeline:
        return np.zeros(len(timeline), dtype=bool)
    return _lost(timeline["coverage"].to_numpy(dtype=float))


def quality_reasons(timeline: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per reason (see AGREE_LEVEL), whether each evaluation's lost modes are a loss of quality rather
    than of modes: "shares_kept" (every mode kept its share of all samples), "spread_held" (diversity
    and recall held), "precision_fell" (precision below PRECISION_HOLD of its best so far)."""
    n = len(timeline)
    reasons = {}
    if "modes_present" in timeline:
        present = timeline["modes_present"].to_numpy(dtype=float) / timeline["n_modes"].to_numpy(dtype=float)
        reasons["shares_kept"] = ~_lost(present)
    signals = []
    if "diversity" in timeline:
        signals.append(timeline["diversity"].to_numpy(dtype=float) >= AGREE_LEVEL)
    if "recall" in timeline:
        recall = timeline["recall"].to_numpy(dtype=float)
        signals.append(recall >= AGREE_LEVEL * _running_best(recall))
    if signals:
        reasons["spread_held"] = np.logical_and.reduce(signals)
    if "precision" in timeline:
        precision = timeline["precision"].to_numpy(dtype=float)
        reasons["precision_fell"] = precision < PRECISION_HOLD * _running_best(precision)
    lost = _modes_lost(timeline)
    return {name: lost & mask for name, mask in reasons.items() if n}


def contradicted(timeline: pd.DataFrame) -> np.ndarray:
    """Whether each evaluation's lost modes are contradicted (`quality_reasons`): the samples left the
    modes but kept their shares, their spread or lost their precision: a loss of quality (blur,
    drift), not of modes."""
    reasons = quality_reasons(timeline)
    if not reasons:
        return np.zeros(len(timeline), dtype=bool)
    return np.logical_or.reduce(list(reasons.values()))


def collapsed_mask(timeline: pd.DataFrame) -> np.ndarray:
    """Whether each evaluation looks collapsed: coverage below COLLAPSE_COVERAGE or a quarter of
    the best coverage so far lost; diversity below DIVERSITY_COLLAPSE; or, when neither modes nor
    diversity are logged, recall halved from its best while precision holds."""
    n = len(timeline)
    mask = np.zeros(n, dtype=bool)
    mask |= _modes_lost(timeline) & ~contradicted(timeline)
    if "diversity" in timeline:
        mask |= timeline["diversity"].to_numpy(dtype=float) < DIVERSITY_COLLAPSE
    if "coverage" not in timeline and "diversity" not in timeline and {"recall", "precision"} <= set(timeline):
        recall, precision = timeline["recall"].to_numpy(dtype=float), timeline["precision"].to_numpy(dtype=float)
        for i in range(n):
            best = int(np.nanargmax(np.where(np.isfinite(recall[: i + 1]), recall[: i + 1], -np.inf)))
            if (
                recall[best] >= RECALL_MIN_BEST
                and recall[i] <= RECALL_DROP * recall[best]
                and precision[i] >= PRECISION_HOLD * precision[best]
            ):
                mask[i] = True
    return mask


def _health(timeline: pd.DataFrame) -> np.ndarray:
    """Each evaluation's collapse signals (coverage, diversity, recall) over their best so far, the
    worst of them: 1 = as good as it has been."""
    parts = []
    for name in ("coverage", "diversity", "recall"):
        if name in timeline:
            values = timeline[name].to_numpy(dtype=float)
            best = _running_best(values)
            parts.append(np.where(best > 0, values / np.where(best > 0, best, 1), 1.0))
    return np.nanmin(np.vstack(parts), axis=0) if parts else np.ones(len(timeline))


def missing_modes(evals: pd.DataFrame, step: int | None = None) -> list[int]:
    """Modes not hit at evaluation `step` (default: the last); empty without mode_counts."""
    hit = _hits(evals)
    if hit is None:
        return []
    row = hit.iloc[-1] if step is None else hit.loc[step]
    return [int(m) for m in row.index[~row.to_numpy()]]


def detect_collapse(evals: pd.DataFrame, n_modes: int | None = None, data: str | None = None) -> list[Finding]:
    """One finding per stretch of collapsed evaluations: start step, modes lost, which modes are
    missing (by index and by name: `data`, the bundled set the run trained on, names a mixture's
    components by their centres), recall and precision, and whether (and at which step) it recovered."""
    timeline = coverage_timeline(evals, n_modes)
    if timeline.empty:
        return []
    blurred = _off_manifold(timeline)
    if not timeline["collapsed"].any():
        return blurred
    counts = mode_counts(evals.sort_values("step"))
    steps = timeline["step"].to_numpy()
    health = _health(timeline)
    mask = timeline["collapsed"].to_numpy()
    findings = []
    padded = np.r_[False, mask, False]
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    for first, stop in zip(edges[::2], edges[1::2]):
        last = stop - 1
        onset = first
        while onset > 0 and health[onset - 1] < ONSET_TOLERANCE and not mask[onset - 1]:
            onset -= 1
        before = onset - 1  # the last healthy evaluation, if any
        event = timeline.iloc[first : last + 1]
        recovered = last + 1 < len(timeline)
        evidence: dict = {
            "recovered": bool(recovered),
            "evaluations": int(last - first + 1),
            "from_first_evaluation": bool(before < 0),
        }
        parts = []
        if "modes_hit" in timeline and event["modes_hit"].notna().any():
            worst = int(event["modes_hit"].idxmin())
            n = int(timeline["n_modes"].iloc[0])
            modes_min = int(timeline["modes_hit"].iloc[worst])
            modes_before = int(timeline["modes_hit"].iloc[:first].max()) if first > 0 else None
            evidence.update(
                n_modes=n,
                modes_min=modes_min,
                modes_before=modes_before,
                modes_lost=None if modes_before is None else modes_before - modes_min,
                coverage_min=modes_min / n,
            )
            if counts is not None:
                missing = missing_modes(evals, int(timeline["step"].iloc[worst]))
                evidence["missing_modes"] = missing
                evidence["missing_mode_names"] = mode_names(missing, n, data)
                # the evaluations of the event that logged mode counts (a row may lack them)
                during = counts.loc[counts.index.intersection(event["step"].to_numpy())].to_numpy()
                during = during if len(during) else np.zeros((1, n))
                dominant = during.argmax(axis=1)
                evidence["dominant_mode_changes"] = int(np.count_nonzero(np.diff(dominant)))
                full = during >= during.sum(axis=1, keepdims=True) / n  # modes at their fair share or more
                visited, at_once = int(full.any(axis=0).sum()), int(full.sum(axis=1).max())
                evidence.update(modes_visited=visited, modes_at_once=at_once)
                evidence["mode_hopping"] = bool(visited >= (1 - MODE_LOSS_FRACTION) * n and visited > at_once + 1)
            if modes_before is None:
                parts.append(
                    f"from the first evaluation (step {int(steps[first])}) "
                    f"the samples hit only {modes_min} of {n} modes"
                )
            elif modes_min < modes_before:
                parts.append(f"the samples fell from {modes_before} to {modes_min} of {n} modes hit")
            else:  # collapsed by diversity or recall while the modes held
                parts.append(f"the samples still hit {modes_min} of {n} modes")
            if evidence.get("missing_modes"):
                parts[-1] += f" (missing: {names_text(evidence['missing_mode_names'])})"
            modes_end = int(event["modes_hit"].dropna().iloc[-1])  # the last evaluation that counted modes
            if modes_end != modes_min:
                evidence["modes_end"] = modes_end
                parts[-1] += f", {modes_end} at the end of the collapse"
            if evidence.get("mode_hopping"):
                parts.append(
                    f"the samples hopped between modes ({evidence['modes_visited']} of {n} held their fair "
                    f"share at some evaluation, at most {evidence['modes_at_once']} at once)"
                )
        if "diversity" in timeline:
            evidence["diversity_min"] = float(event["diversity"].min())
            parts.append(f"diversity {evidence['diversity_min']:.3g} of the real set's")
        if {"recall", "precision"} <= set(timeline):
            base = timeline.iloc[before] if before >= 0 else None
            evidence.update(
                recall_min=float(event["recall"].min()),
                precision_at_recall_min=float(event.loc[event["recall"].idxmin(), "precision"]),
            )
            if base is not None:
                evidence.update(recall_before=float(base["recall"]), precision_before=float(base["precision"]))
                parts.append(
                    f"recall {base['recall']:.2f} -> {evidence['recall_min']:.2f} while precision went "
                    f"{base['precision']:.2f} -> {evidence['precision_at_recall_min']:.2f}"
                )
        if "mode_kl" in timeline:
            evidence["mode_kl_max"] = float(event["mode_kl"].max())
        start = int(steps[onset])
        end = int(steps[last + 1]) if recovered else None
        coverage_min = evidence.get("coverage_min", 1.0)
        severity = (
            "high"
            if coverage_min <= HIGH_COVERAGE or (not recovered and len(event) >= 2)
            else "medium"
            if len(event) >= 2 or not recovered
            else "low"
        )
        if recovered and before < 0:
            severity = "low"  # spread out from the generator's starting state: how training starts, not an event
        if recovered and (len(event) == 1 or evidence.get("modes_before") == 0):
            severity = "low"  # one evaluation decides nothing; no mode hit before it: none was lost
        tail = f"recovered by step {end}" if recovered else "not recovered by the end"
        if len(timeline) < COLLAPSE_MIN_EVALS:  # reported, never a verdict: one or two evaluations decide nothing
            severity, evidence["too_few_evaluations"] = "low", True
            tail += f" (the log has {len(timeline)} evaluations, too few to call the run collapsed)"
        sentence = "; ".join(parts) if parts else "the samples lost their spread"
        findings.append(
            Finding(
                COLLAPSE,
                start,
                end,
                severity,
                evidence,
                f"From step {start}: {sentence}; {tail}."
                if before >= 0
                else f"{sentence[0].upper()}{sentence[1:]}; {tail}.",
            )
        )
    return findings + blurred


# A loss of quality that left the modes: to the end, after the run had hit half the modes
# (COLLAPSE_COVERAGE), with precision (median of the stretch's last 3 evaluations) under
# LEFT_PRECISION: no sample near the data any more, not three blurred modes of eight (precision 0.65).
LEFT_PRECISION = 0.1


def _precision_gone(rows: pd.DataFrame) -> bool:
    """Whether precision ended (median of the last 3 evaluations of `rows`) under LEFT_PRECISION."""
    return "precision" in rows and float(rows["precision"].iloc[-3:].median()) < LEFT_PRECISION


def _off_manifold(timeline: pd.DataFrame) -> list[Finding]:
    """One low_quality finding (cause off_manifold) per stretch of evaluations whose lost modes are a
    loss of quality (`contradicted`; the evidence names the reasons, `quality_reasons`): medium
    severity from COLLAPSE_MIN_EVALS evaluations, else low; low too when it ends before the run hit
    half the modes (the samples sharpening as training starts, not an event), and when the
    high-quality share the mode counts give did not fall beyond its noise (a generator wobbling
    around the modes, not blurring), and when it recovered within QUALITY_EPISODE_FRACTION of the
    run; never the never-learned verdict."""
    mask = contradicted(timeline)
    steps = timeline["step"].to_numpy()
    reasons_at = quality_reasons(timeline)
    kept = {
        "shares_kept": "the modes kept their share of the samples",
        "spread_held": "the samples kept the data's spread",
        "precision_fell": "precision fell with the modes",
    }
    if not mask.any():  # also: no modes logged, so no coverage
        return []
    coverage = timeline["coverage"].to_numpy(dtype=float)

    def learned(first: int) -> bool:  # whether the run hit half the modes before: else it is still sharpening
        return first > 0 and bool((coverage[:first] >= COLLAPSE_COVERAGE).any())  # NaN: no modes counted

    def fell(first: int, stop: int) -> bool:  # whether the high-quality share fell beyond its noise
        if "hq_share" not in timeline or first == 0:
            return True
        share = timeline["hq_share"].to_numpy(dtype=float)
        noise = consecutive_sd(share[np.isfinite(share)])
        before = float(pd.Series(share[:first]).rolling(3, center=True, min_periods=1).median().max())
        drop = before - float(np.nanmedian(share[first:stop]))
        return drop > NOISE_MULTIPLE * noise and drop >= SCALES["high_quality_fraction"].floor

    def lasting(first: int, stop: int) -> bool:  # whether a recovered episode spans enough of the run
        span = float(steps[-1] - steps[0]) or 1.0
        return (steps[stop] - steps[first]) / span >= QUALITY_EPISODE_FRACTION

    findings = []
    padded = np.r_[False, mask, False]
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    for first, stop in zip(edges[::2], edges[1::2]):
        rows = timeline.iloc[first:stop]
        at = first + int(np.argmin(rows["coverage"].to_numpy()))
        worst = timeline.iloc[at]
        reasons = [name for name, hits in reasons_at.items() if hits[at]]
        evidence = {"cause": "off_manifold", "evaluations": int(stop - first), "modes_hit_min": int(worst["modes_hit"])}
        evidence.update(n_modes=int(worst["n_modes"]), reasons=reasons)
        evidence["left_modes"] = bool(stop == len(steps) and learned(first) and _precision_gone(rows))
        parts = [f"{int(worst['modes_hit'])} of {int(worst['n_modes'])} modes hit at worst (step {int(worst['step'])})"]
        if "modes_present" in rows:
            evidence["modes_present"] = int(worst["modes_present"])
            parts.append(f"{int(worst['modes_present'])} keeping their share of the samples")
        for name in ("diversity", "recall", "precision"):
            if name in rows:
                evidence[name] = float(worst[name])
                parts.append(f"{name} {worst[name]:.2f}")
        findings.append(
            Finding(
                LOW_QUALITY,
                int(steps[first]),
                int(steps[stop]) if stop < len(steps) else None,
                "medium"
                if stop - first >= COLLAPSE_MIN_EVALS
                and (learned(first) or stop == len(steps))
                and fell(first, stop)
                and (stop == len(steps) or lasting(first, stop))
                else "low",
                evidence,
                f"The samples left the modes, but {' and '.join(kept[r] for r in reasons)} ({', '.join(parts)}): "
                "a loss of quality (blurred or drifting samples), not of modes.",
            )
        )
    return findings
