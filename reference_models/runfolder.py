"""The run folder's life: a new run never lands on an old one by accident, and nothing stale survives.

`train` into a folder that holds a run refuses unless asked to overwrite; overwriting deletes the old
run's files first (log, checkpoint, sample plots, scores derived from them), so no stale
samples/step_* can appear in a report. Files the trainer did not write are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from ganeval.errors import GanevalError
from reference_models.checkpoint import CHECKPOINT

RUN_FILES = ("steps.csv", "evals.csv", "manifest.json", CHECKPOINT)  # what a run writes (TrainingLogger, loop)
DERIVED_FILES = ("final.json",)  # scores of the last checkpoint cached beside it (ganeval compare)
SAMPLES = "samples"
EVENTS = "tensorboard"  # the TensorBoard writer's event files (train --writers tensorboard)
EVENT_FILE = re.compile(r"events\.out\.tfevents\..+")
SAMPLE_FILE = re.compile(r"step_(\d+)\.(png|npy)")  # samples/step_NNNNNN.png (plots and grids), .npy (points)
STAGED_SAMPLE = re.compile(r"\.step_\d+\.(png|npy)\..+\.tmp")  # ganeval.atomic's temporary name for one


def holds_run(run_dir: Path) -> bool:
    """True when run_dir has a run's log, checkpoint or sample plots (from any earlier run)."""
    plots = (run_dir / SAMPLES).glob("step_*")
    return any((run_dir / name).exists() for name in RUN_FILES) or any(SAMPLE_FILE.fullmatch(p.name) for p in plots)


def prepare_new_run(run_dir: Path, overwrite: bool) -> None:
    """Make sure a fresh run can start in run_dir: refuse to replace a run unless `overwrite`, then clear it."""
    if not holds_run(run_dir):
        return
    if not overwrite:
        found = ", ".join(name for name in (*RUN_FILES, SAMPLES) if (run_dir / name).exists())
        raise GanevalError(
            f"{run_dir} already holds a training run ({found}); training into it would replace it. "
            "Continue it with --resume, choose a new --out, or pass --overwrite to delete it and start over."
        )
    clear_run(run_dir)


def clear_run(run_dir: Path) -> None:
    """Delete the files a run writes and those derived from it (and half-written temporaries of them)."""
    for name in RUN_FILES + DERIVED_FILES:
        (run_dir / name).unlink(missing_ok=True)
    events = run_dir / EVENTS
    if events.is_dir() and not events.is_symlink():  # the old run's curves would show beside the new one's
        for path in events.iterdir():
            if EVENT_FILE.fullmatch(path.name) and path.is_file():
                path.unlink()
        if not any(events.iterdir()):
            events.rmdir()
    tidy_for_resume(run_dir, -1)


def tidy_for_resume(run_dir: Path, step: int) -> None:
    """Before a run continues from its checkpoint at `step`: delete what a kill left half-written
    (ganeval.atomic's temporaries) and the sample plots of steps past the checkpoint."""
    for name in RUN_FILES + DERIVED_FILES:
        for temporary in run_dir.glob(f".{name}.*.tmp"):  # ganeval.atomic's staging names
            temporary.unlink(missing_ok=True)
    discard_samples_after(run_dir, step)


def discard_samples_after(run_dir: Path, step: int) -> None:
    """Remove samples/step_N files with N > step, and half-written ones: a resumed run rewrites those
    it reaches again, as its log drops evaluations past the checkpoint (TrainingLogger.truncate)."""
    folder = run_dir / SAMPLES
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        sample = SAMPLE_FILE.fullmatch(path.name)
        if path.is_file() and (STAGED_SAMPLE.fullmatch(path.name) or (sample and int(sample.group(1)) > step)):
            path.unlink()
    if step < 0 and not any(folder.iterdir()):
        folder.rmdir()
