"""Placeholder for the tensorboard log format (issue 21): registered so the registry imports; it recognises
nothing yet and is being written."""

from __future__ import annotations

from pathlib import Path

from ganeval.errors import GanevalError


class TensorBoardFormat:
    """TensorBoard event files (events.out.tfevents.*) in a folder or given alone (not read yet)."""

    name = "tensorboard"
    looks_for = "TensorBoard event files (events.out.tfevents.*) in a folder or given alone"

    def recognizes(self, path: Path) -> bool:
        return False

    def read(self, path: Path, column_map: dict[str, str] | None = None):
        raise GanevalError(f"{path}: the {self.name} log format is not implemented yet.")


FORMAT = TensorBoardFormat()
