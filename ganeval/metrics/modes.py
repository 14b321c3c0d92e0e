"""Mode coverage against known modes: how many modes a generator reaches, and how evenly.

Modes come from a classifier's labels (digits, stacked digits: 1,000 modes) or from the nearest
centre of a known mixture (`assign_to_centres`), where a sample within `max_std` standard
deviations of its centre is high quality (3 std, as in VEEGAN and PacGAN).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganeval.metrics._checks import as_matrix, as_vector, positive_int, same_width, to_numpy
from ganeval.errors import GanevalError


class ModeAssignment(NamedTuple):
    modes: np.ndarray  # index of the nearest centre, per sample
    high_quality: np.ndarray  # True where the sample lies within max_std standard deviations


class ModeCoverage(NamedTuple):
    modes_covered: int  # modes of the reference with at least min_count (high-quality) samples
    n_modes: int  # modes the reference has (all n_modes when the reference is uniform)
    fraction: float  # modes_covered / n_modes
    kl: float  # KL(generated mode histogram || reference histogram), in nats; 0 = same shares
    high_quality_fraction: float  # share of high-quality samples; 1.0 when none were flagged
    counts: np.ndarray  # samples per mode (all samples, not only high-quality ones)


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


def _labels(x, name: str, n_modes: int) -> np.ndarray:
    labels = to_numpy(x, name, dtype=None)
    if labels.ndim != 1 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise GanevalError(f"{name} must be a non-empty 1-D array of integer mode indices; got {labels.dtype} {labels.shape}.")
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
) -> ModeCoverage:
    """Coverage of `n_modes` known modes by generated samples with mode indices `fake_modes`.

    reference_modes: mode indices of real samples, whose histogram is the target distribution;
        None means the modes are equally likely (true for the bundled mixtures and stacked digits).
        Modes the reference lacks do not count as covered (KL is infinite if samples land there).
    high_quality: optional boolean mask; only high-quality samples count towards covering a mode.
    min_count: samples a mode needs to count as covered (1 in VEEGAN and PacGAN).
    """
    n_modes = positive_int(n_modes, "n_modes")
    min_count = positive_int(min_count, "min_count")
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
            raise GanevalError(f"high_quality has {hq.shape[0]} entries but fake_modes has {fake.shape[0]}; pass one flag per sample.")
        good_counts, hq_fraction = np.bincount(fake[hq], minlength=n_modes), float(hq.mean())
    present = target > 0  # a mode the reference lacks is not a mode of the data
    covered = int(((good_counts >= min_count) & present).sum())
    n_present = int(present.sum())
    return ModeCoverage(covered, n_present, covered / n_present, kl_divergence(counts.astype(float), target), hq_fraction, counts)
