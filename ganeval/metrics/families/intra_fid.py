"""The intra-FID family: the mean per-class FID of labelled sides (metrics/intra_fid.py); opt-in."""

from __future__ import annotations

from ganeval.metrics.bootstrap import Interval
from ganeval.metrics.families import FEATURES_LABELS
from ganeval.metrics.intra_fid import intra_fid, intra_fid_interval
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples
from ganeval.options import MetricOptions


def _intra_fid(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"intra_fid": intra_fid(real.features, real.labels, fake.features, fake.labels).value}


def _intra_fid_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int) -> dict[str, Interval]:
    """Each class resampled on its own (stratified), so every resample has each class's counts."""
    return {"intra_fid": intra_fid_interval(real.features, real.labels, fake.features, fake.labels, n, o.seed)}


register(
    MetricSpec(
        "intra_fid",
        "intra_fid",
        FEATURES_LABELS,
        FEATURES_LABELS,
        False,
        "Mean over the reference's classes of the FID between generated and real samples of that class "
        "(Miyato and Koyama 2018; StudioGAN's intra-class FID): conditional generators, labelled folders.",
        label="intra-FID (lower is better)",
        default=False,
        tolerance="5%",  # as FID, of which it is the mean per class
    ),
    Family(_intra_fid, intervals=_intra_fid_intervals),
)
