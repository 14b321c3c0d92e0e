"""Reference GAN trainers, one module per variant, one shared training loop (`loop.fit`).

    import reference_models
    run = reference_models.train("wgan-gp", "ring8", steps=2000, seed=0, out="runs/wgan-gp-ring8")
    samples = reference_models.load(run).sample(1000, seed=1)

Variants: gan, gan-ns, wgan, wgan-gp on the 2-D mixtures ring8 and grid25; dcgan and the
class-conditional cgan on digits and stacked-digits (`load(run).sample(n, seed, label=3)` draws
threes); cyclegan translating digits into thick digits (`--data digits`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from reference_models.cgan import CGAN
from reference_models.config import TrainConfig
from reference_models.cyclegan import CycleGAN
from reference_models.data import to_uint8
from reference_models.dcgan import DCGAN
from reference_models.gan import GAN
from reference_models.loop import CHECKPOINT, TrainingDiverged, fit
from reference_models.variant import Variant
from reference_models.wgan import WGAN
from ganeval.errors import GanevalError

VARIANTS: dict[str, Variant] = {v.name: v for v in (GAN(non_saturating=False), GAN(non_saturating=True), WGAN(False), WGAN(True), DCGAN(), CGAN(), CycleGAN())}


def get_variant(name: str) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise GanevalError(f"unknown variant {name!r}; the reference trainers are: {', '.join(VARIANTS)}.") from None


def train(variant: str, data: str, *, out, steps: int | None = None, seed: int = 0, resume: bool = False, **settings) -> Path:
    """Train a reference model; returns the run folder (log, checkpoint, sample plots).

    settings override the variant's defaults (TrainConfig fields: batch_size, lr_d, lr_g, n_critic,
    eval_every, ...); unknown names raise ValueError listing the valid ones.
    """
    chosen = get_variant(variant)
    source = chosen.training_data(data)
    config = chosen.defaults.override(steps=steps, seed=seed, **settings)
    return fit(chosen, source, config, Path(out), resume=resume, manifest={"description": chosen.description})


class TrainedGenerator:
    """A trained generator loaded from a run folder; `sample` draws from it."""

    def __init__(self, run_dir):
        run_dir = Path(run_dir)
        path = run_dir / CHECKPOINT
        if not path.exists():
            raise GanevalError(f"{run_dir} holds no {CHECKPOINT}; train a model there first (ganeval train ... --out {run_dir}).")
        state = torch.load(path, weights_only=False)
        self.variant, self.data_name = get_variant(state["variant"]), state["data"]
        self.config = TrainConfig(**{**state["config"], "betas": tuple(state["config"]["betas"])})
        self.data = self.variant.training_data(self.data_name)
        self.images = self.data.kind == "images"
        self.network, _ = self.variant.build(self.data, self.config)
        self.network.load_state_dict(state["generator"])
        self.network.eval()
        self.step = state["step"]

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0, label: int | None = None) -> np.ndarray:
        """n samples drawn with `seed`: float64 N x 2 points, or uint8 N x C x H x W images (torch's
        layout, which `ganeval.score` recognises).

        Conditional runs (cgan) draw class `label`, or with label=None the classes 0, 1, ..., 9, 0, 1, ...
        in turn (equal shares); unconditional runs refuse a label (ValueError). cyclegan translates n
        digits drawn with `seed` into thick digits."""
        samples = self.variant.sample(self.network, self.data, self.config, n, seed, label)
        return to_uint8(samples).numpy() if self.images else samples.numpy().astype(np.float64)


def load(run_dir) -> TrainedGenerator:
    return TrainedGenerator(run_dir)


__all__ = ["VARIANTS", "TrainConfig", "TrainedGenerator", "TrainingDiverged", "get_variant", "load", "train"]
