"""Training logs in any format, read into one vocabulary (`columns`) for the diagnostics.

A `LogFormat` recognises a folder or file and reads it into the frames and manifest that `diagnose`
takes. `read_log(path)` uses the first format that recognises the path (`format=` forces one);
the built-ins come first, in this order, then the entry points of group `ganeval.logs`:

    [project.entry-points."ganeval.logs"]   # an object with name, looks_for, recognizes(path), read(path, column_map)
    mine = "mypackage.logs:FORMAT"
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from ganeval.diagnostics.log.columns import LOG_FORMAT, STEP_UNIT, check_column_map
from ganeval.errors import GanevalError, printable
from ganeval.plugins import LOGS, load_group

#: The built-in formats' modules, in detection order; each defines FORMAT.
BUILT_IN = ("ganeval", "stylegan", "tensorboard", "table")


@runtime_checkable
class LogFormat(Protocol):
    """A training-log format. name: what `--format` calls it; looks_for: one line telling the user what
    it recognises; recognizes(path): whether the folder or file is one of its logs (cheap, never
    raises); read(path, column_map): (steps, evals, manifest) in the vocabulary of `columns`, validated
    (GanevalError naming the file, the line or record and the column); column_map is {ours: theirs}."""

    name: str
    looks_for: str

    def recognizes(self, path: Path) -> bool: ...

    def read(self, path: Path, column_map: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]: ...


def log_formats() -> dict[str, LogFormat]:
    """name -> format: the built-ins (BUILT_IN order), then every `ganeval.logs` entry point.

    An entry point may name a format object or a class to instantiate without arguments; one that
    is not a LogFormat, or takes a name already taken, is a GanevalError naming it."""
    formats = {name: import_module(f"{__name__}.{name}").FORMAT for name in BUILT_IN}
    for point, loaded in load_group(LOGS).items():
        fmt = loaded() if isinstance(loaded, type) else loaded
        if not isinstance(fmt, LogFormat) or not isinstance(fmt.name, str):
            raise GanevalError(
                f"the {LOGS} entry point {point!r} is not a log format (it needs name, looks_for, recognizes(path) "
                "and read(path, column_map)); fix or remove the package that provides it."
            )
        if fmt.name in formats:
            raise GanevalError(
                f"the {LOGS} entry point {point!r} names its format {fmt.name!r}, which is taken; "
                "rename it in the package that provides it."
            )
        formats[fmt.name] = fmt
    return formats


def detect_format(path, column_map: dict[str, str] | None = None) -> LogFormat | None:
    """The first format that recognises `path`, or None. With a column map, a CSV or JSONL table that
    the map makes readable is the table format's (`table.TableFormat.accepts`), when no format claims it."""
    path = Path(path)
    formats = log_formats()
    found = next((fmt for fmt in formats.values() if fmt.recognizes(path)), None)
    if found is None and column_map and formats["table"].accepts(path, column_map):
        found = formats["table"]
    return found


def read_log(
    path, format: str | None = None, column_map: dict[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(steps, evals, manifest) of the training log at `path` (a run folder or a log file), read by the
    format that recognises it or by `format`; column_map {ours: theirs} renames the log's columns into
    the vocabulary. GanevalError when the path is absent, unrecognised (listing what each format
    looks for) or holds no rows; the manifest names the format (`log_format`) and the step unit."""
    path = Path(path)
    shown = printable(str(path))
    column_map = check_column_map(column_map)
    if not path.exists():
        raise GanevalError(
            f"{shown} is not a folder or a file (nothing is there); pass a run folder or a training log file."
        )
    formats = log_formats()
    if format is not None:
        if format not in formats:
            raise GanevalError(
                f"unknown log format {printable(format)!r}; the formats are: {', '.join(formats)}.", argument="format"
            )
        fmt = formats[format]
    else:
        fmt = detect_format(path, column_map)
        if fmt is None:
            raise GanevalError(unrecognised(shown, formats))
    steps, evals, manifest = fmt.read(path, column_map)
    if steps.empty and evals.empty:
        raise GanevalError(
            f"{shown} holds an empty training log (read as {fmt.name}: no step and no evaluation rows); "
            "log at least one step."
        )
    manifest = dict(manifest)
    manifest.setdefault(LOG_FORMAT, fmt.name)
    manifest.setdefault(STEP_UNIT, "step")
    return steps, evals, manifest


def unrecognised(shown: str, formats: dict[str, LogFormat]) -> str:
    """The message for a path no format recognises: what each one looks for, and how to force or map."""
    lines = "; ".join(f"{name}: {fmt.looks_for}" for name, fmt in formats.items())
    return (
        f"{shown} holds no training log that ganeval reads. The formats look for: {lines}. "
        "Force one with --format NAME (format= in Python), or name a table's columns with "
        "--map ours=theirs,... (column_map=)."
    )


__all__ = ["BUILT_IN", "LogFormat", "detect_format", "log_formats", "read_log"]
