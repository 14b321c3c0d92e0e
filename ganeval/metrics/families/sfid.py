"""The sFID family: the Frechet distance on Inception's spatial features (metrics/fid.py); opt-in."""

from __future__ import annotations

from ganeval.metrics.fid import fid_from_features
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples
from ganeval.options import MetricOptions


def _sfid(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    """sFID (Nash et al. 2021): FID on the spatial features, as guided-diffusion's evaluator computes it."""
    return {"sfid": fid_from_features(real.spatial, fake.spatial)}


register(
    MetricSpec(
        "sfid",
        "sfid",
        ("spatial",),
        ("spatial",),
        False,
        "sFID: the Frechet distance on the first 7 channels of InceptionV3's mixed_6/conv, 7 x 17 x 17 "
        "flattened (2023-d), which keep where things are (Nash et al. 2021; checked against guided-diffusion's "
        "evaluations/evaluator.py).",
        label="sFID (lower is better)",
        default=False,
        tolerance="5%",  # as FID, on other features of the same network
    ),
    Family(_sfid),
)
