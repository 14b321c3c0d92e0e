"""The copying family: authenticity and memorized, from one pass of nearest training samples
(metrics/memorization.py); both need the training set.

Its guard refuses memorized alone (`Refusal.metrics`) on features of fewer than MEMORIZED_MIN_DIM
dimensions, where honest samples pass its test by chance; authenticity is computed there.
"""

from __future__ import annotations

import numpy as np

from ganeval.metrics.bootstrap import bootstrap
from ganeval.metrics.families import FEATURES, FRACTION
from ganeval.metrics.memorization import MEMORIZED_MIN_DIM, copying
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Refusal, Samples, Summary
from ganeval.options import MetricOptions


def _copying(real: Samples, fake: Samples, o: MetricOptions, train: Samples) -> dict[str, float]:
    found = copying(train.features, fake.features)
    return {"authenticity": found.authenticity.share, "memorized": found.memorized.share}


def _copying_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int, train: Samples):
    """Resample the generated samples' authentic and memorized flags, the training set fixed (it decides them)."""
    found = copying(train.features, fake.features)
    rows = np.stack([found.authenticity.authentic, found.memorized.memorized], axis=1).astype(float)
    means = lambda r: {"authenticity": r[:, 0].mean(), "memorized": r[:, 1].mean()}  # noqa: E731
    return bootstrap(means, rows, n=n, seed=o.seed)


def _refuse(real: Samples, fake: Samples, o: MetricOptions, train: Samples | None) -> Refusal | None:
    """memorized on features of too few dimensions: left out of the default set, refused when named."""
    dim = np.shape(fake.features)[1] if fake.features is not None else MEMORIZED_MIN_DIM
    if dim >= MEMORIZED_MIN_DIM:
        return None
    why = (
        f"memorized needs features of at least {MEMORIZED_MIN_DIM} dimensions, and the {{extractor}} extractor's "
        f"have {dim}: in d dimensions a new sample's nearest training sample is nearer than a third of the way "
        f"to the second nearest with a chance of about 3^-d ({3.0**-dim:.0%} here), so copies could not be told "
        "from honest samples"
    )
    return Refusal(
        why,
        error=f"{why}; leave it out of --metrics (authenticity and ct apply here).",
        argument="metrics",
        metrics=("memorized",),
    )


COPYING = Family(_copying, intervals=_copying_intervals, train=True, refuse=_refuse)  # one pass for both

register(
    MetricSpec(
        "authenticity",
        "copying",
        (),
        FEATURES,
        True,
        "Share of generated samples farther from their nearest training sample than it is from its own "
        "nearest training neighbour (Alaa et al. 2022); copies are not authentic.",
        **FRACTION,
        label="authenticity (fraction)",
        needs_train=FEATURES,
        tolerance=0.02,
    ),
    COPYING,
)
register(
    MetricSpec(
        "memorized",
        "copying",
        (),
        FEATURES,
        False,
        "Share of generated samples nearer to a training sample than a third of the way to the second "
        "nearest (Yoon et al. 2023, Gu et al. 2023): copies and lightly noised copies.",
        **FRACTION,
        label="memorized (fraction)",
        needs_train=FEATURES,
        tolerance=0.01,
        summary=Summary(4, "{percent} memorized"),
    ),
    COPYING,
)
