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


class WGAN(Variant):
    outputs_probability = False

    def __init__(self, gradient_penalty: bool, clip: float = 0.01, penalty: float = 0.1):
        self.gradient_penalty, self.clip, self.penalty = gradient_penalty, clip, penalty
        self.name = "wgan-gp" if gradient_penalty else "wgan"
        if gradient_penalty:
            self.description = f"WGAN with gradient penalty (lambda={penalty})"
            self.defaults = TrainConfig(steps=6000, n_critic=5, lr_d=3e-4, lr_g=3e-4, betas=(0.5, 0.9))
        else:
            self.description = f"WGAN with weight clipping (c={clip})"
            self.defaults = TrainConfig(steps=4000, n_critic=5, lr_d=5e-5, lr_g=5e-5)

    def optimizers(self, generator, discriminator, config):
        if self.gradient_penalty:
            return super().optimizers(generator, discriminator, config)
        return torch.optim.RMSprop(discriminator.parameters(), lr=config.lr_d), torch.optim.RMSprop(generator.parameters(), lr=config.lr_g)

    def d_loss(self, discriminator, real, fake):
        out_real, out_fake = discriminator(real), discriminator(fake)
        loss = out_fake.mean() - out_real.mean()
        if self.gradient_penalty:
            alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
            mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(discriminator(mixed).sum(), mixed, create_graph=True)
            loss = loss + self.penalty * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
        return loss, out_real, out_fake

    def g_loss(self, discriminator, fake):
        return -discriminator(fake).mean()

    def after_d_step(self, discriminator):
        if not self.gradient_penalty:
            with torch.no_grad():
                for parameter in discriminator.parameters():
                    parameter.clamp_(-self.clip, self.clip)
