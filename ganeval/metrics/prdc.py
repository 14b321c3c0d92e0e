"""Improved precision and recall (Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020).

Each sample's k-NN ball has as radius the distance to its k-th nearest neighbour in its own set.
  precision: fraction of fake samples inside at least one real ball
  recall:    fraction of real samples inside at least one fake ball
  density:   mean number of real balls holding a fake sample, divided by k (can exceed 1)
  coverage:  fraction of real balls holding at least one fake sample
Membership counts distance <= radius, as the original authors' code does, so identical sets give
precision = recall = coverage = 1. (The `prdc` package uses <, which differs only on exact ties.)

Distances are computed tile by tile on squared distances (|a|^2 + |b|^2 - 2 a.b) in float64: no
N x N matrix is held, so extra memory is a few tiles whatever N. Self-distance tiles are symmetric,
so only the upper triangle of tiles is computed, each tile feeding the radii of both its row and
its column samples: 2 N^2 D multiply-adds in all, against 3 N^2 D for the full matrices.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganeval.metrics._checks import as_matrix, positive_int, same_width

TILE = 2048  # rows and columns per distance tile: 32 MiB of float64


class PRDC(NamedTuple):
    precision: float
    recall: float
    density: float
    coverage: float


def _squared_distances(a: np.ndarray, a_sq: np.ndarray, b: np.ndarray, b_sq: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between rows of a and rows of b, computed in place."""
    d = a @ b.T
    d *= -2.0
    d += a_sq[:, None]
    d += b_sq[None, :]
    np.maximum(d, 0.0, out=d)
    return d


def _keep_smallest(best: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per row, the best.shape[1] smallest values among best and candidates."""
    m = best.shape[1]
    if candidates.shape[1] > m:
        candidates = np.partition(candidates, m - 1, axis=1)[:, :m]
    merged = np.concatenate([best, candidates], axis=1)
    return np.partition(merged, m - 1, axis=1)[:, :m]


def knn_radii(x, k: int = 5, tile: int = TILE) -> np.ndarray:
    """Distance from each row of x to its k-th nearest other row (duplicates count as neighbours)."""
    x = as_matrix(x, "x", min_rows=positive_int(k, "k") + 1)
    return np.sqrt(_knn_squared_radii(x, k, positive_int(tile, "tile")))


def _knn_squared_radii(x: np.ndarray, k: int, tile: int) -> np.ndarray:
    n = x.shape[0]
    sq = np.einsum("ij,ij->i", x, x)
    best = np.full((n, k + 1), np.inf)  # k+1 smallest squared distances, self included
    for i0 in range(0, n, tile):
        rows = slice(i0, min(i0 + tile, n))
        for j0 in range(i0, n, tile):
            cols = slice(j0, min(j0 + tile, n))
            d = _squared_distances(x[rows], sq[rows], x[cols], sq[cols])
            if i0 == j0:
                np.fill_diagonal(d, 0.0)
            best[rows] = _keep_smallest(best[rows], d)
            if j0 != i0:
                best[cols] = _keep_smallest(best[cols], d.T)
    return best.max(axis=1)


class PerSample(NamedTuple):
    """Per-sample membership behind PRDC; each metric is a mean of one of these arrays."""

    fake_in_real_manifold: np.ndarray  # bool per fake sample (precision)
    real_balls_per_fake: np.ndarray  # count per fake sample (density, after / k)
    real_in_fake_manifold: np.ndarray  # bool per real sample (recall)
    real_ball_covered: np.ndarray  # bool per real sample (coverage)

    def summary(self, k: int) -> PRDC:
        return PRDC(
            precision=float(self.fake_in_real_manifold.mean()),
            recall=float(self.real_in_fake_manifold.mean()),
            density=float(self.real_balls_per_fake.mean() / k),
            coverage=float(self.real_ball_covered.mean()),
        )


def prdc_per_sample(real, fake, k: int = 5, tile: int = TILE) -> PerSample:
    """The k-NN manifold memberships of every sample, from one tiled pass over the distances.

    Holding the manifolds fixed, each metric is a mean over samples, which is what
    `ganeval.metrics.registry` bootstraps: cheap (no distances recomputed) and free of the
    duplicate-sample bias that resampling the features themselves brings to k-NN radii.
    """
    k = positive_int(k, "k")
    tile = positive_int(tile, "tile")
    real = as_matrix(real, "real", min_rows=k + 1)
    fake = as_matrix(fake, "fake", min_rows=k + 1)
    same_width(real, fake, "real", "fake")
    real_r2 = _knn_squared_radii(real, k, tile)
    fake_r2 = _knn_squared_radii(fake, k, tile)
    real_sq = np.einsum("ij,ij->i", real, real)
    fake_sq = np.einsum("ij,ij->i", fake, fake)

    result = PerSample(
        np.zeros(fake.shape[0], dtype=bool),
        np.zeros(fake.shape[0], dtype=np.int64),
        np.zeros(real.shape[0], dtype=bool),
        np.zeros(real.shape[0], dtype=bool),
    )
    for i0 in range(0, real.shape[0], tile):
        rows = slice(i0, min(i0 + tile, real.shape[0]))
        for j0 in range(0, fake.shape[0], tile):
            cols = slice(j0, min(j0 + tile, fake.shape[0]))
            d = _squared_distances(real[rows], real_sq[rows], fake[cols], fake_sq[cols])
            inside_real = d <= real_r2[rows, None]
            result.fake_in_real_manifold[cols] |= inside_real.any(axis=0)
            result.real_balls_per_fake[cols] += inside_real.sum(axis=0)
            result.real_ball_covered[rows] |= inside_real.any(axis=1)
            result.real_in_fake_manifold[rows] |= (d <= fake_r2[None, cols]).any(axis=1)
    return result


def precision_recall_density_coverage(real, fake, k: int = 5, tile: int = TILE) -> PRDC:
    """Precision, recall, density and coverage of fake features against real features (N x D)."""
    return prdc_per_sample(real, fake, k, tile).summary(k)
