"""Identity features for 2-D points, with modes from the nearest centre of a known mixture."""

from __future__ import annotations

import numpy as np

from ganeval.data.mixtures import Mixture
from ganeval.features.base import Extractor


class PointsExtractor(Extractor):
    """Points are their own features; a mixture, when known, gives modes and high quality (3 std)."""

    name = "points"
    kind = "points"
    channels = 0
    preprocessing = "none: 2-D points are their own features"

    def __init__(self, mixture: Mixture | None = None):
        self.mixture = mixture
        self.n_modes = None if mixture is None else mixture.n_modes

    def extract(self, batch) -> dict[str, np.ndarray]:
        points = np.asarray(batch, dtype=np.float64)
        outputs = {"features": points}
        if self.mixture is not None:
            assignment = self.mixture.assign(points)
            outputs.update(modes=assignment.modes, high_quality=assignment.high_quality)
        return outputs

    def provenance(self) -> dict[str, object]:
        return {
            **super().provenance(),
            "modes_from": None if self.mixture is None else f"nearest {self.mixture.name} centre, 3 std",
        }
