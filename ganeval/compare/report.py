"""The report of `ganeval compare`, answer first: one paragraph naming the variant(s) to use and why,
a compact table (mean ± std, best in bold; tables split to fit a 1280-pixel page), the final samples side
by side, the rankings (every pairwise test and every interval in collapsible details, appendices in the
Markdown), curves over training per variant and the verdicts; written by `write_blocks` (HTML and Markdown)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ganeval.atomic import atomic_write
from ganeval.compare.answer import answer
from ganeval.compare.runs import ShownSamples
from ganeval.compare.stats import ALPHA
from ganeval.errors import markdown_code
from ganeval.metrics.prd import max_f_beta
from ganeval.numbers import with_interval, with_spread
from ganeval.render import figures
from ganeval.render.blocks import Block, Details, Heading, Image, Table, Text, write_blocks

CURVE_METRICS = (
    "fid",
    "modes_covered",
    "precision",
    "recall",
    "mode_kl",
    "d_ece",
    "class_accuracy",
    "label_preservation",
    "cycle_error",
)
# The compact table's columns, in order (those the comparison has): sample quality, then cost.
# density (precision's unbounded cousin) and d_ece (about D, not the samples) stay in the full table.
HEADLINE_METRICS = (
    "fid",
    "kid",
    "inception_score",
    "precision",
    "recall",
    "coverage",
    "modes_covered",
    "mode_kl",
    "high_quality_fraction",
    "class_accuracy",
    "label_preservation",
    "cycle_error",
    "wall_time_s",
)


def _mean_std(row) -> str:
    """'0.724 ± 0.088' over seeds; one seed (no spread to show): its value and bootstrap interval; the digits
    the spread allows (ganeval.numbers)."""
    if math.isnan(row["mean"]):
        return "n/a"
    if row["seeds"] > 1:
        return with_spread(row["mean"], row["std"])
    return with_interval(row["mean"], row["ci_low"], row["ci_high"])


def compact_table(comparison, bold: bool = True) -> pd.DataFrame:
    """Variants as rows, HEADLINE_METRICS as columns ('fid ↓': lower is better), mean ± std with each
    metric's best mean in **bold** (ties all bold; none without `bold`: the terminal's table), then the
    modes the runs miss and the verdicts over seeds."""
    summary = comparison.summary
    variants = list(dict.fromkeys(e.variant for e in comparison.entries))
    frame = pd.DataFrame(index=variants)
    for metric in [m for m in HEADLINE_METRICS if m in set(summary.metric)]:
        rows = summary[summary.metric == metric].set_index("variant")
        higher = comparison.higher_is_better[metric]
        best = rows["mean"].max() if higher else rows["mean"].min()
        cells = {v: _mean_std(row) for v, row in rows.iterrows()}
        if bold:
            cells = {v: f"**{c}**" if len(rows) > 1 and rows.loc[v, "mean"] == best else c for v, c in cells.items()}
        frame[f"{metric} {'↑' if higher else '↓'}"] = [cells.get(v, "") for v in variants]
    full = comparison.table()
    for column in ("missing modes", "verdict"):
        if column in full:
            frame[column] = full[column].reindex(variants).fillna("")
    return frame.rename_axis("variant").reset_index()


NAME_COLUMNS = ("variant", "run", "better", "worse", "missing modes")  # values from run folders, manifests, results


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` for the report: the names in NAME_COLUMNS as code spans (markdown_code), never Markdown."""
    return frame.assign(**{column: frame[column].map(markdown_code) for column in NAME_COLUMNS if column in frame})


TABLE_CHARS = 140  # characters of table a row holds at 1280 px (the page's 1000 px column, its font and padding)
CELL_CHARS = 24  # a longer cell wraps onto more lines (at its spaces) instead of widening the table


def _column_chars(frame: pd.DataFrame, column) -> int:
    """How many characters wide a column is drawn: its longest header word (headers wrap at their spaces),
    its longest cell up to CELL_CHARS, and the cell's padding."""
    header = max((len(word) for word in str(column).split()), default=0)
    cells = max((len(str(value)) for value in frame[column]), default=0)
    return max(header, min(cells, CELL_CHARS)) + 2


def split_wide(frame: pd.DataFrame, key: str = "variant", budget: int = TABLE_CHARS) -> list[pd.DataFrame]:
    """`frame` as tables of at most `budget` characters a row, each led by the `key` column, the columns in
    their order: a table wider than the page is cut off (or scrolls) in a browser and on GitHub; one that
    fits stays whole."""
    rest = [c for c in frame.columns if c != key]
    width = _column_chars(frame, key)
    parts: list[list] = [[]]
    used = width
    for column in rest:
        chars = _column_chars(frame, column)
        if parts[-1] and used + chars > budget:
            parts.append([])
            used = width
        parts[-1].append(column)
        used += chars
    return [frame[[key, *columns]] for columns in parts]


def _tables(frame: pd.DataFrame, caption: str, key: str = "variant") -> list[Table]:
    """`frame` split to fit the page (`split_wide`), the caption under the last part."""
    parts = split_wide(frame, key)
    return [Table(part, caption if i == len(parts) - 1 else "") for i, part in enumerate(parts)]


def seed_bands(evals: pd.DataFrame, metrics) -> pd.DataFrame:
    """Per variant and step: the mean over seeds, with the min and max over seeds as the band
    (metric_low, metric_high: the columns `figures.metric_figure` draws as a band)."""
    metrics = [m for m in metrics if m in evals]
    values = evals[["run", "step", *metrics]].apply(
        lambda c: c if c.name == "run" else pd.to_numeric(c, errors="coerce")
    )
    grouped = values.groupby(["run", "step"], sort=False)
    mean, low, high = grouped.mean(), grouped.min(), grouped.max()
    return pd.concat([mean, low.add_suffix("_low"), high.add_suffix("_high")], axis=1).reset_index()


def _logs(comparison) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Steps and evaluations of every run, with run = its variant (the seeds of a variant pool)."""
    runs = [e for e in comparison.entries if e.steps is not None]
    steps = pd.concat([e.steps.assign(run=e.variant) for e in runs], ignore_index=True) if runs else pd.DataFrame()
    evals = pd.concat([e.evals.assign(run=e.variant) for e in runs], ignore_index=True) if runs else pd.DataFrame()
    probability: dict[str, bool] = {}
    for e in (
        runs
    ):  # a variant's D outputs are probabilities only if every seed's are (a critic's scores can all fall in [0, 1])
        probability[e.variant] = probability.get(e.variant, True) and bool(
            "d_input" not in e.evals or (e.evals.d_input == "probability").all()
        )
    return steps, evals, probability


def _samples_figure(samples: ShownSamples | None):
    """Final samples of each variant's first run, side by side: points over the mixture's true modes, or image grids."""
    if samples is None:
        return None, ""
    count = len(next(iter(samples.panels.values())))
    caption = f"Final samples of each variant (seed-0 run, {count:,} " + (
        "points, noise seed 1) over the true modes (x)." if samples.kind == "points" else "images, noise seed 1)."
    )
    return figures.samples_figure(samples.panels, samples.centres), caption


def _format_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    shown = pairs.copy()
    shown["p"] = shown["p"].map(lambda p: "" if math.isnan(p) else f"{p:.3g}")
    shown["p_adjusted"] = shown["p_adjusted"].map(lambda p: "" if math.isnan(p) else f"{p:.3g}")
    shown["significant"] = shown["significant"].map({True: "yes", False: "no"})
    return shown.rename(columns={"p_adjusted": "p (Holm)", "better": "better on average"})


def _what_was_compared(comparison, runs) -> str:
    entries = comparison.entries
    variants = list(dict.fromkeys(e.variant for e in entries))
    per_variant = pd.Series([e.variant for e in entries]).value_counts()
    low, high = int(per_variant.min()), int(per_variant.max())
    seeds = f"{low} seed{'s' if low > 1 else ''} each" if low == high else f"{low}-{high} seeds each"
    named = f"{len(variants)} variant{'s' if len(variants) > 1 else ''} ({', '.join(map(markdown_code, variants))})"
    what = (
        named + (f" on {markdown_code(comparison.data)}" if comparison.data else "") + f", {seeds}"
        if runs
        else f"{len(entries)} score results"
    )
    return (
        f"Compared: {what}. Mean ± std over seeds; bold: the best mean of each metric (↑ higher is better, ↓ lower). "
        + (
            "Final values: the last checkpoint of each run, sampled with noise seed 1 and scored against the "
            "reference; class_accuracy (cgan), label_preservation and cycle_error (cyclegan) come from the last "
            "evaluation in the training log; wall_time_s is the training time in seconds. Verdicts from the stability "
            "and collapse diagnostics, per seed."
            if runs
            else "Values as recorded in each result file, with their 95% bootstrap intervals."
        )
    )


def prd_curves(entries) -> dict[str, dict]:
    """variant -> its PRD curve, the mean of its entries' (`Entry.prd`, on the same angles), with the mean's
    max F_8 and F_1/8; variants without one are left out."""
    found: dict[str, list] = {}
    for entry in entries:
        if entry.prd is not None:
            found.setdefault(entry.variant, []).append(entry.prd)
    curves = {}
    for variant, own in found.items():
        own = [curve for curve in own if len(curve["precision"]) == len(own[0]["precision"])]
        precision = np.mean([curve["precision"] for curve in own], axis=0)
        recall = np.mean([curve["recall"] for curve in own], axis=0)
        f_8, f_1_8 = max_f_beta(precision, recall)
        curves[variant] = {"precision": precision, "recall": recall, "f_8": f_8, "f_1_8": f_1_8}
    return curves


def comparison_blocks(comparison, samples: ShownSamples | None = None) -> list[Block]:
    """The report's blocks, answer first; `samples`: the final samples to show side by side (runs only)."""
    entries = comparison.entries
    variants = list(dict.fromkeys(e.variant for e in entries))
    runs = [e for e in entries if e.run_dir is not None]
    blocks: list[Block] = [
        Heading("Answer"),
        Text(answer(comparison), lead=True),
        *_tables(shown(compact_table(comparison)), _what_was_compared(comparison, runs)),
    ]
    for variant, why in comparison.skipped.items():
        blocks.append(Text(f"**Skipped {markdown_code(variant)}**: {why}"))
    for variant, why in comparison.not_applicable.items():
        blocks.append(Text(f"**intra_fid and cas are n/a for {markdown_code(variant)}**: {why}."))
    figure, caption = _samples_figure(samples)  # the most telling figure, next to the answer it shows
    if figure is not None:
        blocks += [Heading("Final samples"), *_image("samples", figure, caption)]
    full = _tables(
        shown(comparison.table().reset_index()),
        "mean ± std over seeds, then the 95% interval of the mean (Student's t over seeds; with one seed, "
        "the run's bootstrap interval), clipped to the metric's range (modes_covered: 0 to the number of modes). "
        "d_ece: D's expected calibration error at the last evaluation.",
    )
    curves = prd_curves(entries)
    if curves:
        caption = (
            "PRD curves (Sajjadi et al. 2018; score --prd), one per variant (the mean over its results): the "
            "nearer the top right corner, the closer to the data; F_8 is recall-like, F_1/8 precision-like."
        )
        blocks += [Heading("PRD curves"), *_image("prd", figures.prd_figure(curves), caption)]
    blocks.append(Heading("Ranking"))
    if len(variants) < 2:
        blocks.append(
            Text(
                f"Only one variant ({markdown_code(variants[0])}): nothing to rank. "
                "The table gives its spread over seeds."
            )
        )
        blocks.append(Details("Every metric with its 95% interval", tuple(full)))
    else:
        blocks.append(
            Text(
                "Per metric, variants from best to worst; '>' separates ranks, where a variant's rank is 1 + the "
                "number of variants that beat it beyond noise, so variants sharing a rank show no significant "
                "difference. Test: Welch's t-test on the per-seed values (two-sided, Holm-corrected over the pairs of "
                f"a metric, alpha {ALPHA}); with one seed on either side, non-overlapping 95% bootstrap intervals."
            )
        )
        blocks += [Text(line) for line in comparison.ranking_lines(markdown_code)]
        blocks.append(
            Details(
                "Every metric with its 95% interval, and every pairwise test",
                (
                    *full,
                    Table(
                        _format_pairs(shown(comparison.pairs)),
                        "Every pair of variants per metric: which is better on average, the test and its p-value.",
                    ),
                ),
            )
        )
    if runs:
        blocks += _training_blocks(comparison, runs)
    return blocks


def _training_blocks(comparison, runs) -> list[Block]:
    steps, evals, probability = _logs(comparison)
    units = {e.step_unit for e in runs}  # StyleGAN logs count kimg; runs in different units share one axis
    unit = next(iter(units)) if len(units) == 1 else " or ".join(sorted(units)) + ", per run"
    blocks: list[Block] = [Heading("Over training")]
    if not evals.empty:
        n_modes = max((e.n_modes or 0 for e in runs), default=0) or None
        figure, _ = figures.metric_figure(seed_bands(evals, CURVE_METRICS), CURVE_METRICS, n_modes=n_modes)
        blocks += _image(
            "metrics",
            figure,
            "Metrics at each evaluation (generated samples from fixed noise against the reference). "
            "Line: mean over seeds; band: lowest to highest seed.",
            unit,
        )
    blocks += _image(
        "losses",
        figures.loss_figure(steps),
        "D and G losses per variant: median over seeds and bins of steps, band: 10th-90th percentile.",
        unit,
    )
    for outputs_are_probability, label in (
        (True, "probability variants (the dotted line is the minimax equilibrium, 0.5)"),
        (False, "critic scores of WGAN variants (no 0.5 equilibrium)"),
    ):
        chosen = [v for v, p in probability.items() if p == outputs_are_probability]
        if chosen:
            blocks += _image(
                f"d-outputs-{'probability' if outputs_are_probability else 'critic'}",
                figures.d_output_figure(steps[steps.run.isin(chosen)], outputs_are_probability),
                f"Mean D output on real and generated batches, {label}; median over seeds and bins of steps.",
                unit,
            )
    blocks.append(Heading("Stability and collapse verdicts"))
    verdicts = pd.DataFrame(
        [
            {
                "run": e.name,
                "variant": e.variant,
                "seed": e.seed,
                "verdict": e.diagnosis.verdict,
                "explanation": e.diagnosis.explanation,
            }
            for e in runs
            if e.diagnosis is not None
        ]
    )
    blocks.append(
        Table(shown(verdicts), "One verdict per run (`ganeval report RUN` shows each run's findings and figures).")
    )
    return blocks


def _image(name: str, figure, caption: str, unit: str | None = None) -> list[Block]:
    """The figure as an image block, its legends naming variants and its time axes in the runs' `unit`."""
    if figure is None:
        return []
    figures.relabel_time(figure, unit)
    legends = [*figure.legends, *(ax.get_legend() for ax in figure.axes)]
    for legend in legends:  # the shared figure functions title their legends "run"; here each line is a variant
        if legend is not None and legend.get_title().get_text() == "run":
            legend.set_title("variant")
        for text in legend.get_texts() if legend is not None else []:  # seaborn's hue header inside the legend
            if text.get_text() == "run":
                text.set_text("variant")
    return [Image(f"compare-{name}.png", figures.png_bytes(figure), caption)]


def write_comparison(comparison, out: Path, samples: ShownSamples | None = None) -> dict:
    """report.html, report.md and figures/ (atomically), then comparison.json beside them."""
    title = "GAN variants compared" + (f" on {markdown_code(comparison.data)}" if comparison.data else "")
    files = write_blocks(out, comparison_blocks(comparison, samples), title)
    with atomic_write(Path(out) / "comparison.json", "w") as stream:
        stream.write(json.dumps(comparison.to_dict(), indent=2, default=str) + "\n")
    return {**files, "json": Path(out) / "comparison.json"}
