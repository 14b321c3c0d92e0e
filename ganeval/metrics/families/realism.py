"""The realism family: the median realism score of the generated samples (metrics/realism.py); opt-in.

Precision counts the samples inside the real manifold and is 0 for every generator whose samples all
lie outside it, however close they come; the median realism score keeps measuring how far outside they
are (R ~ a kept ball's radius over the distance to it), so a training log sees samples closing in on the
data before any lands on it, and samples still tightening after precision saturates. TrainingLogger
records it at every evaluation.
"""

from __future__ import annotations

import numpy as np

from ganeval.metrics.families import FEATURES
from ganeval.metrics.realism import REALISM_K, realism_scores
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples
from ganeval.options import MetricOptions

# A trend of the median realism score matters from a change by this factor (a quarter: the distance
# to the data shrinking by a fifth); one evaluation's noise is judged on log10 values, as FID's.
REALISM_RATIO = 1.25


def _realism(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    """The median over generated samples of their realism score against the real features."""
    return {"realism": float(np.median(realism_scores(real.features, fake.features)))}


def _refuse(real: Samples, fake: Samples, o: MetricOptions, train) -> str | None:
    if len(real.features) <= REALISM_K:
        return f"needs more than {REALISM_K} reference samples (the realism score's {REALISM_K}-NN balls)"
    return None


register(
    MetricSpec(
        "realism",
        "realism",
        FEATURES,
        FEATURES,
        True,
        "Median realism score of the generated samples (Kynkaanniemi et al. 2019): per sample, the largest "
        f"ratio of a real sample's {REALISM_K}-NN radius (the tighter half of the balls) to its distance; at least "
        "1 inside the real manifold, and still falling as samples move away where precision is already 0.",
        label="median realism score",
        default=False,
        tolerance="10%",
        noise_floor=0.0,
        log_scale=True,
        noise_ratio=REALISM_RATIO,
    ),
    Family(_realism, refuse=_refuse),
)
