"""Frechet distance between Gaussians fitted to features (FID), its statistics, and FID-infinity.

    FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))

The trace term is computed without a matrix square root: with S1 = L L^T (Cholesky), the
eigenvalues of S1 S2 equal those of the symmetric positive semi-definite L^T S2 L, so
tr((S1 S2)^(1/2)) is the sum of the square roots of `eigvalsh(L^T S2 L)`. This is exact, several
times faster than `scipy.linalg.sqrtm` (pytorch-fid, clean-fid) or `eigvals(S1 @ S2)`
(torch-fidelity 0.4, torchmetrics), and never produces complex numbers. `FrechetReference` keeps
L for a reference so that repeated comparisons against it (FID-infinity, training curves, bootstrap)
skip the factorisation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import (
    as_features,
    as_vector,
    check_covariance,
    check_finite,
    positive_int,
    row_chunks,
    same_width,
    to_numpy,
    widened,
)

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference


class SingularCovarianceWarning(UserWarning):
    """A covariance matrix is singular, usually because there are fewer samples than dimensions."""


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------


# Features up to this size in float64 are fitted whole (`gaussian_stats`); larger ones a chunk of rows at a time.
WHOLE_FIT_BYTES = 256 * 2**20


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance (ddof=1, as `np.cov`) of features (N x D), in float64.

    float32 features (a memory-mapped cache entry) are widened to float64 first: whole up to
    WHOLE_FIT_BYTES of float64, beyond a chunk of rows at a time (two passes: the mean, then the
    centred outer products), so no N x D float64 copy is made at large N. The chunked covariance
    sums its chunks' products, so it differs from the whole product in the last bits only (about
    1e-16 relative); float32 features and their float64 copy give the same bits either way."""
    x = as_features(features, "features", min_rows=2)
    if x.size * 8 <= WHOLE_FIT_BYTES:
        x = widened(x)
        mu = x.mean(axis=0)
        centred = x - mu
        return mu, centred.T @ centred / (x.shape[0] - 1)
    chunks = row_chunks(x)
    total = np.zeros(x.shape[1])
    # one row after another, as x.sum(axis=0) adds them: the mean's bits do not depend on the chunks
    for rows in chunks:
        total = np.add.reduce(np.concatenate([total[None], widened(x[rows])]), axis=0)
    mu = total / x.shape[0]
    outer = np.zeros((x.shape[1], x.shape[1]))
    for rows in chunks:
        centred = widened(x[rows]) - mu
        outer += centred.T @ centred
    return mu, outer / (x.shape[0] - 1)


@dataclass
class GaussianStats:
    """Running float64 sums (count, sum, sum of outer products) of a feature stream.

    Shards computed apart (other batches, processes or machines) merge by addition, `a + b`, so
    the sums can be all-reduced with torch.distributed. Memory is O(D^2) whatever the number of
    samples. Raw sums lose about eps * (|mean| / std)^2 of relative precision in the covariance,
    negligible in float64 for network features.
    """

    count: int
    total: np.ndarray
    outer: np.ndarray

    @classmethod
    def empty(cls, dim: int) -> GaussianStats:
        dim = positive_int(dim, "dim")
        return cls(0, np.zeros(dim), np.zeros((dim, dim)))

    @classmethod
    def from_features(cls, features) -> GaussianStats:
        x = as_features(features, "features")
        if x.size * 8 > WHOLE_FIT_BYTES:
            return cls.empty(x.shape[1]).update(x)
        x = widened(x)
        return cls(x.shape[0], x.sum(axis=0), x.T @ x)

    @property
    def dim(self) -> int:
        return self.total.shape[0]

    def update(self, batch) -> GaussianStats:
        """Add a batch of features (N x D) in place, in float64 (a chunk of rows at a time past
        WHOLE_FIT_BYTES, as `gaussian_stats`); returns self for chaining."""
        x = as_features(batch, "batch")
        if x.shape[1] != self.dim:
            raise GanevalError(
                f"batch has dimension {x.shape[1]} but these statistics have dimension {self.dim}; "
                "every batch must come from the same extractor and layer."
            )
        for rows in [slice(None)] if x.size * 8 <= WHOLE_FIT_BYTES else row_chunks(x):
            chunk = widened(x[rows])
            self.count += chunk.shape[0]
            self.total += chunk.sum(axis=0)
            self.outer += chunk.T @ chunk
        return self

    @classmethod
    def accumulate(cls, stats: GaussianStats | None, batch) -> GaussianStats:
        """`stats` with the batch's rows added, for streams: the first batch (stats None) starts the sums."""
        return cls.from_features(batch) if stats is None else stats.update(batch)

    def __add__(self, other: GaussianStats) -> GaussianStats:
        if not isinstance(other, GaussianStats):
            return NotImplemented
        if other.dim != self.dim:
            raise GanevalError(f"cannot merge statistics of dimension {self.dim} and {other.dim}.")
        return GaussianStats(self.count + other.count, self.total + other.total, self.outer + other.outer)

    @property
    def mean(self) -> np.ndarray:
        self._need(1)
        return self.total / self.count

    @property
    def covariance(self) -> np.ndarray:
        """Unbiased covariance (ddof=1), symmetric by construction."""
        self._need(2)
        mu = self.mean
        sigma = (self.outer - self.count * np.outer(mu, mu)) / (self.count - 1)
        return (sigma + sigma.T) / 2

    def _need(self, n: int) -> None:
        if self.count < n:
            raise GanevalError(f"these statistics hold {self.count} sample(s); at least {n} are needed.")


# ---------------------------------------------------------------------------------------------
# Distance
# ---------------------------------------------------------------------------------------------


def _check_stats(mu, sigma, name: str) -> tuple[np.ndarray, np.ndarray]:
    mu = as_vector(mu, f"mu{name}")
    sigma = to_numpy(sigma, f"sigma{name}")
    if sigma.shape != (mu.shape[0], mu.shape[0]):
        raise GanevalError(
            f"sigma{name} must be a square matrix matching mu{name} ({mu.shape[0]} x {mu.shape[0]}); "
            f"got shape {sigma.shape}."
        )
    check_finite(sigma, f"sigma{name}")
    return mu, sigma


def _psd_root(sigma: np.ndarray) -> tuple[np.ndarray, bool]:
    """A factor L with L L^T = sigma, and whether sigma was singular.

    Cholesky when sigma is positive definite; otherwise the symmetric square root from `eigh`,
    with the null space's round-off eigenvalues set to zero (`_in_span`; valid for any PSD matrix).
    """
    try:
        return np.linalg.cholesky(sigma), False
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(sigma)
        return (v * np.sqrt(_in_span(w))) @ v.T, True


def _in_span(eigenvalues: np.ndarray) -> np.ndarray:
    """Eigenvalues of a PSD matrix with those below D * eps * the largest set to zero: round-off of the
    null space (a singular covariance's, N <= D), half of it positive. Left in, each adds the square root
    of its round-off, about 1e-8 relative, to tr((S1 S2)^(1/2)); nothing below that bound is resolved."""
    floor = eigenvalues.size * np.finfo(np.float64).eps * max(float(eigenvalues.max(initial=0.0)), 0.0)
    return np.where(eigenvalues > floor, eigenvalues, 0.0)


def _warn(message: str) -> None:
    warnings.warn(message, SingularCovarianceWarning, stacklevel=3)


def _warn_few_samples(sides: list[str], dim: int) -> None:
    _warn(
        f"the {' and '.join(sides)} features have no more samples than dimensions ({dim}), so their covariance is "
        "singular; the Frechet distance is exact for these statistics but a high-variance estimate: "
        f"pass more than {dim} samples per side (or a larger --n, if you capped them) "
        "for numbers comparable with papers."
    )


@dataclass(frozen=True)
class FrechetReference:
    """Reference statistics with the factorisation of their covariance, reusable across calls."""

    mu: np.ndarray
    trace: float
    root: np.ndarray
    singular: bool

    @classmethod
    def from_stats(cls, mu, sigma) -> FrechetReference:
        mu, sigma = _check_stats(mu, sigma, "1")
        root, singular = _psd_root(sigma)
        return cls(mu, float(np.trace(sigma)), root, singular)

    def distance(self, mu, sigma) -> float:
        """Frechet distance from these reference statistics to N(mu, sigma)."""
        mu, sigma = _check_stats(mu, sigma, "2")
        if mu.shape != self.mu.shape:
            raise GanevalError(
                f"mu2 has dimension {mu.shape[0]} but the reference has dimension {self.mu.shape[0]}; "
                "both must come from the same feature extractor and layer."
            )
        if self.singular:
            _warn(
                "sigma1 (the reference's covariance) is singular: the reference has no more samples than "
                f"dimensions ({self.mu.shape[0]}), or features that never vary in it. The value is exact for these "
                "statistics; for a stable estimate pass more reference samples than dimensions (or a larger --n, "
                "if you capped them)."
            )
        inner = self.root.T @ sigma @ self.root
        eigenvalues = np.linalg.eigvalsh(inner)  # reads one triangle; inner is symmetric
        trace_sqrt = float(np.sqrt(_in_span(eigenvalues)).sum())
        diff = self.mu - mu
        value = float(diff @ diff + self.trace + np.trace(sigma) - 2.0 * trace_sqrt)
        return max(value, 0.0)  # exact value is >= 0; clip round-off at identical inputs


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2); FID on Inception features. Covariances
    that are not positive semi-definite (beyond round-off) are refused: they give a number, but no distance."""
    for name, mu, sigma in (("1", mu1, sigma1), ("2", mu2, sigma2)):
        check_covariance(_check_stats(mu, sigma, name)[1], f"sigma{name}")
    return FrechetReference.from_stats(mu1, sigma1).distance(mu2, sigma2)


def _centred(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and mean-free features, in float64 (used when N <= D: no larger than the covariance)."""
    features = widened(features)
    mean = features.mean(axis=0)
    return mean, features - mean


def fid_from_features(real, fake, *, prepared: PreparedReference | None = None) -> float:
    """FID straight from two feature matrices (N x D): fit both Gaussians, then compare them.

    When neither side has more samples than dimensions, the trace term is computed in sample space
    instead: for centred features A (n x D) and B (m x D), the non-zero eigenvalues of S1 S2 are
    the squared singular values of A B^T / sqrt((n - 1)(m - 1)), an n x m matrix. Exact, and for
    a few hundred images at D = 2048 hundreds of times cheaper than any D x D factorisation.
    prepared: the reference `real` prepared once (`PreparedReference`): its fit and factor are reused.
    """
    real = as_features(real, "real", min_rows=2)
    fake = as_features(fake, "fake", min_rows=2)
    same_width(real, fake, "real", "fake")
    if prepared is not None:
        prepared.check(real)
    n, m, dim = real.shape[0], fake.shape[0], real.shape[1]
    few = [f"{side} ({count} samples)" for side, count in (("real", n), ("fake", m)) if count <= dim]
    if few:
        _warn_few_samples(few, dim)
    if max(n, m) > dim:
        with warnings.catch_warnings():
            if few:  # already said, and more precisely
                warnings.simplefilter("ignore", SingularCovarianceWarning)
            reference = FrechetReference.from_stats(*gaussian_stats(real)) if prepared is None else prepared.gaussian
            return reference.distance(*gaussian_stats(fake))
    mu_real, a = _centred(real) if prepared is None else prepared.centred
    mu_fake, b = _centred(fake)
    scale = (n - 1) * (m - 1)
    trace_sqrt = np.linalg.svd(a @ b.T, compute_uv=False).sum() / np.sqrt(scale)
    diff = mu_real - mu_fake
    value = diff @ diff + np.einsum("ij,ij->", a, a) / (n - 1) + np.einsum("ij,ij->", b, b) / (m - 1) - 2 * trace_sqrt
    return max(float(value), 0.0)


def fid_from_sums(real: GaussianStats, fake: GaussianStats, real_features=None, fake_features=None) -> float:
    """FID from the two sides' running sums (`GaussianStats`): what a job that asks for nothing but FID
    keeps, O(D^2) memory whatever the number of samples. Equal to `fid_from_features` of the same
    features up to the raw sums' round-off (about 1e-12 relative on network features).

    A side with no more samples than dimensions has a singular covariance, whose null space's round-off
    is cut (`_in_span`), so the sums alone are exact to round-off there too. Such a side may pass its
    features too (`*_features`), and its statistics come from them, centred as `gaussian_stats` does;
    with both sides' features this is `fid_from_features` itself, the same value to the last bit."""
    if real_features is not None and fake_features is not None:
        return fid_from_features(real_features, fake_features)
    if real.dim != fake.dim:
        raise GanevalError(
            f"real has dimension {real.dim} but fake has dimension {fake.dim}; "
            "both must come from the same feature extractor and layer."
        )
    sides = (("real", real, real_features), ("fake", fake, fake_features))
    few = [f"{side} ({stats.count} samples)" for side, stats, _ in sides if stats.count <= real.dim]
    if few:
        _warn_few_samples(few, real.dim)
    fitted = [(stats.mean, stats.covariance) if kept is None else gaussian_stats(kept) for _, stats, kept in sides]
    with warnings.catch_warnings():
        if few:  # already said, and more precisely
            warnings.simplefilter("ignore", SingularCovarianceWarning)
        return FrechetReference.from_stats(*fitted[0]).distance(*fitted[1])


# ---------------------------------------------------------------------------------------------
# FID-infinity
# ---------------------------------------------------------------------------------------------


class FIDInfinity(NamedTuple):
    value: float  # extrapolated FID at infinitely many generated samples
    slope: float  # FID_N ~ value + slope / N
    sizes: np.ndarray
    fids: np.ndarray


def fid_infinity(reference, fake, num_points: int = 15, min_size: int | None = None, seed: int = 0) -> FIDInfinity:
    """FID extrapolated to infinitely many generated samples (Chong and Forsyth, CVPR 2020).

    FID is biased upwards by a term proportional to 1/N. This evaluates FID on `num_points`
    nested random subsets of `fake` (sizes evenly spaced from `min_size`, default N // 10, to
    N), fits FID = value + slope / N by least squares and returns the intercept. `reference` is
    a `FrechetReference` or a (mu, sigma) pair. Subsets are nested prefixes of one seeded
    permutation, so the feature sums accumulate once and the reference factor is reused: the
    cost is one covariance of `fake` plus `num_points` eigenvalue problems.
    """
    if not isinstance(reference, FrechetReference):
        mu, sigma = _check_stats(*reference, "1")
        check_covariance(sigma, "the reference's sigma")
        reference = FrechetReference.from_stats(mu, sigma)
    fake = as_features(fake, "fake", min_rows=4)
    n = fake.shape[0]
    num_points = positive_int(num_points, "num_points", minimum=2)
    min_size = max(2, n // 10) if min_size is None else positive_int(min_size, "min_size", minimum=2)
    if min_size >= n:
        raise GanevalError(f"min_size must be smaller than the number of fake samples ({n}); got {min_size}.")
    sizes = np.unique(np.linspace(min_size, n, num_points).astype(int))
    if sizes.size < 2:
        raise GanevalError("FID-infinity needs at least two distinct subset sizes; pass more samples.")
    order = np.random.default_rng(seed).permutation(n)
    stats = GaussianStats.empty(fake.shape[1])
    fids, start = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularCovarianceWarning)
        for size in sizes:
            stats.update(fake[order[start:size]])
            start = size
            fids.append(reference.distance(stats.mean, stats.covariance))
    fids = np.asarray(fids)
    slope, value = np.polyfit(1.0 / sizes, fids, 1)
    return FIDInfinity(float(value), float(slope), sizes, fids)
