"""Wasserstein GANs: a critic estimates the Wasserstein-1 distance; G minimises it.

Critic: maximises E[f(x)] - E[f(G(z))] over 1-Lipschitz f, taking n_critic steps per G step.
"wgan" (Arjovsky et al. 2017) keeps f Lipschitz by clipping every weight to [-c, c], with RMSprop.
"wgan-gp" (Gulrajani et al. 2017) adds lambda * (|grad f(x_hat)| - 1)^2 at random interpolates
x_hat between real and generated samples instead, with Adam.
"""

from __future__ import annotations

import torch

from reference_models.config import TrainConfig
from reference_models.variant import Variant


class WassersteinGAN(Variant):
    """What both Wasserstein variants share: the critic's and the generator's losses on raw scores."""

    outputs_probability = False

    def d_loss(self, discriminator, real, fake, *, draws):
        out_real, out_fake = discriminator(real), discriminator(fake)
        return out_fake.mean() - out_real.mean(), out_real, out_fake

    def g_loss(self, discriminator, fake):
        return -discriminator(fake).mean()


class WGAN(WassersteinGAN):
    """The "wgan" variant: every critic weight clipped to [-clip, clip] after each critic step; RMSprop."""

    name = "wgan"
    defaults = TrainConfig(steps=4000, n_critic=5, lr_d=5e-5, lr_g=5e-5)

    def __init__(self, clip: float = 0.01):
        self.clip = clip
        self.description = f"WGAN with weight clipping (c={clip})"

    def optimizers(self, generator, discriminator, config):
        critic = torch.optim.RMSprop(discriminator.parameters(), lr=config.lr_d)
        return critic, torch.optim.RMSprop(generator.parameters(), lr=config.lr_g)

    def after_d_step(self, discriminator):
        with torch.no_grad():
            for parameter in discriminator.parameters():
                parameter.clamp_(-self.clip, self.clip)


class WGANGP(WassersteinGAN):
    """The "wgan-gp" variant: the gradient penalty at interpolates, their weights drawn from the `draws`
    passed in; Adam."""

    name = "wgan-gp"
    defaults = TrainConfig(steps=6000, n_critic=5, lr_d=3e-4, lr_g=3e-4, betas=(0.5, 0.9))

    def __init__(self, penalty: float = 0.1):
        self.penalty = penalty
        self.description = f"WGAN with gradient penalty (lambda={penalty})"

    def d_loss(self, discriminator, real, fake, *, draws):
        loss, out_real, out_fake = super().d_loss(discriminator, real, fake, draws=draws)
        alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), generator=draws).to(real.device, non_blocking=True)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(discriminator(mixed).sum(), mixed, create_graph=True)
        return loss + self.penalty * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean(), out_real, out_fake
