"""Realism score (Kynkaanniemi et al., NeurIPS 2019, section 5): how real each generated sample looks.

    R(g) = max over real j of  radius_k(j) / |g - r_j|

where radius_k(j) is the distance from real sample j to its k-th nearest other real sample, over the real
samples whose radius is at most the median radius: the paper drops the half with the largest balls, which
sit in sparse regions (outliers), so that one wide ball cannot make a poor sample look real. R >= 1 exactly
when g lies inside a kept ball (precision's test, on the tighter manifold); R well below 1 is far from every
real sample; an exact copy of a kept real sample scores infinity. k = 3 and the median are the authors'
(`kynkaat/improved-precision-and-recall-metric`: `ManifoldEstimator(..., nhood_sizes=[3],
clamp_to_percentile=50)`; `np.percentile` of the radii, those above it pruned).

Their code divides squared distances, D_j / (|g - r_j|^2 + 1e-5), so its number is the square of the
paper's (plus that epsilon); ganeval reports the paper's ratio of distances, whose ranking is the same.
Distances are tiled as in `ganeval.metrics.prdc` (float64, no N x M matrix held).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_features, positive_int, same_width, widened
from ganeval.metrics.prdc import TILE, _squared_distances, _squared_norms, knn_balls

REALISM_K = 3  # the authors' neighbourhood size
KEPT_PERCENTILE = 50.0  # the real balls with radii above this percentile are pruned (the authors' median)
REGION_CLUSTERS = 20  # k-means regions of the reference for the per-sample view (as many as PRD's bins)


def kept_balls(real, k: int = REALISM_K, percentile: float = KEPT_PERCENTILE) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `real` whose k-NN ball the realism score keeps, and those balls' squared radii: radii at most
    the `percentile`-th percentile of all (np.percentile's linear interpolation, on squared radii as the authors'
    code; the same set as on radii) and above 0 (a ball of duplicates holds no other point)."""
    if not 0.0 < percentile <= 100.0:
        raise GanevalError(f"percentile must be in (0, 100]; got {percentile!r}.")
    radii2 = knn_balls(real, k).radii2
    keep = np.flatnonzero((radii2 <= np.percentile(radii2, percentile)) & (radii2 > 0))
    return keep, radii2[keep]


def realism_scores(real, fake, k: int = REALISM_K, percentile: float = KEPT_PERCENTILE, tile: int = TILE) -> np.ndarray:
    """The realism score of each row of `fake` (M x D) against the real features (N x D): M float64 values,
    infinity for an exact copy of a kept real sample."""
    k, tile = positive_int(k, "k"), positive_int(tile, "tile")
    real = as_features(real, "real", min_rows=k + 1)
    fake = as_features(fake, "fake", min_rows=1)
    same_width(real, fake, "real", "fake")
    keep, radii2 = kept_balls(real, k, percentile)
    if keep.size == 0:
        raise GanevalError(
            f"real: every sample's {k}-NN ball has radius 0 (the reference repeats each sample more than {k} "
            "times); the realism score needs distinct reference samples."
        )
    centres = real[keep]
    centres_sq = _squared_norms(centres, tile)
    best = np.zeros(fake.shape[0])
    for j0 in range(0, fake.shape[0], tile):
        cols = slice(j0, min(j0 + tile, fake.shape[0]))
        rows_f = widened(fake[cols])
        rows_sq = np.einsum("ij,ij->i", rows_f, rows_f)
        for i0 in range(0, keep.size, tile):
            rows = slice(i0, min(i0 + tile, keep.size))
            d2 = _squared_distances(rows_f, rows_sq, widened(centres[rows]), centres_sq[rows])
            with np.errstate(divide="ignore"):
                ratio = radii2[rows][None, :] / d2  # a distance of 0: infinity (radii are above 0)
            best[cols] = np.maximum(best[cols], ratio.max(axis=1))
    return np.sqrt(best)


class Region(NamedTuple):
    """A region of the reference (a k-means cluster of its features) and how much of it no generated sample reaches."""

    size: int  # reference samples in the region
    uncovered: int  # of them, those whose k-NN ball no generated sample enters
    examples: np.ndarray  # rows of uncovered samples, nearest the region's centre first


def uncovered_regions(
    features, covered, regions: int = 4, examples: int = 4, clusters: int = REGION_CLUSTERS, seed: int = 0
) -> list[Region]:
    """The regions of the reference the generator misses or under-covers: the reference features (N x D) cut by
    k-means (seeded, 10 restarts) into `clusters` regions, each scored by the share of its samples whose k-NN
    ball no generated sample enters (`covered` False: coverage's per-sample test,
    `prdc_per_sample(...).real_ball_covered`). The `regions` regions with the largest uncovered share (ties: the
    more uncovered samples), those with none left out, each with up to `examples` uncovered rows. A dropped mode
    is a region with a share near 1; evenly thin coverage gives every region about 1 - coverage."""
    from sklearn.cluster import KMeans  # scikit-learn takes a second to import: only for the per-sample view

    regions, examples = positive_int(regions, "regions"), positive_int(examples, "examples")
    points = widened(as_features(features, "features", min_rows=1))
    covered = np.asarray(covered, dtype=bool)
    if covered.shape != (len(points),):
        raise GanevalError(f"covered must hold one flag per reference sample ({len(points)}); got {covered.shape}.")
    count = min(positive_int(clusters, "clusters"), len(points))
    fitted = KMeans(n_clusters=count, n_init=10, random_state=seed).fit(points)
    found = []
    for c in range(count):
        members = np.flatnonzero(fitted.labels_ == c)
        missed = members[~covered[members]]
        if missed.size:
            nearest = np.argsort(((points[missed] - fitted.cluster_centers_[c]) ** 2).sum(axis=1), kind="stable")
            found.append(Region(int(members.size), int(missed.size), missed[nearest[:examples]]))
    found.sort(key=lambda r: (-r.uncovered / r.size, -r.uncovered, int(r.examples[0])))
    return found[:regions]
