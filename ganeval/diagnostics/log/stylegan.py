"""Placeholder for the stylegan log format (issue 21): registered so the registry imports; it recognises
nothing yet and is being written."""

from __future__ import annotations

from pathlib import Path

from ganeval.errors import GanevalError


class StyleGANFormat:
    """StyleGAN2-ADA / StyleGAN3 run folders (not read yet)."""

    name = "stylegan"
    looks_for = "StyleGAN2-ADA / StyleGAN3 run folders (stats.jsonl, metric-*.jsonl, training_options.json, log.txt)"

    def recognizes(self, path: Path) -> bool:
        return False

    def read(self, path: Path, column_map: dict[str, str] | None = None):
        raise GanevalError(f"{path}: the {self.name} log format is not implemented yet.")


FORMAT = StyleGANFormat()
