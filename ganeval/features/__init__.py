"""Feature extractors by name: `inception`, `digits`, `points`.

Heavy modules (torch-fidelity's InceptionV3) load only when their extractor is asked for.
"""

from __future__ import annotations

from ganeval.features.base import OUTPUTS, Extractor, sha256_of_file
from ganeval.errors import GanevalError

EXTRACTORS = {
    "inception": "torch-fidelity's TF-compatible InceptionV3: 2048-d pool features and logits (FID comparable with papers)",
    "digits": "bundled CNN trained on scikit-learn's digits: features, logits and labels (modes) for digit images",
    "points": "identity features for 2-D points; modes from the nearest centre of a bundled mixture",
}


def get_extractor(name: str, *, weights=None, channels: int = 1, mixture=None) -> Extractor:
    """An extractor by name. weights: a weights file (inception, digits); channels: 1 for digits,
    3 for stacked digits; mixture: the bundled mixture whose centres give the points' modes."""
    if name == "inception":
        from ganeval.features.inception import InceptionExtractor

        return InceptionExtractor(weights=weights)
    if name == "digits":
        from ganeval.features.digits import DigitsExtractor

        return DigitsExtractor(channels=channels, weights=weights)
    if name == "points":
        from ganeval.features.points import PointsExtractor

        return PointsExtractor(mixture)
    raise GanevalError(f"unknown extractor {name!r}; choose one of: {', '.join(EXTRACTORS)}.")


__all__ = ["EXTRACTORS", "OUTPUTS", "Extractor", "get_extractor", "sha256_of_file"]
