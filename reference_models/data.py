"""Training data for the reference models: endless seeded batches and a held-out real set.

Every class implements `TrainingData`, what the loop and the variants read of a training set.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from ganeval.data import get_bundled
from ganeval.data.digits import load_digits_images, thicken
from ganeval.errors import GanevalError
from ganeval.features import get_extractor

HELD_OUT_SEED = 987_654  # real samples for D's calibration: fresh mixture draws; digits has no spare images


@runtime_checkable
class TrainingData(Protocol):
    """A training set as the loop and the variants use it.

    kind: "points" (float32 N x 2) or "images" (float32 N x C x H x W in [-1, 1], G's tanh range);
    reference: the bundled set that generated samples are scored against. `batch` draws n training
    samples through the generator passed in (the only source of randomness); `held_out` gives n real
    samples drawn with a fixed seed, for D's calibration. What a sample is (a tensor, or a tuple
    such as cyclegan's two domains) is the variant's business: it alone unpacks them.
    """

    name: str
    kind: str
    reference: str

    def batch(self, n: int, generator: torch.Generator) -> Any: ...

    def held_out(self, n: int) -> Any: ...


class PointsData:
    """Batches drawn afresh from a bundled 2-D mixture (ring8, grid25), through a torch Generator."""

    kind = "points"

    def __init__(self, name: str):
        bundled = get_bundled(name)
        if bundled.kind != "points":
            raise GanevalError(f"{name} is an image set; PointsData takes ring8 or grid25.")
        self.name = self.reference = name  # reference: the bundled set generated samples are scored against
        self.mixture = bundled.mixture
        self.centres = torch.tensor(self.mixture.centres, dtype=torch.float32)

    def batch(self, n: int, generator: torch.Generator) -> torch.Tensor:
        modes = torch.randint(0, len(self.centres), (n,), generator=generator)
        return self.centres[modes] + torch.randn(n, 2, generator=generator) * self.mixture.std

    def held_out(self, n: int) -> torch.Tensor:
        return self.batch(n, torch.Generator().manual_seed(HELD_OUT_SEED))


class ImageData:
    """Bundled images as float32 N x C x 32 x 32 in [-1, 1], G's tanh range: digits (1,797 images,
    10 classes) or stacked-digits (three digits as RGB channels, drawn afresh: 1,000 classes).

    Batches draw uniform indices (with replacement) through the torch Generator passed in, one digit
    per channel. There is no separate held-out split of digits for the GAN: `held_out` draws training
    images with a fixed seed, so D's calibration there is measured on images D has seen.
    """

    kind = "images"

    def __init__(self, name: str):
        if name not in ("digits", "stacked-digits"):
            raise GanevalError(f"the image variants train on digits or stacked-digits; got {name!r}.")
        images, labels = load_digits_images()
        self.name = self.reference = name
        self.channels, self.size = (3 if name == "stacked-digits" else 1), images.shape[2]
        self.images = _to_float(images[:, 0])  # N x H x W
        self.labels = torch.tensor(labels, dtype=torch.int64)
        self.n_classes = 10**self.channels  # stacked: class 100 * red + 10 * green + blue, as the bundled set's modes

    def batch(self, n: int, generator: torch.Generator, with_labels: bool = False):
        """n images; with_labels: (images, their labels), for conditional variants. Same draws either way."""
        index = torch.randint(0, len(self.images), (n, self.channels), generator=generator)
        images = self.images[index]  # n x C x H x W
        if not with_labels:
            return images
        digits = self.labels[index]
        return images, (digits * 10 ** torch.arange(self.channels - 1, -1, -1)).sum(1)

    def held_out(self, n: int, with_labels: bool = False):
        return self.batch(n, torch.Generator().manual_seed(HELD_OUT_SEED), with_labels)


class TranslationData:
    """cyclegan's two unpaired image domains, from `--data digits`: A, the digits, and B, the digits
    with strokes thickened by a 3x3 maximum filter (the bundled set `digits-thick`).

    The 1,797 digits are split in two halves with a fixed seed: A's training images come from one
    half, B's from the other, so no digit is seen in both domains (unpaired). The thin originals of
    B's half are digits G never translates during training: evaluations and `sample` translate
    those (`unseen`). Images are float32 in [-1, 1]; the digits keep their labels, for label
    preservation.
    """

    kind = "images"
    reference = "digits-thick"  # what translated samples are scored against
    SPLIT_SEED = 2017

    def __init__(self, name: str):
        if name != "digits":
            raise GanevalError(
                f"cyclegan translates digits into thick digits: train it with --data digits; got {name!r}."
            )
        images, labels = load_digits_images()
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(self.SPLIT_SEED)).numpy()
        half_a, half_b = order[: len(order) // 2], order[len(order) // 2 :]
        self.name, self.channels, self.size, self.n_classes = name, 1, images.shape[2], 10
        self.a, self.b = _to_float(images[half_a]), _to_float(thicken(images[half_b]))
        self.unseen_a, self.unseen_labels = _to_float(images[half_b]), torch.tensor(labels[half_b], dtype=torch.int64)
        self.distinct_inputs = len(self.unseen_a)  # 899: the most translations without repeating an input

    def batch(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """(a, b): n training images of each domain, drawn independently."""
        index_a = torch.randint(0, len(self.a), (n,), generator=generator)
        index_b = torch.randint(0, len(self.b), (n,), generator=generator)
        return self.a[index_a], self.b[index_b]

    def unseen(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """n digits that G never translates in training, and their labels: distinct digits up to
        `distinct_inputs` (repeated inputs would shrink the k-NN radii of precision and recall)."""
        if n <= self.distinct_inputs:
            index = torch.randperm(self.distinct_inputs, generator=generator)[:n]
        else:
            index = torch.randint(0, self.distinct_inputs, (n,), generator=generator)
        return self.unseen_a[index], self.unseen_labels[index]

    def held_out(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(unseen digits, their labels, thick digits), n of each, drawn with a fixed seed."""
        draws = torch.Generator().manual_seed(HELD_OUT_SEED)
        a, labels = self.unseen(n, draws)
        return a, labels, self.b[torch.randint(0, len(self.b), (n,), generator=draws)]


def _to_float(images: np.ndarray) -> torch.Tensor:
    """uint8 images as float32 in [-1, 1], G's tanh range."""
    return torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0)


@functools.cache
def digits_classifier():
    """ganeval's digits CNN: labels generated digits (cgan's class accuracy, cyclegan's label preservation)."""
    return get_extractor("digits")


def digit_labels(images: torch.Tensor) -> torch.Tensor:
    """The digits classifier's labels (on the CPU) of generated grayscale images in [-1, 1] (on any device)."""
    return torch.from_numpy(digits_classifier().extract(to_uint8(images).cpu())["modes"])


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Generated images in [-1, 1] as uint8 0..255, what the scorer and PNG files take."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def training_data(name: str) -> TrainingData:
    """The training data for a bundled set name: PointsData (ring8, grid25) or ImageData (digits, stacked-digits)."""
    bundled = get_bundled(name)
    return PointsData(name) if bundled.kind == "points" else ImageData(name)
