"""Training diagnostics: the training log (written by `TrainingLogger`) and its analyses.

`diagnose(steps, evals, manifest)` runs every detector over a run's log (stability, collapse,
D's calibration) and returns a `RunDiagnosis`: the verdict, its one-sentence explanation, the
findings and summary numbers. `diagnose_run(folder)` reads the log first.

`TrainingLogger` is imported on first use, so reading and diagnosing a log does not load torch.
"""

from __future__ import annotations

from ganeval.diagnostics.diagnose import diagnose, diagnose_run
from ganeval.diagnostics.findings import VERDICTS, Finding, RunDiagnosis
from ganeval.diagnostics.logfile import load_log

__all__ = ["TrainingLogger", "load_log", "diagnose", "diagnose_run", "Finding", "RunDiagnosis", "VERDICTS"]


def __getattr__(name: str):
    if name == "TrainingLogger":
        from ganeval.diagnostics.logger import TrainingLogger

        return TrainingLogger
    raise AttributeError(f"module 'ganeval.diagnostics' has no attribute {name!r}")
