"""Reading a training log: light (pandas only), so diagnosing a log never loads torch.

Logs are data from outside (a user's loop, a killed run, a copied folder), so they are validated
as they are read; a damaged log must never turn into a false verdict:
- a torn last line (no newline at its end, or fewer fields than the header: the writer stopped
  mid-line) is dropped with a `LogWarning`;
- any other line with the wrong number of fields, a value that is not a number in a numeric column,
  a missing `step` column, and duplicated or decreasing steps are refused (GanevalError naming the
  file, the line and the column).
"""

from __future__ import annotations

import csv
import io
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ganeval.errors import GanevalError, printable
from ganeval.files import read_regular

#: Columns of evals.csv that hold text, not numbers (TrainingLogger writes these; see its docstring):
#: the reliability curve and the mode histogram as JSON, and the kind of D's outputs. Any other
#: column whose values are all JSON lists or objects is text too (histograms the logger may add).
TEXT_COLUMNS = ("d_reliability", "mode_counts", "d_input")
#: ... of which these hold JSON, read by the detectors: a cell of another shape is a damaged log,
#: named at its line, not a crash of the detector that reads it. The mode counts: a list of counts
#: (finite numbers >= 0); the reliability curve: an object of equally long lists of numbers under
#: RELIABILITY_KEYS.
JSON_COLUMNS = ("d_reliability", "mode_counts", "hq_mode_counts")
RELIABILITY_KEYS = ("lower", "upper", "predicted", "real", "count")
JSON_STARTS = ("[", "{")
STEP = "step"
#: The largest log file read (a million steps of twenty columns are a few hundred megabytes): a link to
#: /dev/zero or a planted giant file is refused from its size, never read until memory runs out.
MAX_LOG_BYTES = 2 * 1024**3


class LogWarning(UserWarning):
    """A damaged training log that could still be read (its torn last line was dropped)."""


def load_log(run_dir) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(steps, evals, manifest) of a run folder written by TrainingLogger, validated (module docstring).
    A missing or empty evals.csv gives an empty frame; a missing manifest.json an empty dict."""
    run_dir = Path(run_dir)
    if not (run_dir / "steps.csv").exists():
        raise GanevalError(
            f"{run_dir} holds no training log (steps.csv); point at a run folder written by TrainingLogger."
        )
    steps = read_table(run_dir / "steps.csv")
    evals = read_table(run_dir / "evals.csv", TEXT_COLUMNS) if (run_dir / "evals.csv").exists() else pd.DataFrame()
    return steps, evals, read_manifest(run_dir / "manifest.json")


def read_run(run_dir) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """`load_log` for the analyses: GanevalError naming the folder when it is not a folder or logged
    no step yet. Steps increase in both frames (checked by `read_table`)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise GanevalError(f"{run_dir} is not a folder; pass run folders written by TrainingLogger or `ganeval train`.")
    steps, evals, manifest = load_log(run_dir)
    if steps.empty:
        raise GanevalError(f"{run_dir} holds an empty training log (steps.csv has no rows); log at least one step.")
    return steps, evals, manifest


def read_manifest(path: Path) -> dict:
    """manifest.json as a dict ({} when absent); GanevalError when it is not a JSON object."""
    if not path.exists():
        return {}
    try:
        manifest = json.loads(read_log_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GanevalError(
            f"{path} is not valid JSON ({error}); restore it, or delete it (the run's description is then unknown)."
        ) from None
    if not isinstance(manifest, dict):
        raise GanevalError(f"{path} holds a JSON {type(manifest).__name__}, not an object; restore it, or delete it.")
    return manifest


def read_table(path: Path, text_columns=()) -> pd.DataFrame:
    """One CSV table of a training log (steps.csv or evals.csv), validated: every column numeric
    (empty fields are missing values) but `text_columns` and, where text columns are expected, JSON
    ones; steps integers that strictly increase."""
    rows, lines = _records(path)
    if not rows:
        return pd.DataFrame()
    header, rows, lines = rows[0], rows[1:], lines[1:]
    _check_header(path, header)
    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    frame = {
        name: _texts(values) if _is_text(name, values, text_columns) else _numbers(path, name, values, lines)
        for name, values in columns.items()
    }
    for name in set(JSON_COLUMNS) & set(frame):
        _check_json(path, name, columns[name], lines)
    table = pd.DataFrame(frame, columns=header)
    table[STEP] = _steps(path, table[STEP].to_numpy(), lines)
    return table


def read_log_bytes(
    path: Path,
    limit: int | None = None,
    kind: str = "a training log",
    fix: str = "it is not a training log (or log fewer columns per step)",
) -> bytes:
    """A log file's bytes, read by `ganeval.files.read_regular` (a regular file of at most `limit` bytes,
    default MAX_LOG_BYTES; FIFOs, devices and sockets refused before they are opened). The one bounded
    reader of every log format."""
    return read_regular(path, MAX_LOG_BYTES if limit is None else limit, kind, fix)


def read_log_text(path: Path) -> str:
    """A log file's text: its bytes as `read_log_bytes` reads them, as UTF-8; GanevalError naming the first
    byte that is not UTF-8. The one text reader of every text log (CSV, JSONL, log.txt)."""
    try:
        return read_log_bytes(path).decode("utf-8")
    except UnicodeDecodeError as error:
        raise GanevalError(
            f"{printable(str(path))} is not a UTF-8 text file (byte {error.start} is not UTF-8): the log is damaged; "
            "restore it from a copy or re-run the training."
        ) from None


def warn_torn(path: Path, line: int) -> None:
    """The LogWarning for a torn last line (`line`), which the reader drops: a writer stopped mid-line."""
    warnings.warn(
        f"{printable(str(path))}: the last line (line {line}) is incomplete, as a writer stopped mid-line leaves it; "
        "it was ignored.",
        LogWarning,
        stacklevel=5,
    )


def _records(path: Path) -> tuple[list[list[str]], list[int]]:
    """The CSV records of a file and the line each starts on, blank lines skipped and a torn last
    record dropped with a LogWarning."""
    text = read_log_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, lines, line = [], [], 1
    try:
        for row in reader:
            if row:
                rows.append(row)
                lines.append(line)
            line = reader.line_num + 1
    except csv.Error as error:
        raise GanevalError(
            f"{path}, line {reader.line_num}: not readable as CSV ({error}); the log is damaged."
        ) from None
    torn = len(rows) > 1 and (not text.endswith(("\n", "\r")) or len(rows[-1]) < len(rows[0]))
    if torn:
        warn_torn(path, lines[-1])
        rows, lines = rows[:-1], lines[:-1]
    for row, number in zip(rows[1:], lines[1:]):
        if len(row) != len(rows[0]):
            raise GanevalError(
                f"{path}, line {number}: {len(row)} fields where the header has {len(rows[0])}; the log is damaged "
                "(restore it, or delete the line)."
            )
    return rows, lines


def _check_header(path: Path, header: list[str]) -> None:
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise GanevalError(
            f"{path}: the header names column(s) {', '.join(map(repr, repeated))} more than once; the log is damaged."
        )
    if STEP not in header:
        raise GanevalError(
            f"{path} has no {STEP!r} column (its columns: {', '.join(header)}); a training log needs the step "
            "of each row, as TrainingLogger writes it."
        )


def _is_text(name: str, values: list[str], text_columns) -> bool:
    """A known text column, or one of JSON lists/objects (never the step)."""
    if name == STEP:
        return False
    present = [value for value in values if value]
    return (
        name in text_columns
        or bool(present)
        and bool(text_columns)
        and all(value.startswith(JSON_STARTS) for value in present)
    )


def _texts(values: list[str]) -> list:
    """A text column; empty fields are missing values (NaN), as pandas reads them."""
    return [value if value else math.nan for value in values]


def _check_json(path: Path, column: str, values: list[str], lines: list[int]) -> None:
    """GanevalError naming the first non-empty value of a JSON column not of its shape (JSON_COLUMNS)."""
    expected = (
        f"an object of number lists under {', '.join(RELIABILITY_KEYS)}"
        if column == "d_reliability"
        else "a list of counts (numbers >= 0)"
    )
    for i, value in enumerate(values):
        if not value.strip():
            continue
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not (_reliability_shaped(parsed) if column == "d_reliability" else _counts_shaped(parsed)):
            raise GanevalError(
                f"{path}, line {lines[i]}, column {column!r}: {value[:40]!r} is not {expected}, as "
                "TrainingLogger writes it; the log is damaged (restore it, or delete the line)."
            )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _counts_shaped(parsed) -> bool:
    return isinstance(parsed, list) and all(_is_number(v) and math.isfinite(v) and v >= 0 for v in parsed)


def _reliability_shaped(parsed) -> bool:
    """An object of equally long number lists (NaN allowed: a D whose outputs broke logs NaN bins)."""
    if not isinstance(parsed, dict) or not all(isinstance(parsed.get(k), list) for k in RELIABILITY_KEYS):
        return False
    lists = [parsed[k] for k in RELIABILITY_KEYS]
    return len({len(v) for v in lists}) == 1 and all(_is_number(v) for values in lists for v in values)


def _numbers(path: Path, column: str, values: list[str], lines: list[int]) -> np.ndarray:
    """float64 values of a numeric column; empty fields are NaN.

    GanevalError naming the first value that is no number.
    """
    out = np.empty(len(values))
    for i, value in enumerate(values):
        try:
            out[i] = float(value) if value.strip() else math.nan
        except ValueError:
            raise GanevalError(
                f"{path}, line {lines[i]}, column {column!r}: {value[:40]!r} is not a number; the log is damaged "
                "(restore it, or delete the line)."
            ) from None
    return out


def _steps(path: Path, steps: np.ndarray, lines: list[int]) -> np.ndarray:
    """The step column as int64: whole numbers >= 0 that strictly increase (a repeated or earlier
    step means two runs' logs were mixed or rows were duplicated)."""
    for i, step in enumerate(steps):
        if not (math.isfinite(step) and step >= 0 and step == int(step)):
            raise GanevalError(f"{path}, line {lines[i]}, column {STEP!r}: {float(step)} is not a whole number >= 0.")
        if i and step <= steps[i - 1]:
            what = "repeats" if step == steps[i - 1] else "goes back to"
            raise GanevalError(
                f"{path}, line {lines[i]}: {what} step {int(step)} after step {int(steps[i - 1])} "
                f"on line {lines[i - 1]}; "
                "steps must increase (rows duplicated, or two runs' logs mixed in one file)."
            )
    return steps.astype(np.int64)
