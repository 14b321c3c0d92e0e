"""The CAS family: a classifier trained on the generated samples, scored on the real ones (metrics/cas.py);
opt-in."""

from __future__ import annotations

from ganeval.metrics.bootstrap import Interval
from ganeval.metrics.cas import cas_interval, classifier_accuracy_score
from ganeval.metrics.families import FEATURES_LABELS, FRACTION
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples
from ganeval.options import MetricOptions


def _cas(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"cas": classifier_accuracy_score(real.features, real.labels, fake.features, fake.labels, o.seed).accuracy}


def _cas_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int) -> dict[str, Interval]:
    """The real test samples resampled, the classifier trained on the generated ones fixed (one fit, not n)."""
    return {"cas": cas_interval(real.features, real.labels, fake.features, fake.labels, n, o.seed)}


register(
    MetricSpec(
        "cas",
        "cas",
        FEATURES_LABELS,
        FEATURES_LABELS,
        True,
        "Classification Accuracy Score: accuracy on the real samples of a classifier (logistic regression on "
        "features) trained on the generated samples and their labels (Ravuri and Vinyals 2019).",
        **FRACTION,
        label="CAS (accuracy on real, fraction)",
        default=False,
        tolerance=0.02,  # an accuracy, as precision
    ),
    Family(_cas, intervals=_cas_intervals),
)
