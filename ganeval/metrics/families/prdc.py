"""The PRDC family: precision, recall, density and coverage from one k-NN computation (metrics/prdc.py).

Its guard: k at least the smaller side's sample count leaves no k-NN ball to compute; it raises even when
the metrics were not named (`named_only=False`), since the default set holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ganeval.metrics.bootstrap import Interval, bootstrap
from ganeval.metrics.families import FEATURES, FRACTION, SHARE_FLOOR
from ganeval.metrics.prdc import prdc_per_sample
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Refusal, Samples, Summary
from ganeval.options import MetricOptions

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference


def _prdc(
    real: Samples, fake: Samples, o: MetricOptions, prepared: PreparedReference | None = None
) -> dict[str, float]:
    return prdc_per_sample(real.features, fake.features, o.k, prepared=prepared).summary(o.k)._asdict()


def _prdc_intervals(
    real: Samples, fake: Samples, o: MetricOptions, n: int, prepared: PreparedReference | None = None
) -> dict[str, Interval]:
    """Half-sampling (bootstrap's method "half"): each resample takes half of each side's samples without
    replacement and computes their k-NN balls afresh, so no sample meets a duplicate of itself (which would
    shrink its radius) and the radii vary as they do from one draw to another; the interval is centred on
    the value. On synthetic data with a known truth it covers 95-98% (benchmarks/bench_interval_coverage.py),
    where resampling the memberships with the manifolds fixed covered 71-89%. The value reuses the prepared
    reference; each half of the reference gets its own balls. Sides too small for a half to hold more than
    k samples fall back to the fixed-manifold intervals (`_prdc_membership_intervals`)."""
    if min(len(real), len(fake)) // 2 <= o.k:
        return _prdc_membership_intervals(real, fake, o, n, prepared)

    def summary(r: np.ndarray, f: np.ndarray) -> dict[str, float]:
        reused = prepared if r is real.features else None  # the prepared balls are those of the whole reference
        return prdc_per_sample(r, f, o.k, prepared=reused).summary(o.k)._asdict()

    return bootstrap(summary, real.features, fake.features, n=n, seed=o.seed, method="half")


def _prdc_membership_intervals(
    real: Samples, fake: Samples, o: MetricOptions, n: int, prepared: PreparedReference | None = None
) -> dict[str, Interval]:
    """Bootstrap the per-sample memberships with the k-NN manifolds held fixed (see prdc.py): conditional
    on the manifolds, so narrower than what another draw does; used where half-samples are too small."""
    per = prdc_per_sample(real.features, fake.features, o.k, prepared=prepared)
    fake_rows = np.stack([per.fake_in_real_manifold, per.real_balls_per_fake / o.k], axis=1)
    real_rows = np.stack([per.real_in_fake_manifold, per.real_ball_covered], axis=1).astype(float)

    def means(f: np.ndarray, r: np.ndarray) -> dict[str, float]:
        return {
            "precision": f[:, 0].mean(),
            "recall": r[:, 0].mean(),
            "density": f[:, 1].mean(),
            "coverage": r[:, 1].mean(),
        }

    return bootstrap(means, fake_rows, real_rows, n=n, seed=o.seed)


def _refuse(real: Samples, fake: Samples, o: MetricOptions, train: Samples | None) -> Refusal | None:
    """More than k samples a side are needed; refused whether named or not."""
    if min(len(real), len(fake)) > o.k:
        return None
    return Refusal(
        f"--k {o.k} needs more than {o.k} samples per side; got {len(real)} reference and {len(fake)} generated",
        error=f"precision/recall/density/coverage with --k {o.k} need more than {o.k} samples per side; got "
        f"{len(real)} reference and {len(fake)} generated. Lower --k, pass more samples, or choose other --metrics.",
        named_only=False,
    )


PRDC = Family(_prdc, intervals=_prdc_intervals, prepared=True, refuse=_refuse)

register(
    MetricSpec(
        "precision",
        "prdc",
        FEATURES,
        FEATURES,
        True,
        "Share of fake samples inside the real k-NN manifold.",
        **FRACTION,
        label="precision (fraction)",
        tolerance=0.02,
        noise_floor=SHARE_FLOOR,
        summary=Summary(2, "{name} {digits}"),
    ),
    PRDC,
)
register(
    MetricSpec(
        "recall",
        "prdc",
        FEATURES,
        FEATURES,
        True,
        "Share of real samples inside the fake k-NN manifold.",
        **FRACTION,
        label="recall (fraction)",
        tolerance=0.02,
        noise_floor=SHARE_FLOOR,
        summary=Summary(3, "{name} {digits}"),
    ),
    PRDC,
)
register(
    MetricSpec(
        "density",
        "prdc",
        FEATURES,
        FEATURES,
        True,
        "Mean count of real k-NN balls holding a fake sample, over k.",
        tolerance=0.05,
    ),
    PRDC,
)
register(
    MetricSpec(
        "coverage",
        "prdc",
        FEATURES,
        FEATURES,
        True,
        "Share of real k-NN balls holding a fake sample.",
        **FRACTION,
        label="coverage (fraction)",
        tolerance=0.02,
        noise_floor=SHARE_FLOOR,
    ),
    PRDC,
)
