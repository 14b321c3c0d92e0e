"""Training diagnostics: the training log (written by `TrainingLogger`) and its analyses.

`diagnose(steps, evals, manifest)` runs every detector over a run's log (stability, collapse,
D's calibration) and returns a `RunDiagnosis`: the verdict, its one-sentence explanation, the
findings and summary numbers. `diagnose_run(folder)` reads the log first.

`TrainingLogger` writes the log from any training loop; it takes a scorer (`Scorer`: the reference
prepared once, e.g. `ganeval.scoring.ReferenceScorer.of("ring8")`) and does not import scoring.
"""

from __future__ import annotations

from ganeval.diagnostics.diagnose import diagnose, diagnose_run
from ganeval.diagnostics.findings import VERDICTS, Finding, RunDiagnosis
from ganeval.diagnostics.logfile import load_log
from ganeval.diagnostics.logger import Scorer, TrainingLogger

__all__ = ["Scorer", "TrainingLogger", "load_log", "diagnose", "diagnose_run", "Finding", "RunDiagnosis", "VERDICTS"]
