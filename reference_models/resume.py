"""`--resume` continues the same run only: the variant, data, seed and settings its checkpoint and
manifest record (they must agree), with one exception: more steps, to extend it. Anything else
would mix two runs in one log, so it is refused with the list of differences.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from ganeval.errors import GanevalError
from reference_models import checkpoint
from reference_models.checkpoint import CHECKPOINT
from reference_models.config import TrainConfig
from reference_models.runfolder import holds_run

RESUMABLE = ("steps",)  # the one setting a resumed run may change: extending it to more steps


def resumable_checkpoint(run_dir: Path) -> Path:
    """The checkpoint to resume from, or a GanevalError that says how to start instead."""
    path = run_dir / CHECKPOINT
    if path.exists():
        return path
    if holds_run(run_dir):
        raise GanevalError(
            f"{run_dir} has no {CHECKPOINT} to resume from: the run stopped before its first checkpoint "
            "(every checkpoint_every steps). Start it again with --overwrite instead of --resume."
        )
    raise GanevalError(f"{run_dir} has no {CHECKPOINT} to resume from; start the run without --resume.")


def resumed_config(
    state: dict, run_dir: Path, variant: str, data: str, steps: int | None, seed: int | None, settings: dict
) -> TrainConfig:
    """The run's settings with `steps` (if given) extended; any other difference from the run is refused.

    The run is what its checkpoint and its manifest.json record (they must agree); settings not given
    are taken from it."""
    path = run_dir / CHECKPOINT
    saved = checkpoint.config_of(state, path)
    asked = saved.override(seed=seed, **settings)  # checks names and values
    differences = _differences(
        {"variant": state["variant"], "data": state["data"], **saved.to_dict()},
        {"variant": variant, "data": data, **asked.to_dict()},
        "in the run",
        "asked for now",
    )
    differences += _manifest_differences(run_dir, state, saved)
    if differences:
        raise GanevalError(
            f"cannot resume {run_dir}: {'; '.join(differences)}. A resumed run keeps its variant, data, seed and "
            "settings (only --steps may change, to extend it): resume with the run's, or train a new run with a "
            "new --out (or --overwrite)."
        )
    resumed = asked.override(steps=steps)
    if resumed.steps < state["step"]:
        raise GanevalError(
            f"cannot resume {run_dir} to {resumed.steps} steps: its checkpoint is at step {state['step']} already; "
            f"pass --steps {state['step']} or more.",
            argument="--steps",
        )
    return resumed


def _differences(run: dict, asked: dict, run_label: str, asked_label: str) -> list[str]:
    """'key is X in the run, Y asked for now' for every key (bar RESUMABLE) whose values differ."""
    return [
        f"{key} is {run[key]!r} {run_label}, {asked.get(key)!r} {asked_label}"
        for key in run
        if key not in RESUMABLE and run[key] != asked.get(key)
    ]


def _manifest_differences(run_dir: Path, state: dict, saved: TrainConfig) -> list[str]:
    """Where manifest.json describes another run than the checkpoint (a log mixed from two runs)."""
    path = run_dir / "manifest.json"
    if not path.exists():
        return []
    try:
        manifest = json.loads(path.read_text())
        logged = {
            "variant": manifest["variant"],
            "data": manifest["data"],
            **{f.name: manifest["config"][f.name] for f in fields(TrainConfig)},
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GanevalError(
            f"cannot resume {run_dir}: its manifest.json cannot be read ({type(error).__name__}: {error}); "
            "the log is damaged: start again with --overwrite."
        ) from None
    logged["betas"] = tuple(logged["betas"]) if isinstance(logged["betas"], list) else logged["betas"]
    recorded = {"variant": state["variant"], "data": state["data"], **saved.to_dict()}
    return _differences(recorded, logged, f"in {CHECKPOINT}", "in manifest.json")
