"""The report's content: the summary table of verdicts, and per run its findings and figures."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ganeval.data.bundled import get_bundled
from ganeval.data.mode_names import mode_names, names_text
from ganeval.diagnostics.ada import ada_sentence, target_of
from ganeval.diagnostics.calibration import calibration_over_time, chosen_steps, reliability_table
from ganeval.diagnostics.collapse import coverage_timeline, missing_modes, mode_histogram, n_modes_of
from ganeval.diagnostics.diagnose import with_probabilities
from ganeval.diagnostics.findings import RunDiagnosis, in_unit, span_text
from ganeval.diagnostics.stability import loss_trends, outputs_are_probabilities
from ganeval.errors import markdown_code
from ganeval.render import figures
from ganeval.render.blocks import Block, Heading, Image, Table, Text
from ganeval.report.embed import NPY_MAGIC, PNG_MAGIC, EmbedWarning, read_embedded

SCATTER_STEPS = 4  # evaluations shown in the 2-D scatter of a run without events
GRID_STEPS = 3  # sample grids (PNGs written by the trainer) shown per run without events
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


def length_column(runs: list[RunLog]) -> str:
    """The summary table's column of training lengths: 'steps', or 'kimg' when every run counts kimg
    (StyleGAN), or 'length' (each cell with its unit) when the runs count in different units."""
    units = {unit_of(run) for run in runs}
    return "length" if len(units) > 1 else "steps" if units == {"step"} else next(iter(units))


def _length(run: RunLog, column: str):
    """How far the run trained: its last step + 1 (steps), or the kimg its log reaches (kimg start at 0 and
    count images shown, so no + 1); with the unit when the table mixes units."""
    last = run.diagnosis.summary.get("last_step")
    if last is None:
        return ""
    value = last + 1 if unit_of(run) == "step" else last
    return f"{value} {'steps' if unit_of(run) == 'step' else unit_of(run)}" if column == "length" else value


def summary_table(runs: list[RunLog]) -> pd.DataFrame:
    """One row per run: verdict and explanation first, then the headline numbers at the end of training."""
    rows = []
    length = length_column(runs)
    for run in runs:
        s = run.diagnosis.summary
        modes = f"{s['modes_hit_end']} / {s['n_modes']}" if "modes_hit_end" in s else ""
        rows.append(
            {
                "run": markdown_code(run.name),  # names and the manifest's values: code spans, never Markdown
                "verdict": run.diagnosis.verdict,
                "explanation": run.diagnosis.explanation,
                "variant": markdown_code(s.get("variant") or ""),
                "data": markdown_code(s.get("data") or ""),
                length: _length(run, length),
                "FID (end)": _fmt(s.get("fid_end")),
                "modes hit (end)": modes,
                "D accuracy (end)": _fmt(s.get("d_accuracy_end"), 2),
                "findings": len([f for f in run.diagnosis.findings if f.rank >= 1]),
            }
        )
    return pd.DataFrame(rows)


GROUP_LOW = 3  # low findings of one kind from this many on share one row of the findings table
LISTED_STEPS = 12  # steps a grouped row lists before '...'


def _steps_list(findings, unit: str = "step") -> str:
    """'steps 120, 340-345, 900' ('120, 340-345, 900 kimg'): where each of a group of findings happened."""
    spans = [
        str(f.start_step) if f.end_step == f.start_step else f"{f.start_step}-{f.end_step or 'end'}"
        for f in findings[:LISTED_STEPS]
    ]
    listed = ", ".join(spans) + (", ..." if len(findings) > LISTED_STEPS else "")
    return f"{listed} {unit}" if unit != "step" else f"steps {listed}"


def findings_table(diagnosis: RunDiagnosis, unit: str = "step") -> pd.DataFrame:
    """One row per finding, by start step; low findings repeated GROUP_LOW times or more (single gradient
    spikes) share one row with their count and steps, so the few findings that matter are not lost among them."""
    low: dict[str, list] = {}
    for f in diagnosis.findings:
        if f.severity == "low":
            low.setdefault(f.kind, []).append(f)
    rows, grouped = [], set()
    for f in diagnosis.findings:
        repeated = low.get(f.kind, []) if f.severity == "low" else []
        if len(repeated) < GROUP_LOW:
            rows.append(
                {"kind": f.kind, "steps": span_text(f, unit), "severity": f.severity, "explanation": f.explanation}
            )
        elif f.kind not in grouped:
            grouped.add(f.kind)
            rows.append(
                {
                    "kind": f"{f.kind} x{len(repeated)}",
                    "steps": _steps_list(repeated, unit),
                    "severity": "low",
                    "explanation": f"{len(repeated)} separate low findings of this kind; the first: {f.explanation}",
                }
            )
    return pd.DataFrame(rows, columns=["kind", "steps", "severity", "explanation"])


def _bin_width(steps: pd.DataFrame) -> int:
    if steps.empty:
        return 1
    span = float(steps["step"].max() - steps["step"].min() + 1)
    return max(1, int(np.ceil(span / figures.MAX_POINTS)))


def _image(prefix: str, name: str, figure, caption: str, unit: str | None = None) -> list[Block]:
    """The figure as an image block, its time axes in the log's unit; [] when there is no figure."""
    if figure is None:
        return []
    return [Image(f"{prefix}-{name}.png", figures.png_bytes(figures.relabel_time(figure, unit)), caption)]


def unit_of(run: RunLog) -> str:
    """The unit of the run's step column: 'step', or 'kimg' for StyleGAN runs (the manifest's step_unit)."""
    return str((run.manifest or {}).get("step_unit") or "step")


def not_drawn_text(missing: list[str]) -> str:
    """The one line naming the figures a run's data do not allow, and why."""
    return f"Not drawn: {'; '.join(missing)}." if missing else ""


def _mixture_centres(manifest: dict):
    name = manifest.get("data") or manifest.get("reference")
    if not name:
        return None
    try:
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


def last_step(run: RunLog) -> float:
    """The last step the run's log reaches (steps or evaluations)."""
    ends = [
        float(frame["step"].max())
        for frame in (run.steps, run.evals)
        if frame is not None and len(frame) and "step" in frame
    ]
    return max(ends, default=0.0)


def run_events(runs: list[RunLog]) -> pd.DataFrame:
    """The collapse and divergence spans of the runs' findings, for shading their time axes."""
    return figures.event_spans({r.name: r.diagnosis.findings for r in runs}, {r.name: last_step(r) for r in runs})


def main_event(diagnosis: RunDiagnosis):
    """The event the sample panels illustrate: the most severe shaded finding (collapse or divergence),
    the earliest among equals."""
    events = [f for f in diagnosis.findings if f.kind in figures.EVENT_COLOURS and f.start_step is not None]
    return min(events, key=lambda f: (-f.rank, f.start_step), default=None)


def _badness(run: RunLog, kind: str) -> pd.Series:
    """Per evaluation step, how bad the samples are for this kind of event (higher is worse): for a
    collapse, the modes missed (then diversity lost); for a divergence, FID."""
    timeline = coverage_timeline(run.evals, n_modes_of(run.evals, run.manifest)).set_index("step")
    if kind == "collapse":
        for column, sign in (("modes_hit", -1.0), ("diversity", -1.0), ("recall", -1.0)):
            if column in timeline and timeline[column].notna().any():
                return sign * timeline[column].astype(float)
    if "fid" in run.evals and run.evals["fid"].notna().any():
        return run.evals.set_index("step")["fid"].astype(float)
    return pd.Series(dtype=float)


def key_steps(run: RunLog, available, spread: int) -> dict[int, str]:
    """{step: panel title} of the sample panels worth showing, among the `available` steps: with an
    event (`main_event`), the last step before it, its worst step (`_badness`) and the end; without,
    `spread` steps spread over training."""
    available = sorted(int(s) for s in available)
    if not available:
        return {}
    event = main_event(run.diagnosis)
    if event is None:
        return {step: f"step {step}" for step in chosen_steps(available, spread)}
    end = event.end_step if event.end_step is not None else available[-1]
    chosen: dict[int, list[str]] = {}
    before = [s for s in available if s < event.start_step]
    if before:
        chosen.setdefault(before[-1], []).append(f"before the {event.kind}")
    during = [s for s in available if event.start_step <= s <= end] or [s for s in available if s >= event.start_step][
        :1
    ]
    if during:
        badness = _badness(run, event.kind).reindex(during)
        worst = int(badness.idxmax()) if badness.notna().any() else during[-1]
        chosen.setdefault(worst, []).append(f"worst of the {event.kind}")
    chosen.setdefault(available[-1], []).append("end")
    return {step: f"{', '.join(labels)} (step {step})" for step, labels in sorted(chosen.items())}


def _saved_points(run: RunLog) -> tuple[dict[int, np.ndarray], dict[int, str]]:
    """({step: points}, {step: title}) from samples/step_NNNNNN.npy (2-D runs logged by TrainingLogger),
    at `key_steps`."""
    found = _files_by_step(run.folder, ".npy")
    titles = key_steps(run, found, SCATTER_STEPS)
    points = {step: _points(found[step], run.folder) for step in titles}
    return {step: p for step, p in points.items() if p is not None}, titles


def _points(path: Path, folder: Path) -> np.ndarray | None:
    """The N x 2 points saved in `path` (read through `read_embedded`); None, with a warning, for anything else."""
    data = read_embedded(path, folder, NPY_MAGIC)
    if data is None:
        return None
    try:
        points = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as error:
        points, why = None, f"not a readable .npy array ({error})"
    else:
        numeric = points.dtype.kind in "iuf" and points.ndim == 2 and points.shape[1] == 2
        why = None if numeric else f"an array of shape {points.shape} and dtype {points.dtype}, not N x 2 numbers"
    if why is not None:
        warnings.warn(f"{path}: not shown in the report: {why}.", EmbedWarning, stacklevel=2)
        return None
    return points


def _sample_pngs(run: RunLog) -> tuple[dict[int, Path], dict[int, str]]:
    found = _files_by_step(run.folder, ".png")
    titles = key_steps(run, found, GRID_STEPS)
    return {step: found[step] for step in titles}, titles


def overview_blocks(runs: list[RunLog]) -> list[Block]:
    """Figures with every run overlaid (runs as hue), for reports of several runs."""
    steps = figures.stack({r.name: r.steps for r in runs})
    evals = figures.stack({r.name: r.evals for r in runs})
    blocks: list[Block] = [Heading("All runs overlaid")]
    units = {unit_of(r) for r in runs}  # runs in different units share an axis labelled for both
    unit = next(iter(units)) if len(units) == 1 else " or ".join(sorted(units)) + ", per run"
    width = max(_bin_width(r.steps) for r in runs)
    events = run_events(runs)
    blocks += _image(
        "all",
        "losses",
        figures.loss_figure(steps, events),
        f"D and G losses of every run. Line: median over bins of about {width} steps; "
        f"band: 10th-90th percentile of the steps in the bin.{SHADING}",
        unit,
    )
    kinds = {r.name: outputs_are_probabilities(r.steps, r.evals) for r in runs if {"d_real", "d_fake"} <= set(r.steps)}
    for probability, label in ((True, "probabilities"), (False, "critic scores")):
        names = [name for name, kind in kinds.items() if kind == probability]
        if not names:
            continue
        blocks += _image(
            "all",
            f"d-outputs-{'p' if probability else 's'}",
            figures.d_output_figure(steps[steps.run.isin(names)], probability, events),
            f"Mean D output on real (solid) and generated (dashed) batches, runs whose D outputs {label}"
            + (
                "; the dotted line marks 0.5, the minimax equilibrium."
                if probability
                else " (WGAN): only the gap matters, there is no 0.5 equilibrium."
            ),
            unit,
        )
    if not evals.empty:
        n_modes = max((n_modes_of(r.evals, r.manifest) or 0 for r in runs), default=0) or None
        figure, logged = figures.metric_figure(evals, events=events, n_modes=n_modes)
        blocks += _image(
            "all", "metrics", figure, f"Metrics at each evaluation, per run. {band_text(logged)}{SHADING}", unit
        )
        timelines = figures.stack({r.name: coverage_timeline(r.evals, n_modes_of(r.evals, r.manifest)) for r in runs})
        blocks += _image(
            "all",
            "coverage",
            figures.coverage_figure(timelines, events),
            f"Modes hit per run ({MODES_HIT}).{SHADING}",
            unit,
        )
    return blocks


SHADING = " Shaded: collapse, divergence and D-overfitting spans from the findings."
MODES_HIT = "as the diagnostics count them; see the README's mode definition"


def band_text(logged: bool) -> str:
    """The metric figure's caption about its bands and axes."""
    axes = (
        "Axes start at each metric's bound (shares at 0, up to 1; modes from 0 to their number), "
        "so evaluation noise is drawn at its true size."
    )
    if logged:
        return f"Band: the interval logged with each evaluation. {axes}"
    return (
        "No band: this log records no interval for its metrics "
        f"(a band from neighbouring evaluations would smear a dip). {axes}"
    )


def run_blocks(run: RunLog, index: int) -> list[Block]:
    """A run's section: verdict, findings table, the samples (what a reader looks at first), then the stability,
    metric, calibration and collapse figures."""
    prefix = f"run{index}-{slug(run.name)}"
    d = run.diagnosis
    unit = unit_of(run)
    per = "kimg" if unit == "kimg" else "steps"
    log = f" Log: {markdown_code(run.folder)}." if run.folder is not None else ""
    blocks: list[Block] = [
        Heading(f"Run {markdown_code(run.name)}"),
        Text(f"**Verdict:** {d.explanation}{log}", lead=True),
    ]
    if d.findings:
        blocks.append(
            Table(
                findings_table(d, unit),
                "Findings, by start step. Severity: low, medium or high; "
                "thresholds are named constants in ganeval.diagnostics.",
            )
        )
    else:
        blocks.append(Text("No findings."))
    where = len(blocks)  # the "Not drawn" line goes here, under the verdict, once the figures are known
    missing: list[str] = []
    blocks += _sample_blocks(run, prefix, unit, missing) + _figure_blocks(run, prefix, unit, per, missing)
    if missing:
        blocks.insert(where, Text(not_drawn_text(missing)))
    return blocks


def _figure_blocks(run: RunLog, prefix: str, unit: str, per: str, missing: list[str]) -> list[Block]:
    """The run's figures its data allow (stability, ADA, metrics, calibration, collapse), each figure it cannot
    draw named in `missing` with the reason (no empty panels)."""
    d = run.diagnosis
    blocks: list[Block] = []
    steps, evals = with_probabilities(run.steps), run.evals
    steps_long = steps.assign(run=run.name)
    events = run_events([run])
    shading = SHADING if not events.empty else ""
    probability = outputs_are_probabilities(steps, evals)
    width = _bin_width(steps)
    bin_unit = unit if unit == "kimg" else f"step{'s' if width > 1 else ''}"
    band = f"Line: median over bins of {width} {bin_unit}; band: 10th-90th percentile of the logged values in each bin."
    d_output = (run.manifest or {}).get("d_output")
    blocks.append(Heading("Stability", 3))
    losses = figures.loss_figure(steps_long, events)
    if losses is None:
        missing.append("losses (the log has no loss_d or loss_g)")
    blocks += _image(prefix, "losses", losses, f"Discriminator and generator losses. {band}{shading}", unit)
    if not {"d_real", "d_fake"} & set(steps):
        missing.append("D outputs (the log has no D(x) or D(G(z)))")
    else:
        logits = " D's outputs are the sigmoid of the logits the log recorded." if d_output == "logit" else ""
        blocks += _image(
            prefix,
            "d-outputs",
            figures.d_output_figure(steps_long, probability, events, d_output),
            f"Mean D output on the real batch, D(x), and on the generated batch, D(G(z)). {band} "
            + (
                "The dotted line marks 0.5, where the minimax game's equilibrium puts both."
                if probability
                else "Raw critic scores (WGAN): only their gap matters, there is no 0.5 equilibrium."
            )
            + logits
            + shading,
            unit,
        )
    balance = d.summary
    if "d_real_end" in balance:
        where = "near" if balance["near_equilibrium"] else "far from"
        blocks.append(
            Text(
                f"Over the last fifth of the steps, mean D(x) = {balance['d_real_end']:.2f} "
                f"and D(G(z)) = {balance['d_fake_end']:.2f} (gap {balance['d_gap_end']:.2f}): "
                f"{where} the 0.5 equilibrium."
            )
        )
    trends = loss_trends(steps)
    if not trends.empty:
        blocks.append(
            Table(
                trends.rename(
                    columns={
                        "signal": "signal",
                        "start": "median, first 20%",
                        "end": "median, last 20%",
                        "slope_per_1000_steps": f"slope per 1,000 {per} (second half)",
                    }
                ),
                "Trends: medians over the first and last fifth of the logged values, "
                "and the least-squares slope over the second half.",
            )
        )
    if {"grad_norm_d", "grad_norm_g"} & set(steps):
        blocks += _image(
            prefix,
            "grad-norms",
            figures.grad_norm_figure(steps_long, events),
            "L2 norms of the parameter gradients, log scale: "
            "every logged step (thin, so a spike shows at its true height) "
            f"and a {figures.SMOOTH_STEPS}-step rolling median (thick).{shading}",
            unit,
        )
    else:
        missing.append("gradient norms (not logged)")
    blocks += _ada_blocks(run, prefix, unit, events, shading)
    if "ada_target" in (run.manifest or {}) and not {"ada_rt", "ada_p"} & set(steps):
        missing.append("ADA signals (the run trained with ADA but its log has no r_t or augmentation probability)")
    if evals.empty:
        missing.append("metrics, D calibration and mode coverage (the log has no evaluations)")
        return blocks
    evals_long = evals.assign(run=run.name)
    figure, logged = figures.metric_figure(evals_long, events=events, n_modes=n_modes_of(evals, run.manifest))
    if figure is not None:
        blocks.append(Heading("Metrics", 3))
        blocks += _image(
            prefix,
            "metrics",
            figure,
            f"Metrics of the generated samples against the reference at each evaluation. {band_text(logged)}"
            + (" Dotted red lines: evaluations whose value is broken, left out." if d.of_kind("broken_metric") else "")
            + shading,
            unit,
        )
    else:
        missing.append("metrics (the evaluations hold no metric values)")
    calibration = figures.calibration_figure(evals_long, events)
    if calibration is not None:
        blocks.append(Heading("Discriminator calibration", 3))
        kind = (
            "critic scores mapped to probabilities by a Platt fit on the same samples (calibrated by construction)"
            if not probability
            else "D's probabilities"
        )
        blocks += _image(
            prefix,
            "calibration",
            calibration,
            f"D judged as a classifier on held-out real against fresh generated samples ({kind}).{shading}",
            unit,
        )
        blocks.append(Text(calibration_sentence(evals)))
        table = reliability_table(evals)
        if not table.empty:
            picked = chosen_steps(table["step"].unique(), RELIABILITY_STEPS)
            blocks += _image(
                prefix,
                "reliability",
                figures.reliability_figure(table[table.step.isin(picked)]),
                "Reliability diagrams: observed share of real samples against D's mean predicted P(real) in each bin; "
                "marker area: samples in the bin. "
                "Points below the diagonal at high P(real) (and above it at low P(real)) mean D is overconfident.",
            )
        else:
            blocks.append(
                Text(
                    "Reliability diagrams need the per-bin data that logs written by this version record "
                    "(d_reliability); this log predates it."
                )
            )
    else:
        missing.append("D calibration (no held-out D outputs)")
    timeline = coverage_timeline(evals, n_modes_of(evals, run.manifest))
    histogram = mode_histogram(evals)
    if "modes_hit" not in timeline and histogram.empty:
        missing.append("mode coverage (the log has no mode counts: its evaluations scored no samples per mode)")
    else:
        blocks.append(Heading("Mode collapse", 3))
        blocks += _image(
            prefix,
            "coverage",
            figures.coverage_figure(timeline.assign(run=run.name), events),
            f"Modes hit at each evaluation ({MODES_HIT}"
            + ("; dashed: high-quality modes covered" if histogram.empty else "")
            + f").{shading}",
            unit,
        )
        if not histogram.empty:
            blocks += _image(
                prefix,
                "modes",
                figures.mode_heatmap(histogram, run.name),
                "Share of the generated samples in each mode at each evaluation.",
                unit,
            )
            last = int(histogram["step"].max())
            blocks += _image(
                prefix,
                "modes-last",
                figures.mode_bar_figure(histogram, last),
                in_unit(f"Samples per mode at the last evaluation (step {last}); ", unit)
                + "the dashed line is the share a mode needs to count as hit.",
            )
            names = mode_names(missing_modes(evals), n_modes_of(evals, run.manifest), (run.manifest or {}).get("data"))
            blocks.append(Text(in_unit(f"Modes missing at step {last}: {names_text(names)}.", unit)))
    return blocks


def _ada_blocks(run: RunLog, prefix: str, unit: str, events, shading: str) -> list[Block]:
    """ADA's r_t against its target and the augmentation probability over time, when the log has them."""
    if not {"ada_rt", "ada_p"} & set(run.steps):
        return []
    summary = run.diagnosis.summary
    figure = figures.ada_figure(run.steps.assign(run=run.name), target_of(run.manifest), events)
    blocks: list[Block] = [Heading("Adaptive augmentation (ADA)", 3)]
    blocks += _image(
        prefix,
        "ada",
        figure,
        "ADA's overfitting heuristic r_t = E[sign(D(real))] against its target (the controller raises the "
        "augmentation probability p while r_t is above it), and p. r_t held above the target while FID stops "
        f"improving means D is overfitting its training images.{shading}",
        unit,
    )
    sentence = ada_sentence(summary)
    return blocks + ([Text(sentence)] if sentence else [])


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
        verdict = (
            f"; D is {'overconfident' if over > 0 else 'underconfident'} "
            f"(mean |P - 0.5| minus |observed - 0.5|: {over:+.2f})"
        )
    return f"At the last evaluation (step {int(last['step'])}): {numbers}{verdict}."


def _sample_blocks(run: RunLog, prefix: str, unit: str = "step", missing: list[str] | None = None) -> list[Block]:
    blocks: list[Block] = []
    points, titles = _saved_points(run)
    centres = _mixture_centres(run.manifest)
    event = main_event(run.diagnosis)
    when = (
        f"before the {event.kind} ({span_text(event)}), at its worst and at the end"
        if event is not None
        else "at evaluations spread over training"
    )
    if points:
        blocks += _image(
            prefix,
            "scatter",
            figures.scatter_figure(points, centres, labels=titles),
            f"Generated samples (up to 500 per evaluation) over the true mixture's centres (crosses), {when}.",
        )
    pngs, titles = _sample_pngs(run)
    if pngs and not points:
        label = "sample plot" if centres is not None else "sample grid"
        for step, path in pngs.items():
            png = read_embedded(path, run.folder, PNG_MAGIC)
            if png is not None:
                blocks.append(
                    Image(f"{prefix}-samples-{step:06d}.png", png, f"Trainer's {label}, {titles[step]} ({path.name}).")
                )
    if blocks:
        blocks.insert(0, Heading("Samples", 3))
    elif missing is not None:
        missing.append("samples (the run folder has no samples/step_NNNNNN.npy or .png files)")
    return blocks
