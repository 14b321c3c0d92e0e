"""DCGAN (Radford et al. 2015): the GAN's non-saturating loss with convolutional networks.

Radford et al.'s rules, scaled down to 32x32 digits (grayscale, or stacked as RGB) and a CPU:
- no pooling: G upsamples with 4x4 stride-2 transposed convolutions, D downsamples with 4x4 stride-2
  convolutions; no fully connected hidden layers;
- BatchNorm in G (all but the output layer) and in D (all but the input layer);
- ReLU in G with tanh at the output (images in [-1, 1]); LeakyReLU(0.2) in D, one logit out;
- Adam with lr 2e-4 and beta1 0.5, batch 64; weights drawn from N(0, 0.02).
"""

from __future__ import annotations

from torch import nn

from ganeval.errors import GanevalError
from reference_models.config import TrainConfig
from reference_models.gan import NonSaturatingGAN


def generator(z_dim: int, width: int, channels: int) -> nn.Module:
    """z -> 4x4 (8w channels) -> 8x8 (4w) -> 16x16 (2w) -> 32x32 (channels), values in [-1, 1]."""

    def up(inputs, outputs, stride, padding):
        return [nn.ConvTranspose2d(inputs, outputs, 4, stride, padding, bias=False), nn.BatchNorm2d(outputs), nn.ReLU()]

    return nn.Sequential(
        nn.Unflatten(1, (z_dim, 1, 1)),
        *up(z_dim, 8 * width, 1, 0),
        *up(8 * width, 4 * width, 2, 1),
        *up(4 * width, 2 * width, 2, 1),
        nn.ConvTranspose2d(2 * width, channels, 4, 2, 1),
        nn.Tanh(),
    )


def down(inputs: int, outputs: int, norm: bool = True) -> list[nn.Module]:
    """D's block: a 4x4 stride-2 convolution halving the size, BatchNorm (norm=False for the input layer),
    LeakyReLU(0.2)."""
    return [
        nn.Conv2d(inputs, outputs, 4, 2, 1, bias=not norm),
        *([nn.BatchNorm2d(outputs)] if norm else []),
        nn.LeakyReLU(0.2),
    ]


def discriminator(width: int, channels: int) -> nn.Module:
    """32x32 (channels) -> 16x16 (2w) -> 8x8 (4w) -> 4x4 (8w) -> one logit."""
    return nn.Sequential(
        *down(channels, 2 * width, norm=False),
        *down(2 * width, 4 * width),
        *down(4 * width, 8 * width),
        nn.Conv2d(8 * width, 1, 4, 1, 0),
        nn.Flatten(0),
    )


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.: conv weights from N(0, 0.02), BatchNorm scales from N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGAN(NonSaturatingGAN):
    """The losses are gan-ns's without its R1 penalty; only the networks and the defaults differ."""

    name = "dcgan"
    defaults = TrainConfig(
        steps=1500,
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
        self.description = "DCGAN: convolutional networks, non-saturating GAN loss"

    def build(self, data, config):
        """`hidden` sets the width: G's last hidden layer and D's first have 2 * hidden channels."""
        if data.kind != "images":
            raise GanevalError(
                "the dcgan variant has convolutional networks for images (digits, stacked-digits); "
                f"{data.name} is a set of 2-D points: "
                "train it with gan, gan-ns, wgan or wgan-gp."
            )
        nets = generator(config.z_dim, config.hidden, data.channels), discriminator(config.hidden, data.channels)
        for net in nets:
            net.apply(dcgan_init)
        return nets
