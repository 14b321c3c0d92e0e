"""Training data for the reference models: endless seeded batches and a held-out real set."""

from __future__ import annotations

import numpy as np
import torch

from ganeval.data import get_bundled
from ganeval.data.digits import load_digits_images

HELD_OUT_SEED = 987_654  # real samples for D's calibration: fresh mixture draws; digits has no spare images


class PointsData:
    """Batches drawn afresh from a bundled 2-D mixture (ring8, grid25), through a torch Generator."""

    kind = "points"

    def __init__(self, name: str):
        bundled = get_bundled(name)
        if bundled.kind != "points":
            raise ValueError(f"{name} is an image set; PointsData takes ring8 or grid25.")
        self.name, self.mixture = name, bundled.mixture
        self.centres = torch.tensor(self.mixture.centres, dtype=torch.float32)

    def batch(self, n: int, generator: torch.Generator) -> torch.Tensor:
        modes = torch.randint(0, len(self.centres), (n,), generator=generator)
        return self.centres[modes] + torch.randn(n, 2, generator=generator) * self.mixture.std

    def held_out(self, n: int) -> torch.Tensor:
        return self.batch(n, torch.Generator().manual_seed(HELD_OUT_SEED))


class ImageData:
    """The bundled digits (1,797 images) as float32 N x 1 x 32 x 32 in [-1, 1], G's tanh range.

    Batches draw uniform indices (with replacement) through the torch Generator passed in. There is
    no separate held-out split of digits for the GAN: `held_out` draws training images with a fixed
    seed, so D's calibration there is measured on images D has seen.
    """

    kind = "images"

    def __init__(self, name: str):
        if name != "digits":
            raise ValueError(f"the image variants train on digits only so far; got {name!r}.")
        images, labels = load_digits_images()
        self.name, self.channels, self.size = name, images.shape[1], images.shape[2]
        self.images = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0)
        self.labels = torch.tensor(labels, dtype=torch.int64)
        self.n_classes = int(self.labels.max()) + 1

    def batch(self, n: int, generator: torch.Generator, with_labels: bool = False):
        """n images; with_labels: (images, their digit labels), for conditional variants. Same draws either way."""
        index = torch.randint(0, len(self.images), (n,), generator=generator)
        return (self.images[index], self.labels[index]) if with_labels else self.images[index]

    def held_out(self, n: int, with_labels: bool = False):
        return self.batch(n, torch.Generator().manual_seed(HELD_OUT_SEED), with_labels)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Generated images in [-1, 1] as uint8 0..255, what the scorer and PNG files take."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def training_data(name: str):
    """The training data for a bundled set name: PointsData (ring8, grid25) or ImageData (digits)."""
    bundled = get_bundled(name)
    return PointsData(name) if bundled.kind == "points" else ImageData(name)
