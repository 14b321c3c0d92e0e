"""One call that runs every detector over a run's log: `diagnose(steps, evals, manifest)`.

The verdict's rule order (`findings.verdict` applies it; the first rule with a finding decides):
  1. diverged (broken numbers: NaN, infinite or past-1e5 losses, D outputs or gradient norms): every
     other reading of broken numbers is meaningless. An isolated non-finite gradient norm with every
     loss finite is a skipped step, a low gradient_spike (a warning), never this rule.
  2. oscillating: one cluster of samples hopping from mode to mode to the end (nearly every sample
     in one mode, another at most evaluations): G chases D, whatever its precision; over every
     reading below, a recall trend of such a run included.
  3. undertrained over never-learned: a low-quality run whose quality still improves beyond noise at
     the end is early, not failed (never-learned must not fire on a run that is still improving).
  4. stalled over never-learned: the quality shares rose beyond sampling noise, then every one of
     them repeats exactly to the end (the same samples: G froze after it learned; what froze it is
     what to fix).
  5. never-learned: precision or the high-quality share near zero over 3 evaluations at least, and
     no share rose beyond noise to 0.1 (a share that did learned a little); a collapse, D dominance
     or other stall of such a run is its consequence.
  6. oscillating over collapsed, where the samples hop between modes beside a sustained oscillation:
     the generator chases D from mode to mode; the oscillation is what to fix.
  7. collapsed (to the end, medium or high): modes lost, by their share of the samples with
     diversity and recall agreeing (blurred modes are low quality), explain a D that wins or an FID
     that rises.
  8. D-dominated (to the end): a loss rising with it is D's saturation, not a divergence; a stall
     under it is its consequence. D winning to the end is never healthy.
  9. D-overfitting: it names the cause of the stall or FID rise that follows.
  10. stalled: the samples (the metrics) stopped changing short of the data's quality, to the end,
     scattering within 3x their binomial sampling noise where the log gives the evaluation's size
     (a generator swinging precision 0.3-0.7 is still moving); a frozen generator's FID drifts
     with D, so it outranks the milder divergences below. Or quality plateaued far below the data's
     (under 0.25) after G learned a little, with nothing still improving. A run converged at the
     data's quality is healthy.
  11-12. diverged (a loss exploding to the end; the samples off the data to the end, precision,
     the high-quality share and recall near zero after precision had been above it; FID rising for
     good to 5x its best): not where a sustained oscillation is found (an oscillation is no
     divergence) and not where precision or coverage ended better than at FID's best (samples
     closer to the data are no drift off it).
  13. collapsed (milder, 3 evaluations at least); 14. oscillating (sustained, not an early
     transient); 15. diverged: quality lost to the end after the run had hit half the modes,
     precision under 0.1 (the samples left the modes they had reached: never healthy); 16. unreliable-metrics (a broken
     metric log is never healthy or undertrained); 17. undertrained (advice); else healthy.
Evidence: no rule decides from fewer evaluations than it needs (a collapse seen at 1-2 evaluations is
low severity; a still-improving reading with a single evaluation before its window needs two metrics,
precision or coverage one of them); the explanation says what the log had too few evaluations to
judge ("Too few evaluations to judge ... (N of M needed)").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganeval.diagnostics.ada import ada_summary, detect_d_overfitting, too_few_for_overfitting
from ganeval.diagnostics.calibration import detect_miscalibration
from ganeval.diagnostics.collapse import COLLAPSE_MIN_EVALS, coverage_timeline, detect_collapse, n_modes_of
from ganeval.diagnostics.findings import RunDiagnosis, in_unit, span_text, verdict, with_unit
from ganeval.diagnostics.hopping import detect_mode_hopping
from ganeval.diagnostics.log import read_log
from ganeval.diagnostics.quality import (
    IMPROVING_METRICS,
    LOW_QUALITY_METRICS,
    LOW_QUALITY_MIN_EVALS,
    TAIL_BEFORE,
    TAIL_MIN_EVALS,
    detect_left_data,
    detect_low_plateau,
    detect_low_quality,
    detect_still_improving,
)
from ganeval.diagnostics.stability import (
    FID_RISE_MIN_EVALS,
    detect_d_dominance,
    detect_divergence,
    detect_gradient_spikes,
    detect_oscillation,
    detect_stall,
    equilibrium,
)
from ganeval.diagnostics.trends import metric_series
from ganeval.diagnostics.validity import detect_broken_metrics
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
    """The last valid value of a metric (broken ones, `validity`, skipped), or None."""
    values = metric_series(frame, column)
    return float(values.iloc[-1]) if len(values) else None


def with_probabilities(steps: pd.DataFrame) -> pd.DataFrame:
    """steps with d_real and d_fake as probabilities: the sigmoid of d_real_logit and d_fake_logit
    where a log gave only D's raw logits (readers normally do this; the detectors need probabilities)."""
    for name in ("d_real", "d_fake"):
        if name not in steps and f"{name}_logit" in steps:
            logits = pd.to_numeric(steps[f"{name}_logit"], errors="coerce").to_numpy(dtype=float)
            steps = steps.assign(**{name: 1.0 / (1.0 + np.exp(-np.clip(logits, -700, 700)))})
    return steps


def too_few_evaluations(steps: pd.DataFrame, evals: pd.DataFrame, manifest: dict) -> list[str]:
    """What the log has too few evaluations to judge, each as 'X (N of M needed)': rules whose metric
    is logged at 1 or more evaluations but fewer than the rule needs (a short run, or StyleGAN's FID
    every 50 ticks). Those rules say nothing; this says so."""
    notes = []

    def count(names) -> int:
        return max((len(metric_series(evals, name)) for name in names), default=0)

    timeline = coverage_timeline(evals, n_modes_of(evals, manifest))
    signals = {"modes_hit", "diversity"} & set(timeline) or {"recall", "precision"} & set(timeline)
    if signals and 0 < len(timeline) < COLLAPSE_MIN_EVALS:
        notes.append(f"collapse ({len(timeline)} of {COLLAPSE_MIN_EVALS} needed)")
    rise_needs = FID_RISE_MIN_EVALS + 2
    if 0 < count(["fid"]) < rise_needs:
        notes.append(f"a divergence of FID ({count(['fid'])} of {rise_needs} needed)")
    if 0 < count(LOW_QUALITY_METRICS) < LOW_QUALITY_MIN_EVALS:
        learned = count(LOW_QUALITY_METRICS)
        notes.append(f"whether the generator learned at all ({learned} of {LOW_QUALITY_MIN_EVALS} needed)")
    improving_needs = TAIL_MIN_EVALS + TAIL_BEFORE
    if 0 < count(IMPROVING_METRICS) < improving_needs:
        notes.append(f"whether quality is still improving ({count(IMPROVING_METRICS)} of {improving_needs} needed)")
    overfitting = too_few_for_overfitting(steps, evals, manifest)
    return notes + ([overfitting] if overfitting else [])


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
    fid = metric_series(evals, "fid")
    if len(fid):
        summary["fid_best"] = float(fid.min())
    timeline = coverage_timeline(evals, n_modes_of(evals, manifest))
    counted = timeline.dropna(subset=["modes_hit"]) if "modes_hit" in timeline else timeline.iloc[:0]
    if len(counted):  # the last evaluation that counted modes (a row may lack mode counts)
        summary["modes_hit_end"] = int(counted["modes_hit"].iloc[-1])
        summary["n_modes"] = int(counted["n_modes"].iloc[-1])
    summary.update(equilibrium(steps, evals))
    summary.update(ada_summary(steps, manifest))
    if manifest.get("step_unit"):
        summary["step_unit"] = manifest["step_unit"]
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
    evals = pd.DataFrame() if evals is None else evals
    if (steps is None or steps.empty or "step" not in steps) and "step" in evals and not evals.empty:
        steps = evals[["step"]].copy()  # evaluations alone (a StyleGAN metric file): the step rules find nothing
    if steps is None or steps.empty or "step" not in steps:
        raise GanevalError(
            f"the training log{f' of {run}' if run else ''} has no step rows; "
            "log at least one step with TrainingLogger.step."
        )
    manifest = manifest or {}
    unit = str(manifest.get("step_unit") or "step")
    steps = with_probabilities(steps.sort_values("step").reset_index(drop=True))
    if not evals.empty:
        evals = evals.sort_values("step").reset_index(drop=True)
    improving = detect_still_improving(evals)
    stalls = detect_stall(steps, evals)
    if not any(f.ongoing for f in stalls):  # a plateau is a stall that froze nothing: one or the other
        stalls += detect_low_plateau(evals, improving)
    findings = (
        detect_divergence(steps, evals)
        + detect_collapse(evals, n_modes_of(evals, manifest), manifest.get("data"))
        + detect_d_dominance(steps, evals)
        + detect_oscillation(steps)
        + detect_mode_hopping(evals)
        + detect_miscalibration(evals)
        + detect_gradient_spikes(steps)
        + detect_low_quality(evals)
        + detect_left_data(evals)
        + stalls
        + improving
        + detect_broken_metrics(evals)
        + detect_d_overfitting(steps, evals, manifest)
    )
    findings.sort(key=lambda f: (np.inf if f.start_step is None else f.start_step, -f.rank))
    findings = [with_unit(f, unit) for f in findings]
    summary = summarize(steps, evals, manifest)
    name, explanation = verdict(findings)
    if name == "healthy":
        explanation = healthy_sentence(summary)
        earlier = [
            f"{f.kind.replace('_', ' ')} ({span_text(f, unit)})"
            for f in findings
            if f.rank >= 1 and f.kind != "gradient_spike"
        ]
        if earlier:
            explanation += f" Earlier or milder: {', '.join(earlier)}."
    if manifest.get("finished") is False and name != "diverged":
        explanation += in_unit(f" The run did not finish: the log ends at step {summary['last_step']}.", unit)
    too_few = too_few_evaluations(steps, evals, manifest)
    if too_few:
        summary["too_few_evaluations"] = too_few
        listed = f"{', '.join(too_few[:-1])} or {too_few[-1]}" if len(too_few) > 1 else too_few[0]
        explanation += f" Too few evaluations to judge {listed}."
    return RunDiagnosis(name, explanation, findings, summary, run)


def diagnose_run(run_dir, format: str | None = None, column_map: dict[str, str] | None = None) -> RunDiagnosis:
    """Diagnose a training log in any format: `diagnose` over what `diagnostics.log.read_log` reads.

    What `ganeval report` runs for each run, without writing a report: the verdict and the findings
    as data.

    Args:
        run_dir (str | Path): a run folder or a log file.
        format: forces one log format (`ganeval.diagnostics.log.log_formats()`); None: the one that
            recognises the path.
        column_map: {ours: theirs} names a table's columns.

    Returns:
        The run's verdict, its one-sentence explanation, the findings and summary numbers.

    Raises:
        GanevalError: (a ValueError) the path is absent, holds no log any format recognises, or holds no
            rows.
    """
    steps, evals, manifest = read_log(run_dir, format, column_map)
    return diagnose(steps, evals, manifest, run=str(run_dir))
