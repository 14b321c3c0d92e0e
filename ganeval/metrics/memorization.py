"""Memorization: does a generator copy its training set? Pure functions on feature arrays, float64.

- `authenticity` (Alaa et al., ICML 2022, as dgm-eval's `compute_authpct` computes it): a generated
  sample is authentic when its nearest training sample j is nearer to another training sample than
  to it (d(g, j) > d(j, nearest other training sample), strictly: an exact copy is never authentic).
  The share of authentic samples (dgm-eval's AuthPct / 100); higher is better. Data that is neither
  copied nor overfitted sits near the share of a held-out set of the same distribution, not at 1.
- `ct_statistic` (Meehan, Chaudhuri, Dasgupta, AISTATS 2020, as dgm-eval's `compute_CTscore`):
  training features projected on their first 64 principal components (when wider), cut into 3 cells
  by k-means on the training set; in each cell a Mann-Whitney U test of the generated samples'
  distances to their nearest training sample against the held-out test samples', z-scored (with
  dgm-eval's continuity correction of 0.5, no tie correction); C_T is the mean of the z-scores of the
  cells holding more than 20 generated samples, weighted by the test samples' share of each cell.
  C_T << 0: generated samples are closer to the training set than held-out data is (copying);
  near 0: no sign of it; > 0: farther (underfitting). The test set must be held out from training.
- `memorized` (Yoon et al. 2023; Gu et al. 2023, "On Memorization in Diffusion Models"): the share of
  generated samples whose nearest training sample is nearer than a third of the distance to the second
  nearest: copies and lightly noised copies, found without held-out data (lower is better).
- `closest_pairs`: the generated samples nearest to the training set, each with its nearest
  training sample, for a reader to look at.

Nearest neighbours are found tile by tile on squared distances (|a|^2 + |b|^2 - 2 a.b, `prdc`'s
tiles), so no N x N matrix is held; the distance of each pair found is then computed again directly
(sqrt of sum (a - b)^2), so an exact copy is at distance 0 exactly. Ties between training samples go
to the lowest index, as torch's `min` does in dgm-eval.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics import progress
from ganeval.metrics._checks import as_features, positive_int, row_chunks, same_width, widened
from ganeval.metrics.prdc import TILE, _keep_smallest, _squared_distances, _squared_norms, self_distance_tiles

CT_CELLS = 3  # k-means cells of the training set (dgm-eval's n_clusters)
CT_MIN_GENERATED = 20  # a cell counts when it holds more generated samples than this (dgm-eval's tau = 20 / m)
CT_COMPONENTS = 64  # principal components kept for C_T when the features are wider (dgm-eval's PCA)
CT_KMEANS_INITS = 10  # k-means restarts (dgm-eval's n_init)


class Nearest(NamedTuple):
    """For each row of a query set, its nearest row of a searched set."""

    index: np.ndarray  # int, the nearest row's index (lowest on ties)
    distance: np.ndarray  # float64 Euclidean distance to it


def _direct_distances(a: np.ndarray, b: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
    """|a_i - b_{rows_b[i]}| for every row i of a, computed directly a chunk at a time (0 for equal rows)."""
    out = np.empty(a.shape[0])
    for rows in row_chunks(a):
        diff = widened(a[rows]) - widened(b[rows_b[rows]])
        out[rows] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out


def nearest(searched, query, tile: int = TILE) -> Nearest:
    """Each row of `query`'s nearest row of `searched` (float32 or float64 rows, widened tile by tile)."""
    searched = as_features(searched, "searched")
    query = as_features(query, "query")
    same_width(searched, query, "searched", "query")
    return _nearest(searched, query, positive_int(tile, "tile"))


def _nearest(searched: np.ndarray, query: np.ndarray, tile: int, desc: str = "nearest training samples") -> Nearest:
    index, _, _ = _nearest_two(searched, query, tile, desc)
    return Nearest(index, _direct_distances(query, searched, index))


def _nearest_two(
    searched: np.ndarray, query: np.ndarray, tile: int, desc: str = "nearest training samples"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each query row: the index of its nearest searched row (the lowest on ties), and the squared distances
    to its nearest and second-nearest searched rows (inf for the second when there is one searched row)."""
    n, m = searched.shape[0], query.shape[0]
    s_sq, q_sq = _squared_norms(searched, tile), _squared_norms(query, tile)
    best = np.full((m, 2), np.inf)  # the two smallest squared distances so far, ascending
    index = np.zeros(m, dtype=np.int64)
    with progress.bar(m, desc, max(n, m)) as shown:
        for q0 in range(0, m, tile):
            rows = slice(q0, min(q0 + tile, m))
            q = widened(query[rows])
            for s0 in range(0, n, tile):
                cols = slice(s0, min(s0 + tile, n))
                d = _squared_distances(q, q_sq[rows], widened(searched[cols]), s_sq[cols])
                local = d.argmin(axis=1)  # first of equal values: the lowest index in the tile
                better = d[np.arange(d.shape[0]), local] < best[rows, 0]  # strictly: an earlier index keeps a tie
                index[rows] = np.where(better, local + s0, index[rows])
                best[rows] = np.sort(_keep_smallest(best[rows], d), axis=1)
            shown.update(rows.stop - rows.start)
    return index, best[:, 0], best[:, 1]


def nearest_other(x, tile: int = TILE) -> Nearest:
    """Each row's nearest other row of the same set (a duplicate counts, at distance 0): the symmetric
    tiles of the upper triangle only, each feeding its row and its column samples."""
    x = as_features(x, "x", min_rows=2)
    return _nearest_other(x, positive_int(tile, "tile"))


def _nearest_other(x: np.ndarray, tile: int) -> Nearest:
    n = x.shape[0]
    best = np.full(n, np.inf)
    index = np.zeros(n, dtype=np.int64)

    def keep(targets: slice, d: np.ndarray, offset: int) -> None:
        local = d.argmin(axis=1)
        value = d[np.arange(d.shape[0]), local]
        better = value < best[targets]  # candidates come in ascending index order: ties keep the lowest
        best[targets] = np.where(better, value, best[targets])
        index[targets] = np.where(better, local + offset, index[targets])

    for rows, cols, d in self_distance_tiles(x, tile, "nearest neighbours of the training set"):
        if rows == cols:
            np.fill_diagonal(d, np.inf)  # a sample is not its own neighbour
        keep(rows, d, cols.start)
        if rows != cols:
            keep(cols, d.T, rows.start)
    return Nearest(index, _direct_distances(x, x, index))


class Authenticity(NamedTuple):
    """Authenticity of each generated sample and what decided it."""

    share: float  # authentic share, in [0, 1]: dgm-eval's AuthPct / 100
    authentic: np.ndarray  # bool per generated sample: train_distance < distance
    nearest: np.ndarray  # per generated sample, its nearest training sample
    distance: np.ndarray  # its distance to that training sample
    train_distance: np.ndarray  # that training sample's distance to its own nearest other training sample


def authenticity(train, generated, tile: int = TILE) -> Authenticity:
    """Alaa et al.'s authenticity as dgm-eval computes it (`compute_authpct`): for each generated sample
    its nearest training sample j (the lowest index on ties); the sample is authentic when j's distance
    to its nearest other training sample is strictly smaller than the sample's distance to j."""
    train = as_features(train, "train", min_rows=2)
    generated = as_features(generated, "generated")
    same_width(train, generated, "train", "generated")
    tile = positive_int(tile, "tile")
    return _authenticity(train, _nearest(train, generated, tile), tile)


def _authenticity(train: np.ndarray, found: Nearest, tile: int) -> Authenticity:
    """Authenticity from each generated sample's nearest training sample (`found`)."""
    own = _nearest_other(train, tile).distance[found.index]
    authentic = own < found.distance
    return Authenticity(float(authentic.mean()), authentic, found.index, found.distance, own)


MEMORIZED_RATIO = 1 / 3  # Yoon et al. 2023, Gu et al. 2023: d(x, NN1) < d(x, NN2) / 3 marks a copy
# The rule needs room: where training samples are locally spread evenly in d dimensions, a new sample's
# NN1 / NN2 < 1/3 with a chance of about 3^-d (11% of honest 2-D points are flagged; 0.03% of held-out digits on
# the digits extractor's 92 dimensions). score leaves memorized out below this many feature dimensions.
MEMORIZED_MIN_DIM = 10


class Memorized(NamedTuple):
    """Which generated samples are copies of a training sample: nearer to it than a third of the way to the
    second nearest."""

    share: float  # share of generated samples memorized, in [0, 1]; lower is better
    memorized: np.ndarray  # bool per generated sample: ratio < the threshold
    ratio: np.ndarray  # per generated sample: distance to its nearest training sample / to the second nearest


def memorized(train, generated, ratio: float = MEMORIZED_RATIO, tile: int = TILE) -> Memorized:
    """The memorized share of generated samples: those whose nearest training sample is nearer than `ratio`
    times their second-nearest one (the rule of Yoon et al. 2023 and Gu et al. 2023, ratio 1/3, here in the
    extractor's feature space). It needs no held-out data and is scale-free: a copy, or a copy with light
    noise, sits far closer to its original than to any other training sample, while a new sample of the
    same distribution has nearest and second-nearest training samples at similar distances."""
    train, generated = _train_and_generated(train, generated, ratio)
    _, first, second = _nearest_two(train, generated, positive_int(tile, "tile"), "nearest two training samples")
    return _memorized(first, second, ratio)


def _train_and_generated(train, generated, ratio: float) -> tuple[np.ndarray, np.ndarray]:
    train = as_features(train, "train", min_rows=2)
    generated = as_features(generated, "generated")
    same_width(train, generated, "train", "generated")
    if not 0 < ratio <= 1:
        raise GanevalError(f"ratio is a share of the second-nearest distance in (0, 1]; got {ratio!r}.", "ratio")
    return train, generated


def _memorized(first: np.ndarray, second: np.ndarray, ratio: float) -> Memorized:
    """The memorized flags from the squared distances to the nearest and second-nearest training samples."""
    first, second = np.sqrt(first), np.sqrt(second)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0: a copy of a duplicated training sample
        ratios = np.where(second > 0, first / np.where(second > 0, second, 1.0), 0.0)
    flags = ratios < ratio
    return Memorized(float(flags.mean()), flags, ratios)


class Copying(NamedTuple):
    authenticity: Authenticity
    memorized: Memorized


def copying(train, generated, ratio: float = MEMORIZED_RATIO, tile: int = TILE) -> Copying:
    """`authenticity` and `memorized` from one pass over the training set for the generated samples' two
    nearest training samples (each alone costs that pass): what score computes with a training set."""
    train, generated = _train_and_generated(train, generated, ratio)
    tile = positive_int(tile, "tile")
    index, first, second = _nearest_two(train, generated, tile)
    found = Nearest(index, _direct_distances(generated, train, index))
    return Copying(_authenticity(train, found, tile), _memorized(first, second, ratio))


class ClosestPair(NamedTuple):
    generated: int  # the generated sample's row
    train: int  # its nearest training sample's row
    distance: float  # between them
    train_distance: float  # from the training sample to its own nearest other training sample (for scale)


def closest_pairs(train, generated, count: int = 8, tile: int = TILE) -> list[ClosestPair]:
    """The `count` generated samples nearest to the training set, nearest first (ties: lower generated
    row first), each with its nearest training sample. A planted copy shows at distance 0; compare a
    distance with the training sample's own nearest-neighbour distance to judge how close is close."""
    train = as_features(train, "train", min_rows=2)
    generated = as_features(generated, "generated")
    same_width(train, generated, "train", "generated")
    count = positive_int(count, "count")
    found = _nearest(train, generated, positive_int(tile, "tile"))
    order = np.argsort(found.distance, kind="stable")[:count]
    pairs = []
    for g in order:
        j = int(found.index[g])
        others = _direct_distances(train, train, np.full(train.shape[0], j))
        others[j] = np.inf
        pairs.append(ClosestPair(int(g), j, float(found.distance[g]), float(others.min())))
    return pairs


class CT(NamedTuple):
    """The C_T statistic and its parts. value is nan when undefined (then `reason` says why)."""

    value: float
    cell_z: np.ndarray  # Mann-Whitney z-score per cell (0 for a cell without generated samples, as dgm-eval)
    cell_used: np.ndarray  # bool per cell: more than min_generated generated samples (dgm-eval's Pi_tau)
    test_counts: np.ndarray  # held-out test samples per cell
    generated_cell: np.ndarray  # cell of each generated sample
    generated_u: np.ndarray  # each generated sample's share of its cell's U: #(test closer) + #(ties) / 2
    test_in_train: int  # test samples at distance 0 from the training set: not held out
    reason: str | None


def ct_statistic(
    train,
    test,
    generated,
    *,
    cells: int = CT_CELLS,
    min_generated: int = CT_MIN_GENERATED,
    components: int = CT_COMPONENTS,
    seed: int = 0,
    tile: int = TILE,
) -> CT:
    """Meehan et al.'s C_T data-copying statistic as dgm-eval computes it (`compute_CTscore`): PCA to
    `components` dimensions fitted on the training features when they are wider, k-means (`cells`
    clusters, 10 restarts, seeded with `seed`) on the training features, then per cell the z-scored
    Mann-Whitney U of the generated samples' nearest-training distances against the test samples'.
    C_T << 0 means copying. `test` must be held out from training."""
    from sklearn.cluster import KMeans  # scikit-learn takes a second to import: only when C_T is computed

    train = as_features(train, "train", min_rows=2)
    test = as_features(test, "test")
    generated = as_features(generated, "generated")
    same_width(train, test, "train", "test")
    same_width(train, generated, "train", "generated")
    cells = positive_int(cells, "cells")
    min_generated = positive_int(min_generated, "min_generated", minimum=0)
    tile = positive_int(tile, "tile")
    if train.shape[0] < cells:
        raise GanevalError(f"C_T cuts the training set into {cells} cells; it has only {train.shape[0]} sample(s).")
    t, p, q = _projected(train, test, generated, positive_int(components, "components"))
    kmeans = KMeans(n_clusters=cells, n_init=CT_KMEANS_INITS, random_state=seed).fit(t)
    t_cell, p_cell, q_cell = (kmeans.predict(x) for x in (t, p, q))
    test_counts = np.bincount(p_cell, minlength=cells)
    q_u = np.zeros(q.shape[0])
    test_in_train = 0
    for c in range(cells):
        in_t, in_p, in_q = t_cell == c, p_cell == c, q_cell == c
        if not in_p.any() or not in_t.any():
            continue  # undefined: `_ct_value` says so
        test_distances = np.sort(_nearest(t[in_t], p[in_p], tile, "C_T distances").distance)
        test_in_train += int(np.count_nonzero(test_distances == 0))
        if in_q.any():
            d = _nearest(t[in_t], q[in_q], tile, "C_T distances").distance
            below = np.searchsorted(test_distances, d, side="left")
            q_u[in_q] = below + 0.5 * (np.searchsorted(test_distances, d, side="right") - below)
    train_counts = np.bincount(t_cell, minlength=cells)
    value, z, used, reason = _ct_value(q_cell, q_u, test_counts, train_counts, min_generated)
    return CT(value, z, used, test_counts, q_cell, q_u, test_in_train, reason)


def ct_resampled(
    generated_cell: np.ndarray,
    generated_u: np.ndarray,
    test_counts: np.ndarray,
    min_generated: int = CT_MIN_GENERATED,
) -> float:
    """C_T of a resample of the generated samples (rows of `CT.generated_cell` and `CT.generated_u`) with
    the cells, the training set and the test set fixed: a bootstrap costs no distance again."""
    trained = np.ones(len(test_counts), dtype=np.int64)  # every cell of a fitted partition holds training samples
    return _ct_value(generated_cell, generated_u, test_counts, trained, min_generated)[0]


def _ct_value(q_cell, q_u, test_counts, train_counts, min_generated):
    """(C_T, z per cell, cells used, why undefined or None) from each generated sample's cell and share of U."""
    cells = len(test_counts)
    m = np.bincount(q_cell, minlength=cells).astype(float)
    u = np.bincount(q_cell, weights=q_u, minlength=cells)
    n = test_counts.astype(float)
    z = np.zeros(cells)
    present = (m > 0) & (n > 0)
    mean = n * m / 2 - 0.5  # dgm-eval's continuity correction
    std = np.sqrt(n * m * (n + m + 1) / 12)
    z[present] = (u[present] - mean[present]) / std[present]
    used = m > min_generated
    lacking = [c for c in range(cells) if test_counts[c] == 0 or train_counts[c] == 0]
    if lacking:
        reason = (
            f"C_T is undefined: cell {lacking[0]} of {cells} (k-means on the training features) holds no held-out "
            "reference sample; pass a larger reference from the training distribution"
        )
        return float("nan"), z, used, reason
    if not used.any():
        reason = (
            f"C_T is undefined: no cell of {cells} holds more than {min_generated} generated samples "
            f"(of {int(m.sum())}); pass more generated samples"
        )
        return float("nan"), z, used, reason
    share = n / n.sum()
    return float(share[used] @ z[used] / share[used].sum()), z, used, None


def _projected(train: np.ndarray, test: np.ndarray, generated: np.ndarray, components: int):
    """The three sets on the training set's first `components` principal components (PCA fitted on the
    training features, centred on their mean), float64; as they are (widened) when no wider than that.
    The covariance is summed a chunk of rows at a time, so an N x D matrix is never copied whole."""
    dim = train.shape[1]
    if dim <= components:
        return widened(train), widened(test), widened(generated)
    count = train.shape[0]
    mean = sum(widened(train[rows]).sum(axis=0) for rows in row_chunks(train)) / count
    scatter = np.zeros((dim, dim))
    for rows in row_chunks(train):
        centred = widened(train[rows]) - mean
        scatter += centred.T @ centred
    _, vectors = np.linalg.eigh(scatter / max(count - 1, 1))
    basis = vectors[:, ::-1][:, : min(components, count)]  # largest variance first

    def project(x: np.ndarray) -> np.ndarray:
        out = np.empty((x.shape[0], basis.shape[1]))
        for rows in row_chunks(x):
            out[rows] = (widened(x[rows]) - mean) @ basis
        return out

    return project(train), project(test), project(generated)
