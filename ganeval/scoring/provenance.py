"""What a result records to be reproduced: versions, extractor, preprocessing, device, both sides, settings and
notes (the warnings raised while computing, in ganeval's own words)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from ganeval import __version__
from ganeval.device import describe_device
from ganeval.features import Extractor
from ganeval.metrics import Samples, get_metric
from ganeval.options import MetricOptions
from ganeval.sources import preprocessing

PACKAGE_FOLDER = Path(__file__).resolve().parent.parent  # warnings issued from here are ganeval's own words


def _conversion(extractor: Extractor) -> str | None:
    """How image files and arrays were converted for the extractor (None for points)."""
    if extractor.kind != "images":
        return None
    if extractor.channels == 1:
        return "grayscale: luma of RGB (PIL convert('L')), alpha dropped, 16-bit scaled to 8"
    return "RGB (PIL convert('RGB')): grayscale replicated, palettes expanded, alpha dropped, 16-bit scaled to 8"


def provenance(
    chosen: Extractor,
    real_info: dict,
    fake_info: dict,
    options: MetricOptions,
    resamples: int,
    counts: list[int],
    mode_reference: str | None,
    warnings: list[str],
) -> dict:
    """What a result records to be reproduced: versions, extractor, preprocessing, device, both sides,
    settings, warnings. mode_reference (`mode_reference`): what the mode metrics compared with, None
    (and no key) when none was computed."""
    return {
        "ganeval_version": __version__,
        **chosen.provenance(),
        "preprocessing": preprocessing(chosen, real_info, fake_info),  # the images' sizes decide the resizing
        "image_conversion": _conversion(chosen),
        "device": describe_device(
            chosen.device, chosen.precision
        ),  # not a feature setting: checks compare across devices
        "generated": fake_info,
        "reference": real_info,
        "seed": options.seed,
        "bootstrap": {"resamples": resamples, "confidence": 0.95} if resamples else None,
        "options": {
            "k": options.k,
            "kid_subsets": options.kid_subsets,
            "kid_subset_size": min(options.kid_subset_size, *counts),
            "is_splits": min(options.is_splits, fake_info["count"]),
            **({} if mode_reference is None else {"mode_reference": mode_reference}),
        },
        "warnings": warnings,
    }


def mode_reference(real: Samples, uniform: bool, names: Sequence[str]) -> str | None:
    """What the mode metrics took as the reference's mode shares, as computed: its samples' labels when the
    metrics had them, else equal shares, known ("true modes": the bundled mixtures) or assumed (a reference
    without labels: mu and sigma alone); None when no mode metric is computed."""
    if not any(get_metric(name).family == "modes" for name in names):
        return None
    if real.modes is not None:
        return "reference labels"
    return "uniform (true modes)" if uniform else "uniform (assumed: the reference has no mode labels)"


def own_words(caught: warnings.WarningMessage) -> str:
    """A warning raised while computing the metrics, as ganeval reports it: ganeval's own text as it
    is; another library's (numpy's "invalid value encountered in divide") said to be numerical
    trouble in the metric computation, so a user never meets a bare library message."""
    if caught.category.__module__.startswith("ganeval.") or Path(caught.filename).resolve().is_relative_to(
        PACKAGE_FOLDER
    ):
        return str(caught.message)
    return (
        f"numerical trouble while computing the metrics ({caught.category.__name__}: {caught.message}); check the "
        "values for NaN or infinity, and the samples for duplicates or constant features."
    )
