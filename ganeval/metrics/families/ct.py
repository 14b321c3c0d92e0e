"""The C_T family: Meehan et al.'s data-copying z-score, with the reference as held-out data
(metrics/memorization.py); it needs the training set.

Its guard refuses a reference that is the training set itself: left out of the default set, refused when named.
"""

from __future__ import annotations

import warnings

import numpy as np

from ganeval.metrics._checks import same_rows
from ganeval.metrics.bootstrap import Interval, bootstrap
from ganeval.metrics.families import FEATURES
from ganeval.metrics.memorization import ct_resampled, ct_statistic
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Refusal, Samples
from ganeval.options import MetricOptions

# Why C_T is not computed when the reference holds the training set's samples.
CT_NOT_HELD_OUT = (
    "needs a reference held out from training (C_T compares the generated samples' distances to the training set "
    "with held-out data's), but the reference and the training set are the same samples; pass a held-out "
    "reference (test split) with --ref"
)


class MemorizationWarning(UserWarning):
    """A memorization metric is undefined on these samples, or its assumption (a held-out reference) fails."""


def _ct(real: Samples, fake: Samples, o: MetricOptions, train: Samples) -> dict[str, float]:
    return {"ct": _checked_ct(real, fake, o, train).value}


def _ct_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int, train: Samples):
    """Resample the generated samples with the cells, the training set and the held-out reference fixed:
    each resample's C_T comes from the samples' cells and shares of U, with no distance computed again."""
    result = _checked_ct(real, fake, o, train)
    if result.reason is not None:
        return {"ct": Interval(result.value, float("nan"), float("nan"))}
    rows = np.stack([result.generated_cell, result.generated_u], axis=1)
    resampled = lambda r: ct_resampled(r[:, 0].astype(np.int64), r[:, 1], result.test_counts)  # noqa: E731
    return {"ct": bootstrap(resampled, rows, n=n, seed=o.seed)}


def _checked_ct(real: Samples, fake: Samples, o: MetricOptions, train: Samples):
    """C_T with the reference as the held-out test set; why it is undefined, or that the reference is not held
    out, is said in a MemorizationWarning (score records it in the provenance)."""
    result = ct_statistic(train.features, real.features, fake.features, seed=o.seed)
    if result.reason is not None:
        warnings.warn(f"{result.reason}.", MemorizationWarning, stacklevel=3)
    if result.test_in_train:
        warnings.warn(
            f"{result.test_in_train} of the reference's {len(real)} samples are also in the training set: C_T "
            "takes the reference as held-out data and reads copies of it as copying; pass a reference held out "
            "from training.",
            MemorizationWarning,
            stacklevel=3,
        )
    return result


def is_training_set(real: Samples, train: Samples | None) -> bool:
    """Whether the reference's features are the training set's own (C_T and FLS then have no held-out data)."""
    return (
        train is not None
        and real.has("features")
        and train.has("features")
        and same_rows(real.features, train.features)
    )


def _refuse(real: Samples, fake: Samples, o: MetricOptions, train: Samples | None) -> Refusal | None:
    return Refusal(CT_NOT_HELD_OUT, argument="train") if is_training_set(real, train) else None


register(
    MetricSpec(
        "ct",
        "ct",
        FEATURES,
        FEATURES,
        True,
        "Meehan et al.'s C_T: z-score of generated vs held-out distances to the training set; << 0 is copying.",
        lower=None,
        label="C_T data-copying z-score (< -2: copying)",
        needs_train=FEATURES,
        tolerance=1.0,
    ),
    Family(_ct, intervals=_ct_intervals, train=True, refuse=_refuse),
)
