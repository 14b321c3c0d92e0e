"""TrainingLogger: what a GAN training run records for the diagnostics, from any training loop.

    log = TrainingLogger("runs/mine", ReferenceScorer.of("ring8"))   # a bundled name, a folder or a stats file
    log.step(step, loss_d=..., loss_g=..., d_real=..., d_fake=...)    # floats or tensors, every step
    log.evaluate(step, fake=samples, d_real=d_on_held_out_real, d_fake=d_on_fresh_fake)
    log.close()

Files in the run folder (schema in the README), each rewritten atomically on `flush`:
  steps.csv      one row per logged step: step, time (seconds since the logger started) and the
                 scalars given (loss_d, loss_g, d_real, d_fake, grad_norm_d, grad_norm_g, lr_d, ...)
  evals.csv      one row per evaluation: step, the metrics of the generated samples against the
                 reference (fid, precision, recall, modes_covered, mode_kl, ...), the discriminator's
                 calibration on held-out real vs fresh fake samples (d_accuracy, d_auc, d_brier, d_ece,
                 d_mean_real, d_mean_fake), d_reliability (JSON: the reliability curve's bins),
                 mode_counts (JSON list of samples per mode), hq_mode_counts (the same, high-quality
                 samples only: within 3 std of a mixture's centre, or classifier-confident),
                 diversity (mean pairwise feature distance of the generated batch over the real set's)
                 and realism (the median realism score: how far off the data samples are, where
                 precision is 0 for all of them)
  samples/step_NNNNNN.npy  for 2-D points: up to 500 of the evaluated samples, for the report's scatter plots
  manifest.json  free-form run description (variant, hyper-parameters, seed, versions), the
                 reference, the extractor's provenance and whether the run finished

writers=["tensorboard", "wandb", "mlflow"] (or writer objects, `ganeval.training.writers`) also send
every scalar, the diagnosis so far and a picture of the samples at each evaluation; the CSVs stay the
source of truth, and a writer that fails warns once and never stops training.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ganeval import __version__, distributed
from ganeval.atomic import atomic_write
from ganeval.data.arrays import as_samples
from ganeval.data.images import tile
from ganeval.diagnostics.calibration import reliability_json
from ganeval.diagnostics.diagnose import diagnose
from ganeval.diagnostics.logfile import load_log
from ganeval.errors import GanevalError
from ganeval.features import Extractor
from ganeval.metrics import (
    Samples,
    discriminator_calibration,
)
from ganeval.metrics.registry import canonical, quality_flags
from ganeval.options import Extraction, MetricOptions
from ganeval.training.writers import Writers, points_image

__all__ = ["Scorer", "TrainingLogger", "load_log", "mean_pairwise_distance"]

EVAL_METRICS = (
    "fid",
    "precision",
    "recall",
    "density",
    "coverage",
    "modes_covered",
    "mode_kl",
    "high_quality_fraction",
    "realism",
)
DIVERSITY_N = 500  # samples per side for the mean pairwise distance (a seeded subsample)
POINTS_SAVED = 500  # 2-D samples kept per evaluation for the report's scatter plots


def mean_pairwise_distance(features: np.ndarray, n: int = DIVERSITY_N, seed: int = 0) -> float:
    """Mean Euclidean distance between distinct rows of features (a seeded subsample of n rows), float64."""
    features = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    if len(features) > n:
        features = features[np.sort(np.random.default_rng(seed).choice(len(features), n, replace=False))]
    if len(features) < 2:
        return float("nan")
    squared = (features**2).sum(axis=1)
    distances = np.sqrt(np.maximum(squared[:, None] + squared[None, :] - 2 * features @ features.T, 0.0))
    return float(distances[np.triu_indices(len(features), 1)].mean())


def _scalar(value) -> float:
    if hasattr(value, "detach"):
        value = value.detach().cpu()
        value = value.mean() if value.numel() > 1 else value
        return float(value.item())
    return float(np.mean(value))


def write_atomically(path: Path, text: str) -> None:
    with atomic_write(path, "w") as stream:
        stream.write(text)


class Scorer(Protocol):
    """The reference side of the evaluations, prepared once; `ganeval.scoring.ReferenceScorer.of(reference)`
    builds one. reference: how it was given (for manifest.json); extractor: turns generated samples into
    features (and logits, modes); samples: the reference's features and modes."""

    reference: str
    extractor: Extractor
    samples: Samples

    def evaluator(self, metrics, **settings):
        """A `ganeval.Evaluator` against this reference (update(fake), compute() -> Result, reset()):
        `evaluate` scores through it, so its metrics are `score`'s."""


class TrainingLogger:
    """Records per-step scalars and periodic evaluations of a GAN training run, from any training loop.

    The run folder it writes (steps.csv, evals.csv, samples/, manifest.json; the module docstring lists
    the columns) is what `ganeval report` diagnoses and `ganeval compare` compares. Each file is
    rewritten atomically on `flush`, so a run killed at any point leaves the log of its last flush.

    Args:
        run_dir (str | Path): the run folder, created if absent.
        scorer: what generated samples are compared with at `evaluate`, e.g.
            `ReferenceScorer.of("ring8", options=MetricOptions(n=1000))` (a bundled set name, a folder, an
            array or a stats file; its extractor follows the reference unless named); None records only
            what is given.
        options: the metrics' settings (k, calibration bins, the seed of every random step; the number of
            modes comes from the scorer's extractor).
        manifest: extra entries for manifest.json (variant, hyper-parameters, ...).
        resume: continue the log already in `run_dir` (its steps.csv and evals.csv; the clock goes on from
            its last step).
        writers (Sequence): "tensorboard" (events in run_dir/tensorboard), "wandb", "mlflow" or writer objects
            (`ganeval.training.writers`), sent every scalar, the diagnosis and the samples' picture.
        extraction: how the evaluations extract the generated samples' features: its batch size (None: the
            scorer's device's, as for `score`); the device and the network are the scorer's.

    Attributes:
        run_dir: the run folder.
        steps: the step rows logged so far.
        evals: the evaluation rows logged so far.
        manifest: what manifest.json holds.

    Examples:
        ```python
        log = TrainingLogger("runs/mine", ReferenceScorer.of("ring8"))
        log.step(step, loss_d=..., loss_g=..., d_real=..., d_fake=...)    # floats or tensors, every step
        log.evaluate(step, fake=samples, d_real=d_on_held_out_real, d_fake=d_on_fresh_fake)
        log.close()
        ```
    """

    def __init__(
        self,
        run_dir,
        scorer: Scorer | None = None,
        *,
        options: MetricOptions = MetricOptions(),
        manifest: dict | None = None,
        resume: bool = False,
        writers=(),
        extraction: Extraction | None = None,
    ):
        reference = None if scorer is None else scorer.reference
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.writers = Writers(writers, self.run_dir)
        self.options = options
        self.extraction = Extraction() if extraction is None else extraction
        self.started = time.perf_counter()
        self.steps: list[dict] = []
        self.evals: list[dict] = []
        self.manifest = {
            "ganeval_version": __version__,
            "reference": None if reference is None else str(reference),
            **(manifest or {}),
            "finished": False,
        }
        self.extractor = self.real = self.evaluator = None
        self._real_spread: float | None = None
        if scorer is not None:
            self._prepare_reference(scorer)
        if resume and (self.run_dir / "steps.csv").exists():
            self.steps = pd.read_csv(self.run_dir / "steps.csv").to_dict("records")
            if (self.run_dir / "evals.csv").exists():
                self.evals = pd.read_csv(self.run_dir / "evals.csv").to_dict("records")
            self.started -= self.steps[-1]["time"] if self.steps else 0.0

    def _prepare_reference(self, scorer: Scorer) -> None:
        self.extractor, self.real = scorer.extractor, scorer.samples
        self.options = self.options.replace(n_modes=self.extractor.n_modes)
        # the Evaluator prepares what depends on the reference alone (k-NN radii, Gaussian fit) once for every
        # evaluation; intervals are the report's job (bootstrap 0)
        self.evaluator = scorer.evaluator(
            EVAL_METRICS,
            options=self.options.replace(bootstrap=0),
            extraction=self.extraction,
            applicable_only=True,
        )
        self.manifest["extractor"] = self.extractor.provenance()

    def step(self, step: int, **values) -> None:
        """Record the scalars of one training step (a row of steps.csv, written at the next `flush`).

        Args:
            step: the training step.
            **values (Any): name -> value: floats, numpy values or tensors (tensors are averaged); None
                values are left out.
        """
        row = {"step": int(step), "time": time.perf_counter() - self.started}
        row.update({key: _scalar(value) for key, value in values.items() if value is not None})
        self.steps.append(row)
        if self.writers:
            self.writers.send("scalars", row["step"], _numbers(row, "train", skip=("step", "time")))

    def evaluate(self, step: int, fake=None, d_real=None, d_fake=None, **values) -> dict:
        """Evaluate and record a row of evals.csv, then `flush`.

        The metrics of generated samples against the reference, and D's calibration on held-out real vs
        fresh fake outputs; either side may be left out.

        Args:
            step: the number of training steps done.
            fake (torch.Tensor | np.ndarray | None): generated samples (images: uint8 or floats in [0, 1];
                or N x 2 points).
            d_real (torch.Tensor | np.ndarray | None): D's outputs on held-out real samples.
            d_fake (torch.Tensor | np.ndarray | None): D's outputs on fresh fake samples; with d_real.
            **values (Any): extra values, recorded as they are (text as it is, numbers as floats).

        Returns:
            The recorded row.

        Raises:
            GanevalError: `fake` is given but the logger has no scorer, or `fake` is not samples.
        """
        row: dict = {"step": int(step)}
        if fake is not None:
            if self.real is None:
                raise GanevalError(
                    "TrainingLogger.evaluate(fake=...) needs a reference; pass a scorer when creating the logger: "
                    "TrainingLogger(run_dir, ReferenceScorer.of(reference))."
                )
            kind, samples = as_samples(fake, "fake", channels_last=not hasattr(fake, "detach"))
            self.evaluator.reset()
            self.evaluator.update(samples)
            with distributed.alone():  # this process's samples, whatever the process group
                scores = self.evaluator.compute().metrics  # the Frechet distance as "fid" whatever the extractor
            row.update({canonical(name): interval.value for name, interval in scores.items()})
            outputs = self.evaluator.outputs
            raw = Samples(
                features=outputs["features"],
                logits=outputs.get("logits"),
                modes=outputs.get("modes"),
                high_quality=outputs.get("high_quality"),
            )
            fake_samples = replace(raw, high_quality=quality_flags(raw, self.extractor.n_modes))  # as score's
            if "modes" in outputs and self.extractor.n_modes:
                row["mode_counts"] = json.dumps(
                    np.bincount(outputs["modes"], minlength=self.extractor.n_modes).tolist()
                )
                if fake_samples.high_quality is not None:
                    good = outputs["modes"][np.asarray(fake_samples.high_quality, dtype=bool)]
                    row["hq_mode_counts"] = json.dumps(np.bincount(good, minlength=self.extractor.n_modes).tolist())
            row["diversity"] = self._diversity(outputs["features"])
            if kind == "points":
                self._save_points(step, samples)
            if self.writers:
                picture = points_image(samples, self.real.features) if kind == "points" else tile(samples[:64])
                self.writers.send("image", int(step), "samples", picture if picture.ndim == 3 else picture[..., None])
        if d_real is not None and d_fake is not None:
            c = discriminator_calibration(_as_array(d_real), _as_array(d_fake), self.options.calibration_bins)
            row.update(
                d_accuracy=c.accuracy,
                d_auc=c.auc,
                d_brier=c.brier,
                d_ece=c.ece,
                d_mean_real=c.mean_d_real,
                d_mean_fake=c.mean_d_fake,
                d_input=c.input_kind,
                d_reliability=reliability_json(c.reliability),
            )
        row.update(
            {key: value if isinstance(value, str) else _scalar(value) for key, value in values.items()}
        )  # text (JSON) as it is
        self.evals.append(row)
        self.flush()
        if self.writers:
            self.writers.send("scalars", row["step"], _numbers(row, "eval", skip=("step",)))
            self._send_diagnosis(row["step"])
        return row

    def _send_diagnosis(self, step: int) -> None:
        """The verdict and findings of the log so far, as text for the writers (the report's diagnosis)."""
        try:
            found = diagnose(pd.DataFrame(self.steps), pd.DataFrame(self.evals), self.manifest)
        except GanevalError:
            return  # nothing to diagnose yet (no step rows)
        lines = [f"{found.verdict}: {found.explanation}"]
        lines += [f"- {f.kind} ({f.severity}): {f.explanation}" for f in found.findings]
        self.writers.send("text", int(step), "diagnosis", "\n".join(lines))

    def _diversity(self, fake_features) -> float:
        """Mean pairwise distance of the generated features over the real set's (1: as spread as the data)."""
        if self._real_spread is None:
            self._real_spread = mean_pairwise_distance(self.real.features, seed=self.options.seed)
        spread = mean_pairwise_distance(fake_features, seed=self.options.seed)
        return spread / self._real_spread if self._real_spread > 0 else float("nan")

    def _save_points(self, step: int, points: np.ndarray) -> None:
        """Up to POINTS_SAVED of the evaluated 2-D samples, as samples/step_NNNNNN.npy."""
        with atomic_write(self.run_dir / "samples" / f"step_{int(step):06d}.npy") as stream:
            np.save(stream, points[:POINTS_SAVED].astype(np.float32))

    def truncate(self, step: int) -> None:
        """Forget what was logged from training step `step` on, for a run resumed from a checkpoint.

        A run resumed from a checkpoint taken after `step` steps repeats the rest, so its rows would be
        logged twice.

        Args:
            step: the steps the checkpoint had done: step rows below it are kept, evaluations at or below
                it (an evaluation is labelled with the number of steps done).
        """
        self.steps = [r for r in self.steps if r["step"] < step]
        self.evals = [r for r in self.evals if r["step"] <= step]

    def flush(self) -> None:
        """Write steps.csv, evals.csv and manifest.json, each atomically."""
        write_atomically(self.run_dir / "steps.csv", pd.DataFrame(self.steps).to_csv(index=False))
        if self.evals:
            write_atomically(self.run_dir / "evals.csv", pd.DataFrame(self.evals).to_csv(index=False))
        write_atomically(self.run_dir / "manifest.json", json.dumps(self.manifest, indent=2, default=str) + "\n")

    def close(self, finished: bool = True) -> None:
        """Write the log a last time, marked finished or not, and close the writers.

        Args:
            finished: recorded in manifest.json ("finished"); False: the run stopped before its end.
        """
        self.manifest["finished"] = finished
        self.flush()
        if self.writers:
            if self.steps:  # the diagnosis of the whole log, at its last step or evaluation
                self._send_diagnosis(max(row["step"] for row in self.steps[-1:] + self.evals[-1:]))
            self.writers.close()


def _numbers(row: dict, prefix: str, skip: tuple[str, ...]) -> dict[str, float]:
    """The row's numbers (not its JSON text) as prefix/name, for the writers."""
    return {
        f"{prefix}/{key}": float(value)
        for key, value in row.items()
        if key not in skip and isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    }


def _as_array(values) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64).ravel()
