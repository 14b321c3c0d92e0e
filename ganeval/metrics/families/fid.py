"""The FID family: the Frechet distance between Gaussians fitted to each side's features.

Besides the adapter, it owns FID's two paths outside `compute_metrics`: streamed (FID asked for alone,
without an interval: each side's Gaussian sums suffice, never the features themselves) and Gaussian-only
(a reference of mu and sigma alone, as pytorch-fid saves it). Both are pure: arrays and statistics in, a
value out; the caller passes what it knows of the sources (their labels, the extractor's name).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ganeval.errors import GanevalError, printable
from ganeval.metrics.bootstrap import Interval, bootstrap
from ganeval.metrics.families import FEATURES
from ganeval.metrics.fid import FrechetReference, GaussianStats, fid_from_features, fid_from_sums, gaussian_stats
from ganeval.metrics.registry import get_metric, register, sample_metrics
from ganeval.metrics.spec import Family, MetricSpec, Samples, Summary
from ganeval.options import MetricOptions

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference

# A training log's trend noise: generators that match a 2-D mixture sit at 1e-4..1e-2 with >10x jumps between
# evaluations, so a change under 0.05 FID units (5x the top of that band) is noise on any feature space; on image
# features (FIDs in the tens) the noise rule decides.
FID_FLOOR = 0.05


def _fid(real: Samples, fake: Samples, o: MetricOptions, prepared: PreparedReference | None = None) -> dict[str, float]:
    return {"fid": fid_from_features(real.features, fake.features, prepared=prepared)}


def fid_alone(metrics: Sequence[str] | None, bootstrap: int, *, gaussian_reference: bool, train: bool) -> bool:
    """Whether the job asks for FID's value and nothing else (no interval: resampling needs the samples; no
    training set: its metrics need the features themselves), so that each side's features are summed as they
    come (GaussianStats) and never held. gaussian_reference: the reference is mu and sigma alone (its own path)."""
    if metrics is None or bootstrap or gaussian_reference or train:
        return False
    return [get_metric(name).name for name in metrics] == ["fid"]


def streamed_fid(
    real: GaussianStats, fake: GaussianStats, real_features=None, fake_features=None
) -> tuple[Interval, list[warnings.WarningMessage]]:
    """FID from each side's Gaussian sums alone (the features, where kept, only check a singular covariance),
    without an interval, and the warnings it raised, caught for the provenance."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fid_from_sums(real, fake, real_features, fake_features)
    return Interval(value, math.nan, math.nan), list(caught)


def check_gaussian_width(label: str, dims: int, width: int, extractor: str) -> None:
    """Refuse reference statistics (mu, sigma) of `dims`-d features beside the `extractor`'s `width`-d ones;
    label: the reference's, as the user named it."""
    if dims != width:
        raise GanevalError(
            f"{printable(label)} holds statistics (mu, sigma) of {dims}-d features, "
            f"but the {extractor} extractor "
            f"gives {width}-d features; they cannot be compared. "
            "pytorch-fid statistics (2048-d, its default --dims) need "
            "--extractor inception."
        )


def gaussian_note(label: str, extractor: str) -> str:
    """The provenance's note on a reference of mu and sigma alone: what FID assumes of it, and which of the
    default metrics it leaves out (those that need the reference's features)."""
    needing_features = [  # of the metrics score computes by default
        name
        for name in sample_metrics()
        if name != "fid"
        and "features" in get_metric(name).needs_real
        and get_metric(name).default
        and not get_metric(name).needs_train
    ]
    return (
        f"the reference {printable(label)} holds only mu and sigma (as pytorch-fid saves them) "
        "and no provenance: FID "
        f"assumes they were computed with the {extractor} extractor "
        "with the same weights and preprocessing as here "
        f"(pytorch-fid's are inception's); its interval resamples the generated side only. "
        f"{', '.join(needing_features)} need the reference's features and are not computed."
    )


def fid_against_gaussian(mu, sigma, fake_features, resamples: int, seed: int) -> Interval:
    """FID of generated features against reference statistics alone (mu, sigma). The reference is
    fixed, so the interval resamples the generated side only ("centred", as FID's own interval)."""
    reference = FrechetReference.from_stats(mu, sigma)
    distance = lambda features: reference.distance(*gaussian_stats(features))  # noqa: E731
    if not resamples:
        return Interval(distance(fake_features), math.nan, math.nan)
    interval = bootstrap(distance, np.asarray(fake_features), n=resamples, seed=seed, method="centred")
    return Interval(interval.value, max(interval.low, 0.0), max(interval.high, 0.0))  # FID >= 0


FID = Family(_fid, prepared=True)

register(
    MetricSpec(
        "fid",
        "fid",
        FEATURES,
        FEATURES,
        False,
        "Frechet distance between Gaussians fitted to features.",
        label="FID (lower is better)",
        tolerance="5%",
        noise_floor=FID_FLOOR,
        log_scale=True,
        summary=Summary(0, "FID {interval}"),
    ),
    FID,
)
