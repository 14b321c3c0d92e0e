"""Feature likelihood score (FLS; Jiralerspong et al., NeurIPS 2023): generalisation and memorization in one number.

The generated samples are the centres of a mixture of isotropic Gaussians, each with its own bandwidth, fitted to
the training set's features by maximum likelihood; the held-out test set's mean negative log-likelihood under that
mixture is compared with a baseline mixture centred on half of the training set itself (fitted on the other half):

    FLS = 100 exp(-(2 / d) (NLL_test(generated) - NLL_test(baseline)))

100 is as good as the training data's own samples; lower is worse. Copies of training samples fit the training set
with vanishing bandwidths, so they give the test set little likelihood and score near 0. The memorization gap,
`fls_overfit`, is the percentage of the generated Gaussians that give the training points more likelihood than as
many test points, minus 50: about 0 where they are alike (half of the Gaussians favour either side by chance), up
to 50 where every Gaussian favours the training points.

As in the authors' code (marcojira/fls, which dgm-eval's fls.py reproduces): all four sets are standardised by
their joint mean and standard deviation; the log-variances start at 0 and take 100 Adam steps (learning rate 0.5,
0.05 after step 50, clipped to [-100, 20] after each step); at most MAX_SAMPLES samples of each set, the training
set split into the fitting half and the baseline half, drawn with a seed. Here in float64 with the gradient in
closed form; a feature that is constant over all four sets carries no distance and is left out of d.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_features, row_chunks, same_width

MAX_SAMPLES = 10_000  # per set, as dgm-eval's --reduced_n: the distances are n x n
STEPS, LEARNING_RATE, DECAY_STEP, DECAY = 100, 0.5, 50, 0.1  # the authors' Adam schedule
BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults, which they use
LOG_VARIANCE_RANGE = (-100.0, 20.0)


@dataclass(frozen=True)
class FeatureLikelihood:
    """FLS and its parts: each test point's negative log-likelihood under the generated and the baseline mixtures
    (no 2 pi term: it cancels), and which generated Gaussians are overfit; `dims` is the d of the score."""

    fls: float
    overfit: float
    test_nll_generated: np.ndarray
    test_nll_baseline: np.ndarray
    overfit_centres: np.ndarray
    dims: int


def squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """N x M squared Euclidean distances, from the Gram matrix (as torch.cdist on large sets), clipped at 0; built
    in place, so one N x M array is held (800 MB at 10,000 x 10,000)."""
    dists = points @ centres.T
    dists *= -2.0
    dists += (points**2).sum(axis=1)[:, None]
    dists += (centres**2).sum(axis=1)[None, :]
    return np.maximum(dists, 0.0, out=dists)


def _exponents(dists: np.ndarray, log_variances: np.ndarray, dims: int) -> np.ndarray:
    """log of each centre's weighted density at each point, without the 2 pi term: N x M."""
    return -0.5 * dists / np.exp(log_variances) - 0.5 * dims * log_variances - np.log(dists.shape[1])


def point_nll(dists: np.ndarray, log_variances: np.ndarray, dims: int) -> np.ndarray:
    """Each point's negative log-likelihood under the mixture (rows of `dists`: points; columns: centres)."""
    return np.concatenate(
        [-logsumexp(_exponents(dists[rows], log_variances, dims), axis=1) for rows in row_chunks(dists)]
    )


def centre_log_likelihood(dists: np.ndarray, log_variances: np.ndarray, dims: int) -> np.ndarray:
    """Each centre's log of its weighted likelihood summed over the points (logsumexp down the columns), a chunk
    of points at a time."""
    parts = [logsumexp(_exponents(dists[rows], log_variances, dims), axis=0) for rows in row_chunks(dists)]
    return np.logaddexp.reduce(np.stack(parts), axis=0)


def _gradient(dists: np.ndarray, log_variances: np.ndarray, dims: int) -> np.ndarray:
    """d mean NLL / d log-variances: -mean_i r_ij (d_ij / (2 sigma_j^2) - dims / 2), r the responsibilities
    (the softmax of `_exponents` over the centres, computed in place: the loop over all n x n runs 100 times)."""
    precision = 0.5 / np.exp(log_variances)
    offset = -0.5 * dims * log_variances  # log(1 / M) is the same for every centre: the softmax drops it
    weighted, mass = np.zeros_like(log_variances), np.zeros_like(log_variances)
    for rows in row_chunks(dists):
        block = dists[rows]
        weights = block * -precision
        weights += offset
        weights -= weights.max(axis=1, keepdims=True)
        np.exp(weights, out=weights)
        weights /= weights.sum(axis=1, keepdims=True)
        weighted += np.einsum("ij,ij->j", weights, block)
        mass += weights.sum(axis=0)
    return -(weighted * precision - 0.5 * dims * mass) / len(dists)


def fit_log_variances(dists: np.ndarray, dims: int) -> np.ndarray:
    """Each centre's log-variance, fitted to the points of `dists` (N x M) with the authors' Adam schedule."""
    log_variances = np.zeros(dists.shape[1])
    first, second = np.zeros_like(log_variances), np.zeros_like(log_variances)
    for step in range(1, STEPS + 1):
        gradient = _gradient(dists, log_variances, dims)
        first = BETAS[0] * first + (1 - BETAS[0]) * gradient
        second = BETAS[1] * second + (1 - BETAS[1]) * gradient**2
        rate = LEARNING_RATE * (DECAY if step > DECAY_STEP else 1.0)
        denominator = np.sqrt(second) / np.sqrt(1 - BETAS[1] ** step) + ADAM_EPS
        log_variances = log_variances - rate / (1 - BETAS[0] ** step) * first / denominator
        log_variances = np.clip(log_variances, *LOG_VARIANCE_RANGE)
    return log_variances


def _standardised(*sets: np.ndarray) -> list[np.ndarray]:
    """The sets scaled by their joint mean and standard deviation; features constant over all of them dropped."""
    joined = np.concatenate(sets)
    mean, std = joined.mean(axis=0), joined.std(axis=0, ddof=1)
    varying = std > 0
    if not varying.any():
        raise GanevalError(
            "fls: every feature is the same in the training, held-out and generated sets; there is no likelihood "
            "to compare. Check the extractor's outputs."
        )
    return [(x[:, varying] - mean[varying]) / std[varying] for x in sets]


def feature_likelihood(train, test, generated, *, seed: int = 0, max_samples: int = MAX_SAMPLES) -> FeatureLikelihood:
    """FLS of `generated` given the `train` set it was trained on and a held-out `test` set (features, N x D).

    n = min(max_samples, half the training set, the test set, the generated set) samples of each are drawn with
    `seed`; the training draw of 2n is split into the fitting half and the baseline half."""
    train = as_features(train, "train", min_rows=4)
    test = as_features(test, "test", min_rows=2)
    generated = as_features(generated, "generated", min_rows=2)
    same_width(train, test, "train", "test")
    same_width(train, generated, "train", "generated")
    n = min(max_samples, len(train) // 2, len(test), len(generated))
    rng = np.random.default_rng(seed)
    test = test[np.sort(rng.choice(len(test), n, replace=False))]
    generated = generated[np.sort(rng.choice(len(generated), n, replace=False))]
    drawn = rng.choice(len(train), 2 * n, replace=False)
    fitting, baseline = train[np.sort(drawn[:n])], train[np.sort(drawn[n:])]
    fitting, baseline, test, generated = _standardised(fitting, baseline, test, generated)
    dims = fitting.shape[1]

    on_train = squared_distances(fitting, generated)  # one n x n array at a time
    spread = fit_log_variances(on_train, dims)
    # the generated Gaussians' likelihood of the training points against as many test points (n of each)
    train_ll = centre_log_likelihood(on_train, spread, dims)
    del on_train
    on_test = squared_distances(test, generated)
    nll_generated = point_nll(on_test, spread, dims)
    test_ll = centre_log_likelihood(on_test, spread, dims)
    del on_test
    base_spread = fit_log_variances(squared_distances(fitting, baseline), dims)
    nll_baseline = point_nll(squared_distances(test, baseline), base_spread, dims)
    overfit = train_ll > test_ll
    return FeatureLikelihood(
        fls=fls_from_nll(nll_generated, nll_baseline, dims),
        overfit=overfit_share(overfit),
        test_nll_generated=nll_generated,
        test_nll_baseline=nll_baseline,
        overfit_centres=overfit,
        dims=dims,
    )


def fls_from_nll(nll_generated: np.ndarray, nll_baseline: np.ndarray, dims: int) -> float:
    """100 exp(-(2 / d) (mean NLL under the generated mixture - mean NLL under the baseline))."""
    return float(100.0 * np.exp(-2.0 * (np.mean(nll_generated) - np.mean(nll_baseline)) / dims))


def overfit_share(overfit_centres: np.ndarray) -> float:
    """The percentage of overfit Gaussians minus 50, as the authors' FLS overfit (about 0: no gap; 50: all)."""
    return float(100.0 * np.mean(overfit_centres) - 50.0)
