"""StyleGAN2-ADA and StyleGAN3 run folders, as NVlabs' trainers write them (stylegan2-ada-pytorch and
stylegan3: training/training_loop.py, metrics/metric_main.py), read into the vocabulary of `columns`.

  stats.jsonl            one JSON object per tick: {statistic: {"num", "mean", "std"}, ..., "timestamp"}
  log.txt                the trainer's console, read only without stats.jsonl: "tick N kimg X time T
                         sec/tick ... augment P" lines (and the metric lines it echoes)
  metric-NAME.jsonl      one line per evaluation: {"results": {key: value}, "metric", "snapshot_pkl":
                         "network-snapshot-KKKKKK.pkl", ...}
  training_options.json  the run's settings (data set, batch, gamma, ADA's target, ...): the manifest

The unit is kimg: `step` is the kimg of the tick rounded down, as the trainer numbers its snapshots
(`network-snapshot-{nimg // 1000:06d}.pkl`) and TensorBoard steps; both trainers tick at least 1 kimg
apart (stylegan3's --tick is an int >= 1), so steps strictly increase, and a repeated one means two
runs' logs were mixed (refused). The exact kimg is kept beside it (`kimg`). Of each statistic the tick's
mean is read: Loss/G/loss -> loss_g, Loss/D/loss -> loss_d, Loss/scores/real and /fake (D's raw
logits) -> d_real_logit, d_fake_logit, and d_real, d_fake = sigmoid of those means (D's output at
its mean logit, a probability), Loss/signs/real (ADA's r_t) -> ada_rt, Progress/augment -> ada_p,
Timing/total_sec -> time; every other statistic is kept under its name in lower case with `_` for
any other character (Loss/r1_penalty -> loss_r1_penalty). Metric values, 1e57, -3e68 or inf
included, are kept as read: a broken metric log is for the diagnostics to report.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ganeval.diagnostics.log.columns import (
    ADA_TARGET,
    D_OUTPUT,
    LOG_FORMAT,
    SOURCE_FILES,
    STEP,
    STEP_UNIT,
    STYLEGAN_METRICS,
    TIME,
    VOCABULARY,
    stylegan_metric,
)
from ganeval.diagnostics.logfile import LogWarning, read_log_bytes, read_log_text, warn_torn
from ganeval.errors import GanevalError, printable

STATS, LOG_TXT, OPTIONS = "stats.jsonl", "log.txt", "training_options.json"
METRIC_FILES = re.compile(r"metric-[A-Za-z0-9_]+\.jsonl")
KIMG, TICK = "Progress/kimg", "Progress/tick"
#: stats.jsonl statistics read into the vocabulary (their means).
STAT_COLUMNS = {
    "Loss/G/loss": "loss_g",
    "Loss/D/loss": "loss_d",
    "Loss/scores/real": "d_real_logit",
    "Loss/scores/fake": "d_fake_logit",
    "Loss/signs/real": "ada_rt",
    "Progress/augment": "ada_p",
    "Timing/total_sec": TIME,
}
#: log.txt's fields and the statistic each prints (training_loop.py's status line).
LOG_FIELDS = {
    "sec/tick": "Timing/sec_per_tick",
    "sec/kimg": "Timing/sec_per_kimg",
    "maintenance": "Timing/maintenance_sec",
    "cpumem": "Resources/cpu_mem_gb",
    "gpumem": "Resources/peak_gpu_mem_gb",
    "reserved": "Resources/peak_gpu_mem_reserved_gb",
    "augment": "Progress/augment",
}
ADA_DEFAULT_TARGET = 0.6  # train.py's target for --aug=ada
MAX_PREFIX = 1 << 18  # bytes of stats.jsonl or log.txt looked at to recognise it (the network tables come first)
TICK_LINE = re.compile(r"^tick\s+(\S+)\s+kimg\s+(\S+)")
LOG_FIELD = re.compile(r"(?<!\S)(" + "|".join(map(re.escape, LOG_FIELDS)) + r")\s+(\S+)")
LOG_TIME = re.compile(r"\btime\s+((?:\d+[dhms]\s*)+)")
SNAPSHOT = re.compile(r"(\d+)\.pkl$")


class StyleGANFormat:
    """StyleGAN2-ADA / StyleGAN3 run folders (module docstring); a file of one (stats.jsonl, log.txt,
    metric-*.jsonl, training_options.json) stands for its folder."""

    name = "stylegan"
    looks_for = (
        "a StyleGAN2-ADA / StyleGAN3 run folder: training_options.json with stats.jsonl or log.txt, "
        "or metric-*.jsonl files"
    )

    def recognizes(self, path: Path) -> bool:
        try:
            folder = _folder(Path(path))
            if folder is None:
                return False
            if _metric_files(folder):
                return True
            return (folder / OPTIONS).exists() and (_stats_shaped(folder / STATS) or _log_shaped(folder / LOG_TXT))
        except OSError:
            return False

    def read(self, path: Path, column_map: dict[str, str] | None = None):
        """(steps, evals, manifest) of the run folder (or of the folder of one of its files)."""
        path = Path(path)
        folder = _folder(path)
        if folder is None:
            raise GanevalError(
                f"{printable(str(path))} is not a StyleGAN run folder; pass the folder the trainer wrote "
                f"(training-runs/NNNNN-...), holding {STATS}, {LOG_TXT}, metric-*.jsonl or {OPTIONS}."
            )
        source, rows, lines, echoed = None, [], [], []
        if (folder / STATS).exists():
            source = folder / STATS
            rows, lines = read_stats(source)
        elif (folder / LOG_TXT).exists():
            source = folder / LOG_TXT
            rows, lines, echoed = read_log_txt(source)
        metric_files = _metric_files(folder)
        results = {}
        for file in metric_files:
            _merge(results, read_metric_lines(file, _lines(file)))
        if not metric_files and echoed:
            _merge(results, read_metric_lines(folder / LOG_TXT, echoed))
        statistics, chosen = _split_map(folder, rows, results, column_map or {})
        steps = (
            _ticks(source, rows, lines, statistics) if source else pd.DataFrame({STEP: np.array([], dtype=np.int64)})
        )
        evals, metrics = _evals(results, chosen)
        options = read_options(folder / OPTIONS) if (folder / OPTIONS).exists() else None
        manifest = _manifest(options, steps, metrics)
        manifest[SOURCE_FILES] = (
            ([source.name] if source else []) + [file.name for file in metric_files] + ([OPTIONS] if options else [])
        )
        if steps.empty and evals.empty:
            raise GanevalError(
                f"{printable(str(folder))} holds no tick and no evaluation ({STATS}, {LOG_TXT} and metric-*.jsonl "
                "are absent or empty); point at the run folder the trainer is writing, after its first tick."
            )
        return steps, evals, manifest


def _folder(path: Path) -> Path | None:
    """The run folder of `path`: itself, or the folder of a file the trainer writes there."""
    if path.is_dir():
        return path
    if path.name in (STATS, LOG_TXT, OPTIONS) or METRIC_FILES.fullmatch(path.name):
        return path.parent
    return None


def _metric_files(folder: Path) -> list[Path]:
    return sorted(file for file in folder.iterdir() if METRIC_FILES.fullmatch(file.name))


def _prefix(path: Path, size: int) -> str:
    """The first `size` bytes of a regular file as text ("" for anything else: never a FIFO's wait)."""
    if not path.is_file():
        return ""
    with open(path, "rb") as stream:
        return stream.read(size).decode("utf-8", errors="replace")


def _stats_shaped(path: Path) -> bool:
    """stats.jsonl with a tick's kimg in its first lines; one that is no regular file is taken (read refuses it)."""
    if path.exists() and not path.is_file():
        return True
    return f'"{KIMG}"' in _prefix(path, MAX_PREFIX)


def _log_shaped(path: Path) -> bool:
    if path.exists() and not path.is_file():
        return True
    return any(TICK_LINE.match(line) for line in _prefix(path, MAX_PREFIX).splitlines())


def _lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of the non-blank lines of a bounded text file; a last line the writer left
    without its newline is dropped with a LogWarning when it is not whole JSON (the writer stopped mid-line)."""
    text = read_log_text(path)
    lines = [(number, line.rstrip("\r")) for number, line in enumerate(text.split("\n"), 1) if line.strip()]
    if lines and not text.endswith(("\n", "\r")) and path.suffix == ".jsonl" and not _is_json(lines[-1][1]):
        warn_torn(path, lines[-1][0])
        lines = lines[:-1]
    return lines


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _record(path: Path, number: int, line: str) -> dict:
    """One JSONL line as a dict (NaN and Infinity are read: the trainers write them so)."""
    try:
        record = json.loads(line)
    except RecursionError:
        raise GanevalError(
            f"{printable(str(path))}, line {number}: JSON nested too deeply; the log is damaged."
        ) from None
    except json.JSONDecodeError as error:
        raise GanevalError(
            f"{printable(str(path))}, line {number}: not valid JSON ({error.msg}); the log is damaged "
            "(restore it, or delete the line)."
        ) from None
    if not isinstance(record, dict):
        raise GanevalError(
            f"{printable(str(path))}, line {number}: a JSON {type(record).__name__}, not an object; the log is "
            "damaged (restore it, or delete the line)."
        )
    return record


def _number(path: Path, number: int, key: str, value) -> float:
    """A statistic's value as float (null is missing: NaN); GanevalError naming the line and key otherwise."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GanevalError(
            f"{printable(str(path))}, line {number}, {printable(key)!r}: {printable(repr(value)[:40])} is not a "
            "number; the log is damaged (restore it, or delete the line)."
        )
    return float(value)


def sanitized(statistic: str) -> str:
    """A statistic's name as a column: lower case, `_` for any other character (Loss/r1_penalty -> loss_r1_penalty)."""
    return re.sub(r"[^0-9a-z]+", "_", statistic.lower()).strip("_") or "statistic"


def read_stats(path: Path) -> tuple[list[dict], list[int]]:
    """(rows, line numbers) of stats.jsonl: per tick, {statistic: its mean} (module docstring)."""
    rows, lines = [], []
    for number, line in _lines(path):
        record = _record(path, number, line)
        if KIMG not in record:
            raise GanevalError(
                f"{printable(str(path))}, line {number}: no {KIMG!r} statistic, which every tick of StyleGAN's "
                "stats.jsonl has; this is not StyleGAN's stats.jsonl, or the line is damaged."
            )
        row = {}
        for statistic, value in record.items():
            mean = value.get("mean") if isinstance(value, dict) else value
            row[statistic] = _number(path, number, statistic, mean)
        rows.append(row)
        lines.append(number)
    return rows, lines


def read_log_txt(path: Path) -> tuple[list[dict], list[int], list[tuple[int, str]]]:
    """(rows, line numbers, echoed metric lines) of log.txt: its "tick N kimg X ..." lines as the statistics
    they print (time, sec/kimg, augment, ...), and the metric results it printed, as (line number, JSON)."""
    rows, numbers, echoed = [], [], []
    lines = _lines(path)
    for number, line in lines:
        if line.startswith('{"results"'):
            echoed.append((number, line))
        match = TICK_LINE.match(line)
        if not match:
            continue
        row = {TICK: _field(path, number, "tick", match[1]), KIMG: _field(path, number, "kimg", match[2])}
        row.update({LOG_FIELDS[name]: _field(path, number, name, value) for name, value in LOG_FIELD.findall(line)})
        time = LOG_TIME.search(line)
        if time:
            row["Timing/total_sec"] = _seconds(time[1])
        rows.append(row)
        numbers.append(number)
    return rows, numbers, echoed


def _field(path: Path, number: int, name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise GanevalError(
            f"{printable(str(path))}, line {number}, field {name!r}: {printable(text[:40])!r} is not a number; "
            "the log is damaged (restore it, or delete the line)."
        ) from None


def _seconds(text: str) -> float:
    """dnnlib's format_time ("2h 30m 52s", "2d 14h 58m") in seconds."""
    unit = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return float(sum(int(value) * unit[u] for value, u in re.findall(r"(\d+)([dhms])", text)))


def _split_map(folder: Path, rows: list[dict], results: dict, column_map: dict[str, str]):
    """A column map {ours: theirs} split into {statistic: ours} and {ours: metric result key}: theirs is a
    statistic (Loss/G/reg), its column (loss_g_reg) or a metric's result key (fid50k). GanevalError naming
    what the run has when it has no such thing."""
    names = list(dict.fromkeys(name for row in rows for name in row if name not in (KIMG, TICK)))
    keys = sorted({key for row in results.values() for key in row})
    statistics, chosen = {}, {}
    for ours, theirs in column_map.items():
        statistic = theirs if theirs in names else next((n for n in names if sanitized(n) == theirs), None)
        if ours == STEP:
            raise GanevalError(
                f"--map step={printable(theirs)}: a StyleGAN run's steps are its kimg; leave step out of the map.",
                argument="map",
            )
        if statistic is not None:
            statistics[statistic] = ours
        elif theirs in keys:
            chosen[ours] = theirs
        else:
            raise GanevalError(
                f"--map {ours}={printable(theirs)}: the StyleGAN run {printable(str(folder))} has no statistic or "
                f"metric {printable(theirs)!r}; it has: {', '.join(names + keys) or 'nothing'}.",
                argument="map",
            )
    return statistics, chosen


def _ticks(path: Path, rows: list[dict], lines: list[int], mapped: dict[str, str] | None = None) -> pd.DataFrame:
    """Rows of statistics as the steps frame: step (kimg rounded down), kimg, tick, the vocabulary, the rest;
    `mapped` {statistic: ours} puts statistics where a column map says (the one it displaces keeps its name)."""
    steps = []
    for row, number in zip(rows, lines):
        kimg = row[KIMG]
        if not (math.isfinite(kimg) and kimg >= 0):
            raise GanevalError(f"{printable(str(path))}, line {number}: kimg {kimg} is not a number >= 0.")
        step = round(kimg * 1000) // 1000
        if steps and step <= steps[-1]:
            raise GanevalError(
                f"{printable(str(path))}, line {number}: kimg {kimg:g} after kimg {rows[len(steps) - 1][KIMG]:g} on "
                f"line {lines[len(steps) - 1]}; the trainer ticks at least 1 kimg apart, so two runs' logs are "
                "mixed in this file or lines are duplicated: keep one run's lines."
            )
        steps.append(step)
    frame = pd.DataFrame(rows)
    columns = {STEP: np.array(steps, dtype=np.int64)}
    columns["kimg"] = frame[KIMG].to_numpy(float) if rows else np.array([])
    if TICK in frame:
        columns["tick"] = frame[TICK].to_numpy(float)
    mapped = mapped or {}
    vocabulary = {**{s: ours for s, ours in STAT_COLUMNS.items() if ours not in mapped.values()}, **mapped}
    taken = set(columns) | set(VOCABULARY)
    for statistic in frame.columns:
        if statistic in (KIMG, TICK):
            continue
        name = vocabulary.get(statistic) or sanitized(statistic)
        if statistic not in vocabulary and name in taken:
            name = f"stylegan_{name}"
        while name in columns:
            name += "_"
        columns[name] = frame[statistic].to_numpy(float)
    for logit, probability in (("d_real_logit", "d_real"), ("d_fake_logit", "d_fake")):
        if logit in columns and probability not in columns:
            columns[probability] = 0.5 * (1.0 + np.tanh(columns[logit] / 2.0))  # sigmoid, without overflow
    order = [STEP, "kimg", "tick", TIME, *(c for c in VOCABULARY if c not in (STEP, TIME))]
    names = [c for c in order if c in columns] + [c for c in columns if c not in order]
    return pd.DataFrame({name: columns[name] for name in names})


def read_metric_lines(path: Path, lines: list[tuple[int, str]]) -> dict[int, dict[str, tuple[float, int, Path]]]:
    """{kimg: {result key: (value, line, file)}} of metric lines; a snapshot evaluated twice (calc_metrics.py
    run again) keeps its later value, with a LogWarning."""
    results: dict[int, dict] = {}
    for number, line in lines:
        record = _record(path, number, line)
        values, snapshot = record.get("results"), record.get("snapshot_pkl")
        if not isinstance(values, dict):
            raise GanevalError(
                f"{printable(str(path))}, line {number}: no 'results' object, which every line the trainer writes "
                "has; the log is damaged (restore it, or delete the line)."
            )
        found = SNAPSHOT.search(snapshot) if isinstance(snapshot, str) else None
        if found is None:
            raise GanevalError(
                f"{printable(str(path))}, line {number}: 'snapshot_pkl' is {printable(repr(snapshot)[:60])}, not a "
                "network-snapshot-KKKKKK.pkl name, so the kimg it evaluated is unknown; delete the line."
            )
        row = {key: (_number(path, number, key, value), number, path) for key, value in values.items()}
        _merge(results, {int(found[1]): row})
    return results


def _merge(results: dict, more: dict) -> None:
    for kimg, row in more.items():
        old = results.setdefault(kimg, {})
        for key, (value, number, path) in row.items():
            if key in old and not (old[key][0] == value or math.isnan(old[key][0]) and math.isnan(value)):
                warnings.warn(
                    f"{printable(str(path))}, line {number}: {key} of the snapshot at kimg {kimg} again ({value:g}, "
                    f"was {old[key][0]:g} on line {old[key][1]}); the later value is used.",
                    LogWarning,
                    stacklevel=3,
                )
            old[key] = (value, number, path)


def _evals(results: dict, chosen: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The evals frame (one row per evaluated snapshot, in kimg order) and {our column: result key};
    `chosen` {ours: key} (a column map) comes before the default choice."""
    keys = sorted({key for row in results.values() for key in row})
    metrics: dict[str, str] = dict(chosen or {})
    for ours in dict.fromkeys(column for _, column in STYLEGAN_METRICS):  # metric result keys: columns.py's table
        candidates = [key for key in keys if stylegan_metric(key) == ours and key not in metrics.values()]
        if ours in metrics:
            continue
        if candidates:  # the full data set's metric first (StyleGAN's default), then the most evaluated
            count = {key: sum(key in row for row in results.values()) for key in candidates}
            metrics[ours] = min(candidates, key=lambda key: (not key.endswith("_full"), -count[key], key))
    names = {key: ours for ours, key in metrics.items()}
    kimgs = sorted(results)
    frame = {STEP: np.array(kimgs, dtype=np.int64)}
    for key in keys:
        name = names.get(key) or (key if key not in VOCABULARY else f"stylegan_{key}")
        frame[name] = np.array([results[k][key][0] if key in results[k] else math.nan for k in kimgs], dtype=float)
    return pd.DataFrame(frame), metrics


def read_options(path: Path) -> dict:
    """training_options.json as a dict; GanevalError when it is not a JSON object."""
    try:
        options = json.loads(read_log_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise GanevalError(
            f"{printable(str(path))} is not valid JSON ({error}); restore it from the run, or delete it "
            "(the run's settings, ADA's target included, are then unknown)."
        ) from None
    if not isinstance(options, dict):
        raise GanevalError(f"{printable(str(path))} holds a JSON {type(options).__name__}, not an object; restore it.")
    return options


def _manifest(options: dict | None, steps: pd.DataFrame, metrics: dict[str, str]) -> dict:
    """What the diagnostics and the report say about the run: the format, the unit, D's outputs, ADA's target
    and the settings of training_options.json that describe the run."""
    manifest = {LOG_FORMAT: "stylegan", STEP_UNIT: "kimg", "metrics": metrics}
    if "d_real_logit" in steps or "d_fake_logit" in steps:
        manifest[D_OUTPUT] = "logit"
    o = options or {}
    get = lambda section, key: o.get(section).get(key) if isinstance(o.get(section), dict) else None  # noqa: E731
    generator = str(get("G_kwargs", "class_name") or "")
    trainer = "stylegan3" if "networks_stylegan" in generator else "stylegan2-ada" if generator else None
    augment = None
    if options is not None:
        augment = "ada" if o.get("ada_target") is not None else "fixed" if o.get("augment_kwargs") else "noaug"
    elif "ada_p" in steps and steps["ada_p"].nunique(dropna=True) > 1:
        augment = "ada"  # no options, but p moved: only ADA moves it
    settings = {
        "variant": trainer,
        "dataset": get("training_set_kwargs", "path"),
        "dataset_size": get("training_set_kwargs", "max_size"),
        "resolution": get("training_set_kwargs", "resolution"),
        "xflip": get("training_set_kwargs", "xflip"),
        "conditional": get("training_set_kwargs", "use_labels"),
        "batch_size": o.get("batch_size"),
        "num_gpus": o.get("num_gpus"),
        "r1_gamma": get("loss_kwargs", "r1_gamma"),
        "lr_g": get("G_opt_kwargs", "lr"),
        "lr_d": get("D_opt_kwargs", "lr"),
        "total_kimg": o.get("total_kimg"),
        "kimg_per_tick": o.get("kimg_per_tick"),
        "network_snapshot_ticks": o.get("network_snapshot_ticks"),
        "random_seed": o.get("random_seed"),
        "resume_pkl": o.get("resume_pkl"),
        "augment": augment,
    }
    manifest.update({key: value for key, value in settings.items() if value is not None})
    if augment == "ada":
        target = o.get("ada_target")
        manifest[ADA_TARGET] = float(target) if isinstance(target, (int, float)) else ADA_DEFAULT_TARGET
    total = o.get("total_kimg")
    if isinstance(total, (int, float)) and "kimg" in steps and len(steps):
        manifest["finished"] = bool(steps["kimg"].iloc[-1] >= total)
    return manifest


FORMAT = StyleGANFormat()
