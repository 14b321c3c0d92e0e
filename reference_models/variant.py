"""What varies between GAN variants, as a small interface the shared loop calls."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from ganeval.errors import GanevalError
from reference_models.config import TrainConfig
from reference_models.data import TrainingData, training_data
from reference_models.nets import mlp
from reference_models.placement import device_of, to_device


def noise(n: int, z_dim: int, seed: int) -> torch.Tensor:
    """n standard normal z vectors drawn with their own seeded generator (fixed batches, sampling)."""
    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(seed))


class Evaluation(NamedTuple):
    """What one evaluation records: G's samples for the metrics and the sample plot, D's raw outputs
    on held-out real and on fresh generated samples (for its calibration), and extra scalars."""

    fake: torch.Tensor
    d_real: torch.Tensor
    d_fake: torch.Tensor
    extra: dict


class Variant:
    """A GAN variant: its networks, optimisers, losses and defaults. Subclasses override the losses.

    One class per variant; its name, description and defaults are class attributes, its loss
    weights constructor arguments. The loop calls d_loss(D, real, fake, *real_extras, *fake_extras,
    draws=...) and g_loss(D, fake, *fake_extras), where the extras come from `real_batch` and
    `generate` (none for plain GANs, the labels for cgan) and `draws` is the torch.Generator of the
    losses' own random draws (WGAN-GP's interpolation weights). A variant holds no random state.
    """

    name: str = ""
    description: str = ""
    defaults = TrainConfig()
    outputs_probability = True  # D's output is a logit (logged as a probability); WGAN critics give scores
    conditional = False  # True: G and D also take class labels (cgan); `sample` can draw one class

    def training_data(self, name: str) -> TrainingData:
        """The data this variant trains on for a bundled set name (cyclegan pairs two domains)."""
        return training_data(name)

    def build(self, data: TrainingData, config: TrainConfig) -> tuple[nn.Module, nn.Module]:
        """Generator (z -> sample) and discriminator (sample -> one logit or score), chosen by data.kind."""
        if data.kind != "points":
            raise GanevalError(
                f"the {self.name} variant has MLPs for 2-D points (ring8, grid25); {data.name} is an image set: "
                "train it with one of the image variants (dcgan, cgan, cyclegan)."
            )
        return mlp(config.z_dim, config.hidden, 2), mlp(2, config.hidden, 1, leaky=True)

    def build_seeded(self, data: TrainingData, config: TrainConfig) -> tuple[nn.Module, nn.Module, torch.Generator]:
        """`build` with the initial weights drawn from config.seed, and the generator of the losses' draws.

        torch's layers draw their initial weights from torch's global generator, which has no other
        way in: it is forked, seeded, and restored afterwards, so a caller's random state is left as
        it was. The losses' draws continue the stream the weights came from (they shared the global
        generator before), so a seed gives the same run as it always did."""
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(config.seed)
            generator, discriminator = self.build(data, config)
            draws = torch.Generator()
            draws.set_state(torch.get_rng_state())
        return generator, discriminator, draws

    def optimizers(self, generator: nn.Module, discriminator: nn.Module, config: TrainConfig):
        return (
            torch.optim.Adam(discriminator.parameters(), lr=config.lr_d, betas=config.betas),
            torch.optim.Adam(generator.parameters(), lr=config.lr_g, betas=config.betas),
        )

    def real_batch(self, data, n: int, draws: torch.Generator) -> tuple[torch.Tensor, tuple]:
        """n real training samples, and the extras d_loss takes after the samples."""
        return data.batch(n, draws), ()

    def generate(
        self, generator: nn.Module, data, n: int, draws: torch.Generator, config: TrainConfig
    ) -> tuple[torch.Tensor, tuple]:
        """n samples of G from fresh noise (drawn on the CPU, moved to G's device), and the extras the
        losses take after them."""
        return generator(to_device(torch.randn(n, config.z_dim, generator=draws), device_of(generator))), ()

    def d_loss(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, *, draws: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, D's raw output on real, on fake) for one discriminator step; any random draw comes from `draws`."""
        raise NotImplementedError

    def g_loss(self, discriminator: nn.Module, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def after_d_step(self, discriminator: nn.Module) -> None:
        """Hook after each discriminator update (WGAN clips weights here)."""

    def as_logged(self, outputs: torch.Tensor) -> torch.Tensor:
        """D's outputs as logged: probabilities for logit outputs, raw scores for critics."""
        return torch.sigmoid(outputs) if self.outputs_probability else outputs

    def evaluation(
        self, generator: nn.Module, discriminator: nn.Module, data, config: TrainConfig, step: int
    ) -> Evaluation:
        """G on a fixed noise batch (the same at every evaluation), D on held-out real samples and on
        G's samples from noise drawn afresh for this step. Runs under no_grad, networks in eval mode;
        the inputs are drawn on the CPU and moved to the networks' device, the outputs stay there."""
        device = device_of(generator)
        fixed = to_device(noise(config.eval_n, config.z_dim, config.seed + 2), device)
        fresh = to_device(noise(config.eval_n, config.z_dim, config.seed + step), device)
        real = to_device(data.held_out(config.eval_n), device)
        return Evaluation(generator(fixed), discriminator(real), discriminator(generator(fresh)), {})

    def sample(
        self, generator: nn.Module, data, config: TrainConfig, n: int, seed: int, label: int | None = None
    ) -> torch.Tensor:
        """n samples of a trained G (in G's output range, on G's device) from noise drawn with `seed` on the CPU."""
        self.refuse_label(label)
        return generator(to_device(noise(n, config.z_dim, seed), device_of(generator)))

    def refuse_label(self, label: int | None) -> None:
        if label is not None:
            raise GanevalError(
                f"this run's variant, {self.name}, is unconditional: it cannot draw a given class; "
                "sample without a label, or train a conditional variant (cgan)."
            )
