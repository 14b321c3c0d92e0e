"""Training diagnostics: the training log (written by `TrainingLogger`) and its analyses.

`diagnose(steps, evals, manifest)` runs every detector over a run's log (stability, collapse,
D's calibration) and returns a `RunDiagnosis`: the verdict, its one-sentence explanation, the
findings and summary numbers. `diagnose_run(folder)` reads the log first.
"""

from ganeval.diagnostics.diagnose import diagnose, diagnose_run
from ganeval.diagnostics.findings import VERDICTS, Finding, RunDiagnosis
from ganeval.diagnostics.logger import TrainingLogger, load_log

__all__ = ["TrainingLogger", "load_log", "diagnose", "diagnose_run", "Finding", "RunDiagnosis", "VERDICTS"]
