"""Any CSV or JSONL training log: one table whose columns use our names (`columns.VOCABULARY`) or are
named by a column map {ours: theirs}, so a user with their own logging needs no TrainingLogger.

- The path is a .csv, .jsonl or .ndjson file, or a folder holding exactly one such file.
- The step is `step`, or `iteration`, `iter` or `global_step` when the table has no `step` (STEP_ALIASES);
  any other step column is mapped (`--map step=epoch`). Its values are whole numbers >= 0.
- One table holds both kinds of row: a row with a value in an eval column (fid, kid, precision,
  recall, ...: columns.EVAL_COLUMNS) is an evaluation; a row with a value in another column of ours
  (losses, D's outputs, time) is a step, with the unknown columns' values. A row with both is both; a
  row with values only in unknown columns is neither. Consecutive rows of one step that give different
  columns (a record per group of values) are one row. Steps increase in each frame.
- Our columns are numbers (a value that is none is a GanevalError naming the file, line and column;
  non-finite and absurd values are kept as read); columns we do not know are kept, as numbers or text.
- recognizes() only when the columns, mapped, hold a step and one of our columns: a random table is
  never claimed. Reads are bounded and validated as `diagnostics.logfile` does (torn last line dropped).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd

from ganeval.diagnostics.log.columns import (
    D_OUTPUT,
    EVAL_COLUMNS,
    LOG_FORMAT,
    SOURCE_FILES,
    STEP,
    STEP_UNIT,
    VOCABULARY,
    fill_probabilities,
)
from ganeval.diagnostics.logfile import (
    TEXT_COLUMNS,
    _check_header,
    _is_text,
    _numbers,
    _records,
    _steps,
    _texts,
    read_log_text,
    warn_torn,
)
from ganeval.errors import GanevalError, printable

SUFFIXES = (".csv", ".jsonl", ".ndjson")
STEP_ALIASES = ("iteration", "iter", "global_step")
PEEK_BYTES = 64 * 1024  # what recognizes() reads of a file: its header, or its first JSON records


class TableFormat:
    """A CSV or JSONL table of steps and evaluations (module docstring)."""

    name = "table"
    looks_for = (
        "a .csv or .jsonl file (or a folder holding exactly one) with a step column and columns named as ours "
        "(loss_d, d_real, fid, ...) or by --map ours=theirs"
    )

    def recognizes(self, path: Path) -> bool:
        return self.accepts(path, None)

    def accepts(self, path: Path, column_map: dict[str, str] | None) -> bool:
        """Whether the table at `path`, mapped, holds a step and one of our columns (its first bytes; never raises)."""
        try:
            file = table_file(path)
            if file is None:
                return False
            names = set(_peek_columns(file))
        except (OSError, ValueError):
            return False
        names = {ours for ours, theirs in (column_map or {}).items() if theirs in names} | names
        has_step = STEP in names or any(alias in names for alias in STEP_ALIASES)
        return has_step and any(name in VOCABULARY and name != STEP for name in names)

    def read(self, path: Path, column_map: dict[str, str] | None = None):
        """(steps, evals, manifest) of the table (module docstring)."""
        path = Path(path)
        file = table_file(path)
        if file is None:
            raise GanevalError(_not_a_table(path))
        column_map = column_map or {}
        header, rows, lines = (_jsonl_rows if file.suffix != ".csv" else _csv_rows)(file)
        missing = [f"{ours}={theirs}" for ours, theirs in column_map.items() if theirs not in header]
        if missing:
            raise GanevalError(
                f"{printable(str(file))}: --map {printable(','.join(missing))} names a column the log does not have "
                f"(its columns: {printable(', '.join(header)) or 'none'}); fix --map.",
                argument="map",
            )
        names = _our_names(file, header, column_map)
        table, present = _frame(file, names, header, rows, lines)
        steps, evals = _split(file, table, present, lines)
        steps, d_output = fill_probabilities(steps)
        manifest = {LOG_FORMAT: self.name, STEP_UNIT: STEP, D_OUTPUT: d_output, SOURCE_FILES: [file.name]}
        return steps, evals, manifest


def table_file(path: Path) -> Path | None:
    """The table at `path`: the file itself when it is a regular .csv/.jsonl/.ndjson file, the one such
    file in a folder; None otherwise (a folder of several tables is ambiguous: pass the file)."""
    path = Path(path)
    if path.is_file():
        return path if path.suffix.lower() in SUFFIXES else None
    if path.is_dir():
        found = [p for p in sorted(path.iterdir()) if p.suffix.lower() in SUFFIXES and p.is_file()]
        return found[0] if len(found) == 1 else None
    return None


def _not_a_table(path: Path) -> str:
    shown = printable(str(path))
    if path.is_dir():
        found = [p.name for p in sorted(path.iterdir()) if p.suffix.lower() in SUFFIXES]
        if found:
            return (
                f"{shown} holds {len(found)} tables ({printable(', '.join(found))}); the table format reads one: "
                "pass the file itself."
            )
        return f"{shown} holds no .csv or .jsonl file; the table format reads one such file."
    if not path.is_file():
        return f"{shown} is not a regular file (a device, FIFO or socket); a training log is a file the trainer wrote."
    return f"{shown} is not a .csv or .jsonl file; the table format reads those (name the file's kind by its suffix)."


def _peek_columns(file: Path) -> list[str]:
    """The column names in the first PEEK_BYTES of a table: a CSV's header, the keys of the JSONL records there."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # a file swapped for a FIFO after is_file() never blocks the peek
    with open(file, "rb", opener=lambda name, flags: os.open(name, flags | nonblocking)) as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            return []
        head = stream.read(PEEK_BYTES).decode("utf-8", errors="replace")
    if file.suffix.lower() == ".csv":
        first = next((line for line in head.splitlines() if line.strip()), "")
        return [name.strip() for name in next(csv.reader(io.StringIO(first)), [])]
    names: list[str] = []
    lines = head.split("\n")
    for line in lines[:-1] if len(lines) > 1 else lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            names += [key for key in record if key not in names]
    return names


def _csv_rows(file: Path) -> tuple[list[str], list[list], list[int]]:
    """Header, rows (strings) and line numbers of a CSV table, read and checked by logfile's helpers."""
    records, lines = _records(file)
    if not records:
        return [], [], []
    return records[0], records[1:], lines[1:]


def _jsonl_rows(file: Path) -> tuple[list[str], list[list], list[int]]:
    """Header (every key, in order of appearance), rows (values; None where a record lacks the key) and
    line numbers of a JSONL table: one JSON object a line; a torn last line is dropped with a LogWarning."""
    text = read_log_text(file)
    numbered = [(number, line) for number, line in enumerate(text.split("\n"), 1) if line.strip()]
    records, lines = [], []
    for index, (number, line) in enumerate(numbered):
        try:
            record = json.loads(line)
        except ValueError as error:
            if index == len(numbered) - 1 and not text.endswith(("\n", "\r")):
                warn_torn(file, number)
                break
            raise GanevalError(
                f"{printable(str(file))}, line {number}: not a JSON record ({error}); the log is damaged "
                "(restore it, or delete the line)."
            ) from None
        if not isinstance(record, dict):
            raise GanevalError(
                f"{printable(str(file))}, line {number}: a JSON {type(record).__name__}, not an object "
                '{"step": ..., "column": value}; a JSONL log holds one object a line.'
            )
        records.append(record)
        lines.append(number)
    header = list(dict.fromkeys(key for record in records for key in record))
    return header, [[record.get(key) for key in header] for record in records], lines


def _our_names(file: Path, header: list[str], column_map: dict[str, str]) -> list[str]:
    """The header renamed into our vocabulary: mapped columns take our name (a column of ours that is also
    in the table under our name is replaced by the mapped one); the step found (STEP_ALIASES) or refused."""
    renames = {theirs: ours for ours, theirs in column_map.items()}
    shadowed = set(column_map) - set(renames)  # ours, present under our name too: the mapped column is read
    names = [renames[name] if name in renames else "" if name in shadowed else name for name in header]
    if STEP not in names:
        alias = next((alias for alias in STEP_ALIASES if alias in names), None)
        if alias is None:
            raise GanevalError(
                f"{printable(str(file))} has no step column ({STEP!r}, or {', '.join(map(repr, STEP_ALIASES))}; its "
                f"columns: {printable(', '.join(header)) or 'none'}); name the column that counts steps with "
                "--map step=THEIRS."
            )
        names[names.index(alias)] = STEP
    _check_header(file, [name for name in names if name])
    return names


def _frame(file: Path, names: list[str], header: list[str], rows: list[list], lines: list[int]):
    """The table under our names: our columns as float64 (JSON text columns as text), unknown ones as read;
    and where a value was written (a NaN written is a value, kept: a broken metric; an empty field is none)."""
    data, present = {}, {}
    for i, (name, theirs) in enumerate(zip(names, header)):
        if not name:
            continue  # shadowed by a mapped column
        values = [_field(row[i]) for row in rows]
        present[name] = [bool(value.strip()) for value in values]
        if name == STEP or (name in VOCABULARY and not _is_text(name, values, TEXT_COLUMNS)):
            data[name] = _numbers(file, theirs, values, lines)
        elif name in VOCABULARY:
            data[name] = _texts(values)
        else:
            data[name] = _kept(values)
    return pd.DataFrame(data), pd.DataFrame(present, dtype=bool)


def _field(value) -> str:
    """One value as logfile's helpers take it: text ("" for missing); JSON lists and objects as JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value if isinstance(value, str) else repr(float(value)) if isinstance(value, float) else str(value)


def _kept(values: list[str]):
    """A column we do not know: numbers when every value is one, else its text."""
    try:
        return np.array([float(value) if value.strip() else math.nan for value in values])
    except ValueError:
        return _texts(values)


def _split(file: Path, table: pd.DataFrame, present: pd.DataFrame, lines: list[int]):
    """Step rows and eval rows (module docstring), each with steps checked (whole, >= 0, increasing)."""
    if table.empty:
        return pd.DataFrame(), pd.DataFrame()
    evals_at = [name for name in table.columns if name in EVAL_COLUMNS]
    others = [name for name in table.columns if name != STEP and name not in EVAL_COLUMNS]
    ours = [name for name in others if name in VOCABULARY]
    is_eval = present[evals_at].any(axis=1) if evals_at else pd.Series(False, index=table.index)
    is_step = present[ours].any(axis=1) if ours else pd.Series(False, index=table.index)
    frames = []
    for rows, columns in ((is_step, [STEP, *others]), (is_eval, [STEP, *evals_at])):
        keep = rows.to_numpy()
        frame, kept = _merge_steps(table.loc[keep, columns], present.loc[keep, columns], np.asarray(lines)[keep])
        if not frame.empty:
            frame[STEP] = _steps(file, frame[STEP].to_numpy(), kept)
        frames.append(frame if not frame.empty else pd.DataFrame())
    return frames[0], frames[1]


def _merge_steps(frame: pd.DataFrame, present: pd.DataFrame, lines: np.ndarray) -> tuple[pd.DataFrame, list[int]]:
    """Consecutive rows of one step that give different columns (a logger writing one record per group of
    values) as one row, on the line of the first; rows that give one column twice stay apart (refused
    by the step check: two values of one thing at one step)."""
    steps = frame[STEP].to_numpy()
    run = np.concatenate([[0], np.cumsum(steps[1:] != steps[:-1])]) if len(steps) else steps.astype(int)
    clashes = present.drop(columns=STEP).groupby(run).sum().gt(1).any(axis=1)
    alone = clashes.to_numpy()[run]
    run = np.where(alone, len(steps) + np.arange(len(steps)), run)  # a clashing run's rows stay apart
    if len(np.unique(run)) == len(run):
        return frame.reset_index(drop=True), lines.tolist()
    merged = frame.where(present.to_numpy()).groupby(run, sort=False).first()
    first = pd.Series(lines).groupby(run, sort=False).first()
    return merged.reset_index(drop=True), first.tolist()


FORMAT = TableFormat()
