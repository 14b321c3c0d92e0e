"""Training diagnostics, pandas only: a run's training log (written by `ganeval.training.TrainingLogger`, or
read from a foreign format through `diagnostics.log`) and its analyses.

`diagnose(steps, evals, manifest)` runs every detector over a run's log (stability, collapse,
D's calibration) and returns a `RunDiagnosis`: the verdict, its one-sentence explanation, the
findings and summary numbers. `diagnose_run(folder)` reads the log first. Nothing here loads torch
or scores samples, so reading and diagnosing a log, as `ganeval report` does, is quick.
"""

from __future__ import annotations

from ganeval.diagnostics.diagnose import diagnose, diagnose_run
from ganeval.diagnostics.findings import VERDICTS, Finding, RunDiagnosis
from ganeval.diagnostics.logfile import load_log

__all__ = ["load_log", "diagnose", "diagnose_run", "Finding", "RunDiagnosis", "VERDICTS"]
