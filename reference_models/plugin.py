"""How ganeval finds the reference trainers: the objects registered under its entry points
(pyproject.toml: `ganeval.generators` -> TRAINER, `ganeval.runs` -> RUN_FORMAT)."""

from __future__ import annotations

from pathlib import Path

import reference_models
from reference_models.checkpoint import CHECKPOINT


class ReferenceTrainer:
    """Trains the reference variants for `ganeval compare --variants` (ganeval.plugins.Trainer)."""

    @property
    def variants(self) -> list[str]:
        return list(reference_models.VARIANTS)

    def unsupported(self, variant: str, data: str) -> str | None:
        """Why `variant` cannot train on the bundled set `data` (None: it can), from building its networks."""
        chosen = reference_models.get_variant(variant)
        try:
            chosen.build_seeded(chosen.training_data(data), chosen.defaults)  # leaves the caller's random state alone
        except ValueError as error:
            return str(error)
        return None

    def train(
        self, variant: str, data: str, folder: Path, *, steps: int, seed: int, eval_every: int, device="cpu"
    ) -> str:
        """Train the run in `folder`, or resume it from its checkpoint; 'trained', 'resumed' or 'diverged: ...'.
        No bar of its own: `compare` shows one over its runs (and parallel jobs would draw over each other)."""
        resume = (Path(folder) / CHECKPOINT).exists()
        try:
            reference_models.train(
                variant,
                data,
                out=folder,
                steps=steps,
                seed=seed,
                resume=resume,
                overwrite=not resume,  # a run killed before its first checkpoint starts afresh
                eval_every=eval_every,
                checkpoint_every=eval_every,
                device=device,
                progress=False,
            )
        except reference_models.TrainingDiverged as error:
            return f"diverged: {error}"
        return "resumed" if resume else "trained"


class ReferenceRunFormat:
    """Run folders of the reference trainers: a checkpoint.pt beside the training log (ganeval.plugins.RunFormat)."""

    def recognizes(self, folder: Path) -> bool:
        return (Path(folder) / CHECKPOINT).is_file()

    def load(self, folder: Path) -> reference_models.TrainedGenerator:
        return reference_models.load(folder)


TRAINER = ReferenceTrainer()
RUN_FORMAT = ReferenceRunFormat()
