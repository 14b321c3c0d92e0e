"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))), over splits.

Samples are shuffled with `RandomState(seed).permutation` and cut into `splits` consecutive
chunks exactly as torch-fidelity does, so with the same seed the numbers equal its
`isc_features_to_metric` for any number of splits.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import log_softmax, logsumexp

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_matrix, positive_int


class InceptionScore(NamedTuple):
    mean: float
    std: float  # spread over splits (ddof=0, as torch-fidelity), not a confidence interval


def inception_score(logits, splits: int = 10, seed: int = 0) -> InceptionScore:
    """Inception Score from classifier logits (N x C, unnormalised); 1 <= IS <= C."""
    logits = as_matrix(logits, "logits")
    splits = positive_int(splits, "splits")
    n = logits.shape[0]
    if splits > n:
        raise GanevalError(
            f"splits={splits} exceeds the number of samples ({n}); use splits <= {n}.", argument="splits"
        )
    log_p = log_softmax(logits[np.random.RandomState(seed).permutation(n)], axis=1)
    p = np.exp(log_p)
    scores = np.empty(splits)
    for i in range(splits):
        chunk = slice(i * n // splits, (i + 1) * n // splits)
        # log of the split's marginal from the logs (a class no sample gives mass to is finite, not -inf),
        # and terms with p = 0 are 0 (0 log 0 = 0): spread logits, whose softmax underflows, give the limit
        log_q = logsumexp(log_p[chunk], axis=0) - np.log(chunk.stop - chunk.start)
        with np.errstate(invalid="ignore"):  # -inf - -inf where p = 0, masked
            terms = np.where(p[chunk] > 0, p[chunk] * (log_p[chunk] - log_q), 0.0)
        scores[i] = np.exp(terms.sum(axis=1).mean())
    return InceptionScore(float(scores.mean()), float(scores.std()))
