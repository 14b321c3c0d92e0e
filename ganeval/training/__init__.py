"""In-loop recording: `TrainingLogger` writes a training run's log (steps.csv, evals.csv, samples/, manifest.json)
from any training loop, scoring samples on the schedule the loop chooses through a `Scorer` (`ReferenceScorer.of`),
and sends it to optional writers (TensorBoard, W&B, MLflow: `ganeval.training.writers`).

Above both engine packages: it scores through `ganeval.scoring` (torch) and sends the diagnosis so far through
`ganeval.diagnostics` (pandas only), which therefore import neither each other nor this package."""

from ganeval.training.logger import Scorer, TrainingLogger

__all__ = ["Scorer", "TrainingLogger"]
