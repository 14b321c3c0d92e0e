"""What varies between GAN variants, as a small interface the shared loop calls."""

from __future__ import annotations

import torch
from torch import nn

from reference_models.config import TrainConfig
from reference_models.nets import mlp


class Variant:
    """A GAN variant: its networks, optimisers, losses and defaults. Subclasses override the losses."""

    name: str = ""
    description: str = ""
    defaults = TrainConfig()
    outputs_probability = True  # D's output is a logit (logged as a probability); WGAN critics give scores
    conditional = False  # True: G takes (z, labels), D takes (x, labels), and the losses take the labels too (cgan)

    def build(self, data, config: TrainConfig) -> tuple[nn.Module, nn.Module]:
        """Generator (z -> sample) and discriminator (sample -> one logit or score), chosen by data.kind."""
        if data.kind != "points":
            raise ValueError(f"the {self.name} variant has MLPs for 2-D points (ring8, grid25); {data.name} is an image set: "
                             "train it with one of the image variants (dcgan, cgan).")  # fmt: skip
        return mlp(config.z_dim, config.hidden, 2), mlp(2, config.hidden, 1, leaky=True)

    def optimizers(self, generator: nn.Module, discriminator: nn.Module, config: TrainConfig):
        return (
            torch.optim.Adam(discriminator.parameters(), lr=config.lr_d, betas=config.betas),
            torch.optim.Adam(generator.parameters(), lr=config.lr_g, betas=config.betas),
        )

    def d_loss(self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, D's raw output on real, on fake) for one discriminator step."""
        raise NotImplementedError

    def g_loss(self, discriminator: nn.Module, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def after_d_step(self, discriminator: nn.Module) -> None:
        """Hook after each discriminator update (WGAN clips weights here)."""

    def as_logged(self, outputs: torch.Tensor) -> torch.Tensor:
        """D's outputs as logged: probabilities for logit outputs, raw scores for critics."""
        return torch.sigmoid(outputs) if self.outputs_probability else outputs
