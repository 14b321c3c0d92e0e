"""Conditional GAN (Mirza and Osindero 2014): G and D both see the class label y.

G(z, y): the one-hot label is concatenated to the noise, then DCGAN's generator; asked for a 3, it
   should draw a 3. D(x, y) says whether x is a real image *of class y*, so a well-drawn 7 offered as
   a 3 is rejected, and G must honour the label to fool it.
D conditions by projection (Miyato and Koyama 2018): with phi(x) the features of DCGAN's
   convolutional blocks, D(x, y) = psi(phi(x)) + embed(y) . phi(x), an unconditional logit plus a
   learned per-class direction in feature space; steadier than concatenating label maps to x.
Losses: the non-saturating GAN loss (as dcgan), applied to D(x, y).
The labels travel as the loop's extras: the real batch's own labels for D, uniform random labels
(drawn from the loop's seeded generator) for G's samples.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganeval.errors import GanevalError
from reference_models.config import TrainConfig
from reference_models.data import digit_labels
from reference_models.dcgan import dcgan_init, down, generator
from reference_models.gan import NonSaturatingGAN, discriminator_bce
from reference_models.placement import device_of, to_device
from reference_models.variant import Evaluation, noise


class ConditionalGenerator(nn.Module):
    def __init__(self, z_dim: int, width: int, channels: int, n_classes: int):
        super().__init__()
        self.n_classes = n_classes
        self.net = generator(z_dim + n_classes, width, channels)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, F.one_hot(labels, self.n_classes).to(z.dtype)], dim=1))


class ProjectionDiscriminator(nn.Module):
    """32x32 -> 16x16 (2w) -> 8x8 (4w) -> 4x4 (8w) = phi(x), flattened; logit psi(phi) + embed(y) . phi."""

    def __init__(self, width: int, channels: int, n_classes: int):
        super().__init__()
        self.phi = nn.Sequential(
            *down(channels, 2 * width, norm=False),
            *down(2 * width, 4 * width),
            *down(4 * width, 8 * width),
            nn.Flatten(),
        )
        self.psi = nn.Linear(8 * width * 16, 1)
        self.embed = nn.Embedding(n_classes, 8 * width * 16)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.phi(x)
        return self.psi(h).squeeze(1) + (self.embed(labels) * h).sum(1)


class CGAN(NonSaturatingGAN):
    name = "cgan"
    conditional = True
    defaults = TrainConfig(
        steps=2000,
        batch_size=64,
        lr_d=2e-4,
        lr_g=2e-4,
        betas=(0.5, 0.999),
        z_dim=64,
        hidden=16,
        eval_every=500,
        checkpoint_every=500,
    )

    def __init__(self):
        super().__init__(r1=0.0)
        self.description = (
            "Conditional GAN: label-conditioned DCGAN networks, projection discriminator, non-saturating loss"
        )

    def build(self, data, config):
        if data.kind != "images":
            raise GanevalError(
                "the cgan variant has convolutional networks for labelled images (digits, stacked-digits); "
                f"{data.name} is a set of 2-D points: "
                "train it with gan, gan-ns, wgan or wgan-gp."
            )
        nets = (
            ConditionalGenerator(config.z_dim, config.hidden, data.channels, data.n_classes),
            ProjectionDiscriminator(config.hidden, data.channels, data.n_classes),
        )
        for net in nets:
            net.apply(dcgan_init)
        return nets

    def d_loss(self, discriminator, real, fake, real_labels, fake_labels, *, draws):
        out_real, out_fake = discriminator(real, real_labels), discriminator(fake, fake_labels)
        return discriminator_bce(out_real, out_fake), out_real, out_fake

    def g_loss(self, discriminator, fake, labels):
        out = discriminator(fake, labels)
        return F.binary_cross_entropy_with_logits(out, torch.ones_like(out))  # -log D(G(z, y), y)

    def real_batch(self, data, n, draws):
        real, labels = data.batch(n, draws, with_labels=True)
        return real, (labels,)

    def generate(self, generator, data, n, draws, config):
        z = torch.randn(n, config.z_dim, generator=draws)
        labels = torch.randint(0, data.n_classes, (n,), generator=draws)
        z, labels = to_device((z, labels), device_of(generator))
        return generator(z, labels), (labels,)

    def evaluation(self, generator, discriminator, data, config, step):
        """The fixed and fresh noise get the labels 0, 1, 2, ... in turn (each row of an 8-wide grid of
        digits counts 0 to 7, then 8, 9, 0, ...); D sees held-out images with their own labels.
        class_accuracy: the share of the fixed batch of digits that the digits classifier labels with
        the class asked for (stacked digits have no single-digit label to check)."""
        device = device_of(generator)  # every input is made on the CPU and moved there
        asked = torch.arange(config.eval_n) % data.n_classes
        labels = to_device(asked, device)
        real, real_labels = to_device(data.held_out(config.eval_n, with_labels=True), device)
        fake = generator(to_device(noise(config.eval_n, config.z_dim, config.seed + 2), device), labels)
        fresh = generator(to_device(noise(config.eval_n, config.z_dim, config.seed + step), device), labels)
        extra = {"class_accuracy": float((digit_labels(fake) == asked).float().mean())} if data.channels == 1 else {}
        return Evaluation(fake, discriminator(real, real_labels), discriminator(fresh, labels), extra)

    def sample(self, generator, data, config, n, seed, label=None):
        """Class `label`, or with label=None the classes 0, 1, 2, ... in turn (equal shares)."""
        if label is not None and not 0 <= label < data.n_classes:
            raise GanevalError(f"label must be a class of {data.name}, 0 to {data.n_classes - 1}; got {label}.")
        labels = torch.arange(n) % data.n_classes if label is None else torch.full((n,), label)
        return generator(*to_device((noise(n, config.z_dim, seed), labels), device_of(generator)))
