"""One call that runs every detector over a run's log: `diagnose(steps, evals, manifest)`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganeval.diagnostics.calibration import detect_miscalibration
from ganeval.diagnostics.collapse import coverage_timeline, detect_collapse, n_modes_of
from ganeval.diagnostics.findings import RunDiagnosis, span_text, verdict
from ganeval.diagnostics.logfile import read_run
from ganeval.diagnostics.quality import detect_low_quality, detect_still_improving
from ganeval.diagnostics.stability import (
    detect_d_dominance,
    detect_divergence,
    detect_gradient_spikes,
    detect_oscillation,
    detect_stall,
    equilibrium,
)
from ganeval.errors import GanevalError

# The summary's "<metric>_end" values, in this order: the samples' metrics, then D's calibration.
END_METRICS = (
    "fid",
    "precision",
    "recall",
    "coverage",
    "mode_kl",
    "modes_covered",
    "diversity",
    "d_accuracy",
    "d_auc",
    "d_ece",
    "d_brier",
)


def _last(frame: pd.DataFrame, column: str):
    if frame is None or frame.empty or column not in frame:
        return None
    values = pd.to_numeric(frame[column], errors="coerce").dropna()
    return float(values.iloc[-1]) if len(values) else None


def summarize(steps: pd.DataFrame, evals: pd.DataFrame, manifest: dict) -> dict:
    """Headline numbers of a run: its length, the last evaluation's metrics and D at the end."""
    summary = {
        "variant": manifest.get("variant"),
        "data": manifest.get("data") or manifest.get("reference"),
        "finished": manifest.get("finished"),
        "steps_logged": int(len(steps)),
        "last_step": int(steps["step"].max()) if len(steps) else None,
        "evaluations": int(len(evals)),
    }
    for column in END_METRICS:
        value = _last(evals, column)
        if value is not None:
            summary[f"{column}_end"] = value
    if evals is not None and "fid" in evals and evals["fid"].notna().any():
        summary["fid_best"] = float(evals["fid"].min())
    timeline = coverage_timeline(evals, n_modes_of(evals, manifest))
    if "modes_hit" in timeline and len(timeline):
        summary["modes_hit_end"] = int(timeline["modes_hit"].iloc[-1])
        summary["n_modes"] = int(timeline["n_modes"].iloc[-1])
    summary.update(equilibrium(steps, evals))
    return summary


def healthy_sentence(summary: dict) -> str:
    """The healthy verdict's explanation with the run's end numbers."""
    parts = []
    if "modes_hit_end" in summary:
        parts.append(f"{summary['modes_hit_end']} of {summary['n_modes']} modes hit")
    if "fid_end" in summary:
        parts.append(f"FID {summary['fid_end']:.3g}")
    if "precision_end" in summary and "recall_end" in summary:
        parts.append(f"precision {summary['precision_end']:.2f} and recall {summary['recall_end']:.2f}")
    if "d_auc_end" in summary and "d_accuracy_end" in summary:
        parts.append(
            f"D's held-out AUC {summary['d_auc_end']:.2f} and accuracy {summary['d_accuracy_end']:.2f} "
            "(0.5 is chance for both)"
        )
    elif "d_accuracy_end" in summary:
        parts.append(f"D's held-out accuracy {summary['d_accuracy_end']:.2f} (0.5 is chance)")
    if "d_real_end" in summary:
        parts.append(f"D(x) {summary['d_real_end']:.2f} and D(G(z)) {summary['d_fake_end']:.2f}")
    numbers = f" at the end, {', '.join(parts)}" if parts else ""
    unchecked = (
        ""
        if summary.get("evaluations")
        else " (the log has no evaluations, so collapse and D's calibration were not checked)"
    )
    return f"Healthy: no divergence, lasting collapse or D dominance{numbers}{unchecked}."


def diagnose(
    steps: pd.DataFrame, evals: pd.DataFrame | None = None, manifest: dict | None = None, run: str | None = None
) -> RunDiagnosis:
    """Every detector over one run's log (frames as `load_log` returns them): the findings sorted
    by start step, the verdict with its one-sentence explanation, and summary numbers."""
    if steps is None or steps.empty or "step" not in steps:
        raise GanevalError(
            f"the training log{f' of {run}' if run else ''} has no step rows; "
            "log at least one step with TrainingLogger.step."
        )
    evals = pd.DataFrame() if evals is None else evals
    manifest = manifest or {}
    steps = steps.sort_values("step").reset_index(drop=True)
    if not evals.empty:
        evals = evals.sort_values("step").reset_index(drop=True)
    findings = (
        detect_divergence(steps, evals)
        + detect_collapse(evals, n_modes_of(evals, manifest), manifest.get("data"))
        + detect_d_dominance(steps, evals)
        + detect_oscillation(steps)
        + detect_miscalibration(evals)
        + detect_gradient_spikes(steps)
        + detect_low_quality(evals)
        + detect_stall(steps, evals)
        + detect_still_improving(evals)
    )
    findings.sort(key=lambda f: (np.inf if f.start_step is None else f.start_step, -f.rank))
    summary = summarize(steps, evals, manifest)
    name, explanation = verdict(findings)
    if name == "healthy":
        explanation = healthy_sentence(summary)
        earlier = [
            f"{f.kind.replace('_', ' ')} ({span_text(f)})"
            for f in findings
            if f.rank >= 1 and f.kind != "gradient_spike"
        ]
        if earlier:
            explanation += f" Earlier or milder: {', '.join(earlier)}."
    if manifest.get("finished") is False and name != "diverged":
        explanation += f" The run did not finish: the log ends at step {summary['last_step']}."
    return RunDiagnosis(name, explanation, findings, summary, run)


def diagnose_run(run_dir) -> RunDiagnosis:
    """`diagnose` over a run folder written by TrainingLogger (ValueError naming the folder when it holds no log)."""
    steps, evals, manifest = read_run(run_dir)
    return diagnose(steps, evals, manifest, run=str(run_dir))
