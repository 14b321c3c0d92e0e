"""The FLS family: the feature likelihood score and its overfit gap, from one fit (metrics/fls.py); opt-in,
it needs the training set.

Its guard refuses a reference that is the training set itself (FLS needs held-out data); opt-in, so named.
"""

from __future__ import annotations

import numpy as np

from ganeval.metrics.bootstrap import bootstrap
from ganeval.metrics.families import FEATURES
from ganeval.metrics.families.ct import is_training_set
from ganeval.metrics.fls import feature_likelihood, fls_from_nll, overfit_share
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Refusal, Samples
from ganeval.options import MetricOptions

FLS_NOT_HELD_OUT = (
    "need a reference held out from training (FLS compares its likelihood with that of half the training set), but "
    "the reference and the training set are the same samples; pass a held-out reference (test split) with --ref"
)


def _fls(real: Samples, fake: Samples, o: MetricOptions, train: Samples) -> dict[str, float]:
    """FLS with the reference as the held-out test set (half of the training set is the baseline)."""
    found = feature_likelihood(train.features, real.features, fake.features, seed=o.seed)
    return {"fls": found.fls, "fls_overfit": found.overfit}


def _fls_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int, train: Samples):
    """Resample the held-out points' likelihoods and the generated Gaussians' overfit flags with the fitted
    mixtures fixed (a refit is 100 Adam steps over n x n distances per resample)."""
    found = feature_likelihood(train.features, real.features, fake.features, seed=o.seed)
    nll = np.stack([found.test_nll_generated, found.test_nll_baseline], axis=1)

    def parts(rows: np.ndarray, overfit: np.ndarray) -> dict[str, float]:
        return {"fls": fls_from_nll(rows[:, 0], rows[:, 1], found.dims), "fls_overfit": overfit_share(overfit)}

    return bootstrap(parts, nll, found.overfit_centres, n=n, seed=o.seed)


def _refuse(real: Samples, fake: Samples, o: MetricOptions, train: Samples | None) -> Refusal | None:
    return Refusal(FLS_NOT_HELD_OUT, argument="train") if is_training_set(real, train) else None


FLS = Family(_fls, intervals=_fls_intervals, train=True, refuse=_refuse)  # fls and fls_overfit: one fit

register(
    MetricSpec(
        "fls",
        "fls",
        FEATURES,
        FEATURES,
        True,
        "Feature likelihood score: the held-out reference's likelihood under Gaussians centred on the generated "
        "samples (bandwidths fit on the training set), against half of the training set's own, 100 exp(-2/d "
        "NLL gap); 100: as good as training data, copies near 0 (Jiralerspong et al. 2023; checked against "
        "dgm-eval's fls.py).",
        label="FLS (100: as training data)",
        needs_train=FEATURES,
        default=False,
        tolerance=2.0,  # points of a score whose training data scores 100
    ),
    FLS,
)
register(
    MetricSpec(
        "fls_overfit",
        "fls",
        FEATURES,
        FEATURES,
        False,
        "FLS's memorization gap: percentage of the generated Gaussians more likely on training points than on "
        "as many held-out ones, minus 50 (about 0: no gap; 50: every one; Jiralerspong et al. 2023).",
        lower=-50.0,
        upper=50.0,
        label="FLS overfit (% of Gaussians - 50)",
        needs_train=FEATURES,
        default=False,
        tolerance=2.0,  # percentage points of Gaussians
    ),
    FLS,
)
