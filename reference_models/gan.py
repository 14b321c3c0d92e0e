"""The original GAN (Goodfellow et al. 2014): D classifies real vs generated; G tries to fool it.

D maximises log D(x) + log(1 - D(G(z))) (binary cross-entropy on logits).
G, minimax ("gan"): minimises log(1 - D(G(z))). Its gradient vanishes when D confidently rejects
   G's samples, which early in training it does: the classic failure mode.
G, non-saturating ("gan-ns"): maximises log D(G(z)) instead; same fixed point, strong gradients early.
   Alone it still circles between modes on ring8, so gan-ns adds the R1 penalty (Mescheder et al. 2018,
   "Which training methods for GANs actually converge?") to D's loss: r1/2 * |grad D(x)|^2 on real
   x, which damps the oscillation around the equilibrium. "gan" is kept unregularised.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reference_models.config import TrainConfig
from reference_models.variant import Variant


def discriminator_bce(out_real: torch.Tensor, out_fake: torch.Tensor) -> torch.Tensor:
    """-[log D(x) + log(1 - D(G(z)))] on logits: D's loss as a real-vs-fake classifier."""
    return F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real)) + F.binary_cross_entropy_with_logits(
        out_fake, torch.zeros_like(out_fake)
    )


class GAN(Variant):
    """The minimax GAN ("gan"), unregularised; subclasses change the generator loss and add R1."""

    name = "gan"
    description = "GAN, minimax generator loss"
    defaults = TrainConfig(steps=6000, batch_size=512, lr_d=1e-4, lr_g=1e-4, betas=(0.0, 0.9))
    r1 = 0.0  # R1 penalty weight on D's gradient at real samples; 0: none

    def d_loss(self, discriminator, real, fake, *, draws):
        real = real.requires_grad_(bool(self.r1))
        out_real, out_fake = discriminator(real), discriminator(fake)
        loss = discriminator_bce(out_real, out_fake)
        if self.r1:
            (grad,) = torch.autograd.grad(out_real.sum(), real, create_graph=True)
            loss = loss + self.r1 / 2 * grad.flatten(1).pow(2).sum(1).mean()
        return loss, out_real, out_fake

    def g_loss(self, discriminator, fake):
        out = discriminator(fake)
        return -F.binary_cross_entropy_with_logits(out, torch.zeros_like(out))  # log(1 - D(G(z)))


class NonSaturatingGAN(GAN):
    """The "gan-ns" variant: G maximises log D(G(z)); D carries the R1 penalty (r1=0 turns it off, as dcgan does)."""

    name = "gan-ns"
    defaults = TrainConfig(steps=8000, batch_size=512, lr_d=3e-4, lr_g=3e-4, betas=(0.5, 0.9))

    def __init__(self, r1: float = 0.1):
        self.r1 = r1
        self.description = f"GAN, non-saturating generator loss, R1 penalty (r1={r1})"

    def g_loss(self, discriminator, fake):
        out = discriminator(fake)
        return F.binary_cross_entropy_with_logits(out, torch.ones_like(out))  # -log D(G(z))
