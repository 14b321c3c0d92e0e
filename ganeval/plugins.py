"""What ganeval consumes from other packages, and how it finds them: small protocols and entry points.

ganeval never imports a trainer. A package that trains or loads generators registers its
implementations under these entry-point groups (in its pyproject.toml), as `reference_models` does:

    [project.entry-points."ganeval.generators"]   # trainers of named variants (`ganeval compare --variants`)
    reference_models = "reference_models.plugin:TRAINER"
    [project.entry-points."ganeval.runs"]         # run-folder formats (`check`, `sample`, `compare RUN...`)
    reference_models = "reference_models.plugin:RUN_FORMAT"
    [project.entry-points."ganeval.commands"]     # CLI subcommands: a function adding a subparser
    train = "reference_models.cli:add_command"
    [project.entry-points."ganeval.extractors"]   # feature extractors by name (see ganeval.features)
    mine = "mypackage.features:MyExtractor"
    [project.entry-points."ganeval.logs"]         # training-log formats (`report`, `compare`; see diagnostics.log)
    mine = "mypackage.logs:FORMAT"

Each group is read when it is needed, never at import.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, runtime_checkable

from ganeval.errors import GanevalError, printable

GENERATORS, RUNS, COMMANDS, EXTRACTORS = "ganeval.generators", "ganeval.runs", "ganeval.commands", "ganeval.extractors"
LOGS = "ganeval.logs"  # training-log formats (ganeval.diagnostics.log.LogFormat)
REFERENCE_TRAINERS = (
    "install ganeval from its repository (pip install -e . there), which registers the reference trainers "
    "(reference_models) through their entry points"
)


@runtime_checkable
class Generator(Protocol):
    """Anything ganeval can draw samples from: n samples from `seed` (the same seed, the same samples),
    as uint8 images N x C x H x W or float images in a stated range, or N x 2 points (numpy or torch)."""

    def sample(self, n: int, seed: int = 0, device=None): ...


class Run(Generator, Protocol):
    """A trained generator loaded from a run folder, with what ganeval needs to score it.

    kind: "points" or "images"; reference: what its samples are scored against (a bundled set name,
    a folder, a statistics file); step: the training step of the loaded weights; distinct_samples:
    the most samples it draws without repeating an input (None: no limit); name: its variant;
    conditional: whether `sample(..., label=c)` draws class c."""

    kind: str
    reference: str
    step: int
    distinct_samples: int | None
    name: str
    conditional: bool


class RunFormat(Protocol):
    """A run-folder format (entry-point group `ganeval.runs`): which folders it reads, and how."""

    def recognizes(self, folder: Path) -> bool: ...

    def load(self, folder: Path) -> Run: ...


class Trainer(Protocol):
    """Trains named variants into run folders (entry-point group `ganeval.generators`).

    `unsupported(variant, data)` says why a variant cannot train on a bundled set (None: it can);
    `train` trains the run in `folder` or resumes it, and returns "trained", "resumed" or
    "diverged: <why>" (device: where its evaluations run); its folder is then a run that one of the
    `ganeval.runs` formats reads."""

    variants: Sequence[str]

    def unsupported(self, variant: str, data: str) -> str | None: ...

    def train(
        self, variant: str, data: str, folder: Path, *, steps: int, seed: int, eval_every: int, device
    ) -> str: ...


def load_group(group: str) -> dict:
    """name -> the loaded object of every entry point of `group`; one that fails to load is a GanevalError naming it."""
    loaded = {}
    for point in entry_points(group=group):
        try:
            loaded[point.name] = point.load()
        except Exception as error:  # a broken plug-in is named, not a traceback deep in importlib
            raise GanevalError(
                f"the {group} entry point {point.name!r} ({point.value}) failed to load: {type(error).__name__}: "
                f"{error}; reinstall or remove the package that provides it."
            ) from error
    return loaded


def entry_point_modules(group: str) -> dict[str, str]:
    """name -> the module of every entry point of `group` (read from the metadata: nothing is imported)."""
    return {point.name: point.module for point in entry_points(group=group)}


def trainers() -> dict[str, Trainer]:
    """variant name -> the trainer that trains it, over every installed `ganeval.generators` entry point."""
    return {variant: trainer for trainer in load_group(GENERATORS).values() for variant in trainer.variants}


def trainer_for(variant: str) -> Trainer:
    """The trainer of `variant`; unknown names raise GanevalError listing the installed ones."""
    known = trainers()
    if not known:
        raise GanevalError(
            f"no GAN trainers are installed, so variant {variant!r} cannot be trained: {REFERENCE_TRAINERS}."
        )
    if variant not in known:
        raise GanevalError(f"unknown variant {variant!r}; the reference trainers are: {', '.join(known)}.")
    return known[variant]


def run_format(folder) -> RunFormat | None:
    """The installed run format that reads `folder` (the first that recognizes it), or None."""
    folder = Path(folder)
    return next((fmt for fmt in load_group(RUNS).values() if fmt.recognizes(folder)), None)


def load_run(folder) -> Run:
    """The trained generator in a run folder, read by the installed format that recognizes it."""
    fmt = run_format(folder)
    if fmt is None:
        raise GanevalError(
            f"{printable(str(folder))} holds no run that an installed run format reads (a trainer's checkpoint); train "
            f"one there first (ganeval train ... --out {printable(str(folder))}), or install the package that wrote "
            f"it; for the reference trainers' runs, {REFERENCE_TRAINERS}."
        )
    return fmt.load(Path(folder))


__all__ = [
    "Generator",
    "Run",
    "RunFormat",
    "Trainer",
    "entry_point_modules",
    "load_group",
    "load_run",
    "run_format",
    "trainer_for",
    "trainers",
]
