"""Mode coverage against known modes: how many modes a generator reaches, and how evenly.

Modes come from a classifier's labels (digits, stacked digits: 1,000 modes) or from the nearest
centre of a known mixture (`assign_to_centres`), where a sample within `max_std` standard
deviations of its centre is high quality (3 std, as in VEEGAN and PacGAN); for a classifier, a
sample is high quality when the classifier is confident of its label (`confident`).

One definition of a covered mode serves `ganeval score`, the training log and the diagnostics
(`covered_modes`): at least a quarter of a fair share of all generated samples land on the mode
*with high quality*. Stray samples do not keep a mode alive, and samples far from every mode (a
broad blob, points between the modes) cover nothing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_matrix, as_vector, positive_int, same_width, to_numpy

# A mode is covered when its high-quality samples reach a quarter of a fair share of all samples
# (fair share: the reference's share of that mode; 1 / n_modes for uniform sets). A quarter leaves
# room for an uneven but healthy generator; a mode held by a few stray samples does not count.
MODE_HIT_SHARE = 0.25
# A classifier's sample is high quality when its top class has probability >= 0.9. Measured with
# the bundled digits CNN: 99.5% of the real digits and 98.8% of real stacked-digit triples (product
# of the three channels' probabilities) pass, so a real-looking sample is rarely turned away, while
# a blurred or in-between digit (top class under 0.9) does not count towards its nearest class.
CONFIDENT_PROBABILITY = 0.9


class ModeAssignment(NamedTuple):
    modes: np.ndarray  # index of the nearest centre, per sample
    high_quality: np.ndarray  # True where the sample lies within max_std standard deviations


class ModeCoverage(NamedTuple):
    modes_covered: int  # modes of the reference covered by high-quality samples (`covered_modes`)
    n_modes: int  # modes the reference has (all n_modes when the reference is uniform)
    fraction: float  # modes_covered / n_modes
    kl: float  # KL(generated mode histogram || reference histogram), in nats; 0 = same shares
    high_quality_fraction: float  # share of high-quality samples; 1.0 when none were flagged
    counts: np.ndarray  # samples per mode (all samples, not only high-quality ones)
    missing: np.ndarray  # indices of the reference's modes that are not covered, ascending


def assign_to_centres(points, centres, std: float, max_std: float = 3.0) -> ModeAssignment:
    """Nearest centre per point, and whether it lies within max_std * std of that centre."""
    points = as_matrix(points, "points")
    centres = as_matrix(centres, "centres")
    same_width(points, centres, "points", "centres")
    if not std > 0 or not max_std > 0:
        raise GanevalError(f"std and max_std must be positive; got std={std!r}, max_std={max_std!r}.")
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    modes = d2.argmin(axis=1)
    nearest = np.sqrt(d2[np.arange(points.shape[0]), modes])
    return ModeAssignment(modes, nearest <= max_std * std)


def confident(logits, threshold: float = CONFIDENT_PROBABILITY) -> np.ndarray:
    """Per sample, whether the softmax of its logits gives the top class at least `threshold`."""
    logits = as_matrix(logits, "logits")
    shifted = logits - logits.max(axis=1, keepdims=True)
    top = 1.0 / np.exp(shifted).sum(axis=1)  # the top class's probability: exp(0) / sum
    return top >= threshold


def covered_modes(
    good_counts, n_samples: int, target=None, min_count: int = 1, min_share: float = MODE_HIT_SHARE
) -> np.ndarray:
    """Per mode, whether it is covered: its high-quality samples (good_counts) number at least
    min_count and at least min_share of its fair share of all n_samples generated samples.

    target: the reference's samples per mode (its shares are the fair shares); None: uniform.
    Modes the reference lacks (target 0) are never covered."""
    good_counts = np.asarray(good_counts, dtype=float)
    target = np.ones_like(good_counts) if target is None else np.asarray(target, dtype=float)
    fair = n_samples * target / target.sum()
    return (good_counts >= np.maximum(min_count, min_share * fair)) & (target > 0)


def _labels(x, name: str, n_modes: int) -> np.ndarray:
    labels = to_numpy(x, name, dtype=None)
    if labels.ndim != 1 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise GanevalError(
            f"{name} must be a non-empty 1-D array of integer mode indices; got {labels.dtype} {labels.shape}."
        )
    if labels.min() < 0 or labels.max() >= n_modes:
        raise GanevalError(
            f"{name} holds mode indices from {labels.min()} to {labels.max()}, outside 0..{n_modes - 1}; "
            "check n_modes or the label mapping."
        )
    return labels


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) in nats for histograms (normalised here); inf where p has mass and q has none."""
    p = p / p.sum()
    q = q / q.sum()
    mask = p > 0
    with np.errstate(divide="ignore"):
        return float(np.sum(p[mask] * (np.log(p[mask]) - np.log(q[mask]))))


def mode_coverage(
    fake_modes,
    n_modes: int,
    reference_modes=None,
    high_quality=None,
    min_count: int = 1,
    min_share: float = MODE_HIT_SHARE,
) -> ModeCoverage:
    """Coverage of `n_modes` known modes by generated samples with mode indices `fake_modes`.

    reference_modes: mode indices of real samples, whose histogram is the target distribution;
        None means the modes are equally likely (true for the bundled mixtures and stacked digits).
        Modes the reference lacks do not count as covered (KL is infinite if samples land there).
    high_quality: optional boolean mask; only high-quality samples count towards covering a mode.
    min_count: high-quality samples a mode needs to count as covered (1 in VEEGAN and PacGAN) ...
    min_share: ... and at least this share of its fair share of all samples (`covered_modes`).
    """
    n_modes = positive_int(n_modes, "n_modes")
    min_count = positive_int(min_count, "min_count")
    if not 0.0 <= min_share <= 1.0:
        raise GanevalError(
            f"min_share must lie in [0, 1] (a share of a mode's fair share of samples); got {min_share!r}."
        )
    fake = _labels(fake_modes, "fake_modes", n_modes)
    counts = np.bincount(fake, minlength=n_modes)
    if reference_modes is None:
        target = np.ones(n_modes)
    else:
        target = np.bincount(_labels(reference_modes, "reference_modes", n_modes), minlength=n_modes).astype(float)
    if high_quality is None:
        good_counts, hq_fraction = counts, 1.0
    else:
        hq = as_vector(high_quality, "high_quality", dtype=bool)
        if hq.shape != fake.shape:
            raise GanevalError(
                f"high_quality has {hq.shape[0]} entries but fake_modes has {fake.shape[0]}; pass one flag per sample."
            )
        good_counts, hq_fraction = np.bincount(fake[hq], minlength=n_modes), float(hq.mean())
    present = target > 0  # a mode the reference lacks is not a mode of the data
    hit = covered_modes(good_counts, fake.size, target, min_count, min_share)
    covered, n_present = int(hit.sum()), int(present.sum())
    missing = np.flatnonzero(present & ~hit)
    return ModeCoverage(
        covered,
        n_present,
        covered / n_present,
        kl_divergence(counts.astype(float), target),
        hq_fraction,
        counts,
        missing,
    )
