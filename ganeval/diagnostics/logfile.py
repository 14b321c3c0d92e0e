"""Reading a training log: light (pandas only), so diagnosing a log never loads torch."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from ganeval.errors import GanevalError


def load_log(run_dir) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(steps, evals, manifest) of a run folder written by TrainingLogger."""
    run_dir = Path(run_dir)
    if not (run_dir / "steps.csv").exists():
        raise GanevalError(f"{run_dir} holds no training log (steps.csv); point at a run folder written by TrainingLogger.")
    steps = pd.read_csv(run_dir / "steps.csv")
    evals = pd.read_csv(run_dir / "evals.csv") if (run_dir / "evals.csv").exists() else pd.DataFrame()
    manifest = json.loads((run_dir / "manifest.json").read_text()) if (run_dir / "manifest.json").exists() else {}
    return steps, evals, manifest


def read_run(run_dir) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """`load_log` for the analyses: ValueError naming the folder when it is not a folder or logged
    no step yet; the frames sorted by step."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise GanevalError(f"{run_dir} is not a folder; pass run folders written by TrainingLogger or `ganeval train`.")
    try:
        steps, evals, manifest = load_log(run_dir)
    except pd.errors.EmptyDataError:
        steps = evals = pd.DataFrame()
    if steps.empty:
        raise GanevalError(f"{run_dir} holds an empty training log (steps.csv has no rows); log at least one step.")
    steps = steps.sort_values("step").reset_index(drop=True)
    evals = evals.sort_values("step").reset_index(drop=True) if not evals.empty else evals
    return steps, evals, manifest
