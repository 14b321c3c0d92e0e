"""The discriminator judged as a real-vs-fake classifier on held-out samples.

A well-trained GAN's discriminator should be near chance (accuracy ~ 0.5, AUC ~ 0.5, outputs
near 0.5); an accuracy near 1 means D wins and G's gradients vanish. Calibration tells whether D's
probabilities can be trusted as such: the expected calibration error (ECE) compares, bin by bin,
the mean predicted probability of "real" with the observed share of real samples.

Inputs are D's outputs on real and on generated samples: probabilities in [0, 1], or raw critic
scores (WGAN) or logits, which first get a logistic (Platt) fit to real-vs-fake labels. The fit is
made on the same samples it is judged on, so calibration of scores is optimistic by design:
it shows what the critic's ranking allows, not its raw scale.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from scipy.special import expit

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_vector, positive_int

InputKind = Literal["auto", "probability", "score"]


class Reliability(NamedTuple):
    """Reliability-curve data, one entry per non-empty bin of predicted P(real)."""

    bin_lower: np.ndarray
    bin_upper: np.ndarray
    mean_predicted: np.ndarray
    fraction_real: np.ndarray
    count: np.ndarray


class Calibration(NamedTuple):
    accuracy: float  # threshold 0.5 on P(real)
    auc: float  # ROC AUC of real vs fake; 0.5 = chance
    brier: float  # mean squared error of P(real)
    ece: float  # expected calibration error over equal-width bins
    mean_d_real: float  # mean P(real) on real samples
    mean_d_fake: float  # mean P(real) on fake samples
    input_kind: str  # "probability", or "score" when a Platt fit mapped scores to probabilities
    platt: tuple[float, float] | None  # (slope, intercept) of the Platt fit, for scores
    reliability: Reliability


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank (scipy.stats.rankdata's default, without
    importing scipy.stats, which costs a second at start-up)."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts_group = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(starts_group)
    ends = np.r_[starts[1:], values.size]
    ranks = np.empty(values.size)
    ranks[order] = ((starts + 1 + ends) / 2)[np.cumsum(starts_group) - 1]
    return ranks


def roc_auc(real_scores: np.ndarray, fake_scores: np.ndarray) -> float:
    """P(score of a real sample > score of a fake one), ties counting one half (Mann-Whitney U)."""
    ranks = average_ranks(np.concatenate([real_scores, fake_scores]))
    n_real, n_fake = real_scores.size, fake_scores.size
    u = ranks[:n_real].sum() - n_real * (n_real + 1) / 2
    return float(u / (n_real * n_fake))


def platt_fit(scores: np.ndarray, labels: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """Slope and intercept of P(label=1 | s) = sigmoid(a s + b) by Newton's method.

    A small ridge term keeps the fit finite when the classes are perfectly separated.
    """
    centre, scale = scores.mean(), scores.std() or 1.0
    z = (scores - centre) / scale
    design = np.stack([z, np.ones_like(z)], axis=1)
    w = np.zeros(2)
    ridge = 1e-6 * len(z)
    for _ in range(iterations):
        p = expit(design @ w)
        gradient = design.T @ (p - labels) + ridge * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    slope = w[0] / scale
    return float(slope), float(w[1] - slope * centre)


def _reliability(p: np.ndarray, labels: np.ndarray, bins: int) -> Reliability:
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.searchsorted(
        edges[1:-1], p, side="left"
    )  # an edge value joins the lower bin, as sklearn's calibration_curve
    count = np.bincount(index, minlength=bins)
    used = count > 0
    mean_predicted = np.bincount(index, weights=p, minlength=bins)[used] / count[used]
    fraction_real = np.bincount(index, weights=labels, minlength=bins)[used] / count[used]
    return Reliability(edges[:-1][used], edges[1:][used], mean_predicted, fraction_real, count[used])


def discriminator_calibration(d_real, d_fake, bins: int = 15, kind: InputKind = "auto") -> Calibration:
    """Accuracy, ROC AUC, Brier score, ECE and reliability curve of D on real vs fake samples.

    kind: "probability" (outputs already in [0, 1]), "score" (raw critic scores or logits, Platt
    fitted), or "auto": probabilities when every output lies in [0, 1], scores otherwise.
    """
    real = as_vector(d_real, "d_real")
    fake = as_vector(d_fake, "d_fake")
    bins = positive_int(bins, "bins")
    if kind not in ("auto", "probability", "score"):
        raise GanevalError(f"kind must be 'auto', 'probability' or 'score'; got {kind!r}.")
    outputs = np.concatenate([real, fake])
    labels = np.concatenate([np.ones(real.size), np.zeros(fake.size)])
    in_unit = bool(outputs.min() >= 0.0 and outputs.max() <= 1.0)
    if kind == "probability" and not in_unit:
        raise GanevalError(
            f"kind='probability' but D's outputs range from {outputs.min():.4g} to {outputs.max():.4g}; "
            "pass sigmoid(logits), or kind='score' for raw critic scores."
        )
    platt = None
    if kind == "score" or (kind == "auto" and not in_unit):
        platt = platt_fit(outputs, labels)
        p = expit(platt[0] * outputs + platt[1])
    else:
        p = outputs
    reliability = _reliability(p, labels, bins)
    ece = float(np.sum(reliability.count * np.abs(reliability.fraction_real - reliability.mean_predicted)) / p.size)
    return Calibration(
        accuracy=float(np.mean((p >= 0.5) == (labels == 1))),
        auc=roc_auc(outputs[: real.size], outputs[real.size :]),
        brier=float(np.mean((p - labels) ** 2)),
        ece=ece,
        mean_d_real=float(p[: real.size].mean()),
        mean_d_fake=float(p[real.size :].mean()),
        input_kind="probability" if platt is None else "score",
        platt=platt,
        reliability=reliability,
    )
