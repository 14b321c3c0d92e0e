"""Vendi score (Friedman and Dieng, TMLR 2023): diversity of one set of samples, with no reference.

    VS = exp(-sum_i lambda_i log lambda_i),   lambda = the eigenvalues of K / n

with the cosine-similarity kernel K[i, j] = x_i . x_j / (|x_i| |x_j|) on features, as the `vendi-score`
package's `score_X` (its `normalize=True`). VS is the effective number of distinct samples: 1 for n copies
of one sample, n for n mutually orthogonal ones. K / n = X X^T / n for the unit rows X shares its non-zero
eigenvalues with X^T X / n, so the eigenvalue problem is the smaller of n x n and D x D (the package's
`score_dual`): at 10,000 samples of 2,048 Inception features, a D x D Gram summed a chunk of rows at a time.
"""

from __future__ import annotations

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_features, row_chunks, widened


def _unit_rows(rows: np.ndarray, start: int) -> np.ndarray:
    """rows scaled to length 1; a zero row (no direction, so no cosine) is refused, naming it."""
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise GanevalError(
            f"features: {zero.size} sample(s) have all-zero features, the first row {start + int(zero[0])}; the "
            "Vendi score's cosine similarity needs a direction for each sample. Check the extractor's outputs."
        )
    return rows / norms[:, None]


def vendi_eigenvalues(features) -> np.ndarray:
    """The eigenvalues of K / n (cosine kernel) that are not round-off: those at most n * eps * the largest
    (the null space's round-off, of either sign) are zero. They sum to 1."""
    x = as_features(features, "features", min_rows=1)
    n, dim = x.shape
    if n <= dim:
        unit = _unit_rows(widened(x), 0)
        gram = unit @ unit.T
    else:
        gram = np.zeros((dim, dim))
        for rows in row_chunks(x):
            unit = _unit_rows(widened(x[rows]), rows.start)
            gram += unit.T @ unit
    eigenvalues = np.linalg.eigvalsh(gram / n)
    floor = eigenvalues.size * np.finfo(np.float64).eps * max(float(eigenvalues.max()), 0.0)
    return np.where(eigenvalues > floor, eigenvalues, 0.0)


def vendi_score(features) -> float:
    """The Vendi score of features (N x D): from 1 (all samples point one way) to min(N, D) (orthogonal)."""
    eigenvalues = vendi_eigenvalues(features)
    kept = eigenvalues[eigenvalues > 0]
    return float(np.exp(-(kept * np.log(kept)).sum()))
