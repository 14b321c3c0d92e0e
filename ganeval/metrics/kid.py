"""Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2 with a polynomial kernel.

    k(x, y) = (gamma * x.y + coef0) ** degree,   gamma = 1 / D by default

averaged over random subsets. Subsets are drawn exactly as torch-fidelity draws them (a
`RandomState(seed)`, generated indices first, then real ones, without replacement), so with the
same seed the numbers equal torch-fidelity's for any number of subsets.
"""

from __future__ import annotations

import warnings
from math import comb
from typing import NamedTuple

import numpy as np

from ganeval.metrics._checks import as_matrix, positive_int, same_width
from ganeval.errors import GanevalError


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
EXPLICIT_MAX_WIDTH = 256  # use the explicit feature map of the kernel when it is at most this wide


def explicit_feature_map(x: np.ndarray, degree: int, gamma: float, coef0: float) -> np.ndarray | None:
    """phi with phi(x).phi(y) = (gamma x.y + coef0) ** degree, or None when too wide (or coef0 < 0).

    By the binomial theorem the kernel is sum_j C(degree, j) coef0^(degree-j) gamma^j (x.y)^j, and
    (x.y)^j is the dot product of the j-fold outer powers of x and y. The width is sum_j D^j:
    15 for 2-D points at degree 3, so low-dimensional KID never forms a kernel matrix.
    """
    n, d = x.shape
    if coef0 < 0 or sum(d**j for j in range(degree + 1)) > EXPLICIT_MAX_WIDTH:
        return None
    parts, power = [], np.ones((n, 1))
    for j in range(degree + 1):
        parts.append(np.sqrt(comb(degree, j) * coef0 ** (degree - j) * gamma**j) * power)
        power = (power[:, :, None] * x[:, None, :]).reshape(n, -1)
    return np.concatenate(parts, axis=1)


class ExplicitMap:
    """Kernel sums through the kernel's explicit feature map (low-dimensional features): any subset's
    sums are dot products of summed feature maps, linear in the subset size."""

    name = "explicit"
    resamples_cheaply = True

    def __init__(self, phi_f: np.ndarray, phi_r: np.ndarray):
        self.phi_f, self.phi_r = phi_f, phi_r
        self.sq_f, self.sq_r = (phi_f**2).sum(axis=1), (phi_r**2).sum(axis=1)

    def subset_mmd2(self, f: np.ndarray, r: np.ndarray) -> float:
        m, n = f.size, r.size
        s_f, s_r = self.phi_f[f].sum(axis=0), self.phi_r[r].sum(axis=0)
        within_f = (s_f @ s_f - self.sq_f[f].sum()) / (m * (m - 1))
        within_r = (s_r @ s_r - self.sq_r[r].sum()) / (n * (n - 1))
        return float(within_f + within_r - 2.0 * (s_f @ s_r) / (m * n))

    def weighted_sums(self, w_f: np.ndarray, w_r: np.ndarray) -> tuple[float, float, float]:
        """w.K.w - sum_i w_i^2 K_ii within fake and within real, and w_f.K.w_r across."""
        s_f, s_r = w_f @ self.phi_f, w_r @ self.phi_r
        return s_f @ s_f - (w_f * w_f) @ self.sq_f, s_r @ s_r - (w_r * w_r) @ self.sq_r, s_f @ s_r


class GramMatrices:
    """The three whole kernel matrices (fake-fake, real-real, fake-real), computed once; each subset
    gathers its blocks from them."""

    name = "gram"
    resamples_cheaply = True

    def __init__(self, k_ff: np.ndarray, k_rr: np.ndarray, k_fr: np.ndarray):
        self.k_ff, self.k_rr, self.k_fr = k_ff, k_rr, k_fr

    def subset_mmd2(self, f: np.ndarray, r: np.ndarray) -> float:
        return _mmd2(self.k_ff[np.ix_(f, f)], self.k_rr[np.ix_(r, r)], self.k_fr[np.ix_(f, r)])

    def weighted_sums(self, w_f: np.ndarray, w_r: np.ndarray) -> tuple[float, float, float]:
        """w.K.w - sum_i w_i^2 K_ii within fake and within real, and w_f.K.w_r across."""
        within_f = w_f @ self.k_ff @ w_f - (w_f * w_f) @ np.diagonal(self.k_ff)
        within_r = w_r @ self.k_rr @ w_r - (w_r * w_r) @ np.diagonal(self.k_rr)
        return within_f, within_r, w_f @ self.k_fr @ w_r


class DirectKernels:
    """Kernel matrices computed per subset, as torch-fidelity does: for sets too large to cache."""

    name = "direct"
    resamples_cheaply = False

    def __init__(self, kernel, real: np.ndarray, fake: np.ndarray):
        self.kernel, self.real, self.fake = kernel, real, fake

    def subset_mmd2(self, f: np.ndarray, r: np.ndarray) -> float:
        x, y = self.fake[f], self.real[r]
        return _mmd2(self.kernel(x, x), self.kernel(y, y), self.kernel(x, y))


class KernelSubsets:
    """Draws KID subsets as torch-fidelity does and returns their MMD^2 values.

    Three exact strategies, one class each, chosen by size (`mode` names the one chosen):
    - `ExplicitMap`: low-dimensional features get the kernel's explicit feature map;
    - `GramMatrices`: when the three whole kernel matrices fit in KERNEL_CACHE_BYTES;
    - `DirectKernels`: otherwise, kernel matrices per subset.
    The first two also make bootstrap resamples (`complete_mmd2`) cost no new kernel products.
    """

    def __init__(self, real: np.ndarray, fake: np.ndarray, degree: int, gamma: float | None, coef0: float):
        self.real, self.fake = real, fake
        gamma = 1.0 / real.shape[1] if gamma is None else gamma
        self.kernel = lambda a, b: _kernel(a, b, degree, gamma, coef0)
        phi_f = explicit_feature_map(fake, degree, gamma, coef0)
        n_r, n_f = real.shape[0], fake.shape[0]
        if phi_f is not None:
            self.sums = ExplicitMap(phi_f, explicit_feature_map(real, degree, gamma, coef0))
        elif (n_r * n_r + n_f * n_f + n_r * n_f) * 8 <= KERNEL_CACHE_BYTES:
            self.sums = GramMatrices(self.kernel(fake, fake), self.kernel(real, real), self.kernel(fake, real))
        else:
            self.sums = DirectKernels(self.kernel, real, fake)
        self.mode = self.sums.name

    @property
    def resamples_cheaply(self) -> bool:
        """True when `complete_mmd2` is available (explicit or gram strategy)."""
        return self.sums.resamples_cheaply

    def complete_mmd2(self, real_rows: np.ndarray, fake_rows: np.ndarray) -> float:
        """Unbiased MMD^2 over all pairs of the given rows (explicit or gram strategy only).

        A bootstrap resample repeats rows; pairs of copies of one sample would add k(x, x) terms
        and bias MMD^2 upwards, so within-set sums keep only pairs of distinct samples:
        (w.K.w - sum_i w_i^2 K_ii) / (m^2 - sum_i w_i^2) for multiplicities w. Each resample
        costs matrix-vector products, not new kernel matrices.
        """
        if not self.resamples_cheaply:
            raise GanevalError("complete_mmd2 needs the explicit map or cached kernel matrices; these sets are too large.")
        w_r = np.bincount(real_rows, minlength=self.real.shape[0]).astype(float)
        w_f = np.bincount(fake_rows, minlength=self.fake.shape[0]).astype(float)
        distinct_pairs = lambda w: w.sum() ** 2 - w @ w  # noqa: E731
        within_f, within_r, cross = self.sums.weighted_sums(w_f, w_r)
        within_f, within_r = within_f / distinct_pairs(w_f), within_r / distinct_pairs(w_r)
        return float(within_f + within_r - 2.0 * cross / (w_f.sum() * w_r.sum()))

    def mmd2s(self, subsets: int, subset_size: int, seed: int, real_rows=None, fake_rows=None) -> np.ndarray:
        """MMD^2 of `subsets` random subsets; rows restrict (or resample) the samples drawn from."""
        real_rows = np.arange(self.real.shape[0]) if real_rows is None else real_rows
        fake_rows = np.arange(self.fake.shape[0]) if fake_rows is None else fake_rows
        rng = np.random.RandomState(seed)
        values = np.empty(subsets)
        for i in range(subsets):
            f = fake_rows[rng.choice(fake_rows.size, subset_size, replace=False)]
            r = real_rows[rng.choice(real_rows.size, subset_size, replace=False)]
            values[i] = self.sums.subset_mmd2(f, r)
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
        raise GanevalError(f"gamma must be positive or None (None means 1 / n_features); got {gamma!r}.")
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
