"""The report's content: the summary table of verdicts, and per run its findings and figures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ganeval.diagnostics.calibration import calibration_over_time, chosen_steps, reliability_table
from ganeval.diagnostics.collapse import coverage_timeline, missing_modes, mode_histogram, n_modes_of
from ganeval.diagnostics.findings import RunDiagnosis, span_text
from ganeval.diagnostics.stability import loss_trends, outputs_are_probabilities
from ganeval.report import figures
from ganeval.report.render import Block, Heading, Image, Table, Text

SCATTER_STEPS = 4  # evaluations shown in the 2-D scatter
GRID_STEPS = 3  # sample grids (PNGs written by the trainer) shown per run
RELIABILITY_STEPS = 3  # reliability diagrams per run


@dataclass
class RunLog:
    """One run's log and diagnosis, as the report needs them."""

    name: str
    folder: Path | None
    steps: pd.DataFrame
    evals: pd.DataFrame
    manifest: dict
    diagnosis: RunDiagnosis


def run_names(folders) -> list[str]:
    """Short unique names: the folder name, with its parent when two runs share it."""
    folders = [Path(f) for f in folders]
    plain = [f.name or str(f) for f in folders]
    names = [f"{folder.parent.name}/{name}" if plain.count(name) > 1 else name for folder, name in zip(folders, plain)]
    return [n if names.count(n) == 1 else f"{n} ({i + 1})" for i, n in enumerate(names)]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "run"


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def summary_table(runs: list[RunLog]) -> pd.DataFrame:
    """One row per run: verdict and explanation first, then the headline numbers at the end of training."""
    rows = []
    for run in runs:
        s = run.diagnosis.summary
        modes = f"{s['modes_hit_end']} / {s['n_modes']}" if "modes_hit_end" in s else ""
        rows.append({"run": run.name, "verdict": run.diagnosis.verdict, "explanation": run.diagnosis.explanation,
                     "variant": s.get("variant") or "", "data": s.get("data") or "", "steps": s.get("last_step", 0) + 1 if s.get("last_step") is not None else "",
                     "FID (end)": _fmt(s.get("fid_end")), "modes hit (end)": modes, "D accuracy (end)": _fmt(s.get("d_accuracy_end"), 2),
                     "findings": len([f for f in run.diagnosis.findings if f.rank >= 1])})  # fmt: skip
    return pd.DataFrame(rows)


def findings_table(diagnosis: RunDiagnosis) -> pd.DataFrame:
    return pd.DataFrame([{"kind": f.kind, "steps": span_text(f), "severity": f.severity, "explanation": f.explanation}
                         for f in diagnosis.findings], columns=["kind", "steps", "severity", "explanation"])  # fmt: skip


def _bin_width(steps: pd.DataFrame) -> int:
    if steps.empty:
        return 1
    span = float(steps["step"].max() - steps["step"].min() + 1)
    return max(1, int(np.ceil(span / figures.MAX_POINTS)))


def _image(prefix: str, name: str, figure, caption: str) -> list[Block]:
    if figure is None:
        return []
    return [Image(f"{prefix}-{name}.png", figures.png_bytes(figure), caption)]


def _mixture_centres(manifest: dict):
    name = manifest.get("data") or manifest.get("reference")
    if not name:
        return None
    try:
        from ganeval.data.bundled import get_bundled

        mixture = get_bundled(str(name)).mixture
    except ValueError:
        return None
    return None if mixture is None else mixture.centres


def _files_by_step(folder: Path | None, suffix: str) -> dict[int, Path]:
    """{step: path} of the run's samples/step_NNNNNN<suffix> files."""
    if folder is None or not (folder / "samples").is_dir():
        return {}
    found = {}
    for path in sorted((folder / "samples").glob(f"step_*{suffix}")):
        match = re.fullmatch(rf"step_(\d+){re.escape(suffix)}", path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def _saved_points(folder: Path | None) -> dict[int, np.ndarray]:
    """{step: points} from samples/step_NNNNNN.npy (2-D runs logged by TrainingLogger)."""
    found = _files_by_step(folder, ".npy")
    return {step: np.load(found[step]) for step in chosen_steps(found, SCATTER_STEPS)}


def _sample_pngs(folder: Path | None) -> dict[int, Path]:
    found = _files_by_step(folder, ".png")
    return {step: found[step] for step in chosen_steps(found, GRID_STEPS)}


def overview_blocks(runs: list[RunLog]) -> list[Block]:
    """Figures with every run overlaid (runs as hue), for reports of several runs."""
    steps = figures.stack({r.name: r.steps for r in runs})
    evals = figures.stack({r.name: r.evals for r in runs})
    blocks: list[Block] = [Heading("All runs overlaid")]
    width = max(_bin_width(r.steps) for r in runs)
    blocks += _image("all", "losses", figures.loss_figure(steps),
                     f"D and G losses of every run. Line: median over bins of about {width} steps; band: 10th-90th percentile of the steps in the bin.")
    kinds = {r.name: outputs_are_probabilities(r.steps, r.evals) for r in runs if {"d_real", "d_fake"} <= set(r.steps)}
    for probability, label in ((True, "probabilities"), (False, "critic scores")):
        names = [name for name, kind in kinds.items() if kind == probability]
        if not names:
            continue
        blocks += _image("all", f"d-outputs-{'p' if probability else 's'}", figures.d_output_figure(steps[steps.run.isin(names)], probability),
                         f"Mean D output on real (solid) and generated (dashed) batches, runs whose D outputs {label}"
                         + ("; the dotted line marks 0.5, the minimax equilibrium." if probability else " (WGAN): only the gap matters, there is no 0.5 equilibrium."))  # fmt: skip
    if not evals.empty:
        figure, logged = figures.metric_figure(evals)
        blocks += _image("all", "metrics", figure, "Metrics at each evaluation, per run. Band: " +
                         ("the logged interval." if logged else "range of the three evaluations centred on each point (a rolling band, not a confidence interval from resampling)."))  # fmt: skip
        timelines = figures.stack({r.name: coverage_timeline(r.evals, n_modes_of(r.evals, r.manifest)) for r in runs})
        blocks += _image("all", "coverage", figures.coverage_figure(timelines, {r.name: r.diagnosis.findings for r in runs}),
                         "Modes hit (holding at least a quarter of a uniform share of the samples) per run; shaded: collapse events.")
    return blocks


def run_blocks(run: RunLog, index: int) -> list[Block]:
    """A run's section: verdict, findings table, then stability, metric, calibration, collapse and sample figures."""
    prefix = f"run{index}-{slug(run.name)}"
    d = run.diagnosis
    log = f" Log: {run.folder}." if run.folder is not None else ""
    blocks: list[Block] = [Heading(f"Run {run.name}"), Text(f"**Verdict:** {d.explanation}{log}")]
    if d.findings:
        blocks.append(Table(findings_table(d), "Findings, by start step. Severity: low, medium or high; thresholds are named constants in ganeval.diagnostics."))
    else:
        blocks.append(Text("No findings."))
    steps, evals = run.steps, run.evals
    steps_long = steps.assign(run=run.name)
    probability = outputs_are_probabilities(steps, evals)
    width = _bin_width(steps)
    band = f"Line: median over bins of {width} step{'s' if width > 1 else ''}; band: 10th-90th percentile of the steps in each bin."
    blocks.append(Heading("Stability", 3))
    blocks += _image(prefix, "losses", figures.loss_figure(steps_long), f"Discriminator and generator losses. {band}")
    if {"d_real", "d_fake"} & set(steps):
        blocks += _image(prefix, "d-outputs", figures.d_output_figure(steps_long, probability),
                         f"Mean D output on the real batch, D(x), and on the generated batch, D(G(z)). {band} "
                         + ("The dotted line marks 0.5, where the minimax game's equilibrium puts both."
                            if probability else "Raw critic scores (WGAN): only their gap matters, there is no 0.5 equilibrium."))  # fmt: skip
    balance = d.summary
    if "d_real_end" in balance:
        where = "near" if balance["near_equilibrium"] else "far from"
        blocks.append(Text(f"Over the last fifth of the steps, mean D(x) = {balance['d_real_end']:.2f} and D(G(z)) = {balance['d_fake_end']:.2f} "
                           f"(gap {balance['d_gap_end']:.2f}): {where} the 0.5 equilibrium."))  # fmt: skip
    trends = loss_trends(steps)
    if not trends.empty:
        blocks.append(Table(trends.rename(columns={"signal": "signal", "start": "median, first 20%", "end": "median, last 20%",
                                                   "slope_per_1000_steps": "slope per 1,000 steps (second half)"}),
                            "Trends: medians over the first and last fifth of the steps, and the least-squares slope over the second half."))  # fmt: skip
    if {"grad_norm_d", "grad_norm_g"} & set(steps):
        blocks += _image(prefix, "grad-norms", figures.grad_norm_figure(steps_long), f"L2 norms of the parameter gradients, log scale. {band}")
    if evals.empty:
        blocks.append(Text("The log has no evaluations (evals.csv): no metric, calibration or mode figures."))
        return blocks + _sample_blocks(run, prefix)
    evals_long = evals.assign(run=run.name)
    figure, logged = figures.metric_figure(evals_long)
    if figure is not None:
        blocks.append(Heading("Metrics", 3))
        blocks += _image(prefix, "metrics", figure, "Metrics of the generated samples against the reference at each evaluation. Band: " +
                         ("the logged interval." if logged else "range of the three evaluations centred on each point (a rolling band showing evaluation-to-evaluation spread, not a resampling interval)."))  # fmt: skip
    calibration = figures.calibration_figure(evals_long)
    if calibration is not None:
        blocks.append(Heading("Discriminator calibration", 3))
        kind = "critic scores mapped to probabilities by a Platt fit on the same samples (calibrated by construction)" if not probability else "D's probabilities"
        blocks += _image(prefix, "calibration", calibration, f"D judged as a classifier on held-out real against fresh generated samples ({kind}).")
        blocks.append(Text(calibration_sentence(evals)))
        table = reliability_table(evals)
        if not table.empty:
            picked = chosen_steps(table["step"].unique(), RELIABILITY_STEPS)
            blocks += _image(prefix, "reliability", figures.reliability_figure(table[table.step.isin(picked)]),
                             "Reliability diagrams: observed share of real samples against D's mean predicted P(real) in each bin; "
                             "marker area: samples in the bin. Points below the diagonal at high P(real) (and above it at low P(real)) mean D is overconfident.")  # fmt: skip
        else:
            blocks.append(Text("Reliability diagrams need the per-bin data that logs written by this version record (d_reliability); this log predates it."))
    timeline = coverage_timeline(evals, n_modes_of(evals, run.manifest))
    histogram = mode_histogram(evals)
    if "modes_hit" in timeline or not histogram.empty:
        blocks.append(Heading("Mode collapse", 3))
        blocks += _image(prefix, "coverage", figures.coverage_figure(timeline.assign(run=run.name), {run.name: d.findings}),
                         "Modes hit at each evaluation (a mode holding at least a quarter of a uniform share of the samples"
                         + (", dashed: high-quality modes covered" if histogram.empty else "") + "); shaded: collapse events.")  # fmt: skip
        if not histogram.empty:
            blocks += _image(prefix, "modes", figures.mode_heatmap(histogram, run.name), "Share of the generated samples in each mode at each evaluation.")
            last = int(histogram["step"].max())
            blocks += _image(prefix, "modes-last", figures.mode_bar_figure(histogram, last),
                             f"Samples per mode at the last evaluation (step {last}); the dashed line is the share a mode needs to count as hit.")
            missing = missing_modes(evals)
            blocks.append(Text(f"Modes missing at step {last}: {', '.join(map(str, missing)) if missing else 'none'}."))
    return blocks + _sample_blocks(run, prefix)


def calibration_sentence(evals: pd.DataFrame) -> str:
    """D's calibration at the last evaluation in one sentence: ECE, Brier, AUC and, from the
    reliability bins, whether D is over- or underconfident."""
    frame = calibration_over_time(evals)
    if frame.empty:
        return ""
    last = frame.iloc[-1]
    names = {"d_ece": "ECE", "d_brier": "Brier score", "d_auc": "AUC", "d_accuracy": "accuracy"}
    numbers = ", ".join(f"{label} {last[c]:.2f}" for c, label in names.items() if c in frame and pd.notna(last[c]))
    verdict = ""
    if "overconfidence" in frame and pd.notna(last.get("overconfidence")):
        over = float(last["overconfidence"])
        verdict = f"; D is {'overconfident' if over > 0 else 'underconfident'} (mean |P - 0.5| minus |observed - 0.5|: {over:+.2f})"
    return f"At the last evaluation (step {int(last['step'])}): {numbers}{verdict}."


def _sample_blocks(run: RunLog, prefix: str) -> list[Block]:
    blocks: list[Block] = []
    points = _saved_points(run.folder)
    centres = _mixture_centres(run.manifest)
    if points:
        blocks += _image(prefix, "scatter", figures.scatter_figure(points, centres),
                         "Generated samples (up to 500 per evaluation) over the true mixture's centres (crosses), at evaluations spread over training.")
    pngs = _sample_pngs(run.folder)
    if pngs and not points:
        label = "sample plots" if centres is not None else "sample grids"
        for step, path in pngs.items():
            blocks.append(Image(f"{prefix}-samples-{step:06d}.png", path.read_bytes(), f"Trainer's {label[:-1]} at step {step} ({path.name})."))
    if blocks:
        blocks.insert(0, Heading("Samples", 3))
    return blocks
