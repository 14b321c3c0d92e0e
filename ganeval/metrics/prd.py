"""Precision and recall for distributions, PRD (Sajjadi et al., NeurIPS 2018): precision and recall as a curve.

The union of the real and generated features is clustered by k-means into 20 bins; P (real) and Q
(generated) are the two sides' histograms over the bins. For each slope lambda = tan(angle), on num_angles
angles equally spaced in (0, pi/2),

    alpha(lambda) = sum_bins min(lambda P, Q)      (precision)
    beta(lambda)  = alpha(lambda) / lambda         (recall)

and the curve is averaged over num_runs clusterings. It reaches (1, 1) when Q = P and is 0 when they share no
bin. It is summed up by the largest F_8 (recall-like: high when Q covers P) and F_1/8 (precision-like: high
when Q lies where P is) over the curve. The settings and formulas are those of the authors' `prd_score.py`
(`msmsajjadi/precision-recall-distributions`: MiniBatchKMeans with n_init=10, 20 clusters, 1001 angles,
10 runs, epsilon 1e-10). Two differences, both for reproducibility: each run's k-means is seeded (theirs is
not), and where the sides differ in size the larger one is subsampled to the smaller (a seeded draw; theirs
refuses unequal sizes, since the larger side would pull the clusters towards itself).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_features, positive_int, same_width

NUM_CLUSTERS = 20
NUM_ANGLES = 1001
NUM_RUNS = 10
EPSILON = 1e-10  # the curve's end angles, epsilon and pi/2 - epsilon; also F_beta's guard against 0 / 0
BETA = 8


class PRDCurve(NamedTuple):
    """A PRD curve (precision[i], recall[i] at the i-th angle) and its summary, the largest F_8 and F_1/8."""

    precision: np.ndarray
    recall: np.ndarray
    f_8: float  # recall-like
    f_1_8: float  # precision-like
    num_clusters: int = NUM_CLUSTERS
    num_runs: int = NUM_RUNS

    def to_dict(self) -> dict:
        """The curve as JSON carries it: the arrays as lists, the summary, and the settings that made it."""
        return {
            "precision": self.precision.tolist(),
            "recall": self.recall.tolist(),
            "f_8": self.f_8,
            "f_1_8": self.f_1_8,
            "num_clusters": self.num_clusters,
            "num_angles": len(self.precision),
            "num_runs": self.num_runs,
        }


def prd_curve(eval_dist, ref_dist, num_angles: int = NUM_ANGLES, epsilon: float = EPSILON):
    """(precision, recall) of the histogram eval_dist (generated) against ref_dist (real), each a probability
    vector over the same bins, at num_angles slopes tan(angle), angles from epsilon to pi/2 - epsilon."""
    if not 3 <= num_angles <= 1_000_000:
        raise GanevalError(f"num_angles must be between 3 and 1,000,000; got {num_angles!r}.")
    if not 0 < epsilon < 0.1:
        raise GanevalError(f"epsilon must be in (0, 0.1); got {epsilon!r}.")
    q, p = np.asarray(eval_dist, dtype=np.float64), np.asarray(ref_dist, dtype=np.float64)
    if q.shape != p.shape or q.ndim != 1 or (q < 0).any() or (p < 0).any():
        raise GanevalError(
            f"eval_dist and ref_dist must be non-negative vectors over the same bins; got shapes {q.shape} and "
            f"{p.shape}."
        )
    slopes = np.tan(np.linspace(epsilon, np.pi / 2 - epsilon, num_angles))
    precision = np.minimum(p[None, :] * slopes[:, None], q[None, :]).sum(axis=1)
    recall = precision / slopes
    return np.clip(precision, 0.0, 1.0), np.clip(recall, 0.0, 1.0)


def max_f_beta(precision, recall, beta: float = BETA, epsilon: float = EPSILON) -> tuple[float, float]:
    """The largest F_beta and F_1/beta over the curve's points; F_beta = (1 + beta^2) p r / (beta^2 p + r)."""

    def f(b: float) -> float:
        return float(np.max((1 + b**2) * precision * recall / (b**2 * precision + recall + epsilon)))

    return f(beta), f(1 / beta)


def cluster_histograms(real, fake, num_clusters: int = NUM_CLUSTERS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(generated, real) histograms over the k-means clusters of the two sides' union: shares summing to 1."""
    from sklearn.cluster import MiniBatchKMeans  # scikit-learn takes a second to import: only when PRD is computed

    union = np.concatenate([np.asarray(fake, dtype=np.float64), np.asarray(real, dtype=np.float64)])
    labels = MiniBatchKMeans(n_clusters=num_clusters, n_init=10, random_state=seed).fit(union).labels_
    fake_labels, real_labels = labels[: len(fake)], labels[len(fake) :]
    return (
        np.bincount(fake_labels, minlength=num_clusters) / len(fake),
        np.bincount(real_labels, minlength=num_clusters) / len(real),
    )


def prd_from_features(
    real,
    fake,
    num_clusters: int = NUM_CLUSTERS,
    num_angles: int = NUM_ANGLES,
    num_runs: int = NUM_RUNS,
    seed: int = 0,
) -> PRDCurve:
    """The PRD curve of generated features against real ones (N x D each), averaged over num_runs k-means runs
    (run i seeded seed + i); a larger side is subsampled to the smaller one's size first."""
    num_clusters, num_runs = positive_int(num_clusters, "num_clusters"), positive_int(num_runs, "num_runs")
    real = as_features(real, "real", min_rows=num_clusters)
    fake = as_features(fake, "fake", min_rows=num_clusters)
    same_width(real, fake, "real", "fake")
    size = min(len(real), len(fake))
    draw = np.random.default_rng(seed)
    real, fake = (x if len(x) == size else x[np.sort(draw.choice(len(x), size, replace=False))] for x in (real, fake))
    curves = [
        prd_curve(*cluster_histograms(real, fake, num_clusters, seed + run), num_angles) for run in range(num_runs)
    ]
    precision, recall = np.mean([c[0] for c in curves], axis=0), np.mean([c[1] for c in curves], axis=0)
    return PRDCurve(precision, recall, *max_f_beta(precision, recall), num_clusters, num_runs)
