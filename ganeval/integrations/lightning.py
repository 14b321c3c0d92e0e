"""GanevalCallback: ganeval's evaluations inside a Lightning training run (pip install ganeval[lightning]).

    from ganeval.integrations.lightning import GanevalCallback
    callback = GanevalCallback("ring8", every_n_steps=500, sample=lambda n: model.generator(torch.randn(n, 8)))
    lightning.Trainer(callbacks=[callback]).fit(model, data)
    # then: ganeval report <trainer.log_dir>/ganeval

Every training batch, the numbers the module logged (`self.log("loss_d", ...)`: use the names
loss_d, loss_g, d_real, d_fake for the diagnostics) go into the run folder's steps.csv; every
`every_n_steps` batches and at the end, `sample(n)` is scored against the reference through
`TrainingLogger` and the metrics go to the trainer's loggers (as ganeval/fid, ganeval/modes_covered,
... at the trainer's global step) and to evals.csv. The run folder is what `ganeval train` writes, so
`ganeval report` reads it. Steps in the run folder count training batches (with one optimiser step
per batch, Lightning's global step). Under DDP, rank 0 alone samples, scores and writes.
"""

from __future__ import annotations

from pathlib import Path

import torch

try:  # the optional extra this module exists for: without it the module still imports, the class says so
    from lightning.pytorch import Callback
except ModuleNotFoundError:
    Callback, MISSING = object, 'lightning: pip install "ganeval[lightning]"'
else:
    MISSING = None

from ganeval.errors import GanevalError
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import ReferenceScorer
from ganeval.training import TrainingLogger

__all__ = ["GanevalCallback"]


class GanevalCallback(Callback):
    """Score `sample(n)` against `reference` every `every_n_steps` training batches (module docstring).

    reference: a bundled set name, a folder, an array or a stats file (as `ReferenceScorer.of`).
    sample: a function of n that returns n generated samples (images N x C x H x W, uint8 or floats in
    [0, 1], or N x 2 points); it runs without gradients, with the module in eval mode. n: samples per
    evaluation (and the reference's subsample). run_dir: the run folder (default: the trainer's log_dir,
    or default_root_dir, / "ganeval"). writers: TrainingLogger's writers (the trainer's loggers get the
    metrics either way). device: where the extractor runs (default: the module's device)."""

    def __init__(
        self,
        reference,
        every_n_steps: int = 500,
        *,
        sample,
        n: int = 2000,
        run_dir=None,
        options: MetricOptions = MetricOptions(),
        writers=(),
        device=None,
        manifest: dict | None = None,
    ):
        if MISSING:
            raise GanevalError(f"GanevalCallback needs {MISSING}.")
        if not callable(sample):
            raise GanevalError(f"GanevalCallback(sample=...) must be a function of n; got {type(sample).__name__}.")
        if isinstance(every_n_steps, bool) or not isinstance(every_n_steps, int) or every_n_steps < 1:
            raise GanevalError(
                f"GanevalCallback(every_n_steps=...) must be a whole number >= 1; got {every_n_steps!r}."
            )
        self.reference, self.every_n_steps, self.sample, self.n = reference, every_n_steps, sample, n
        self.run_dir, self.options, self.writers, self.device = run_dir, options.replace(n=n), writers, device
        self.manifest = manifest or {}
        self.logger: TrainingLogger | None = None
        self.batches = 0
        self.last_evaluated = None

    def on_fit_start(self, trainer, pl_module) -> None:
        if not trainer.is_global_zero:
            return
        run_dir = Path(self.run_dir or Path(trainer.log_dir or trainer.default_root_dir) / "ganeval")
        device = self.device if self.device is not None else pl_module.device
        extraction = Extraction(device=device, workers=0, progress=False)
        scorer = ReferenceScorer.of(self.reference, options=self.options, extraction=extraction)
        manifest = {"trainer": "lightning", "module": type(pl_module).__name__, **self.manifest}
        self.logger = TrainingLogger(run_dir, scorer, options=self.options, manifest=manifest, writers=self.writers)
        self.batches, self.last_evaluated = 0, None

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.logger is None:
            return
        scalars = {
            key: value
            for key, value in trainer.callback_metrics.items()
            if not key.startswith("ganeval/") and _is_number(value)
        }
        self.logger.step(self.batches, **scalars)
        self.batches += 1
        if self.batches % self.every_n_steps == 0:
            self._evaluate(trainer, pl_module)

    def on_fit_end(self, trainer, pl_module) -> None:
        if self.logger is None:
            return
        if self.batches and self.last_evaluated != self.batches:
            self._evaluate(trainer, pl_module)  # the end of training is always evaluated, as `ganeval train` does
        self.logger.close(finished=True)

    def on_exception(self, trainer, pl_module, exception) -> None:
        if self.logger is not None:
            self.logger.close(finished=False)  # the log up to the failure, marked unfinished

    @property
    def run_folder(self) -> Path | None:
        """Where the run folder is written (None before fit starts, and on ranks other than 0)."""
        return None if self.logger is None else self.logger.run_dir

    def _evaluate(self, trainer, pl_module) -> None:
        training = pl_module.training
        pl_module.eval()
        try:
            with torch.no_grad():
                fake = self.sample(self.n)
        finally:
            pl_module.train(training)
        row = self.logger.evaluate(self.batches, fake=fake)
        self.last_evaluated = self.batches
        metrics = {f"ganeval/{key}": float(value) for key, value in row.items() if key != "step" and _is_number(value)}
        for logger in trainer.loggers:
            logger.log_metrics(metrics, step=trainer.global_step)


def _is_number(value) -> bool:
    if isinstance(value, torch.Tensor):
        return value.numel() == 1 and (value.is_floating_point() or value.dtype in (torch.int32, torch.int64))
    return isinstance(value, (int, float)) and not isinstance(value, bool)
