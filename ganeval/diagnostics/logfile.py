"""Reading a training log: light (pandas only), so diagnosing a log never loads torch."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def load_log(run_dir) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(steps, evals, manifest) of a run folder written by TrainingLogger."""
    run_dir = Path(run_dir)
    if not (run_dir / "steps.csv").exists():
        raise ValueError(f"{run_dir} holds no training log (steps.csv); point at a run folder written by TrainingLogger.")
    steps = pd.read_csv(run_dir / "steps.csv")
    evals = pd.read_csv(run_dir / "evals.csv") if (run_dir / "evals.csv").exists() else pd.DataFrame()
    manifest = json.loads((run_dir / "manifest.json").read_text()) if (run_dir / "manifest.json").exists() else {}
    return steps, evals, manifest
