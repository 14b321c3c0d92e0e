"""Seaborn figures of training logs, one function per figure.

Every function takes long pandas frames with a `run` column (one run or several: runs are the
hue, so `ganeval compare` overlays runs with the same functions; `stack({name: frame})` builds such
a frame) and returns a matplotlib `Figure` built without pyplot's global state, rendered by Agg
(`png_bytes`). Axes carry labels with units, every figure one legend (above the panels of a figure
of several, never one per panel over the data), and sizes suit an 800-pixel-wide page at 100 dpi.

What the figures are for is the event: every time axis takes `events` (`event_spans` of the
findings) and shades collapse and divergence spans; metric axes start at the metric's bound (a
share from 0 to 1, modes from 0 to their number), so evaluation noise does not pass for a trend;
metric bands are logged intervals only, never a rolling range (which smears a dip); gradient norms
are drawn per step, so a spike shows at its true height.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ganeval.data.images import tile
from ganeval.diagnostics.validity import broken_mask
from ganeval.metrics.modes import MODE_HIT_SHARE
from ganeval.metrics.registry import LOGGED_METRICS, METRICS, MetricSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def seaborn():
    """seaborn, imported on the first figure: it (and matplotlib) take about a second to import,
    which `import ganeval` and reading or diagnosing a log should not pay."""
    import seaborn

    return seaborn


def figure_class():
    """matplotlib's Figure (the object API, no pyplot), imported on the first figure for the same reason."""
    from matplotlib.figure import Figure

    return Figure


DPI = 100
WIDTH = 8.0  # inches: 800 pixels at DPI
PANEL_HEIGHT = 2.8
MAX_POINTS = 200  # per-step signals are summarised in at most this many bins of steps
BAND = (10, 90)  # percentile band of per-step signals within a bin
STEP_LABEL = "training step (generator updates)"
# Finding kinds shaded on every time axis, and their colours: the events the figures illustrate.
EVENT_COLOURS = {"collapse": "#d62728", "divergence": "#9467bd", "d_overfitting": "#ff7f0e"}
EVENT_ALPHA = 0.13
SMOOTH_STEPS = 25  # the light rolling median drawn over raw per-step gradient norms
# The time axis in the log's own unit (the manifest's step_unit): StyleGAN counts kimg.
TIME_LABELS = {"step": STEP_LABEL, "kimg": "training progress (kimg: real images shown, 1000s)"}
BROKEN_COLOUR = "#d62728"  # evaluations whose metric value is broken (`validity`), marked, never drawn


def time_label(unit: str | None) -> str:
    """The time axis's label for a log whose step column counts `unit` ('step' or 'kimg')."""
    return TIME_LABELS.get(unit or "step", f"training progress ({plain(unit)})")


def relabel_time(figure, unit: str | None):
    """The figure with every time axis (labelled STEP_LABEL) labelled in the log's unit."""
    if figure is not None and (unit or "step") != "step":
        for ax in figure.axes:
            if ax.get_xlabel() == STEP_LABEL:
                ax.set_xlabel(time_label(unit))
    return figure


def plain(text) -> str:
    """`text` drawn literally by matplotlib: every $ escaped, so a run, variant or file name such as
    `$\\alpha$` is not typeset as mathtext, nor `a$^$b` a parse error when the figure is drawn (exit 3).
    Every text a figure takes from data goes through it (legends, titles); outside mathtext a backslash
    needs no escape."""
    return str(text).replace("$", r"\$")


def stack(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One long frame from {run name: frame}, with a `run` column."""
    parts = [frame.assign(run=name) for name, frame in frames.items() if frame is not None and not frame.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["run", "step"])


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes (Agg, DPI)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    stream = io.BytesIO()
    figure.savefig(stream, format="png", dpi=DPI)
    return stream.getvalue()


def event_spans(findings_by_run: Mapping[str, list], last_step: Mapping[str, float]) -> pd.DataFrame:
    """run, kind, start, end of each finding of a kind in EVENT_COLOURS: from its start step to its end
    step, or to the run's `last_step` when it lasts to the end of the log."""
    rows = [
        {
            "run": run,
            "kind": f.kind,
            "start": float(f.start_step),
            "end": float(f.end_step if f.end_step is not None else last_step.get(run, f.start_step)),
        }
        for run, findings in findings_by_run.items()
        for f in findings
        if f.kind in EVENT_COLOURS and f.start_step is not None
    ]
    return pd.DataFrame(rows, columns=["run", "kind", "start", "end"])


def shade_events(ax, events: pd.DataFrame | None) -> None:
    """Shade each event span on a time axis, coloured by kind; one legend entry per kind (and run,
    when several runs have events)."""
    if events is None or events.empty:
        return
    several = events["run"].nunique() > 1
    labelled = set()
    for event in events.itertuples():
        label = f"{event.kind}: {event.run}" if several else event.kind
        ax.axvspan(
            event.start,
            max(event.end, event.start + 0.5),
            color=EVENT_COLOURS[event.kind],
            alpha=EVENT_ALPHA,
            linewidth=0,
            label=None if label in labelled else label,
        )
        labelled.add(label)


def _theme():
    sns = seaborn()
    return sns.axes_style("whitegrid")


def _context():
    sns = seaborn()
    return sns.plotting_context("notebook", font_scale=0.8)


def _figure(
    rows: int = 1, cols: int = 1, height: float = PANEL_HEIGHT, width: float = WIDTH, **options
) -> tuple[Figure, np.ndarray]:
    figure = figure_class()(figsize=(width, height * rows), dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, cols, squeeze=False, **options)
    return figure, axes


def _runs(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["run"])) if "run" in frame else []


def _run_palette(frame: pd.DataFrame) -> dict:
    """run -> its colour, in the order the runs first appear: one colour per run across a figure's axes."""
    return dict(zip(_runs(frame), seaborn().color_palette(n_colors=max(1, frame["run"].nunique()))))


def _run_lines(ax, data: pd.DataFrame, y: str, palette: dict, **style) -> None:
    """One line per run of `y` against step, in the run's colour of `palette` (the same on every panel);
    `style`: seaborn's line options (markers, a dashed line, legend=False)."""
    seaborn().lineplot(data=data, x="step", y=y, hue="run", palette=palette, errorbar=None, ax=ax, **style)


def _with_run(frame: pd.DataFrame) -> pd.DataFrame:
    return frame if "run" in frame else frame.assign(run="run")


def binned(steps: pd.DataFrame, columns, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Per run, signal and bin of steps (equal widths, at most max_points bins): the bin's centre
    step, median, and BAND percentiles of the per-step values (infinite values dropped).
    Columns: run, signal, step, value (the median), low, high."""
    steps = _with_run(steps)
    columns = [c for c in columns if c in steps]
    if steps.empty or not columns:
        return pd.DataFrame(columns=["run", "signal", "step", "value", "low", "high"])
    span = float(steps["step"].max() - steps["step"].min() + 1)
    width = max(1, int(np.ceil(span / max_points)))
    frame = steps[["run", "step", *columns]].copy()
    frame["step"] = (frame["step"] // width) * width + (width - 1) / 2
    long = frame.melt(id_vars=["run", "step"], value_vars=columns, var_name="signal", value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").replace([np.inf, -np.inf], np.nan)
    grouped = long.dropna(subset=["value"]).groupby(["run", "signal", "step"], sort=False)["value"]
    summary = grouped.quantile([BAND[0] / 100, 0.5, BAND[1] / 100]).unstack()
    summary.columns = ["low", "value", "high"]
    return summary.reset_index()


def _line(ax, data: pd.DataFrame, hue: str, style: str | None = None, band: bool = True) -> None:
    """Lines of `value` against step (one per hue and style level) with their low-high band."""
    sns = seaborn()
    levels = list(dict.fromkeys(data[hue]))
    palette = dict(zip(levels, sns.color_palette(n_colors=max(1, len(levels)))))
    sns.lineplot(
        data=data,
        x="step",
        y="value",
        hue=hue,
        style=style,
        palette=palette,
        estimator=None,
        errorbar=None,
        ax=ax,
        linewidth=1.3,
    )
    if band:
        keys = [hue] + ([style] if style else [])
        for key, part in data.groupby(keys, sort=False):
            colour = palette[key[0] if isinstance(key, tuple) else key]
            ax.fill_between(part["step"], part["low"], part["high"], color=colour, alpha=0.2, linewidth=0)


def _legend(ax, title=None, outside: bool = False):
    """A small legend; outside the axes (on the right) when several runs would crowd the plot."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    where = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if outside else {"loc": "best"}
    labels = [plain(label) for label in labels]  # run names, and ganeval's own labels (which have no $)
    title = None if title is None else plain(title)
    ax.legend(handles, labels, title=title, fontsize=7, title_fontsize=7, frameon=True, **where)


def _figure_legend(figure, title=None) -> None:
    """One legend for the whole figure, above its panels, instead of one per panel over the data: every
    panel's entries once (a run has the same colour on every panel), seaborn's own axis legends removed."""
    entries: dict[str, object] = {}
    for ax in figure.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if not label.startswith("_"):
                entries.setdefault(label, handle)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    if not entries:
        return
    figure.legend(
        list(entries.values()),
        [plain(label) for label in entries],  # run names, and ganeval's own labels (which have no $)
        title=None if title is None else plain(title),
        loc="outside upper center",
        ncols=min(len(entries), 6),
        fontsize=7,
        title_fontsize=7,
        frameon=False,
    )


def _many(frame: pd.DataFrame) -> bool:
    return "run" in frame and frame["run"].nunique() > 1


def loss_figure(steps: pd.DataFrame, events: pd.DataFrame | None = None) -> Figure | None:
    """D and G losses against the training step: the median of each bin of steps and its 10-90% band;
    a panel per loss the log has (None when it has neither: no empty panels)."""
    data = binned(steps, ["loss_d", "loss_g"])
    panels = [
        (signal, title)
        for signal, title in [("loss_d", "discriminator loss"), ("loss_g", "generator loss")]
        if (data.signal == signal).any()
    ]
    if not panels:
        return None
    with _theme(), _context():
        figure, axes = _figure(1, len(panels))
        for ax, (signal, title) in zip(axes[0], panels):
            _line(ax, data[data.signal == signal], hue="run")
            shade_events(ax, events)
            ax.set(title=title, xlabel=STEP_LABEL, ylabel=f"{signal} (nats; WGAN: critic units)")
        _figure_legend(figure, "run")
    return figure


def d_output_figure(
    steps: pd.DataFrame, probability: bool = True, events: pd.DataFrame | None = None, d_output: str | None = None
) -> Figure:
    """Mean D(x) on real and D(G(z)) on generated batches, with the 0.5 equilibrium line for probabilities;
    d_output "logit" (the manifest's: the log had D's raw logits) says on the axis that they are their sigmoid."""
    data = binned(steps, ["d_real", "d_fake"])
    data["signal"] = data["signal"].map({"d_real": "D(x), real", "d_fake": "D(G(z)), generated"})
    with _theme(), _context():
        figure, axes = _figure(1, 1)
        ax = axes[0, 0]
        if not data.empty:
            multi = data["run"].nunique() > 1
            _line(ax, data, hue="run" if multi else "signal", style="signal" if multi else None)
        shade_events(ax, events)
        if probability:
            ax.axhline(0.5, color="black", linestyle=":", linewidth=1.2, label="0.5: minimax equilibrium")
            ax.set_ylim(-0.02, 1.02)
            ax.set(
                ylabel="D output: sigmoid of the logged logits"
                if d_output == "logit"
                else "mean D output (probability of real)"
            )
        else:
            ax.set(ylabel="mean critic score (arbitrary units)")
        ax.set(title="discriminator outputs on real and generated batches", xlabel=STEP_LABEL)
        _legend(ax, outside=_many(data))
    return figure


def grad_norm_figure(steps: pd.DataFrame, events: pd.DataFrame | None = None) -> Figure:
    """L2 norms of D's and G's parameter gradients (log scale), every step as logged, so a spike
    shows at its true height; a light rolling median (SMOOTH_STEPS) on top shows the level."""
    sns = seaborn()
    steps = _with_run(steps)
    columns = {"grad_norm_d": "discriminator", "grad_norm_g": "generator"}
    present = [c for c in columns if c in steps]
    long = (
        steps.melt(id_vars=["run", "step"], value_vars=present, var_name="signal", value_name="value")
        if present
        else pd.DataFrame()
    )
    if not long.empty:
        long["value"] = pd.to_numeric(long["value"], errors="coerce")
        long = long[np.isfinite(long["value"]) & (long["value"] > 0)]
        long["signal"] = long["signal"].map(columns)
    with _theme(), _context():
        figure, axes = _figure(1, 1)
        ax = axes[0, 0]
        if not long.empty:
            multi = long["run"].nunique() > 1
            keys = ["run", "signal"] if multi else ["signal"]
            palette = sns.color_palette(n_colors=long.groupby(keys).ngroups)
            for colour, (key, part) in zip(palette, long.groupby(keys, sort=False)):
                part = part.sort_values("step")
                name = " ".join(key) if isinstance(key, tuple) else key
                ax.plot(part["step"], part["value"], color=colour, linewidth=0.6, alpha=0.55, label=f"{name}, per step")
                smooth = part["value"].rolling(SMOOTH_STEPS, center=True, min_periods=1).median()
                ax.plot(
                    part["step"],
                    smooth,
                    color=colour,
                    linewidth=1.6,
                    alpha=0.9,
                    label=f"{name}, {SMOOTH_STEPS}-step median",
                )
            ax.set_yscale("log")
        shade_events(ax, events)
        ax.set(title="gradient norms", xlabel=STEP_LABEL, ylabel="gradient L2 norm (log scale)")
        _legend(ax, outside=True)
    return figure


LOG_FID_RANGE = 20  # FID or realism spanning more than this factor goes on a log axis (early values dwarf the rest)
RUN_METRICS = (
    "fid",
    "precision",
    "recall",
    "coverage",
    "mode_kl",
    "diversity",
    "realism",
    "class_accuracy",
    "label_preservation",
    "cycle_error",
)


def _spec(metric: str) -> MetricSpec | None:
    """The registry's spec of a computed or logged metric (bounds, axis label); None for a column it does not know."""
    return METRICS.get(metric) or LOGGED_METRICS.get(metric)


def metric_band(evals: pd.DataFrame, metric: str) -> pd.DataFrame:
    """run, step, value, low, high of one metric; low and high are the logged interval (metric_low and
    metric_high columns) and NaN where the log has none: a band drawn from neighbouring evaluations
    would smear a dip into its neighbours. Broken values (`validity`) are left out (`mark_broken`)."""
    evals = _with_run(evals)
    rows = []
    for run, part in evals.groupby("run", sort=False):
        part = part.sort_values("step")
        value = pd.to_numeric(part[metric], errors="coerce").replace([np.inf, -np.inf], np.nan)
        value = value.mask(broken_mask(metric, value.to_numpy()))  # FID 1e57 is marked, not drawn
        logged = f"{metric}_low" in part and f"{metric}_high" in part
        low = pd.to_numeric(part[f"{metric}_low"], errors="coerce") if logged else np.full(len(part), np.nan)
        high = pd.to_numeric(part[f"{metric}_high"], errors="coerce") if logged else np.full(len(part), np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "run": run,
                    "step": part["step"].to_numpy(),
                    "value": value.to_numpy(),
                    "low": np.asarray(low, dtype=float),
                    "high": np.asarray(high, dtype=float),
                }
            )
        )
    return (
        pd.concat(rows, ignore_index=True).dropna(subset=["value"])
        if rows
        else pd.DataFrame(columns=["run", "step", "value", "low", "high"])
    )


def metric_axis(ax, metric: str, band: pd.DataFrame, n_modes: int | None = None) -> None:
    """The y axis of a metric panel: its range (the registry's bounds, so noise between evaluations is
    drawn at its true size), from its lower bound to its upper bound (modes_covered: the number of modes)
    or, unbounded, a little above the data; FID and realism (the registry's log_scale) on a log axis when
    they span more than LOG_FID_RANGE."""
    values = pd.concat([band["value"], band["low"], band["high"]]).dropna()
    if values.empty:
        return
    spec = _spec(metric)
    multiplicative = metric == "fid" or (spec is not None and spec.log_scale)  # FID, realism
    if multiplicative and (values > 0).all() and values.max() / values.min() > LOG_FID_RANGE:
        ax.set_yscale("log")
        return
    lower, upper = (None, None) if spec is None else spec.bounds(n_modes)
    top = upper if upper is not None else float(values.max()) * 1.1 or 1.0
    bottom = lower if lower is not None else float(values.min())
    margin = 0.03 * (top - bottom) if top > bottom else 0.5
    ax.set_ylim(bottom - (margin if lower is not None else 0.0), top + margin)


def metric_figure(
    evals: pd.DataFrame, metrics=RUN_METRICS, events: pd.DataFrame | None = None, n_modes: int | None = None
) -> tuple[Figure, bool] | tuple[None, bool]:
    """Metric curves over training, bands where the log has intervals, axes from each metric's bound;
    returns (figure, whether any band was drawn)."""
    evals = _with_run(evals)
    metrics = [m for m in metrics if m in evals and pd.to_numeric(evals[m], errors="coerce").notna().any()]
    if not metrics:
        return None, False
    cols = 2 if len(metrics) > 1 else 1
    rows = -(-len(metrics) // cols)
    palette = _run_palette(evals)
    logged = False
    with _theme(), _context():
        figure, axes = _figure(rows, cols, height=2.4)
        for ax, metric in zip(axes.ravel(), metrics):
            band = metric_band(evals, metric)
            if band["value"].notna().any():  # every value broken (marked below): no line to draw
                _run_lines(ax, band, "value", palette, marker="o", markersize=4)
            for run, part in band.dropna(subset=["low", "high"]).groupby("run", sort=False):
                ax.fill_between(part["step"], part["low"], part["high"], color=palette[run], alpha=0.2, linewidth=0)
                logged = True
            metric_axis(ax, metric, band, n_modes)
            mark_broken(ax, evals, metric)
            shade_events(ax, events)
            spec = _spec(metric)
            ax.set(title=metric, xlabel=STEP_LABEL, ylabel=metric if spec is None else spec.axis_label)
        for ax in axes.ravel()[len(metrics) :]:
            ax.set_visible(False)
        _figure_legend(figure, "run")
    return figure, logged


def mark_broken(ax, evals: pd.DataFrame, metric: str) -> None:
    """A dotted red line at each evaluation whose value of `metric` is broken (infinite or out of range)."""
    steps = evals["step"].to_numpy()[broken_mask(metric, evals[metric].to_numpy())]
    for i, step in enumerate(steps):
        ax.axvline(
            float(step),
            color=BROKEN_COLOUR,
            linestyle=":",
            linewidth=1.2,
            label="broken value (not drawn)" if i == 0 else None,
        )


def ada_figure(steps: pd.DataFrame, target: float, events: pd.DataFrame | None = None) -> Figure | None:
    """ADA's signals over training: r_t = E[sign(D(real))] against its target, and the augmentation
    probability p with the 0.8 past which augmentations leak; a panel for each the log has."""
    data = binned(steps, ["ada_rt", "ada_p"])
    panels = [
        (signal, title, ylabel, line, label)
        for signal, title, ylabel, line, label in (
            ("ada_rt", "ADA's overfitting heuristic r_t", "r_t = E[sign(D(real))]", target, f"target {target:.2f}"),
            ("ada_p", "augmentation strength", "p (over 1: every augmentation always)", 0.8, "0.8: augmentations leak"),
        )
        if (data.signal == signal).any()
    ]
    if not panels:
        return None
    with _theme(), _context():
        figure, axes = _figure(1, len(panels))
        for ax, (signal, title, ylabel, line, label) in zip(axes[0], panels):
            _line(ax, data[data.signal == signal], hue="run")
            ax.axhline(line, color="black", linestyle=":", linewidth=1.2, label=label)
            shade_events(ax, events)
            ax.set(title=title, xlabel=STEP_LABEL, ylabel=ylabel)
            values = pd.to_numeric(data.loc[data.signal == signal, "value"], errors="coerce")
            top = max(1.0, float(values.max()) if values.notna().any() else 1.0)  # StyleGAN's p passes 1
            ax.set_ylim(-1.02 if signal == "ada_rt" else -0.02, top + 0.02 * top)
        _figure_legend(figure)
    return figure


def calibration_figure(evals: pd.DataFrame, events: pd.DataFrame | None = None) -> Figure | None:
    """D's accuracy, ROC AUC, Brier score and ECE on held-out real vs fresh generated samples over training."""
    sns = seaborn()
    evals = _with_run(evals)
    names = [c for c in ("d_accuracy", "d_auc", "d_ece", "d_brier") if c in evals and evals[c].notna().any()]
    if not names:
        return None
    long = evals.melt(id_vars=["run", "step"], value_vars=names, var_name="measure", value_name="value").dropna(
        subset=["value"]
    )
    long["measure"] = long["measure"].map(
        {"d_accuracy": "accuracy", "d_auc": "ROC AUC", "d_ece": "ECE", "d_brier": "Brier score"}
    )
    with _theme(), _context():
        figure, axes = _figure(1, 2)
        separation = long[long.measure.isin(["accuracy", "ROC AUC"])]
        error = long[long.measure.isin(["ECE", "Brier score"])]
        multi = long["run"].nunique() > 1
        for ax, part, title, ylabel in (
            (axes[0, 0], separation, "how well D separates real from generated", "accuracy, AUC (0.5 = chance)"),
            (axes[0, 1], error, "calibration error", "ECE, Brier score (0 = perfect)"),
        ):
            if not part.empty:
                sns.lineplot(
                    data=part,
                    x="step",
                    y="value",
                    hue="run" if multi else "measure",
                    style="measure" if multi else None,
                    marker="o",
                    markersize=4,
                    ax=ax,
                    errorbar=None,
                )
            shade_events(ax, events)
            if ax is axes[0, 0]:
                ax.axhline(0.5, color="black", linestyle=":", linewidth=1.2, label="0.5: chance")
                ax.set_ylim(0.0, 1.02)
            else:
                ax.set_ylim(bottom=0.0)
            ax.set(title=title, xlabel=STEP_LABEL, ylabel=ylabel)
        _figure_legend(figure)
    return figure


def reliability_figure(table: pd.DataFrame) -> Figure | None:
    """Reliability diagrams, one panel per step of `table` (from `reliability_table`, with a run
    column for several runs): observed share of real samples against D's mean predicted P(real) per
    bin, marker area proportional to the bin's sample count; the diagonal is perfect calibration."""
    sns = seaborn()
    if table is None or table.empty:
        return None
    table = _with_run(table)
    chosen = sorted(table["step"].unique())
    with _theme(), _context():
        figure, axes = _figure(1, len(chosen), height=2.9, width=min(WIDTH, 2.9 * len(chosen) + 0.5))
        multi = table["run"].nunique() > 1
        for ax, step in zip(axes[0], chosen):
            part = table[table.step == step]
            ax.plot([0, 1], [0, 1], color="black", linestyle=":", linewidth=1.2, label="perfect calibration")
            sns.lineplot(
                data=part,
                x="predicted",
                y="fraction_real",
                hue="run" if multi else None,
                ax=ax,
                estimator=None,
                errorbar=None,
                sort=True,
                linewidth=1,
                marker=None,
                label=None if multi else "D, per bin",
            )
            sns.scatterplot(
                data=part,
                x="predicted",
                y="fraction_real",
                size="count",
                sizes=(10, 150),
                hue="run" if multi else None,
                ax=ax,
                legend=False,
            )
            ax.set(
                title=f"step {int(step)}",
                xlabel="mean predicted P(real) in bin",
                ylabel="observed share of real samples",
                xlim=(-0.02, 1.02),
                ylim=(-0.02, 1.02),
                aspect="equal",
            )
        _figure_legend(figure)
    return figure


def coverage_figure(timeline: pd.DataFrame, events: pd.DataFrame | None = None) -> Figure | None:
    """Modes hit over training per run, the number of modes as a dashed line, events shaded."""
    if timeline is None or timeline.empty or "modes_hit" not in timeline:
        return None
    timeline = _with_run(timeline)
    palette = _run_palette(timeline)
    with _theme(), _context():
        figure, axes = _figure(1, 1)
        ax = axes[0, 0]
        _run_lines(ax, timeline, "modes_hit", palette, marker="o", markersize=4)
        if (
            "modes_covered" in timeline
            and timeline["modes_covered"].notna().any()
            and not timeline["modes_covered"].equals(timeline["modes_hit"])
        ):
            _run_lines(ax, timeline, "modes_covered", palette, linestyle="--", legend=False)
            ax.plot([], [], linestyle="--", color="grey", label="high-quality modes covered")
        ax.axhline(
            float(timeline["n_modes"].max()),
            color="black",
            linestyle=":",
            linewidth=1.2,
            label=f"all {int(timeline['n_modes'].max())} modes",
        )
        shade_events(ax, events)
        ax.set(
            title="mode coverage over training",
            xlabel=STEP_LABEL,
            ylabel="modes hit (count)",
            ylim=(0, timeline["n_modes"].max() * 1.08),
        )
        _legend(ax, outside=_many(timeline))
    return figure


def mode_heatmap(histogram: pd.DataFrame, run: str | None = None) -> Figure | None:
    """Share of generated samples per mode (rows) at each evaluation (columns), for one run."""
    sns = seaborn()
    if histogram is None or histogram.empty:
        return None
    grid = histogram.pivot(index="mode", columns="step", values="share").fillna(0.0)
    n_modes = grid.shape[0]
    height = min(6.0, 1.2 + 0.18 * n_modes) if n_modes <= 30 else 4.0
    with _theme(), _context():
        figure, axes = _figure(1, 1, height=height)
        ax = axes[0, 0]
        sns.heatmap(
            grid,
            ax=ax,
            cmap="rocket_r",
            vmin=0,
            vmax=max(float(grid.to_numpy().max()), 1e-9),
            cbar_kws={"label": "share of generated samples"},
            yticklabels=n_modes <= 30,
            xticklabels=max(1, grid.shape[1] // 12),
        )
        ax.set(
            title=f"samples per mode{f' ({plain(run)})' if run else ''}; uniform = {1 / n_modes:.3g}",
            xlabel=STEP_LABEL,
            ylabel="mode (index)",
        )
    return figure


def mode_bar_figure(histogram: pd.DataFrame, step: int) -> Figure | None:
    """The mode histogram at one evaluation, with the uniform share and the 'hit' threshold."""
    sns = seaborn()
    part = histogram[histogram.step == step] if histogram is not None and not histogram.empty else None
    if part is None or part.empty:
        return None
    n = len(part)
    with _theme(), _context():
        figure, axes = _figure(1, 1, height=2.6)
        ax = axes[0, 0]
        sns.barplot(
            data=part.assign(mode=part["mode"].astype(int)),
            x="mode",
            y="share",
            color=sns.color_palette()[0],
            ax=ax,
            label="generated share",
        )
        ax.axhline(1 / n, color="black", linestyle=":", linewidth=1.2, label=f"uniform {1 / n:.3g}")
        ax.axhline(MODE_HIT_SHARE / n, color="firebrick", linestyle="--", linewidth=1, label="hit threshold")
        if n > 30:
            ax.set_xticks([])
        ax.set(
            title=f"samples per mode at step {int(step)}", xlabel="mode (index)", ylabel="share of generated samples"
        )
        _legend(ax)
    return figure


def scatter_figure(
    points_by_step: Mapping[int, np.ndarray],
    centres: np.ndarray | None,
    title: str = "",
    labels: Mapping[int, str] | None = None,
) -> Figure | None:
    """Generated 2-D points at several steps (one panel each, titled by `labels` or the step) over
    the true mixture's centres."""
    sns = seaborn()
    if not points_by_step:
        return None
    chosen = list(points_by_step)
    size = min(2.6, WIDTH / len(chosen))
    with _theme(), _context():
        figure, axes = _figure(
            1, len(chosen), height=size + 0.4, width=size * len(chosen) + 0.3, sharex=True, sharey=True
        )
        reach = 1.2 * float(np.abs(centres).max()) if centres is not None else None
        for ax, step in zip(axes[0], chosen):
            points = np.asarray(points_by_step[step])
            ax.scatter(
                points[:, 0],
                points[:, 1],
                s=3,
                alpha=0.35,
                color=sns.color_palette()[0],
                label="generated",
                rasterized=True,
            )
            if centres is not None:
                ax.scatter(centres[:, 0], centres[:, 1], s=30, marker="x", color="black", label="true modes")
                ax.set(xlim=(-reach, reach), ylim=(-reach, reach))
            ax.set(
                title=plain((labels or {}).get(step, f"step {int(step)}")),
                xlabel="x (data units)",
                ylabel="y (data units)",
                aspect="equal",
            )
        _figure_legend(figure)  # above the panels, not over the first one's points
        if title:
            figure.suptitle(plain(title), fontsize=9)
    return figure


def samples_figure(panels: Mapping[str, np.ndarray], centres: np.ndarray | None = None) -> Figure | None:
    """Samples side by side, one panel per name: N x 2 points over the true mixture's `centres`, or
    uint8 N x C x H x W images tiled 8 a row."""
    sns = seaborn()
    if not panels:
        return None
    size = min(2.6, WIDTH / len(panels))
    with _theme(), _context():
        figure, axes = _figure(1, len(panels), height=size + 0.5, width=size * len(panels) + 0.3)
        for ax, (name, samples) in zip(axes[0], panels.items()):
            if samples.ndim == 2:
                ax.scatter(
                    samples[:, 0],
                    samples[:, 1],
                    s=2,
                    alpha=0.3,
                    color=sns.color_palette()[0],
                    label="generated",
                    rasterized=True,
                )
                if centres is not None:
                    reach = 1.25 * float(np.abs(centres).max())
                    ax.scatter(centres[:, 0], centres[:, 1], s=25, marker="x", color="black", label="true modes")
                    ax.set(xlim=(-reach, reach), ylim=(-reach, reach))
                ax.set(aspect="equal", xlabel="x (data units)", ylabel="y (data units)")
            else:
                ax.imshow(tile(samples, pad=0), cmap="gray" if samples.shape[1] == 1 else None, vmin=0, vmax=255)
                ax.set(xticks=[], yticks=[], xlabel=f"{len(samples)} samples")
                ax.grid(False)
            ax.set_title(plain(name), fontsize=9)
        if next(iter(panels.values())).ndim == 2:
            _figure_legend(figure)  # above the panels, not over the first one's points
    return figure


def prd_figure(curves: Mapping[str, Mapping]) -> Figure | None:
    """PRD curves (Sajjadi et al. 2018), one line per name of `curves` (name -> `PRDCurve.to_dict()`): precision
    against recall on the unit square, as the authors plot them; the legend gives each curve's max F_8 and F_1/8.
    A curve reaching the top right corner is a generator whose samples match the data's distribution."""
    if not curves:
        return None
    palette = seaborn().color_palette(n_colors=len(curves))
    with _theme(), _context():
        figure, axes = _figure(1, 1, height=3.6, width=4.6)
        ax = axes[0, 0]
        for colour, (name, curve) in zip(palette, curves.items()):
            label = f"{name}: F_8 {curve['f_8']:.2f}, F_1/8 {curve['f_1_8']:.2f}"  # _legend escapes the name
            ax.plot(curve["recall"], curve["precision"], color=colour, linewidth=2, alpha=0.8, label=label)
        ax.set(xlim=(0, 1.02), ylim=(0, 1.02), aspect="equal", xlabel="recall (beta)", ylabel="precision (alpha)")
        ax.set_title("PRD curve (precision and recall for distributions)", fontsize=9)
        _legend(ax)
    return figure
