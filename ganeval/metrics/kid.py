"""Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2 with a polynomial kernel.

    k(x, y) = (gamma * x.y + coef0) ** degree,   gamma = 1 / D by default

averaged over random subsets. Subsets are drawn exactly as torch-fidelity draws them (a
`RandomState(seed)`, generated indices first, then real ones, without replacement), so with the
same seed the numbers equal torch-fidelity's for any number of subsets.

float32 features (a cache entry's memory map) are read as they are: each subset is widened to float64
where it is used, so the values equal those of the whole matrices converted first. What depends on the
reference alone (`ReferenceKernels`: its explicit map, its kernel matrix, or the within-reference sums
of the subsets drawn) is computed once per reference and kernel when a `PreparedReference` is given.
"""

from __future__ import annotations

import warnings
from functools import cached_property
from math import comb
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics import progress
from ganeval.metrics._checks import as_features, positive_int, same_width, widened

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference


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


def _within(k_xx: np.ndarray) -> np.float64:
    """The mean kernel value over pairs of distinct samples of one set (the diagonal skipped)."""
    m = k_xx.shape[0]
    return (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))


def _mmd2(k_xx: np.ndarray, k_yy: np.ndarray, k_xy: np.ndarray, within_y: np.float64 | None = None) -> float:
    """Unbiased MMD^2 from kernel blocks: within-set sums skip the diagonal. within_y: y's term computed
    before (`ReferenceKernels`), k_yy then unused."""
    m, n = k_xy.shape
    within_y = _within(k_yy) if within_y is None else within_y
    return float(_within(k_xx) + within_y - 2.0 * k_xy.sum() / (m * n))


def polynomial_mmd2(
    x: np.ndarray, y: np.ndarray, degree: int = 3, gamma: float | None = None, coef0: float = 1.0
) -> float:
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
    if not _explicit_fits(d, degree, coef0):
        return None
    x = widened(x)  # at most a few columns (EXPLICIT_MAX_WIDTH)
    parts, power = [], np.ones((n, 1))
    for j in range(degree + 1):
        parts.append(np.sqrt(comb(degree, j) * coef0 ** (degree - j) * gamma**j) * power)
        power = (power[:, :, None] * x[:, None, :]).reshape(n, -1)
    return np.concatenate(parts, axis=1)


def _explicit_fits(dim: int, degree: int, coef0: float) -> bool:
    return coef0 >= 0 and sum(dim**j for j in range(degree + 1)) <= EXPLICIT_MAX_WIDTH


def _gram_fits(n_r: int, n_f: int) -> bool:
    return (n_r * n_r + n_f * n_f + n_r * n_f) * 8 <= KERNEL_CACHE_BYTES


class ReferenceKernels:
    """What KID computes from the reference features alone, for one kernel: the explicit feature map
    and its squared norms, the reference's kernel matrix, and per draw of subsets (seed, count, size and
    the generated side's size, which decide the reference rows drawn) each subset's within-reference
    term. Each piece is computed on first use and kept (`PreparedReference.kernels_for`): a training
    log or `check`'s repeats against one reference compute it once."""

    def __init__(self, real: np.ndarray, degree: int, gamma: float, coef0: float):
        self.real, self.degree, self.gamma, self.coef0 = real, degree, gamma, coef0
        self.subset_terms: dict[tuple, np.ndarray] = {}

    def kernel(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return _kernel(a, b, self.degree, self.gamma, self.coef0)

    @cached_property
    def explicit(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(phi, |phi|^2 per row) of the reference, or None when the map is too wide."""
        phi = explicit_feature_map(self.real, self.degree, self.gamma, self.coef0)
        return None if phi is None else (phi, (phi**2).sum(axis=1))

    @cached_property
    def gram(self) -> np.ndarray:
        """The reference's kernel matrix (only asked for when it fits KERNEL_CACHE_BYTES)."""
        real = widened(self.real)
        return self.kernel(real, real)


class ExplicitMap:
    """Kernel sums through the kernel's explicit feature map (low-dimensional features): any subset's
    sums are dot products of summed feature maps, linear in the subset size."""

    name = "explicit"
    resamples_cheaply = True

    def __init__(self, phi_f: np.ndarray, phi_r: np.ndarray, sq_r: np.ndarray | None = None):
        self.phi_f, self.phi_r = phi_f, phi_r
        self.sq_f = (phi_f**2).sum(axis=1)
        self.sq_r = (phi_r**2).sum(axis=1) if sq_r is None else sq_r

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
    """Kernel matrices computed per subset, as torch-fidelity does: for sets too large to cache. Each
    subset's rows are read (from a memory map too) and widened to float64 alone."""

    name = "direct"
    resamples_cheaply = False

    def __init__(self, kernel, real: np.ndarray, fake: np.ndarray):
        self.kernel, self.real, self.fake = kernel, real, fake

    def within_real(self, r: np.ndarray) -> np.float64:
        """The subset r's within-reference term (what `ReferenceKernels` keeps)."""
        y = widened(self.real[r])
        return _within(self.kernel(y, y))

    def subset_mmd2(self, f: np.ndarray, r: np.ndarray, within_r: np.float64 | None = None) -> float:
        x, y = widened(self.fake[f]), widened(self.real[r])
        k_yy = self.kernel(y, y) if within_r is None else None
        return _mmd2(self.kernel(x, x), k_yy, self.kernel(x, y), within_r)


class KernelSubsets:
    """Draws KID subsets as torch-fidelity does and returns their MMD^2 values.

    Three exact strategies, one class each, chosen by size (`mode` names the one chosen):
    - `ExplicitMap`: low-dimensional features get the kernel's explicit feature map;
    - `GramMatrices`: when the three whole kernel matrices fit in KERNEL_CACHE_BYTES;
    - `DirectKernels`: otherwise, kernel matrices per subset.
    The first two also make bootstrap resamples (`complete_mmd2`) cost no new kernel products.
    prepared: the reference `real` prepared once (`PreparedReference`), whose `ReferenceKernels`
    (explicit map, kernel matrix, within-reference subset terms) are reused; the same values.
    """

    def __init__(
        self,
        real: np.ndarray,
        fake: np.ndarray,
        degree: int,
        gamma: float | None,
        coef0: float,
        *,
        prepared: PreparedReference | None = None,
    ):
        self.real, self.fake = real, fake
        gamma = 1.0 / real.shape[1] if gamma is None else gamma
        if prepared is None:
            self.reference = ReferenceKernels(real, degree, gamma, coef0)
        else:
            self.reference = prepared.kernels_for(real, degree, gamma, coef0)
        self.kernel = self.reference.kernel
        n_r, n_f = real.shape[0], fake.shape[0]
        if _explicit_fits(fake.shape[1], degree, coef0):
            phi_r, sq_r = self.reference.explicit
            self.sums = ExplicitMap(explicit_feature_map(fake, degree, gamma, coef0), phi_r, sq_r)
        elif _gram_fits(n_r, n_f):
            fake64, real64 = widened(fake), widened(real)  # at most a few thousand rows (KERNEL_CACHE_BYTES)
            self.sums = GramMatrices(self.kernel(fake64, fake64), self.reference.gram, self.kernel(fake64, real64))
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
            raise GanevalError(
                "complete_mmd2 needs the explicit map or cached kernel matrices; these sets are too large."
            )
        w_r = np.bincount(real_rows, minlength=self.real.shape[0]).astype(float)
        w_f = np.bincount(fake_rows, minlength=self.fake.shape[0]).astype(float)
        distinct_pairs = lambda w: w.sum() ** 2 - w @ w  # noqa: E731
        within_f, within_r, cross = self.sums.weighted_sums(w_f, w_r)
        within_f, within_r = within_f / distinct_pairs(w_f), within_r / distinct_pairs(w_r)
        return float(within_f + within_r - 2.0 * cross / (w_f.sum() * w_r.sum()))

    def mmd2s(self, subsets: int, subset_size: int, seed: int, real_rows=None, fake_rows=None) -> np.ndarray:
        """MMD^2 of `subsets` random subsets; rows restrict (or resample) the samples drawn from."""
        whole_reference = real_rows is None
        real_rows = np.arange(self.real.shape[0]) if real_rows is None else real_rows
        fake_rows = np.arange(self.fake.shape[0]) if fake_rows is None else fake_rows
        rng = np.random.RandomState(seed)
        values = np.empty(subsets)
        direct = isinstance(self.sums, DirectKernels)
        # the within-reference terms of these draws, computed once per reference (direct strategy only:
        # the others' reference pieces are their explicit map or kernel matrix)
        key = (seed, subsets, subset_size, fake_rows.size)
        kept = self.reference.subset_terms.get(key) if direct and whole_reference else None
        terms = np.empty(subsets) if kept is None else kept
        n = max(self.real.shape[0], self.fake.shape[0])
        with progress.bar(subsets, "KID subsets", n if direct else 0, unit="subset") as shown:
            for i in range(subsets):
                f = fake_rows[rng.choice(fake_rows.size, subset_size, replace=False)]
                r = real_rows[rng.choice(real_rows.size, subset_size, replace=False)]
                if direct:
                    if kept is None:
                        terms[i] = self.sums.within_real(r)
                    values[i] = self.sums.subset_mmd2(f, r, terms[i])
                else:
                    values[i] = self.sums.subset_mmd2(f, r)
                shown.update(1)
        if direct and whole_reference and kept is None:
            self.reference.subset_terms[key] = terms
        return values


def check_kid_options(real, fake, subsets, subset_size, degree, gamma, coef0: float = 1.0):
    """Validated inputs and options of KID; an oversized subset_size is reduced with a warning. coef0 must be
    positive, as torchmetrics requires: the kernel's constant, which keeps every lower power of x.y in it."""
    real = as_features(real, "real", min_rows=2)
    fake = as_features(fake, "fake", min_rows=2)
    same_width(real, fake, "real", "fake")
    subsets = positive_int(subsets, "subsets")
    subset_size = positive_int(subset_size, "subset_size", minimum=2)
    degree = positive_int(degree, "degree")
    if gamma is not None and not gamma > 0:
        raise GanevalError(f"gamma must be positive or None (None means 1 / n_features); got {gamma!r}.")
    if not (isinstance(coef0, (int, float, np.integer, np.floating)) and np.isfinite(coef0) and coef0 > 0):
        raise GanevalError(f"coef0 must be a positive number (the default, 1, is KID's); got {coef0!r}.")
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
    *,
    prepared: PreparedReference | None = None,
) -> KID:
    """KID between real and fake features (N x D): mean and std of MMD^2 over random subsets.

    A `subset_size` larger than either set is reduced to the smaller set size, with a warning
    (the estimate stays unbiased; only its variance grows). prepared: the reference `real` prepared
    once (`PreparedReference`), whose kernel pieces are reused.
    """
    real, fake, subsets, subset_size, degree = check_kid_options(real, fake, subsets, subset_size, degree, gamma, coef0)
    mmds = KernelSubsets(real, fake, degree, gamma, coef0, prepared=prepared).mmd2s(subsets, subset_size, seed)
    return KID(float(mmds.mean()), float(mmds.std()))
