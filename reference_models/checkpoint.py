"""Checkpoints: tensors and plain values only, written atomically, read without running code.

A checkpoint.pt is a dict of state dicts (tensors), the seeded generators' states (byte tensors) and
plain values (the step, the variant and data names, the settings as a dict). It is read with
`torch.load(weights_only=True)` (ganeval.torchfile.load_plain), so a crafted file cannot run code,
and checked before use: a file that is not a reference_models checkpoint, or lacks what a resume
needs, stops with a message that names it.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from ganeval.atomic import atomic_write
from ganeval.errors import GanevalError
from ganeval.torchfile import load_plain
from reference_models.config import TrainConfig

CHECKPOINT = "checkpoint.pt"
WHAT = "reference_models checkpoint"
SAMPLING_KEYS = ("generator", "variant", "data", "config", "step")  # what `load(run).sample` needs
# and what `--resume` needs too; "torch_rng" holds the losses' generator
# (the name kept from when it was torch's global one)
TRAINING_KEYS = ("discriminator", "opt_d", "opt_g", "draws", "torch_rng")
HOW_TO_FIX = (
    "Pass a run folder written by `ganeval train` (or retrain it there), "
    "or a TorchScript file (torch.jit.save) for your own generator."
)


def save(state: dict, path: Path) -> None:
    """Write the checkpoint atomically; a failed write (a full disk: torch.save wraps the OSError in a
    RuntimeError) is an OSError naming `path`, and the previous checkpoint stays in place."""
    try:
        with atomic_write(path) as stream:
            torch.save(state, stream)
    except RuntimeError as error:  # torch's PytorchStreamWriter: "file write failed", "unexpected pos"
        detail = " ".join(str(error).split())[:200]
        raise OSError(errno.ENOSPC, f"cannot write the checkpoint, is the disk full? ({detail})", str(path)) from None


def read(path: Path, for_resume: bool = False) -> dict:
    """The checkpoint at `path`, checked to hold what sampling (and, for_resume, training) needs."""
    state = load_plain(path, WHAT, HOW_TO_FIX)
    missing = [key for key in SAMPLING_KEYS if key not in state] if isinstance(state, dict) else list(SAMPLING_KEYS)
    if missing:
        raise GanevalError(
            f"{path} is not a ganeval {WHAT}: it holds {_contents(state)}, where a checkpoint.pt written by "
            f"`ganeval train` holds {', '.join(SAMPLING_KEYS)}. {HOW_TO_FIX}"
        )
    wrong = [
        key
        for key, kind in (("variant", str), ("data", str), ("config", dict), ("generator", dict))
        if not isinstance(state[key], kind)
    ]
    wrong += (
        ["config"]
        if isinstance(state["config"], dict) and not all(isinstance(key, str) for key in state["config"])
        else []
    )
    if wrong or isinstance(state["step"], bool) or not isinstance(state["step"], int) or state["step"] < 0:
        raise GanevalError(f"{path}: damaged {WHAT}: {', '.join(wrong or ['step'])} has the wrong type. {HOW_TO_FIX}")
    lacking = [key for key in TRAINING_KEYS if key not in state]
    if for_resume and lacking:
        raise GanevalError(
            f"{path} holds the generator's weights only (no {', '.join(lacking)}): it can be sampled and "
            "checked, not resumed. Train a new run with a new --out."
        )
    return state


def config_of(state: dict, path: Path) -> TrainConfig:
    """The settings the checkpoint was trained with, checked like user settings."""
    config = dict(state["config"])
    if isinstance(config.get("betas"), list):
        config["betas"] = tuple(config["betas"])
    with blame(path):
        return TrainConfig().override(**config)


@contextmanager
def blame(path: Path) -> Iterator[None]:
    """Put the file's name in front of any GanevalError raised inside (settings or names read from it)."""
    try:
        yield
    except GanevalError as error:
        raise GanevalError(f"{path}: {error}") from None  # the file is at fault, not the flag the error named


@contextmanager
def restoring(path: Path, part: str) -> Iterator[None]:
    """Around load_state_dict and set_state: a mismatch (other sizes, keys or types) is a damaged checkpoint."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - torch raises RuntimeError, KeyError, ValueError, TypeError for a bad state
        detail = " ".join(str(error).split())[:300]
        raise GanevalError(
            f"{path}: the {part} in this {WHAT} does not fit the network its settings describe "
            f"({type(error).__name__}: {detail}). The file is damaged or was edited. {HOW_TO_FIX}"
        ) from None


def _contents(state) -> str:
    if isinstance(state, dict):
        keys = [str(key) for key in list(state)[:8]]
        return f"the keys {', '.join(keys)}{', ...' if len(state) > 8 else ''}" if keys else "an empty dict"
    return f"a {type(state).__name__}"
