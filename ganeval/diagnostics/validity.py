"""Metric validity: values a metric cannot take, so its computation (not the generator) is broken.

A logged FID of 1e57, -3e68 or inf says nothing about the samples: the metric code failed (a
float16 overflow, a sqrtm that went complex, an uninitialised buffer). Such values are kept as read
(the readers never drop them) and reported here as one `broken_metric` finding; every other rule
judges only the valid evaluations (`trends.metric_series` drops the broken ones), so a broken FID
is never called a divergence.

A value is broken when it is infinite, or outside the metric's range: the registry's bounds
(`MetricSpec.lower`/`upper`: shares and D's accuracy, AUC, Brier score and ECE in [0, 1], FID and
density >= 0, IS >= 1), less a round-off tolerance, and the ceilings below where the registry leaves
the metric unbounded. NaN is a missing value (an evaluation that did not compute the metric), not a
broken one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganeval.diagnostics.findings import BROKEN_METRIC, Finding
from ganeval.metrics.registry import LOGGED_METRICS, METRICS

#: The metrics checked (those whose range is known).
CHECKED = (
    "fid",
    "kid",
    "precision",
    "recall",
    "coverage",
    "density",
    "high_quality_fraction",
    "inception_score",
    "ppl",
    "d_accuracy",
    "d_auc",
    "d_brier",
    "d_ece",
    "realism",  # >= 0 (the registry's bound): a negative median realism score is a broken log
)
#: Ceilings past any feature space's range, where the registry gives no upper bound. FID: 1e5, the
#: limit past which the diagnostics call any number broken (stability's EXPLODE_ABSOLUTE); FIDs on
#: Inception features stay under ~600 even for noise, DINOv2's under a few thousand. KID (polynomial
#: kernel): |KID| <= 1e3, far past values in the tens on any extractor; its unbiased estimate dips
#: below 0 by its noise only, so the floor is the ceiling's mirror. IS: at most the classifier's
#: classes (1,000 for Inception), 1e4 here.
CEILINGS = {"fid": 1e5, "kid": 1e3, "inception_score": 1e4}
FLOORS = {"kid": -1e3, "ppl": 0.0}
#: Round-off allowed below a lower bound (an FID of -1e-9 from sqrtm on identical sets is 0).
TOLERANCE = 1e-6
LABELS = {"fid": "FID", "kid": "KID", "inception_score": "IS", "ppl": "PPL"}


def valid_range(name: str) -> tuple[float, float]:
    """(lowest, highest) valid value of a metric; (-inf, inf) for one not checked."""
    if name not in CHECKED:
        return -np.inf, np.inf
    spec = METRICS.get(name) or LOGGED_METRICS.get(name)
    lower = FLOORS.get(name, spec.lower if spec is not None else None)
    upper = CEILINGS.get(name, spec.upper if spec is not None else None)
    return (-np.inf if lower is None else lower - TOLERANCE), (np.inf if upper is None else upper + TOLERANCE)


def broken_mask(name: str, values) -> np.ndarray:
    """True where a value of metric `name` is broken (infinite or out of range); NaN is not."""
    values = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    low, high = valid_range(name)
    present = ~np.isnan(values)
    return present & (np.isinf(values) | (values < low) | (values > high))


def broken_values(evals: pd.DataFrame) -> dict[str, pd.Series]:
    """{metric: its broken values indexed by step} for every checked metric with any."""
    if evals is None or evals.empty or "step" not in evals:
        return {}
    found = {}
    for name in CHECKED:
        if name in evals:
            mask = broken_mask(name, evals[name])
            if mask.any():
                values = pd.to_numeric(evals[name], errors="coerce").to_numpy(dtype=float)
                found[name] = pd.Series(values[mask], index=evals["step"].to_numpy()[mask])
    return found


def _range_text(name: str) -> str:
    low, high = valid_range(name)
    low, high = low + TOLERANCE if np.isfinite(low) else low, high - TOLERANCE if np.isfinite(high) else high
    return f"{low:g} to {high:g}" if np.isfinite(high) else f"at least {low:g}"


def detect_broken_metrics(evals: pd.DataFrame) -> list[Finding]:
    """One finding naming every broken value of every metric, and the evaluations (steps) affected."""
    broken = broken_values(evals)
    if not broken:
        return []
    steps = sorted({int(s) for values in broken.values() for s in values.index})
    last_eval = int(evals["step"].max())
    parts = []
    for name, values in broken.items():
        shown = ", ".join(f"{v:.3g} at step {int(s)}" for s, v in list(values.items())[:6])
        more = f" and {len(values) - 6} more" if len(values) > 6 else ""
        parts.append(f"{LABELS.get(name, name)} is {shown}{more} (valid: {_range_text(name)})")
    evidence = {
        "metrics": {name: {str(int(s)): float(v) for s, v in values.items()} for name, values in broken.items()},
        "steps": steps,
        "evaluations": int(len(steps)),
        "evaluations_total": int(len(evals)),
    }
    return [
        Finding(
            BROKEN_METRIC,
            steps[0],
            None if steps[-1] == last_eval else steps[-1],
            "high",
            evidence,
            f"{'; '.join(parts)}: the metric computation is broken, not the generator; "
            f"{len(steps)} of {len(evals)} evaluations are affected and the other rules ignore those values.",
        )
    ]
