"""ADA's signals (StyleGAN2-ADA / StyleGAN3): r_t against its target, the augmentation probability p,
and D overfitting its training images.

ADA (Karras et al. 2020, "Training Generative Adversarial Networks with Limited Data") watches
r_t = E[sign(D(real))] (`ada_rt`; StyleGAN logs it as Loss/signs/real): near 0 D does not tell the
training images from generated ones, near 1 it is certain of every training image, which on a small
data set means D memorised them. Its controller raises p (`ada_p`, Progress/augment) while r_t is
above the target (0.6 by default; `ada_target` in the manifest, from training_options.json) and lowers
it below. Healthy: r_t hovering at the target, p settling, FID falling. D overfits when r_t is held
above the target (the controller cannot keep up, or augmentation is off) or p saturates, and FID stops
improving over that stretch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganeval.diagnostics.findings import D_OVERFITTING, Finding
from ganeval.diagnostics.trends import FID_FLOOR, NOISE_MULTIPLE, SCALES, metric_series, noise_sd, on_scale

ADA_TARGET = 0.6  # StyleGAN2-ADA's default target for r_t
# r_t is held high when its centred running median (over 5% of the logged ticks, at least 3) stays
# more than 0.1 above the target: the controller keeps r_t within a few hundredths of it.
RT_MARGIN = 0.1
SMOOTH_FRACTION, SMOOTH_MIN = 0.05, 3
# p saturates at 0.8: past it the augmentations start to leak into the generated images (the ADA
# paper's Figure 3), so the controller has no room left.
P_LEAK = 0.8
# ... for at least 20% of the run (shorter stretches are the controller's normal back and forth).
OVERFIT_MIN_FRACTION = 0.2
# FID stalls or rises over the stretch unless its last evaluations (median of up to 3) improve on its
# first by NOISE_MULTIPLE x one evaluation's noise (log10) and by FID_FLOOR; judged on at least
# 3 evaluations in the stretch (fewer cannot tell a stall from noise).
OVERFIT_MIN_EVALS = 3


def _series(steps: pd.DataFrame, column: str) -> pd.Series:
    if steps is None or steps.empty or column not in steps:
        return pd.Series(dtype=float)
    values = pd.Series(pd.to_numeric(steps[column], errors="coerce").to_numpy(dtype=float), index=steps["step"])
    return values[np.isfinite(values.to_numpy())]


def _smooth(values: pd.Series) -> pd.Series:
    window = max(SMOOTH_MIN, int(len(values) * SMOOTH_FRACTION))
    return values.rolling(window, center=True, min_periods=1).median()


def target_of(manifest: dict | None) -> float:
    """ADA's target for r_t: the manifest's ada_target, else ADA_TARGET."""
    value = (manifest or {}).get("ada_target")
    try:
        value = float(value)
    except (TypeError, ValueError):
        return ADA_TARGET
    return value if np.isfinite(value) else ADA_TARGET


def ada_summary(steps: pd.DataFrame, manifest: dict | None = None) -> dict:
    """r_t at the end (median of the last 10% of ticks) against its target and the share of the run it
    was held high; p at the end and its maximum. Empty without ada_rt or ada_p."""
    rt, p = _series(steps, "ada_rt"), _series(steps, "ada_p")
    out: dict = {}
    if len(rt):
        k = max(1, len(rt) // 10)
        out.update(
            ada_target=target_of(manifest),
            ada_rt_end=float(rt.iloc[-k:].median()),
            ada_rt_high_share=float((_smooth(rt) > target_of(manifest) + RT_MARGIN).mean()),
        )
    if len(p):
        out.update(ada_p_end=float(p.iloc[-1]), ada_p_max=float(p.max()))
    return out


def ada_sentence(summary: dict) -> str:
    """The ADA signals in one sentence for the report ('' without them)."""
    parts = []
    if "ada_rt_end" in summary:
        parts.append(
            f"r_t (E[sign(D(real))], ADA's overfitting heuristic) ends at {summary['ada_rt_end']:.2f} against its "
            f"target {summary['ada_target']:.2f}, held more than {RT_MARGIN} above it over "
            f"{summary['ada_rt_high_share']:.0%} of the logged ticks"
        )
    if "ada_p_end" in summary:
        parts.append(
            f"the augmentation probability p ends at {summary['ada_p_end']:.3g} (at most {summary['ada_p_max']:.3g}; "
            f"augmentations leak into the samples past {P_LEAK})"
        )
    return f"ADA: {'; '.join(parts)}." if parts else ""


def _stretches(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.r_[False, mask, False]
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _fid_over(evals: pd.DataFrame, start: int, end: int | None) -> dict | None:
    """FID's change over steps start..end: {'first', 'last', 'evaluations', 'improving'}; None when
    fewer than OVERFIT_MIN_EVALS valid evaluations fall in it."""
    fid = metric_series(evals, "fid")
    inside = fid[(fid.index >= start) & ((fid.index <= end) if end is not None else True)]
    if len(inside) < OVERFIT_MIN_EVALS:
        return None
    scale = SCALES["fid"]
    first, last = float(inside.iloc[0]), float(inside.iloc[-min(3, len(inside)) :].median())
    first_s, last_s = on_scale([first, last], scale)
    improving = (first_s - last_s) > NOISE_MULTIPLE * noise_sd(evals, "fid", scale) and first - last >= FID_FLOOR
    return {"first": first, "last": last, "evaluations": int(len(inside)), "improving": bool(improving)}


def overfitting_stretches(steps: pd.DataFrame, manifest: dict | None = None) -> list[tuple[int, int | None, dict]]:
    """(start step, end step or None for the end, evidence) of each stretch of at least
    OVERFIT_MIN_FRACTION of the run with r_t held high or p saturated."""
    total = float(max(1, steps["step"].max() - steps["step"].min())) if len(steps) else 1.0
    target = target_of(manifest)
    found = []
    for column, limit, what in (("ada_rt", target + RT_MARGIN, "r_t"), ("ada_p", P_LEAK, "p")):
        values = _series(steps, column)
        if len(values) < 2:
            continue
        index = values.index.to_numpy()
        smooth = _smooth(values).to_numpy()
        for first, last in _stretches(smooth > limit if what == "r_t" else smooth >= limit):
            if (index[last] - index[first]) / total < OVERFIT_MIN_FRACTION:
                continue
            end = None if last == len(index) - 1 else int(index[last + 1])
            chunk = values.iloc[first : last + 1]
            found.append((int(index[first]), end, {"signal": what, "mean": float(chunk.mean()), "limit": limit}))
    return sorted(found, key=lambda s: s[0])


def detect_d_overfitting(
    steps: pd.DataFrame, evals: pd.DataFrame | None, manifest: dict | None = None
) -> list[Finding]:
    """D overfitting: r_t held above its target (or p saturated) for a sustained stretch while FID
    stalls or rises over it (see the module docstring); one finding, from the earliest such stretch."""
    target = target_of(manifest)
    for start, end, evidence in overfitting_stretches(steps, manifest):
        fid = _fid_over(evals, start, end)
        if fid is None or fid["improving"]:
            continue
        until = "to the end" if end is None else f"until step {end}"
        if evidence["signal"] == "r_t":
            held = f"r_t (ADA's overfitting heuristic) stayed above its target {target:.2f}"
            held += f" (mean {evidence['mean']:.2f})"
        else:
            held = f"the augmentation probability p stayed at or above {P_LEAK} (mean {evidence['mean']:.2f})"
        trend = "rose" if fid["last"] > fid["first"] else "stalled"
        return [
            Finding(
                D_OVERFITTING,
                start,
                end,
                "high" if end is None else "medium",
                {
                    **evidence,
                    "target": target,
                    "fid_first": fid["first"],
                    "fid_last": fid["last"],
                    "evaluations": fid["evaluations"],
                },
                f"From step {start} {until}, {held} while FID {trend} ({fid['first']:.3g} -> {fid['last']:.3g} over "
                f"{fid['evaluations']} evaluations): D is overfitting its training images; use an earlier snapshot, "
                "more data or stronger augmentation.",
            )
        ]
    return []


def too_few_for_overfitting(steps: pd.DataFrame, evals: pd.DataFrame | None, manifest: dict | None = None) -> str:
    """'too few evaluations to judge D overfitting (N of M needed)' when r_t or p was held high but
    too few evaluations fall in the stretch to say whether FID stalled; '' otherwise."""
    fid = metric_series(evals, "fid").index.to_numpy()
    counts = [
        int(((fid >= start) & ((fid <= end) if end is not None else True)).sum())
        for start, end, _ in overfitting_stretches(steps, manifest)
    ]
    if counts and max(counts) < OVERFIT_MIN_EVALS:
        return f"D overfitting ({max(counts)} of {OVERFIT_MIN_EVALS} evaluations needed in the stretch r_t was high)"
    return ""
