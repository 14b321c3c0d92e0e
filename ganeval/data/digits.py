"""Bundled digits: scikit-learn's 8x8 handwritten digits at 32x32, and Stacked-MNIST-style triples.

The images ship with scikit-learn, so tests, demos and the `digits` classifier work offline and
every run sees the same pixels. Everything here is deterministic: same arguments, same arrays.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from ganeval.errors import GanevalError

SIZE = 32  # side of the upsampled images, the `digits` extractor's input size
N_CLASSES = 10
HELD_OUT_FRACTION = 0.2


def _bilinear_matrix(src: int, dst: int) -> np.ndarray:
    """dst x src weights of 1-D bilinear upsampling with half-pixel centres, edges clamped.

    Same sampling as torch's interpolate(mode="bilinear", align_corners=False) and PIL's bilinear
    resize when enlarging; applied along both axes it upsamples an image with two matrix products.
    """
    centres = np.clip((np.arange(dst) + 0.5) * src / dst - 0.5, 0.0, src - 1)
    left = np.floor(centres).astype(int)
    right = np.minimum(left + 1, src - 1)
    frac = centres - left
    weights = np.zeros((dst, src))
    weights[np.arange(dst), left] += 1.0 - frac
    weights[np.arange(dst), right] += frac
    return weights


@functools.lru_cache(maxsize=1)
def _digits_cached() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    bunch = load_digits()
    small = bunch.images * (255.0 / 16.0)  # N x 8 x 8, values 0..16 -> 0..255
    up = _bilinear_matrix(small.shape[1], SIZE)
    large = np.einsum("ij,njk,lk->nil", up, small, up)  # N x 32 x 32
    images = np.clip(np.rint(large), 0, 255).astype(np.uint8)[:, None]
    labels = bunch.target.astype(np.int64)
    images.setflags(write=False)  # shared by every caller through the cache
    labels.setflags(write=False)
    return images, labels


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 digits as uint8 N x 1 x 32 x 32 (0..255, bilinear upsampling) and int64 labels.

    The arrays are cached and read-only; copy them before changing them.
    """
    return _digits_cached()


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise GanevalError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def digits_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) indices into `load_digits_images()`: stratified 80/20, sorted.

    Each class is shuffled with `np.random.default_rng(seed)` and its first 20% (rounded) is held out,
    so the classifier's training script and its accuracy test agree on the split without sharing state.
    """
    seed = _check_int(seed, "seed", 0)
    _, labels = load_digits_images()
    rng = np.random.default_rng(seed)
    held_out = []
    for label in range(N_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == label))
        held_out.append(members[: int(round(HELD_OUT_FRACTION * members.size))])
    held = np.sort(np.concatenate(held_out))
    train = np.setdiff1d(np.arange(labels.size), held)
    return train.astype(np.int64), held.astype(np.int64)


def thicken(images: np.ndarray) -> np.ndarray:
    """Digits with strokes about one pixel thicker at 32x32: a 3x3 maximum filter over each image.

    The second domain of the cyclegan reference (digits -> thick digits). The digits classifier
    still labels thickened digits 99.5% correctly, so label preservation measures the translation.
    """
    from scipy.ndimage import maximum_filter

    return maximum_filter(np.asarray(images), size=(1,) * (np.ndim(images) - 2) + (3, 3))


def stacked_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n Stacked-MNIST samples (uint8 n x 3 x 32 x 32) and their modes (int64, 0..999).

    Each sample stacks three digits drawn uniformly with replacement (`np.random.default_rng(seed)`),
    one per RGB channel; mode = 100 * label_R + 10 * label_G + label_B, so there are 1,000 modes
    (the mode-collapse benchmark of Metz et al. 2017 and Srivastava et al. 2017).
    """
    n = _check_int(n, "n", 0)
    seed = _check_int(seed, "seed", 0)
    images, labels = load_digits_images()
    picks = np.random.default_rng(seed).integers(0, labels.size, size=(n, 3))
    stacked = images[picks.ravel(), 0].reshape(n, 3, SIZE, SIZE)
    picked = labels[picks]
    modes = 100 * picked[:, 0] + 10 * picked[:, 1] + picked[:, 2]
    return stacked, modes.astype(np.int64)
