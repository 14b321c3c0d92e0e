"""Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2 with a polynomial kernel.

    k(x, y) = (gamma * x.y + coef0) ** degree,   gamma = 1 / D by default

averaged over random subsets. Subsets are drawn exactly as torch-fidelity draws them (a
`RandomState(seed)`, generated indices first, then real ones, without replacement), so with the
same seed the numbers equal torch-fidelity's for any number of subsets.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from ganeval.metrics._checks import as_matrix, positive_int, same_width


class KID(NamedTuple):
    mean: float
    std: float  # spread over subsets (ddof=0, as torch-fidelity), not a confidence interval


def _kernel(x: np.ndarray, y: np.ndarray, degree: int, gamma: float, coef0: float) -> np.ndarray:
    return (x @ y.T * gamma + coef0) ** degree


def polynomial_mmd2(x: np.ndarray, y: np.ndarray, degree: int = 3, gamma: float | None = None, coef0: float = 1.0) -> float:
    """Unbiased MMD^2 estimate between samples x (m x D) and y (n x D).

    Within-set kernel sums exclude the diagonal (divided by m(m-1)); the cross term divides by m*n.
    """
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    m, n = x.shape[0], y.shape[0]
    k_xx = _kernel(x, x, degree, gamma, coef0)
    k_yy = _kernel(y, y, degree, gamma, coef0)
    k_xy = _kernel(x, y, degree, gamma, coef0)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.sum() / (m * n))


def kernel_inception_distance(
    real,
    fake,
    subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    gamma: float | None = None,
    coef0: float = 1,
    seed: int = 0,
) -> KID:
    """KID between real and fake features (N x D): mean and std of MMD^2 over random subsets.

    A `subset_size` larger than either set is reduced to the smaller set size, with a warning
    (the estimate stays unbiased; only its variance grows).
    """
    real = as_matrix(real, "real", min_rows=2)
    fake = as_matrix(fake, "fake", min_rows=2)
    same_width(real, fake, "real", "fake")
    subsets = positive_int(subsets, "subsets")
    subset_size = positive_int(subset_size, "subset_size", minimum=2)
    degree = positive_int(degree, "degree")
    if gamma is not None and not gamma > 0:
        raise ValueError(f"gamma must be positive or None (None means 1 / n_features); got {gamma!r}.")
    largest = min(real.shape[0], fake.shape[0])
    if subset_size > largest:
        warnings.warn(
            f"subset_size={subset_size} exceeds the smaller sample count ({largest}); using {largest}. "
            "Pass subset_size explicitly to silence this.",
            stacklevel=2,
        )
        subset_size = largest
    rng = np.random.RandomState(seed)
    mmds = np.empty(subsets)
    for i in range(subsets):
        f = fake[rng.choice(fake.shape[0], subset_size, replace=False)]
        r = real[rng.choice(real.shape[0], subset_size, replace=False)]
        mmds[i] = polynomial_mmd2(f, r, degree, gamma, coef0)
    return KID(float(mmds.mean()), float(mmds.std()))
