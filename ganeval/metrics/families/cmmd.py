"""The CMMD family: the Gaussian-kernel MMD^2 of unit-length CLIP features (metrics/cmmd.py); opt-in."""

from __future__ import annotations

from ganeval.metrics.bootstrap import Interval
from ganeval.metrics.cmmd import cmmd, cmmd_interval
from ganeval.metrics.families import FEATURES
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples
from ganeval.options import MetricOptions


def _cmmd(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"cmmd": cmmd(real.features, fake.features)}


def _cmmd_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int) -> dict[str, Interval]:
    """Resamples of both sides, each the complete-sample unbiased CMMD over pairs of distinct samples."""
    return {"cmmd": cmmd_interval(real.features, fake.features, n, o.seed)}


register(
    MetricSpec(
        "cmmd",
        "cmmd",
        FEATURES,
        FEATURES,
        False,
        "Gaussian-kernel MMD^2 (sigma 10, x1000) of unit-length features, unbiased (Jayasumana et al. 2024).",
        lower=None,  # the unbiased estimate dips below 0 when the two sets are alike
        label="CMMD (lower is better)",
        extractor="clip",
        default=False,
        tolerance="10%",
    ),
    Family(_cmmd, intervals=_cmmd_intervals),
)
