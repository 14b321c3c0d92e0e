"""`ganeval compare`: GAN variants (or any runs, or score results) side by side, with tests.

    from ganeval.compare import compare_results, compare_runs, compare_variants
    comparison = compare_variants(
        ["gan", "gan-ns", "wgan", "wgan-gp"], "ring8", seeds=3, jobs=2, output="reports/compare-ring8"
    )
    comparison = compare_runs(["runs/a", "runs/b"], output="reports/mine")        # existing run folders
    comparison = compare_results(["a.json", "b.json"], output="reports/scores")   # `ganeval score --json` results

Runs of the same variant are its seeds (replicates); score results are one replicate each. The final
scores of trained runs follow `options` (a MetricOptions; default runs.FINAL_OPTIONS: seed 1, 100 resamples).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import wrap

import numpy as np
import pandas as pd

from ganeval.compare.answer import answer, summarize_verdicts
from ganeval.compare.report import compact_table, write_comparison
from ganeval.compare.runs import (
    CONDITIONAL_METRICS,
    FINAL_METRICS,
    NOT_CONDITIONAL,
    final_scores,
    plan,
    shown_samples,
    train_all,
)
from ganeval.compare.stats import pairwise, ranking, ranking_sentence, summarize
from ganeval.data import get_bundled
from ganeval.data.mode_names import mode_names, names_text
from ganeval.diagnostics.collapse import missing_modes
from ganeval.diagnostics.diagnose import diagnose
from ganeval.diagnostics.log import read_log
from ganeval.errors import GanevalError, printable
from ganeval.metrics import get_metric, sample_metrics
from ganeval.numbers import decimals, number, with_interval, with_spread
from ganeval.options import Extraction, MetricOptions
from ganeval.plugins import run_format

# From the training log's last evaluation: D's calibration error, and what conditional (cgan) and
# translation (cyclegan) runs log; then the training's wall time. Their traits are the registry's.
LOG_METRICS = ("d_ece", "class_accuracy", "label_preservation", "cycle_error")
EXTRA_METRICS = (*LOG_METRICS, "wall_time_s")
TERMINAL_WIDTH = 120  # columns of `ganeval compare`'s printed text
STEPS = {"points": 3000, "images": 1500}  # default budget: generator steps, the same for every variant


@dataclass
class Entry:
    """One compared run (or score result): its group (variant), replicate (seed) and what it holds."""

    name: str
    variant: str
    seed: int
    metrics: dict  # name -> {"value", "ci"}
    run_dir: Path | None = None
    data: str | None = None
    diagnosis: object = None  # RunDiagnosis for runs
    steps: pd.DataFrame | None = None  # the run's log, for the report's curves
    evals: pd.DataFrame | None = None
    n_modes: int | None = None  # modes of the reference, the upper bound of modes_covered
    missing_modes: list[str] | None = None  # names of the modes not covered at the end (None: not known)
    settings: dict | None = None  # a run's training settings but its seed (None: not recorded)
    conditional: bool = False  # drawn for a class asked for (cgan: it logs class_accuracy), a different question
    step_unit: str = "step"  # what the log's step column counts: "step", or "kimg" for StyleGAN runs
    prd: dict | None = None  # a score result's PRD curve (score --prd --json): precision and recall


@dataclass
class Comparison:
    entries: list[Entry]
    values: pd.DataFrame  # long: variant, seed, metric, value, ci_low, ci_high
    summary: pd.DataFrame  # per variant and metric: seeds, mean, std, ci
    pairs: pd.DataFrame  # every pair's test
    ranks: pd.DataFrame
    higher_is_better: dict
    skipped: dict = field(default_factory=dict)  # variant -> why it was not trained
    data: str | None = None
    files: dict = field(default_factory=dict)  # what the report wrote
    not_applicable: dict = field(default_factory=dict)  # variant -> why the conditional runs' metrics are n/a

    def table(self) -> pd.DataFrame:
        """Variants as rows, 'mean +- std' (or 'value [ci]' for one seed) per metric, then the verdicts."""

        def cell(row) -> str:
            if math.isnan(row["mean"]):
                return "n/a"
            if row["seeds"] < 2 or math.isnan(row["ci_low"]):
                return with_interval(row["mean"], row["ci_low"], row["ci_high"])
            places = decimals(row["mean"], row["std"])  # the mean, its std and its interval: the digits of the std
            ends = (number(row[end], places=places) for end in ("ci_low", "ci_high"))
            return f"{with_spread(row['mean'], row['std'])} [{', '.join(ends)}]"

        frame = self.summary.assign(cell=self.summary.apply(cell, axis=1)).pivot(
            index="variant", columns="metric", values="cell"
        )
        frame = frame.reindex(
            index=list(dict.fromkeys(e.variant for e in self.entries)),
            columns=[m for m in self.higher_is_better if m in frame.columns],
        )
        verdicts = {}
        for entry in self.entries:
            if entry.diagnosis is not None:
                verdicts.setdefault(entry.variant, []).append(entry.diagnosis.verdict)
        if verdicts:
            frame["verdict"] = [summarize_verdicts(verdicts.get(v, [])) for v in frame.index]
        if any(e.missing_modes is not None for e in self.entries):
            frame["missing modes"] = [
                missing_modes_text([e for e in self.entries if e.variant == v]) for v in frame.index
            ]
        return frame

    def ranking_lines(self, name=str) -> list[str]:
        """One line per metric: variants by rank ('>' separates ranks; same rank: no significant difference).
        Nothing to rank with one variant, or on a metric only one variant has (cgan's class accuracy).
        `name` shows a variant's name (printable on a terminal, markdown_code in the report)."""
        if self.summary.variant.nunique() < 2:
            return []
        return [
            ranking_sentence(metric, ranks.assign(variant=ranks.variant.map(name)))
            for metric, ranks in self.ranks.groupby("metric", sort=False)
            if len(ranks) > 1
        ]

    def text(self, width: int = TERMINAL_WIDTH) -> str:
        """For a terminal, no line wider than `width`: the answer, the headline metrics (the report's compact
        table, its rightmost columns left out where they do not fit), the ranking lines, the variants skipped
        and the files written; every metric is in the JSON and the report. Names with their control characters
        escaped (`printable`), so none starts a line of its own."""
        table = compact_table(self, bold=False).set_index("variant").rename_axis(None)
        table = table.rename(index=lambda name: _cut(printable(name), 30)).map(printable)
        # the last metrics go first, then the missing modes, the verdicts last
        last = ("missing modes", "verdict")
        droppable = [*reversed([c for c in table.columns[1:] if c not in last]), *last]
        left_out = []
        for column in dict.fromkeys(c for c in droppable if c in table.columns):
            if max(map(len, table.to_string().splitlines())) <= width:
                break
            left_out.insert(0, column)
            table = table.drop(columns=column)
        notes = [
            *self.ranking_lines(printable),
            *(f"skipped {printable(variant)}: {why}" for variant, why in self.skipped.items()),
            *([f"left out here (in the JSON and the report): {', '.join(left_out)}"] if left_out else []),
            *([f"wrote {', '.join(printable(str(path)) for path in self.files.values())}"] if self.files else []),
        ]
        answer_text = printable(answer(self).replace("**", "").replace("`", ""))  # the report's Markdown, plain
        return "\n".join(
            [
                *wrap(answer_text, width),
                "",
                *(line[:width] for line in table.to_string().splitlines()),
                "",
                *(part for note in notes for part in wrap(note, width, subsequent_indent="  ")),
            ]
        )

    def to_dict(self) -> dict:
        def rows(frame):
            return json.loads(frame.to_json(orient="records"))

        return {
            "data": self.data,
            "skipped": self.skipped,
            "summary": rows(self.summary),
            "pairs": rows(self.pairs),
            "ranking": rows(self.ranks),
            "runs": [
                {
                    "name": e.name,
                    "variant": e.variant,
                    "seed": e.seed,
                    "run_dir": None if e.run_dir is None else str(e.run_dir),
                    "metrics": e.metrics,
                    "verdict": None if e.diagnosis is None else e.diagnosis.verdict,
                    "explanation": None if e.diagnosis is None else e.diagnosis.explanation,
                }
                for e in self.entries
            ],
        }


def _cut(text: str, most: int) -> str:
    """`text`, cut to `most` characters ending in '...' when longer (a run's name in the terminal's table)."""
    return text if len(text) <= most else text[: most - 3] + "..."


def missing_modes_text(entries: list[Entry]) -> str:
    """The modes a variant's runs miss: one list when its seeds agree, else per seed ('seed 0: 7; seed 1: none')."""
    texts = {e.seed: "n/a" if e.missing_modes is None else names_text(e.missing_modes) for e in entries}
    if len(set(texts.values())) == 1:
        return next(iter(texts.values()))
    return "; ".join(f"seed {seed}: {text}" for seed, text in texts.items())


def missing_mode_names(payload: dict) -> list[str] | None:
    """The names under a score result's "missing_modes" (None when the result has none, or predates them)."""
    entry = payload.get("missing_modes") if isinstance(payload, dict) else None
    names = entry.get("names") if isinstance(entry, dict) else None
    return [str(name) for name in names] if isinstance(names, list) else None


def prd_curve(payload: dict) -> dict | None:
    """A score result's PRD curve ({"precision": [...], "recall": [...]}, `score --prd`), or None when it has
    none or the file's is not two equally long lists of numbers in [0, 1] (a result file is data: never trusted)."""
    curve = payload.get("prd") if isinstance(payload, dict) else None
    if not isinstance(curve, dict):
        return None
    sides = [curve.get("precision"), curve.get("recall")]
    if not all(isinstance(side, list) and 3 <= len(side) <= 1_000_000 for side in sides):
        return None
    try:
        precision, recall = (np.asarray(side, dtype=np.float64) for side in sides)
    except (TypeError, ValueError):
        return None
    if precision.shape != recall.shape or not all(((x >= 0) & (x <= 1)).all() for x in (precision, recall)):
        return None
    return {"precision": precision, "recall": recall}


def run_entry(
    run_dir: Path,
    options: MetricOptions | None = None,
    extraction: Extraction | None = None,
    format=None,
    column_map=None,
) -> Entry:
    """A reference-trainer or TrainingLogger run, or a training log in any format (`diagnostics.log.read_log`;
    format forces one, column_map {ours: theirs}): final scores (reference-trainer runs, scored with `options`,
    default FINAL_OPTIONS, and `extraction`), LOG_METRICS at the last evaluation, wall time, and the diagnosis of
    its log."""
    run_dir = Path(run_dir)
    steps, evals, manifest = read_log(run_dir, format, column_map)
    final = (
        final_scores(run_dir, options, extraction)
        if run_format(run_dir) is not None and "variant" in manifest
        else None
    )
    metrics = final["metrics"] if final is not None else last_evaluation(evals)
    for name in LOG_METRICS:
        if len(evals) and name in evals and evals[name].notna().any():
            metrics[name] = {"value": float(evals[name].dropna().iloc[-1]), "ci": None}
    if len(steps) and "time" in steps:
        metrics["wall_time_s"] = {"value": float(steps.time.max()), "ci": None}
    config = manifest.get("config", {})
    diagnosis = diagnose(steps, evals, manifest, run=run_dir.name)
    n_modes = diagnosis.summary.get("n_modes") or bundled_modes(manifest.get("data") or manifest.get("reference"))
    missing = (
        missing_mode_names(final) if final is not None else logged_missing_modes(evals, n_modes, manifest.get("data"))
    )
    return Entry(
        run_dir.name,
        manifest.get("variant") or run_dir.name,
        int(config.get("seed", manifest.get("seed", 0)) or 0),
        metrics,
        run_dir,
        manifest.get("data"),
        diagnosis,
        steps,
        evals,
        n_modes,
        missing,
        {key: value for key, value in config.items() if key != "seed"} if isinstance(config, dict) else None,
        "class_accuracy" in metrics,
        str(manifest.get("step_unit") or "step"),
    )


def logged_missing_modes(evals: pd.DataFrame, n_modes: int | None, data: str | None) -> list[str] | None:
    """Names of the modes not hit at a log's last evaluation; None when it logged no mode_counts."""
    if not n_modes or evals is None or "mode_counts" not in evals or evals["mode_counts"].isna().all():
        return None
    return mode_names(missing_modes(evals), n_modes, data)


def bundled_modes(name) -> int | None:
    """The number of modes of a bundled data set by name (None: not a bundled set, or no modes)."""
    try:
        return get_bundled(str(name)).n_modes if name else None
    except ValueError:
        return None


def last_evaluation(evals: pd.DataFrame) -> dict:
    """Runs of users' own loops have no checkpoint to sample: their last logged evaluation stands in."""
    if evals is None or evals.empty:
        return {}
    last = evals.iloc[-1]
    return {m: {"value": float(last[m]), "ci": None} for m in FINAL_METRICS if m in last and pd.notna(last[m])}


def result_entry(path: Path) -> Entry:
    """A `ganeval score --json` result file."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text())
        metrics = payload["metrics"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GanevalError(
            f"{path} is not a ganeval score result ({error}); write one with `ganeval score ... --json {path.name}`."
        ) from None
    reference = (payload.get("provenance") or {}).get("reference") or {}
    return Entry(
        path.stem,
        path.stem,
        0,
        metrics,
        n_modes=bundled_modes(reference.get("source") if isinstance(reference, dict) else None),
        missing_modes=missing_mode_names(payload),
        prd=prd_curve(payload),
    )


def metric_bounds(metrics, entries: list[Entry]) -> dict[str, tuple[float | None, float | None]]:
    """(lower, upper) of each metric (None: unbounded): the registry's bounds (logged metrics' too), and
    modes_covered up to the reference's number of modes."""
    n_modes = max((e.n_modes for e in entries if e.n_modes), default=None)
    return {m: get_metric(m, logged=True).bounds(n_modes) for m in metrics}


def build(entries: list[Entry], skipped: dict | None = None, data: str | None = None) -> Comparison:
    """Summaries, pairwise tests and rankings of the entries' metrics."""
    if len(entries) < 2:
        raise GanevalError(
            "compare needs at least two runs or results; give more run folders, result files or variants."
        )
    rows = []
    for e in entries:
        for metric, entry in e.metrics.items():
            value = math.nan if entry.get("value") is None else float(entry["value"])
            low, high = entry.get("ci") or (math.nan, math.nan)
            rows.append(
                {
                    "variant": e.variant,
                    "seed": e.seed,
                    "metric": metric,
                    "value": value,
                    "ci_low": math.nan if low is None else low,
                    "ci_high": math.nan if high is None else high,
                }
            )
    values, not_applicable = _conditional_rows(pd.DataFrame(rows), entries)
    # the final scores first, then what score results may add, then what logs add
    order = [*FINAL_METRICS, *(m for m in sample_metrics() if m not in FINAL_METRICS), *EXTRA_METRICS]
    known = [m for m in order if m in set(values.metric)]
    values = values[values.metric.isin(known)]
    higher = {m: get_metric(m, logged=True).higher_is_better for m in known}
    summary = summarize(values, metric_bounds(known, entries))
    pairs = pairwise(values, higher)
    ranks = ranking(summary, pairs, higher)
    return Comparison(entries, values, summary, pairs, ranks, higher, skipped or {}, data, {}, not_applicable)


def _conditional_rows(values: pd.DataFrame, entries: list[Entry]) -> tuple[pd.DataFrame, dict]:
    """`values` with a NaN row (shown n/a) for each entry that lacks one of CONDITIONAL_METRICS (intra_fid, cas)
    that another entry has, and {variant: why} for those: an unconditional run's samples have no class."""
    present = [m for m in CONDITIONAL_METRICS if len(values) and m in set(values.metric)]
    rows, why = [], {}
    for e in entries:
        lacking = [m for m in present if m not in e.metrics]
        if lacking:
            rows += [{"variant": e.variant, "seed": e.seed, "metric": m, "value": math.nan} for m in lacking]
            why[e.variant] = NOT_CONDITIONAL if e.run_dir is not None else "not in its result file"
    return (pd.concat([values, pd.DataFrame(rows)], ignore_index=True) if rows else values), why


def compare_variants(
    variants: Sequence[str],
    data: str,
    *,
    seeds: int = 3,
    steps: int | None = None,
    jobs: int = 1,
    evaluations: int = 10,
    work=None,
    options: MetricOptions | None = None,
    output=None,
    extraction: Extraction | None = None,
    **keywords,
) -> Comparison:
    """Train reference GAN variants with the same budget and seeds, and compare them.

    What `ganeval compare --variants` runs: each variant trains on the same data for the same steps
    and seeds, so the comparison asks only which variant is better, with the seeds as replicates.
    Variants that cannot train on the data are skipped and named (Comparison.skipped).

    Args:
        variants: the reference trainers' variant names (gan, gan-ns, wgan, wgan-gp, ...).
        data: the bundled set to train on (ring8, grid25, digits, ...).
        seeds: train seeds 0..seeds-1 of each variant (at least 1).
        steps: generator steps of each run; None: the default for the data's kind.
        jobs: trainings run in parallel processes.
        evaluations: evaluations over each training, evenly spaced.
        work (str | Path | None): the folder of the runs (default runs/compare-DATA); finished runs are
            reused, interrupted ones resumed.
        options: the final scores' settings; None: FINAL_OPTIONS.
        output (str | Path | None): write the report there (report.html, report.md, comparison.json,
            figures); None: no files.
        extraction: how the final scores extract features (None: the defaults); its device is where the networks
            train and the evaluations and final scores run ("auto": CUDA when available; the random draws are
            made on the CPU from the seed), its progress whether bars are shown.
        **keywords (Any): progress= and device= as loose keywords: deprecated, with a DeprecationWarning; pass
            `extraction=` instead.

    Returns:
        The comparison: per-variant summaries, pairwise tests, ranks and the files written.

    Raises:
        GanevalError: `data` is empty, `seeds` is below 1, none of the variants trains on `data`, or
            fewer than two runs are left to compare.
    """
    if not data:
        raise GanevalError("compare --variants needs --data: a bundled set such as ring8, grid25 or digits.")
    if seeds < 1:
        raise GanevalError(f"seeds must be at least 1; got {seeds}.")
    work = Path(work) if work else Path("runs") / f"compare-{data}"
    steps = steps or STEPS[get_bundled(data).kind]
    planned, skipped = plan(list(variants), data, seeds, work)
    if not planned:
        raise GanevalError(f"none of {', '.join(variants)} trains on {data}: " + " ".join(skipped.values()))
    extraction = Extraction.merged(extraction, "compare_variants", keywords).resolved()
    train_all(planned, steps, jobs, evaluations, progress=extraction.progress, device=extraction.device)
    return _compared([run_entry(run.run_dir, options, extraction) for run in planned], output, skipped, data)


def compare_runs(
    runs: Sequence,
    *,
    labels: Sequence[str] | None = None,
    options: MetricOptions | None = None,
    output=None,
    extraction: Extraction | None = None,
    format: str | None = None,
    column_map: dict[str, str] | None = None,
    **keywords,
) -> Comparison:
    """Compare existing training runs: what `ganeval compare RUN RUN ...` runs.

    Args:
        runs (Sequence): run folders (reference trainers' or TrainingLogger's) or training logs in any
            format.
        labels: the arm of each run, in the order of the runs (runs of one label are its seeds); None:
            runs of the same variant and settings are its seeds, and runs of a variant whose settings
            differ (--set) are arms of their own, named by their folder.
        options: the final scores' settings for runs a trainer can sample (None: FINAL_OPTIONS); a
            TrainingLogger run's last evaluation stands as it was logged.
        output (str | Path | None): write the report there (report.html, report.md, comparison.json,
            figures); None: no files.
        extraction: how the final scores extract features (None: the defaults); its device is where they run
            ("auto": CUDA when available).
        format: forces one log format; None: the one that recognises each run.
        column_map: {ours: theirs} names a table's columns.
        **keywords (Any): device= as a loose keyword: deprecated, with a DeprecationWarning; pass `extraction=`
            instead.

    Returns:
        The comparison: per-arm summaries, pairwise tests, ranks and the files written.

    Raises:
        GanevalError: `labels` does not give one label per run, a run holds no log that can be read, or
            fewer than two runs are given.
    """
    if labels is not None and len(labels) != len(runs):
        raise GanevalError(
            f"{len(labels)} --label for {len(runs)} runs: give one --label per run, in the order of the runs.",
            argument="--label",
        )
    extraction = Extraction.merged(extraction, "compare_runs", keywords).resolved()
    entries = [run_entry(Path(run), options, extraction, format, column_map) for run in runs]
    if labels is not None:
        for entry, label in zip(entries, labels):
            entry.variant = str(label)
    else:
        _arms_by_folder(entries)
    return _compared(entries, output, data=next((e.data for e in entries if e.data), None))


def _arms_by_folder(entries: list[Entry]) -> None:
    """Runs of one variant trained with different settings are different arms, not seeds: each is named by
    its folder (its path where two folders share a name)."""
    names = [entry.name for entry in entries]
    for variant in {entry.variant for entry in entries}:
        runs = [entry for entry in entries if entry.variant == variant]
        if len({json.dumps(entry.settings, sort_keys=True, default=str) for entry in runs}) > 1:
            for entry in runs:
                entry.variant = entry.name if names.count(entry.name) == 1 else str(entry.run_dir)


def compare_results(results: Sequence, *, output=None) -> Comparison:
    """Compare `ganeval score --json` result files, one replicate each.

    Args:
        results (Sequence): the result files.
        output (str | Path | None): write the report there (report.html, report.md, comparison.json,
            figures); None: no files.

    Returns:
        The comparison: summaries, pairwise tests, ranks and the files written.

    Raises:
        GanevalError: a file is not a readable `ganeval score --json` result, or fewer than two are given.
    """
    return _compared([result_entry(Path(result)) for result in results], output)


def _compared(entries: list[Entry], output, skipped: dict | None = None, data: str | None = None) -> Comparison:
    """The comparison of `entries`; with `output`, the report written there (report.html, report.md,
    comparison.json, figures)."""
    comparison = build(entries, skipped, data)
    if output is not None:
        comparison.files = write_comparison(comparison, Path(output), shown_samples(entries))
    return comparison
