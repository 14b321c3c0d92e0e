"""The discriminator's calibration over training, from the evaluations (evals.csv).

At each evaluation the log holds D's accuracy, ROC AUC, Brier score and expected calibration error
(ECE) on held-out real against fresh generated samples, and (logs written since reliability data
was added) `d_reliability`: the reliability curve's bins as JSON. Critic scores (WGAN, d_input
'score') get a Platt fit on the very samples they are judged on, so their calibration is near
perfect by construction: only probability outputs are flagged as miscalibrated.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ganeval.diagnostics.findings import MISCALIBRATION, Finding
from ganeval.diagnostics.validity import broken_mask

CALIBRATION_COLUMNS = ("d_accuracy", "d_auc", "d_brier", "d_ece")
# Miscalibrated: ECE of at least 0.1 (on average D's stated probability of "real" is 10 points
# off the observed share), at two or more consecutive evaluations; 0.15 is medium, 0.25 high. An
# underconfident D (probabilities nearer 0.5 than its accuracy warrants) stays low whatever its ECE:
# healthy real runs show ECE 0.2 that way (benchmarks/truth_real.py), and it harms nothing; an
# overconfident one is what D dominance and memorisation look like.
ECE_MISCALIBRATED, ECE_MEDIUM, ECE_HIGH = 0.1, 0.15, 0.25
ECE_MIN_EVALS = 2


def reliability_json(reliability) -> str:
    """A `ganeval.metrics.calibration.Reliability` as the compact JSON stored in the log's d_reliability column."""
    return json.dumps(
        {
            "lower": [round(float(v), 6) for v in reliability.bin_lower],
            "upper": [round(float(v), 6) for v in reliability.bin_upper],
            "predicted": [round(float(v), 6) for v in reliability.mean_predicted],
            "real": [round(float(v), 6) for v in reliability.fraction_real],
            "count": [int(v) for v in reliability.count],
        },
        separators=(",", ":"),
    )


def calibration_over_time(evals: pd.DataFrame) -> pd.DataFrame:
    """step, d_accuracy, d_auc, d_brier, d_ece (those logged), d_input, and overconfidence (from the
    reliability bins: mean over samples of |predicted - 0.5| - |observed - 0.5|; > 0 means D claims
    more certainty than it has)."""
    if evals is None or evals.empty or not set(CALIBRATION_COLUMNS) & set(evals):
        return pd.DataFrame(columns=["step", *CALIBRATION_COLUMNS])
    columns = ["step", *[c for c in CALIBRATION_COLUMNS if c in evals]] + (["d_input"] if "d_input" in evals else [])
    frame = evals[columns].copy()
    for name in CALIBRATION_COLUMNS:  # a value no computation can give (`validity`) is a missing one here
        if name in frame:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").mask(broken_mask(name, frame[name]))
    frame = frame.dropna(subset=[c for c in CALIBRATION_COLUMNS if c in evals], how="all")
    table = reliability_table(evals)
    if not table.empty:
        gap = table.assign(
            weighted=(np.abs(table.predicted - 0.5) - np.abs(table.fraction_real - 0.5)) * table["count"]
        )
        sums = gap.groupby("step")[["weighted", "count"]].sum()
        frame["overconfidence"] = frame["step"].map(sums["weighted"] / sums["count"])
    return frame.reset_index(drop=True)


def reliability_table(evals: pd.DataFrame, steps=None) -> pd.DataFrame:
    """Long frame of reliability bins: step, bin_lower, bin_upper, predicted (mean P(real) in the
    bin), fraction_real, count; at `steps` (default: every evaluation that logged d_reliability)."""
    columns = ["step", "bin_lower", "bin_upper", "predicted", "fraction_real", "count"]
    if evals is None or evals.empty or "d_reliability" not in evals:
        return pd.DataFrame(columns=columns)
    rows = []
    for step, text in zip(evals["step"], evals["d_reliability"]):
        if not isinstance(text, str) or (steps is not None and int(step) not in set(steps)):
            continue
        data = json.loads(text)
        for lower, upper, predicted, real, count in zip(
            data["lower"], data["upper"], data["predicted"], data["real"], data["count"]
        ):
            rows.append((int(step), lower, upper, predicted, real, count))
    return pd.DataFrame(rows, columns=columns)


def chosen_steps(steps, n: int = 3) -> list[int]:
    """Up to n evaluation steps spread over training: the first, the last and evenly between."""
    steps = sorted({int(s) for s in steps})
    if len(steps) <= n:
        return steps
    picks = np.linspace(0, len(steps) - 1, n).round().astype(int)
    return [steps[i] for i in sorted(set(picks))]


def detect_miscalibration(evals: pd.DataFrame) -> list[Finding]:
    """Stretches of at least ECE_MIN_EVALS evaluations with ECE >= ECE_MISCALIBRATED (probability outputs)."""
    frame = calibration_over_time(evals)
    if frame.empty or "d_ece" not in frame:
        return []
    if "d_input" in frame:
        frame = frame[frame["d_input"].fillna("probability") == "probability"]
    frame = frame.dropna(subset=["d_ece"]).reset_index(drop=True)
    if frame.empty:
        return []
    all_steps = sorted(int(s) for s in evals["step"])
    bad = (frame["d_ece"] >= ECE_MISCALIBRATED).to_numpy()
    padded = np.r_[False, bad, False]
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    findings = []
    for first, stop in zip(edges[::2], edges[1::2]):
        chunk = frame.iloc[first:stop]
        if len(chunk) < ECE_MIN_EVALS:
            continue
        ece = float(chunk["d_ece"].mean())
        peak = float(chunk["d_ece"].max())
        evidence = {"ece_mean": ece, "ece_max": peak, "evaluations": int(len(chunk))}
        for name in ("d_brier", "d_auc", "d_accuracy"):
            if name in chunk:
                evidence[f"{name}_mean"] = float(chunk[name].mean())
        label = "miscalibrated"
        if "overconfidence" in chunk and chunk["overconfidence"].notna().any():
            over = float(chunk["overconfidence"].mean())
            evidence["overconfidence"] = over
            label = "overconfident" if over > 0 else "underconfident"
        last_step = int(chunk["step"].iloc[-1])
        later = [s for s in all_steps if s > last_step]
        end = None if stop >= len(frame) else (later[0] if later else None)
        severity = "high" if ece >= ECE_HIGH else "medium" if ece >= ECE_MEDIUM else "low"
        if label == "underconfident":  # D hedging towards 0.5 is a GAN near its equilibrium: advice, no alarm
            severity = "low"
        extra = "".join(
            f", {name} {evidence[key]:.{digits}f}"
            for key, name, digits in (("d_brier_mean", "Brier", 3), ("d_accuracy_mean", "accuracy", 2))
            if key in evidence
        )
        findings.append(
            Finding(
                MISCALIBRATION,
                int(chunk["step"].iloc[0]),
                end,
                severity,
                evidence,
                f"D is {label} over steps {int(chunk['step'].iloc[0])}-{last_step}: "
                f"ECE {ece:.2f} on average (peak {peak:.2f}){extra}.",
            )
        )
    return findings
