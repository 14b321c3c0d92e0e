"""ganeval's own log: the steps.csv, evals.csv and manifest.json that TrainingLogger and `ganeval train`
write in a run folder, read and validated by `diagnostics.logfile`. It already uses the vocabulary."""

from __future__ import annotations

from pathlib import Path

from ganeval.diagnostics.log.columns import D_OUTPUT, LOG_FORMAT, SOURCE_FILES, STEP_UNIT, rename_columns
from ganeval.diagnostics.logfile import load_log
from ganeval.errors import GanevalError, printable

FILES = ("steps.csv", "evals.csv", "manifest.json")


class GanevalFormat:
    """Run folders written by TrainingLogger (`ganeval.training.logger`) or `ganeval train`."""

    name = "ganeval"
    looks_for = "a run folder with steps.csv (and evals.csv, manifest.json), as TrainingLogger writes it"

    def recognizes(self, path: Path) -> bool:
        return path.is_dir() and (path / "steps.csv").is_file()

    def read(self, path: Path, column_map: dict[str, str] | None = None):
        """(steps, evals, manifest) of the run folder; GanevalError when it is no folder or logged no step yet."""
        path = Path(path)
        if not path.is_dir():
            raise GanevalError(
                f"{printable(str(path))} is not a folder; the ganeval format reads run folders written by "
                "TrainingLogger or `ganeval train`."
            )
        steps, evals, manifest = load_log(path)
        if steps.empty:
            raise GanevalError(
                f"{printable(str(path))} holds an empty training log (steps.csv has no rows); log at least one step."
            )
        if column_map:
            steps, evals = rename_columns(steps, column_map), rename_columns(evals, column_map)
        manifest = {
            **manifest,
            LOG_FORMAT: self.name,
            STEP_UNIT: "step",
            D_OUTPUT: "probability",
            SOURCE_FILES: [name for name in FILES if (path / name).exists()],
        }
        return steps, evals, manifest


FORMAT = GanevalFormat()
