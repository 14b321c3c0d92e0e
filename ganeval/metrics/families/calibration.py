"""The calibration family: how well the discriminator's outputs tell real from fake (metrics/calibration.py);
it needs D's outputs on both sides, so score's sample metrics leave it out."""

from __future__ import annotations

from ganeval.metrics.calibration import discriminator_calibration
from ganeval.metrics.registry import register
from ganeval.metrics.spec import Family, MetricSpec, Samples
from ganeval.options import MetricOptions

_D = ("d_outputs",)


def _calibration(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    c = discriminator_calibration(real.d_outputs, fake.d_outputs, o.calibration_bins)
    return {"d_accuracy": c.accuracy, "d_auc": c.auc, "d_brier": c.brier, "d_ece": c.ece}


CALIBRATION = Family(_calibration)

register(
    MetricSpec(
        "d_accuracy",
        "calibration",
        _D,
        _D,
        False,
        "D's real-vs-fake accuracy; 0.5 = G fools D.",
        upper=1.0,
        tolerance=0.02,
    ),
    CALIBRATION,
)
register(
    MetricSpec(
        "d_auc",
        "calibration",
        _D,
        _D,
        False,
        "D's ROC AUC real vs fake; 0.5 = chance.",
        upper=1.0,
        tolerance=0.02,
    ),
    CALIBRATION,
)
register(
    MetricSpec(
        "d_brier",
        "calibration",
        _D,
        _D,
        False,
        "Mean squared error of D's P(real).",
        upper=1.0,
        tolerance=0.02,
    ),
    CALIBRATION,
)
register(
    MetricSpec(
        "d_ece",
        "calibration",
        _D,
        _D,
        False,
        "D's expected calibration error.",
        upper=1.0,
        label="D's ECE (0 = calibrated)",
        tolerance=0.02,
        quality=False,  # D's calibration describes the discriminator, not the samples
    ),
    CALIBRATION,
)
