"""Training diagnostics: the training log (written by `TrainingLogger`) and, later, its analyses."""

from ganeval.diagnostics.logger import TrainingLogger, load_log

__all__ = ["TrainingLogger", "load_log"]
