"""Any CSV or JSONL training log, with a column map {ours: theirs} (being written)."""

from __future__ import annotations

from pathlib import Path

from ganeval.errors import GanevalError


class TableFormat:
    """A CSV or JSONL file whose columns use our names, or are named by a column map."""

    name = "table"
    looks_for = "a .csv or .jsonl file (or a folder holding exactly one) whose columns use our names or --map"

    def recognizes(self, path: Path) -> bool:
        return self.accepts(path, None)

    def accepts(self, path: Path, column_map: dict[str, str] | None) -> bool:
        return False

    def read(self, path: Path, column_map: dict[str, str] | None = None):
        raise GanevalError(f"{path}: the {self.name} log format is not implemented yet.")


FORMAT = TableFormat()
