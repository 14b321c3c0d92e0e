"""Reference GAN trainers, one module per variant, one shared training loop (`loop.fit`).

    import reference_models
    run = reference_models.train("wgan-gp", "ring8", steps=2000, seed=0, out="runs/wgan-gp-ring8")
    samples = reference_models.load(run).sample(1000, seed=1)

Variants: gan, gan-ns, wgan, wgan-gp on the 2-D mixtures ring8 and grid25; dcgan and the
class-conditional cgan on digits and stacked-digits (`load(run).sample(n, seed, label=3)` draws
threes); cyclegan translating digits into thick digits (`--data digits`).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch

from ganeval.device import resolve_device
from ganeval.errors import GanevalError
from ganeval.training.writers import check_writers
from reference_models import checkpoint
from reference_models.cgan import CGAN
from reference_models.checkpoint import CHECKPOINT
from reference_models.config import TrainConfig
from reference_models.cyclegan import CycleGAN
from reference_models.data import to_uint8
from reference_models.dcgan import DCGAN
from reference_models.gan import GAN, NonSaturatingGAN
from reference_models.loop import TrainingDiverged, fit
from reference_models.resume import resumable_checkpoint, resumed_config
from reference_models.variant import Variant
from reference_models.wgan import WGAN, WGANGP

MAX_POINTS = 1_000_000  # 2-D samples per `sample` call: 16 MB of float64
MAX_IMAGES = (
    50_000  # images per `sample` call: FID's customary count; all are drawn at once (about 0.1 MB each in memory)
)

# One class per variant; the registry holds one instance of each (variants hold settings, no state).
VARIANTS: dict[str, Variant] = {
    variant.name: variant for variant in (GAN(), NonSaturatingGAN(), WGAN(), WGANGP(), DCGAN(), CGAN(), CycleGAN())
}


def get_variant(name: str) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise GanevalError(f"unknown variant {name!r}; the reference trainers are: {', '.join(VARIANTS)}.") from None


def train(
    variant: str,
    data: str,
    *,
    out,
    steps: int | None = None,
    seed: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    device="auto",
    progress: bool = True,
    writers=(),
    **settings,
) -> Path:
    """Train a reference model; returns the run folder (log, checkpoint, sample plots).

    settings override the variant's defaults (TrainConfig fields: batch_size, lr_d, lr_g, n_critic,
    eval_every, ...); unknown names or values out of range raise GanevalError. seed None means 0.
    A folder that already holds a run is refused unless `resume` (continue it from its checkpoint:
    the variant, data, seed and settings must be the run's, only `steps` may grow; those not given
    are the run's) or `overwrite` (delete it and start over).
    device: where the networks, their optimisers and the evaluations' extractor run ("auto": CUDA
    when available). Every random draw is made on the CPU from the seed and moved there, so "cpu"
    gives the same weights and log as ever and a GPU the same draws; checkpoints hold CPU tensors.
    Not a training setting: the manifest records it, and a run resumes on any device.
    progress: a bar on stderr with steps/s, the time left and the last evaluation (on a terminal only).
    writers: where the log's scalars, the diagnosis and the samples' picture also go (`TrainingLogger`'s
    writers: "tensorboard", events in out/tensorboard; "wandb"; "mlflow"); not a training setting either.
    """
    device = resolve_device(device)  # a bad name stops here, before any file changes
    check_writers(writers)  # so does an unknown writer or one whose package is missing
    chosen = get_variant(variant)
    source = chosen.training_data(data)
    run_dir = Path(out)
    if resume and overwrite:
        raise GanevalError("--resume continues the run in --out and --overwrite deletes it: give one of them.")
    if not resume:
        config = chosen.defaults.override(steps=steps, seed=seed, **settings)
        manifest = {"description": chosen.description}
        return fit(
            chosen,
            source,
            config,
            run_dir,
            overwrite=overwrite,
            manifest=manifest,
            device=device,
            progress=progress,
            writers=writers,
        )
    state = checkpoint.read(resumable_checkpoint(run_dir), for_resume=True)
    config = resumed_config(state, run_dir, variant, data, steps=steps, seed=seed, settings=settings)
    manifest = {"description": chosen.description}
    return fit(
        chosen,
        source,
        config,
        run_dir,
        resumed=state,
        manifest=manifest,
        device=device,
        progress=progress,
        writers=writers,
    )


class TrainedGenerator:
    """A trained generator loaded from a run folder; `sample` draws from it."""

    def __init__(self, run_dir):
        run_dir = Path(run_dir)
        path = run_dir / CHECKPOINT
        if not path.exists():
            raise GanevalError(
                f"{run_dir} holds no {CHECKPOINT}; train a model there first (ganeval train ... --out {run_dir})."
            )
        state = checkpoint.read(path)
        self.config = checkpoint.config_of(state, path)
        with checkpoint.blame(path):
            self.variant, self.data_name = get_variant(state["variant"]), state["data"]
            self.data = self.variant.training_data(self.data_name)
            self.network, _, _ = self.variant.build_seeded(
                self.data, self.config
            )  # leaves the caller's random state alone
        self.images = self.data.kind == "images"
        # what ganeval reads of a run (ganeval.plugins.Run): its kind, reference, variant and sampling limit
        self.kind, self.reference, self.name = self.data.kind, self.data.reference, self.variant.name
        self.conditional = self.variant.conditional
        self.distinct_samples = getattr(self.data, "distinct_inputs", None)  # cyclegan: each unseen digit once
        with checkpoint.restoring(path, "generator"):
            self.network.load_state_dict(state["generator"])
        self.network.eval()
        self.step = state["step"]

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0, device=None, label: int | None = None) -> np.ndarray:
        """n samples drawn with `seed`: float64 N x 2 points, or uint8 N x C x H x W images (torch's
        layout, which `ganeval.score` recognises).

        Conditional runs (cgan) draw class `label`, or with label=None the classes 0, 1, ..., 9, 0, 1, ...
        in turn (equal shares); unconditional runs refuse a label (ValueError). cyclegan translates n
        digits drawn with `seed` into thick digits. device: where the generator runs (None: the CPU;
        "auto", "cuda", "cuda:N", "mps"); the inputs are drawn on the CPU from `seed` either way and
        moved there, so a device changes the samples only by floating-point rounding."""
        device = torch.device("cpu") if device is None else resolve_device(device)
        most = MAX_IMAGES if self.images else MAX_POINTS
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= most:
            raise GanevalError(
                f"the number of samples (--n) must be a whole number from 1 to {most:,} for this run's "
                f"{self.data.kind}; got {n!r}. Draw more in several calls with different seeds.",
                argument="n",
            )
        # the variant moves what it draws to the network's device (a copy there; self.network stays on the CPU)
        network = self.network if device.type == "cpu" else copy.deepcopy(self.network).to(device)
        samples = self.variant.sample(network, self.data, self.config, int(n), seed, label)
        return to_uint8(samples).cpu().numpy() if self.images else samples.cpu().numpy().astype(np.float64)


def load(run_dir) -> TrainedGenerator:
    return TrainedGenerator(run_dir)


__all__ = [
    "MAX_IMAGES",
    "MAX_POINTS",
    "VARIANTS",
    "TrainConfig",
    "TrainedGenerator",
    "TrainingDiverged",
    "get_variant",
    "load",
    "train",
]
