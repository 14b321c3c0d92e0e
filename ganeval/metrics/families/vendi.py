"""The Vendi family: the generated samples' effective number of distinct samples (metrics/vendi.py); opt-in."""

from __future__ import annotations

from ganeval.metrics.families import FEATURES
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples
from ganeval.metrics.vendi import vendi_score
from ganeval.options import MetricOptions


def _vendi(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    """The generated samples' own diversity; the reference is not used (its Vendi score is its own)."""
    return {"vendi": vendi_score(fake.features)}


register(
    MetricSpec(
        "vendi",
        "vendi",
        (),
        FEATURES,
        True,
        "Vendi score of the generated samples: exp of the entropy of the cosine kernel's eigenvalues over n, "
        "their effective number of distinct samples, 1 to n (Friedman and Dieng 2023; no reference).",
        lower=1.0,
        label="Vendi score (effective samples)",
        default=False,
        tolerance="5%",
    ),
    Family(_vendi),  # resampled with replacement: duplicates lower it, the centred interval drops that
)
