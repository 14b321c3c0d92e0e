"""Improved precision and recall (Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020).

Each sample's k-NN ball has as radius the distance to its k-th nearest neighbour in its own set.
  precision: fraction of fake samples inside at least one real ball
  recall:    fraction of real samples inside at least one fake ball
  density:   mean number of real balls holding a fake sample, divided by k (can exceed 1)
  coverage:  fraction of real balls holding at least one fake sample
Each metric counts a ball's boundary as its own original code does: precision and recall count
distance <= radius (Kynkaanniemi et al.'s code, and torch-fidelity and StyleGAN2-ADA after it), density
and coverage count distance < radius (Naeem et al.'s `prdc` package). They differ only on exact ties: the
k-th neighbour on a ball's boundary, or duplicated samples. So identical sets give precision = recall =
coverage = 1 and density = 1 (each real ball holds the k - 1 fake copies of its nearer neighbours and its
own copy, not the k-th on its boundary); duplicates that make a radius 0 hold nothing for density and
coverage.

Distances are computed tile by tile on squared distances (|a|^2 + |b|^2 - 2 a.b) in float64: no
N x N matrix is held, so extra memory is a few tiles whatever N. float32 features (a cache entry's
memory map) are read as they are and each tile is widened to float64 where it is used: the values
equal those of the whole matrix converted first, and no N x D float64 copy is made. At large N
(`ganeval.metrics.progress`) each pass shows a bar with rows per second and the time left.
Self-distance tiles are symmetric, so only the upper triangle of tiles is computed, each tile
feeding the radii of both its row and its column samples: 2 N^2 D multiply-adds in all, against
3 N^2 D for the full matrices.

Up to KDTREE_MAX_DIM dimensions (2-D mixtures) a KD-tree (`scipy.spatial.cKDTree`) finds the
neighbours and the samples inside each ball instead: exact, O(N log N) rather than N^2. There every
distance is computed as sum_c (a_c - b_c)^2, column by column in one order, so a radius and a
membership test of the same pair are the same bits (ties stay ties). This differs from the tiled
|a|^2 + |b|^2 - 2 a.b in the last bits only (radii equal to 1e-12 relative), so a membership can
differ only for a sample within rounding of a ball's boundary; on continuous data the metrics are
identical. `knn_balls` computes a set's balls once, so a fixed reference's radii are reused
(`ganeval.metrics.reference.PreparedReference`).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy.spatial import cKDTree

from ganeval.metrics import progress
from ganeval.metrics._checks import as_features, positive_int, same_width, widened

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference

TILE = 2048  # rows and columns per distance tile: 32 MiB of float64
# Up to this many dimensions k-NN search uses a KD-tree: exact, and for N = 10,000 2-D points about
# 100 times faster than the tiles; past about 10 dimensions a KD-tree visits most of the set anyway.
KDTREE_MAX_DIM = 8
# A KD-tree lists the pairs (ball, sample inside it); when they exceed this share of all pairs (a
# broad generator whose balls each hold much of the other set), dense tiles are cheaper than lists.
DENSE_PAIR_SHARE = 0.05
# Candidate pairs are found with radii widened by this relative margin, then tested exactly.
SEARCH_MARGIN = 1e-9


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


def _direct_squared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared distances sum_c (a_c - b_c)^2 of broadcast rows, added column by column in one fixed
    order, so a pair gives the same bits whether it comes from a tile or from a list of pairs."""
    d = a[..., 0] - b[..., 0]
    d *= d
    for c in range(1, a.shape[-1]):
        term = a[..., c] - b[..., c]
        term *= term
        d += term
    return d


def _pair_squared(a: np.ndarray, rows: np.ndarray, b: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """`_direct_squared` of the pairs (a[rows[p]], b[cols[p]])."""
    return _direct_squared(a[rows], b[cols])


class Balls(NamedTuple):
    """One set's k-NN balls: each sample is the centre of a ball that reaches its k-th nearest other
    sample. Computed once per set (`knn_balls`) and reused against any other set."""

    points: np.ndarray  # N x D, float32 or float64 (widened tile by tile); float64 with a tree
    k: int
    radii2: np.ndarray  # squared radius per sample
    norms2: np.ndarray | None  # squared norm per sample (tiled path)
    tree: cKDTree | None  # a KD-tree over the points (low-dimensional path)


def _uses_tree(dim: int) -> bool:
    return dim <= KDTREE_MAX_DIM


def knn_balls(x, k: int = 5, tile: int = TILE) -> Balls:
    """The k-NN balls of the rows of x (duplicates count as neighbours): a KD-tree up to
    KDTREE_MAX_DIM dimensions, tiled exact distances above."""
    k = positive_int(k, "k")
    return _balls(as_features(x, "x", min_rows=k + 1), k, positive_int(tile, "tile"))


def _balls(x: np.ndarray, k: int, tile: int, name: str = "x") -> Balls:
    """The balls of x (float32 or float64 rows); name: the set's name in the progress bar."""
    if _uses_tree(x.shape[1]):
        x = widened(x)  # at most KDTREE_MAX_DIM columns: small whatever N
        tree = cKDTree(x)
        _, neighbours = tree.query(x, k=k + 1)  # k + 1 nearest, the sample itself (or a duplicate) included
        centres = np.repeat(np.arange(x.shape[0]), k + 1)
        radii2 = _pair_squared(x, centres, x, neighbours.ravel()).reshape(neighbours.shape).max(axis=1)
        return Balls(x, k, radii2, None, tree)
    return Balls(x, k, _knn_squared_radii(x, k, tile, name), _squared_norms(x, tile), None)


def _squared_norms(x: np.ndarray, tile: int) -> np.ndarray:
    """|x_i|^2 per row, tile by tile in float64 (each row's sum is the same bits whatever the tiles)."""
    norms = np.empty(x.shape[0])
    for start in range(0, x.shape[0], tile):
        rows = widened(x[start : start + tile])
        norms[start : start + tile] = np.einsum("ij,ij->i", rows, rows)
    return norms


def knn_radii(x, k: int = 5, tile: int = TILE) -> np.ndarray:
    """Distance from each row of x to its k-th nearest other row (duplicates count as neighbours)."""
    return np.sqrt(knn_balls(x, k, tile).radii2)


def self_distance_tiles(x: np.ndarray, tile: int, desc: str):
    """The squared distances between x's rows, a tile of the upper triangle at a time (each pair once), with a
    progress bar: yields (rows, cols, d), where d[i, j] is between rows[i] and cols[j] and rows == cols on the
    diagonal tiles (whose diagonal, each row with itself, is left to the caller to set)."""
    n = x.shape[0]
    sq = _squared_norms(x, tile)
    with progress.bar(n, desc, n) as shown:
        for i0 in range(0, n, tile):
            rows = slice(i0, min(i0 + tile, n))
            x_rows = widened(x[rows])
            for j0 in range(i0, n, tile):
                cols = slice(j0, min(j0 + tile, n))
                d = _squared_distances(x_rows, sq[rows], widened(x[cols]), sq[cols])
                yield rows, cols, d
                # the rows' share of the triangle's distances: uniform work per unit, so the time left holds
                shown.update(n * d.size * (1 if i0 == j0 else 2) / (n * n))


def _knn_squared_radii(x: np.ndarray, k: int, tile: int, name: str = "x") -> np.ndarray:
    best = np.full((x.shape[0], k + 1), np.inf)  # k+1 smallest squared distances, self included
    for rows, cols, d in self_distance_tiles(x, tile, f"k-NN radii of {name}"):
        if rows == cols:
            np.fill_diagonal(d, 0.0)
        best[rows] = _keep_smallest(best[rows], d)
        if rows != cols:
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


def prdc_per_sample(
    real, fake, k: int = 5, tile: int = TILE, *, prepared: PreparedReference | None = None
) -> PerSample:
    """The k-NN manifold memberships of every sample, from one pass over the distances.

    Holding the manifolds fixed, each metric is a mean over samples. `ganeval.metrics.registry`'s
    intervals recompute these on half-samples drawn without replacement (a duplicated sample would
    shrink k-NN radii), and bootstrap the memberships themselves only where halves are too small.
    prepared: the reference `real` prepared once (`PreparedReference`): its balls are reused.
    """
    k = positive_int(k, "k")
    tile = positive_int(tile, "tile")
    real = as_features(real, "real", min_rows=k + 1)
    fake = as_features(fake, "fake", min_rows=k + 1)
    same_width(real, fake, "real", "fake")
    real_balls = _balls(real, k, tile, "real") if prepared is None else prepared.balls_for(real, k)
    fake_balls = _balls(fake, k, tile, "fake")
    if real_balls.tree is not None:
        per = _per_sample_from_trees(real_balls, fake_balls)
        if per is not None:
            return per
        distances = _direct_squared_tile
    else:
        distances = _expanded_squared_tile
    return _per_sample_tiled(real_balls, fake_balls, tile, distances)


def _expanded_squared_tile(real: Balls, rows: slice, fake: Balls, cols: slice) -> np.ndarray:
    real_rows, fake_rows = widened(real.points[rows]), widened(fake.points[cols])
    return _squared_distances(real_rows, real.norms2[rows], fake_rows, fake.norms2[cols])


def _direct_squared_tile(real: Balls, rows: slice, fake: Balls, cols: slice) -> np.ndarray:
    return _direct_squared(real.points[rows, None, :], fake.points[None, cols, :])


def _empty_per_sample(n_real: int, n_fake: int) -> PerSample:
    return PerSample(
        np.zeros(n_fake, dtype=bool),
        np.zeros(n_fake, dtype=np.int64),
        np.zeros(n_real, dtype=bool),
        np.zeros(n_real, dtype=bool),
    )


def _per_sample_tiled(real: Balls, fake: Balls, tile: int, distances) -> PerSample:
    """Memberships from dense distance tiles; no N x N matrix is held."""
    n_real, n_fake = real.points.shape[0], fake.points.shape[0]
    result = _empty_per_sample(n_real, n_fake)
    with progress.bar(n_real, "PRDC memberships (real rows)", max(n_real, n_fake)) as shown:
        for i0 in range(0, n_real, tile):
            rows = slice(i0, min(i0 + tile, n_real))
            for j0 in range(0, n_fake, tile):
                cols = slice(j0, min(j0 + tile, n_fake))
                d = distances(real, rows, fake, cols)
                result.fake_in_real_manifold[cols] |= (d <= real.radii2[rows, None]).any(axis=0)
                strictly_inside = d < real.radii2[rows, None]  # density and coverage: prdc's <
                result.real_balls_per_fake[cols] += strictly_inside.sum(axis=0)
                result.real_ball_covered[rows] |= strictly_inside.any(axis=1)
                result.real_in_fake_manifold[rows] |= (d <= fake.radii2[None, cols]).any(axis=1)
                shown.update(d.size / n_fake)
    return result


def _inside(centres: Balls, others: Balls, chunk: int = TILE) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The pairs (i, j) with others' sample j inside centres' ball i (distance <= radius), and whether each is
    strictly inside (distance < radius), exact: the KD-tree lists candidates within a slightly wider radius,
    the distances decide. None as soon as the candidates exceed DENSE_PAIR_SHARE of all pairs (dense tiles
    are then cheaper)."""
    radii = np.sqrt(centres.radii2) * (1.0 + SEARCH_MARGIN)
    n = centres.points.shape[0]
    budget = DENSE_PAIR_SHARE * n * others.points.shape[0]
    rows, cols, found = [], [], 0
    for start in range(0, n, chunk):  # in chunks, so a broad set gives up early, not after listing N x M pairs
        lists = others.tree.query_ball_point(centres.points[start : start + chunk], radii[start : start + chunk])
        counts = np.fromiter(map(len, lists), dtype=np.intp, count=len(lists))
        found += int(counts.sum())
        if found > budget:
            return None
        rows.append(np.repeat(np.arange(start, start + len(lists)), counts))
        cols.append(np.fromiter(itertools.chain.from_iterable(lists), dtype=np.intp, count=int(counts.sum())))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    squared = _pair_squared(centres.points, rows, others.points, cols)
    keep = squared <= centres.radii2[rows]
    return rows[keep], cols[keep], squared[keep] < centres.radii2[rows[keep]]


def _per_sample_from_trees(real: Balls, fake: Balls) -> PerSample | None:
    """Memberships from the two sets' KD-trees; None when the balls hold too much of the other set."""
    in_real = _inside(real, fake)
    in_fake = None if in_real is None else _inside(fake, real)
    if in_fake is None:
        return None
    n_real, n_fake = real.points.shape[0], fake.points.shape[0]
    result = _empty_per_sample(n_real, n_fake)
    real_rows, fake_cols, strict = in_real
    result.fake_in_real_manifold[fake_cols] = True
    result.real_balls_per_fake[:] = np.bincount(fake_cols[strict], minlength=n_fake)  # density, coverage: prdc's <
    result.real_ball_covered[real_rows[strict]] = True
    _, real_cols, _ = in_fake
    result.real_in_fake_manifold[real_cols] = True
    return result


def precision_recall_density_coverage(
    real, fake, k: int = 5, tile: int = TILE, *, prepared: PreparedReference | None = None
) -> PRDC:
    """Precision, recall, density and coverage of fake features against real features (N x D).

    prepared: the reference `real` prepared once (`PreparedReference`), whose k-NN radii are reused."""
    return prdc_per_sample(real, fake, k, tile, prepared=prepared).summary(k)
