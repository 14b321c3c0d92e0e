"""Bundled data sets by name: generated with a seed or built from installed packages, never downloaded.

Each set knows its true modes, so mode coverage has ground truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ganeval.data.digits import load_digits_images, stacked_digits, thicken
from ganeval.data.mixtures import GRID25, RING8, Mixture
from ganeval.errors import GanevalError

REFERENCE_SEED = 20240  # bundled references are drawn with this seed, whatever --seed says


@dataclass(frozen=True)
class Bundled:
    """One bundled data set: images (uint8 N x C x H x W) or points (float64 N x 2)."""

    name: str
    kind: str  # "images" or "points"
    n_modes: int
    extractor: str  # the default extractor for this data
    channels: int  # image channels (images only)
    default_n: int | None  # samples drawn when none are asked for; None means the whole set
    uniform_modes: bool  # True when every mode is equally likely (mode KL against uniform)
    draw: Callable[[int | None, int], tuple[np.ndarray, np.ndarray]]  # (n, seed) -> (samples, modes)
    description: str
    mixture: Mixture | None = None

    def sample(self, n: int | None = None, seed: int = REFERENCE_SEED) -> tuple[np.ndarray, np.ndarray]:
        """Samples and their true modes; n=None gives the default size."""
        return self.draw(self.default_n if n is None else n, seed)


def _digits(n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_digits_images()
    if n is None or n >= len(images):  # n caps the sample count, as for folders
        return images, labels
    pick = np.sort(np.random.default_rng(seed).choice(len(images), n, replace=False))
    return images[pick], labels[pick]


def _thick_digits(n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = _digits(n, seed)
    return thicken(images), labels


def _stacked(n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return stacked_digits(n, seed)


def _mixture(mixture: Mixture) -> Callable[[int | None, int], tuple[np.ndarray, np.ndarray]]:
    return lambda n, seed: mixture.sample(n, seed)


BUNDLED: dict[str, Bundled] = {
    b.name: b
    for b in [
        Bundled(
            "digits",
            "images",
            10,
            "digits",
            1,
            None,
            False,
            _digits,
            "scikit-learn's 1,797 handwritten 8x8 digits, upsampled to 32x32 grayscale (10 modes)",
        ),
        Bundled(
            "digits-thick",
            "images",
            10,
            "digits",
            1,
            None,
            False,
            _thick_digits,
            "the digits with strokes thickened by a 3x3 maximum filter: cyclegan's target domain (10 modes)",
        ),
        Bundled(
            "stacked-digits",
            "images",
            1000,
            "digits",
            3,
            10_000,
            True,
            _stacked,
            "three digits stacked as RGB channels, drawn with a seed (1,000 modes)",
        ),
        Bundled(
            "ring8",
            "points",
            8,
            "points",
            0,
            10_000,
            True,
            _mixture(RING8),
            "8 Gaussians on a circle of radius 2, std 0.02",
            RING8,
        ),
        Bundled(
            "grid25",
            "points",
            25,
            "points",
            0,
            10_000,
            True,
            _mixture(GRID25),
            "25 Gaussians on the grid {-4,-2,0,2,4}^2, std 0.05",
            GRID25,
        ),
    ]
}


def get_bundled(name: str) -> Bundled:
    try:
        return BUNDLED[name]
    except KeyError:
        raise GanevalError(f"unknown bundled data set {name!r}; bundled sets are: {', '.join(BUNDLED)}.") from None
