"""The Inception Score family: exp E KL(p(y|x) || p(y)) of the generated samples' logits, over splits.

Its guard: too many splits for the generated samples (a split under MIN_SPLIT_SAMPLES scores exactly 1).
"""

from __future__ import annotations

from ganeval.metrics.isc import inception_score
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Refusal, Samples
from ganeval.options import MetricOptions

MIN_SPLIT_SAMPLES = 2  # an Inception Score split of one sample is exactly 1, whatever the generator


def _isc(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"inception_score": inception_score(fake.logits, min(o.is_splits, len(fake)), o.seed).mean}


def splits_problem(setting: str, count: int) -> str:
    """Why `setting` (the splits, as the message names them) is too many for `count` generated samples."""
    return (
        f"{setting} leaves splits of fewer than {MIN_SPLIT_SAMPLES} of the {count} generated samples, "
        f"and the Inception Score of a one-sample split is exactly 1 whatever the generator; use --is-splits "
        f"{max(1, count // MIN_SPLIT_SAMPLES)} or fewer, or more samples."
    )


def _refuse(real: Samples, fake: Samples, o: MetricOptions, train: Samples | None) -> Refusal | None:
    """Too many splits for the generated samples: left out of the default set, refused when named."""
    if o.is_splits * MIN_SPLIT_SAMPLES <= len(fake):
        return None
    return Refusal(
        splits_problem(f"--is-splits {o.is_splits}", len(fake)),
        error=splits_problem(f"--is-splits (is_splits) {o.is_splits}", len(fake)),
        argument="is_splits",
    )


INCEPTION_SCORE = Family(_isc, refuse=_refuse)

register(
    MetricSpec(
        "inception_score",
        "inception_score",
        (),
        ("logits",),
        True,
        "exp E KL(p(y|x) || p(y)) of generated samples.",
        lower=1.0,
        tolerance="3%",
    ),
    INCEPTION_SCORE,
)
