"""The KID family: the unbiased polynomial-kernel MMD^2, mean over subsets (metrics/kid.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ganeval.metrics.bootstrap import Interval, bootstrap
from ganeval.metrics.families import FEATURES
from ganeval.metrics.kid import KernelSubsets, check_kid_options, kernel_inception_distance
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples
from ganeval.options import MetricOptions

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference


def _kid(real: Samples, fake: Samples, o: MetricOptions, prepared: PreparedReference | None = None) -> dict[str, float]:
    size = min(o.kid_subset_size, len(real), len(fake))  # small sets: the full-sample estimate
    result = kernel_inception_distance(
        real.features, fake.features, o.kid_subsets, size, seed=o.seed, prepared=prepared
    )
    return {"kid": result.mean}


def _kid_intervals(
    real: Samples, fake: Samples, o: MetricOptions, n: int, prepared: PreparedReference | None = None
) -> dict[str, Interval]:
    """KID's interval: how the MMD^2 estimate moves under resampling, placed around KID's value.

    With an explicit kernel map or cached kernel matrices each resample is the complete-sample MMD^2
    of the resampled rows over pairs of distinct samples (matrix-vector products, no duplicate bias);
    without, KID is
    recomputed with at most 10 subsets per resample, whose extra subset noise makes the interval
    conservative. The "centred" interval is then moved by the reported value minus the resampled
    statistic's full-sample value.
    """
    size = min(o.kid_subset_size, len(real), len(fake))
    r, f, subsets, size, degree = check_kid_options(real.features, fake.features, o.kid_subsets, size, 3, None)
    kernels = KernelSubsets(r, f, degree, None, 1.0, prepared=prepared)
    value = float(kernels.mmd2s(subsets, size, o.seed).mean())
    if kernels.resamples_cheaply:
        statistic = kernels.complete_mmd2
    else:
        statistic = lambda r_rows, f_rows: kernels.mmd2s(min(subsets, 10), size, o.seed, r_rows, f_rows).mean()  # noqa: E731
    spread = bootstrap(statistic, np.arange(len(r)), np.arange(len(f)), n=n, seed=o.seed, method="centred")
    shift = value - spread.value
    return {"kid": Interval(value, spread.low + shift, spread.high + shift)}


KID = Family(_kid, intervals=_kid_intervals, prepared=True)

register(
    MetricSpec(
        "kid",
        "kid",
        FEATURES,
        FEATURES,
        False,
        "Kernel (polynomial) MMD^2, unbiased; mean over subsets.",
        lower=None,
        tolerance="10%",
    ),
    KID,
)
