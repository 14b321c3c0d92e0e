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
    base = x @ y.T
    base *= gamma
    base += coef0
    kernel = base.copy()
    for _ in range(degree - 1):  # repeated in-place products: several times faster than ** degree
        kernel *= base
    return kernel


def _mmd2(k_xx: np.ndarray, k_yy: np.ndarray, k_xy: np.ndarray) -> float:
    """Unbiased MMD^2 from kernel blocks: within-set sums skip the diagonal."""
    m, n = k_xy.shape
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * k_xy.sum() / (m * n))


def polynomial_mmd2(x: np.ndarray, y: np.ndarray, degree: int = 3, gamma: float | None = None, coef0: float = 1.0) -> float:
    """Unbiased MMD^2 estimate between samples x (m x D) and y (n x D).

    Within-set kernel sums exclude the diagonal (divided by m(m-1)); the cross term divides by m*n.
    """
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    k = lambda a, b: _kernel(a, b, degree, gamma, coef0)  # noqa: E731
    return _mmd2(k(x, x), k(y, y), k(x, y))


KERNEL_CACHE_BYTES = 512 * 2**20  # precompute whole kernel matrices when they fit in this


class KernelSubsets:
    """Draws KID subsets as torch-fidelity does and returns their MMD^2 values.

    When the three whole kernel matrices (fake-fake, real-real, fake-real) fit in
    KERNEL_CACHE_BYTES, they are computed once and every subset gathers its blocks from them:
    one pass of matrix products instead of three per subset, and bootstrap resamples (index
    arrays into the same samples) cost no new products. Otherwise kernels are computed per subset.
    """

    def __init__(self, real: np.ndarray, fake: np.ndarray, degree: int, gamma: float | None, coef0: float):
        self.real, self.fake = real, fake
        gamma = 1.0 / real.shape[1] if gamma is None else gamma
        self.kernel = lambda a, b: _kernel(a, b, degree, gamma, coef0)
        n_r, n_f = real.shape[0], fake.shape[0]
        self.cached = (n_r * n_r + n_f * n_f + n_r * n_f) * 8 <= KERNEL_CACHE_BYTES
        if self.cached:
            self.k_ff, self.k_rr, self.k_fr = self.kernel(fake, fake), self.kernel(real, real), self.kernel(fake, real)

    def complete_mmd2(self, real_rows: np.ndarray, fake_rows: np.ndarray) -> float:
        """Unbiased MMD^2 over all pairs of the given rows, from the cached kernel matrices.

        A bootstrap resample repeats rows; pairs of copies of one sample would add k(x, x) terms
        and bias MMD^2 upwards, so within-set sums keep only pairs of distinct samples:
        (w.K.w - sum_i w_i^2 K_ii) / (m^2 - sum_i w_i^2) for multiplicities w. Each resample
        costs matrix-vector products, not new kernel matrices.
        """
        if not self.cached:
            raise ValueError("complete_mmd2 needs the cached kernel matrices; these sets are too large.")
        w_r = np.bincount(real_rows, minlength=self.real.shape[0]).astype(float)
        w_f = np.bincount(fake_rows, minlength=self.fake.shape[0]).astype(float)

        def within(w: np.ndarray, k: np.ndarray) -> float:
            return (w @ k @ w - (w * w) @ np.diagonal(k)) / (w.sum() ** 2 - w @ w)

        cross = w_f @ self.k_fr @ w_r / (w_f.sum() * w_r.sum())
        return float(within(w_f, self.k_ff) + within(w_r, self.k_rr) - 2.0 * cross)

    def mmd2s(self, subsets: int, subset_size: int, seed: int, real_rows=None, fake_rows=None) -> np.ndarray:
        """MMD^2 of `subsets` random subsets; rows restrict (or resample) the samples drawn from."""
        real_rows = np.arange(self.real.shape[0]) if real_rows is None else real_rows
        fake_rows = np.arange(self.fake.shape[0]) if fake_rows is None else fake_rows
        rng = np.random.RandomState(seed)
        values = np.empty(subsets)
        for i in range(subsets):
            f = fake_rows[rng.choice(fake_rows.size, subset_size, replace=False)]
            r = real_rows[rng.choice(real_rows.size, subset_size, replace=False)]
            if self.cached:
                values[i] = _mmd2(self.k_ff[np.ix_(f, f)], self.k_rr[np.ix_(r, r)], self.k_fr[np.ix_(f, r)])
            else:
                x, y = self.fake[f], self.real[r]
                values[i] = _mmd2(self.kernel(x, x), self.kernel(y, y), self.kernel(x, y))
        return values


def check_kid_options(real, fake, subsets, subset_size, degree, gamma):
    """Validated inputs and options of KID; an oversized subset_size is reduced with a warning."""
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
            stacklevel=3,
        )
        subset_size = largest
    return real, fake, subsets, subset_size, degree


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
    real, fake, subsets, subset_size, degree = check_kid_options(real, fake, subsets, subset_size, degree, gamma)
    mmds = KernelSubsets(real, fake, degree, gamma, coef0).mmd2s(subsets, subset_size, seed)
    return KID(float(mmds.mean()), float(mmds.std()))
