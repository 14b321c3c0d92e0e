"""Training diagnostics: the training log (written by `TrainingLogger`) and its analyses.

`diagnose(steps, evals, manifest)` runs every detector over a run's log (stability, collapse,
D's calibration) and returns a `RunDiagnosis`: the verdict, its one-sentence explanation, the
findings and summary numbers. `diagnose_run(folder)` reads the log first.

`TrainingLogger` writes the log from any training loop; it takes a scorer (`Scorer`: the reference
prepared once, e.g. `ganeval.scoring.ReferenceScorer.of("ring8")`) and does not import scoring. It is
loaded on first use (PEP 562), because it extracts features (torch): reading and diagnosing a log,
as `ganeval report` does, does not load torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from ganeval.diagnostics.diagnose import diagnose, diagnose_run
from ganeval.diagnostics.findings import VERDICTS, Finding, RunDiagnosis
from ganeval.diagnostics.logfile import load_log

if TYPE_CHECKING:  # what the lazy names are, for type checkers and IDEs
    from ganeval.diagnostics.logger import Scorer, TrainingLogger

__all__ = ["Scorer", "TrainingLogger", "load_log", "diagnose", "diagnose_run", "Finding", "RunDiagnosis", "VERDICTS"]


def __getattr__(name: str):
    if name in ("Scorer", "TrainingLogger"):
        return getattr(import_module("ganeval.diagnostics.logger"), name)
    raise AttributeError(f"module 'ganeval.diagnostics' has no attribute {name!r}")
