"""CycleGAN (Zhu et al. 2017): translation between two image domains learnt from unpaired examples.

Two generators, G: A -> B and F: B -> A, and two discriminators, D_B (real b vs G(a)) and D_A
(real a vs F(b)). Without pairs nothing says which b an a should become; two extra losses pin it:
- cycle consistency, lambda_cyc * (|F(G(a)) - a|_1 + |G(F(b)) - b|_1): a translation must keep
  enough of its input to translate back, so G cannot map every a to one plausible b;
- identity, lambda_id * lambda_cyc * (|G(b) - b|_1 + |F(a) - a|_1): an image already in the target
  domain stays as it is, which keeps what the domains share (here: which digit it is).
Domains (`--data digits`): A, the digits; B, the digits with strokes thickened by a 3x3 maximum
filter (the bundled set `digits-thick`), each from its own half of the 1,797 digits. The digits
classifier labels both domains 99.5% correctly, so label preservation measures the translation.
Scaled to 32x32 and a CPU: G encodes to 8x8 with two stride-2 convolutions, applies two residual
blocks and decodes with transposed convolutions (instance norm, ReLU, tanh out); D is a PatchGAN
giving one logit per overlapping 18x18 patch (8x8 of them). The adversarial loss is the GAN's
non-saturating binary cross-entropy on every patch logit (the paper uses least squares), so D's
outputs are logged as probabilities like the other GANs': sigmoid of the mean patch logit, of D_B
and D_A together. Evaluations translate digits G never saw in training (the thin originals of B's
half), score G(a) against `digits-thick`, and log label_preservation (the classifier gives G(a) the
label of a) and cycle_error (mean |F(G(a)) - a| in [0, 1] pixel units).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from reference_models.config import TrainConfig
from reference_models.data import TranslationData, digit_labels
from reference_models.gan import discriminator_bce
from reference_models.placement import device_of, to_device
from reference_models.variant import Evaluation, Variant


def conv(inputs: int, outputs: int, kernel: int, stride: int = 1, transpose: bool = False) -> list[nn.Module]:
    """A same-or-halving (transpose: doubling) convolution, instance norm, ReLU."""
    layer = (nn.ConvTranspose2d if transpose else nn.Conv2d)(
        inputs, outputs, kernel, stride, (kernel - 1) // 2 if stride == 1 else 1
    )
    return [layer, nn.InstanceNorm2d(outputs, affine=True), nn.ReLU()]


class Residual(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            *conv(channels, channels, 3),
            nn.Conv2d(channels, channels, 3, 1, 1),
            nn.InstanceNorm2d(channels, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def translator(width: int, channels: int) -> nn.Module:
    """32x32 -> 16x16 (2w) -> 8x8 (4w), two residual blocks, -> 16x16 (2w) -> 32x32, values in [-1, 1]."""
    return nn.Sequential(
        *conv(channels, width, 3),
        *conv(width, 2 * width, 4, 2),
        *conv(2 * width, 4 * width, 4, 2),
        Residual(4 * width),
        Residual(4 * width),
        *conv(4 * width, 2 * width, 4, 2, transpose=True),
        *conv(2 * width, width, 4, 2, transpose=True),
        nn.Conv2d(width, channels, 3, 1, 1),
        nn.Tanh(),
    )


def patch_discriminator(width: int, channels: int) -> nn.Module:
    """32x32 -> 16x16 (2w) -> 8x8 (4w) -> 8x8 patch logits, each seeing an 18x18 patch."""
    return nn.Sequential(
        nn.Conv2d(channels, 2 * width, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * width, 4 * width, 4, 2, 1),
        nn.InstanceNorm2d(4 * width, affine=True),
        nn.LeakyReLU(0.2),
        nn.Conv2d(4 * width, 1, 3, 1, 1),
    )


class Translation(NamedTuple):
    """One CycleGAN forward pass on a batch of each domain."""

    a: torch.Tensor
    b: torch.Tensor
    fake_b: torch.Tensor  # G(a)
    fake_a: torch.Tensor  # F(b)
    cycled_a: torch.Tensor  # F(G(a))
    cycled_b: torch.Tensor  # G(F(b))
    same_b: torch.Tensor  # G(b), for the identity loss
    same_a: torch.Tensor  # F(a)


class Translators(nn.Module):
    """The generator side: G (a_to_b) and F (b_to_a); called on (a, b), it runs the whole forward pass."""

    def __init__(self, width: int, channels: int):
        super().__init__()
        self.a_to_b, self.b_to_a = translator(width, channels), translator(width, channels)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> Translation:
        fake_b, fake_a = self.a_to_b(a), self.b_to_a(b)
        return Translation(
            a, b, fake_b, fake_a, self.b_to_a(fake_b), self.a_to_b(fake_a), self.a_to_b(b), self.b_to_a(a)
        )


class Discriminators(nn.Module):
    """D_A and D_B; `judge(x, domain)` gives each image its patch logits' mean (one logit per image)."""

    def __init__(self, width: int, channels: int):
        super().__init__()
        self.a, self.b = patch_discriminator(width, channels), patch_discriminator(width, channels)

    def judge(self, images: torch.Tensor, domain: str) -> torch.Tensor:
        return getattr(self, domain)(images).mean((1, 2, 3))


def patch_bce(
    discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """D's binary cross-entropy over every patch logit, and its per-image mean logits on real and fake."""
    out_real, out_fake = discriminator(real), discriminator(fake)
    return discriminator_bce(out_real, out_fake), out_real.mean((1, 2, 3)), out_fake.mean((1, 2, 3))


class CycleGAN(Variant):
    name = "cyclegan"
    defaults = TrainConfig(
        steps=1000,
        batch_size=32,
        lr_d=2e-4,
        lr_g=2e-4,
        betas=(0.5, 0.999),
        hidden=8,
        eval_every=250,
        eval_n=800,
        checkpoint_every=250,
    )

    def __init__(self, cycle: float = 10.0, identity: float = 0.5):
        self.cycle, self.identity = cycle, identity
        self.description = (
            f"CycleGAN: digits <-> thick digits, unpaired; cycle weight {cycle}, identity weight {identity}"
        )

    def training_data(self, name):
        return TranslationData(name)

    def build(self, data, config):
        """`hidden` sets the width w of the translators and the discriminators."""
        return Translators(config.hidden, data.channels), Discriminators(config.hidden, data.channels)

    def generate(self, generator, data, n, draws, config):
        """A fresh unpaired batch of each domain, translated both ways (and back)."""
        return generator(*to_device(data.batch(n, draws), device_of(generator))), ()

    def d_loss(self, discriminators, real, fake, *, draws):
        real_a, real_b = real
        loss_b, real_on_b, fake_on_b = patch_bce(discriminators.b, real_b, fake.fake_b)
        loss_a, real_on_a, fake_on_a = patch_bce(discriminators.a, real_a, fake.fake_a)
        return loss_a + loss_b, torch.cat([real_on_b, real_on_a]), torch.cat([fake_on_b, fake_on_a])

    def g_loss(self, discriminators, fake):
        fooled = [discriminators.b(fake.fake_b), discriminators.a(fake.fake_a)]
        adversarial = sum(F.binary_cross_entropy_with_logits(out, torch.ones_like(out)) for out in fooled)
        cycle = F.l1_loss(fake.cycled_a, fake.a) + F.l1_loss(fake.cycled_b, fake.b)
        identity = F.l1_loss(fake.same_b, fake.b) + F.l1_loss(fake.same_a, fake.a)
        return adversarial + self.cycle * (cycle + self.identity * identity)

    def evaluation(self, generators, discriminators, data, config, step):
        """G on a fixed batch of digits it never saw in training (scored against thick digits); D_B
        on thick digits vs G's translations of unseen digits drawn afresh for this step."""
        a, labels, b = data.held_out(config.eval_n)
        fresh_a, _ = data.unseen(config.eval_n, torch.Generator().manual_seed(config.seed + step))
        a, b, fresh_a = to_device((a, b, fresh_a), device_of(generators))  # labels stay with the classifier, on the CPU
        fake_b = generators.a_to_b(a)
        extra = {
            "label_preservation": float((digit_labels(fake_b) == labels).float().mean()),
            "cycle_error": float((generators.b_to_a(fake_b) - a).abs().mean() / 2),
        }
        return Evaluation(
            fake_b, discriminators.judge(b, "b"), discriminators.judge(generators.a_to_b(fresh_a), "b"), extra
        )

    def sample(self, generators, data, config, n, seed, label=None):
        """n digits drawn with `seed` (from those G never saw in training), translated into thick digits."""
        self.refuse_label(label)
        digits = data.unseen(n, torch.Generator().manual_seed(seed))[0]
        return generators.a_to_b(to_device(digits, device_of(generators)))
