"""The mode family: modes covered, mode KL and the high-quality share, for references of known modes
(2-D mixtures, digits' classes; metrics/modes.py)."""

from __future__ import annotations

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics.families import FRACTION, SHARE_FLOOR
from ganeval.metrics.modes import confident, mode_coverage
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples, Summary
from ganeval.options import MetricOptions


def quality_flags(samples: Samples, n_modes: int | None):
    """Which samples may cover a mode: the extractor's high_quality flags (2-D mixtures: within 3 std),
    else a confident classifier (`confident` on logits with one column per mode), else None (all)."""
    if samples.high_quality is not None:
        return samples.high_quality
    if samples.logits is not None and n_modes is not None and np.shape(samples.logits)[1:] == (n_modes,):
        return confident(samples.logits)
    return None


def _modes(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    if o.n_modes is None:
        raise GanevalError("mode metrics need MetricOptions(n_modes=...): the number of true modes of the reference.")
    result = mode_coverage(fake.modes, o.n_modes, real.modes, quality_flags(fake, o.n_modes))
    return {
        "modes_covered": result.modes_covered,
        "mode_kl": result.kl,
        "high_quality_fraction": result.high_quality_fraction,
    }


MODES = Family(_modes)

register(
    MetricSpec(
        "modes_covered",
        "modes",
        (),
        ("modes",),
        True,
        "Known modes reached by high-quality samples.",
        label="modes covered (count)",
        tolerance=0.5,
        summary=Summary(1, "{modes}"),
    ),
    MODES,
)
register(
    MetricSpec(
        "mode_kl",
        "modes",
        (),
        ("modes",),
        False,
        "KL of the generated mode histogram from the reference's.",
        label="mode KL (nats)",
        tolerance=0.02,
    ),
    MODES,
)
register(
    MetricSpec(
        "high_quality_fraction",
        "modes",
        (),
        ("modes", "high_quality"),
        True,
        "Share of samples near a mode centre (within 3 std).",
        **FRACTION,
        label="high-quality share",
        tolerance=0.02,
        noise_floor=SHARE_FLOOR,
    ),
    MODES,
)
