"""Training data for the reference models: endless seeded batches and a held-out real set."""

from __future__ import annotations

import torch

from ganeval.data import get_bundled

HELD_OUT_SEED = 987_654  # held-out real samples for D's calibration, never trained on


class PointsData:
    """Batches drawn afresh from a bundled 2-D mixture (ring8, grid25), through a torch Generator."""

    kind = "points"

    def __init__(self, name: str):
        bundled = get_bundled(name)
        if bundled.kind != "points":
            raise ValueError(f"{name} is an image set; PointsData takes ring8 or grid25.")
        self.name, self.mixture = name, bundled.mixture
        self.centres = torch.tensor(self.mixture.centres, dtype=torch.float32)

    def batch(self, n: int, generator: torch.Generator) -> torch.Tensor:
        modes = torch.randint(0, len(self.centres), (n,), generator=generator)
        return self.centres[modes] + torch.randn(n, 2, generator=generator) * self.mixture.std

    def held_out(self, n: int) -> torch.Tensor:
        return self.batch(n, torch.Generator().manual_seed(HELD_OUT_SEED))


def training_data(name: str):
    """The training data for a bundled set name; image sets come with the image variants."""
    bundled = get_bundled(name)
    if bundled.kind == "points":
        return PointsData(name)
    raise ValueError(f"training on {name} needs the image variants (dcgan, cgan, cyclegan), which are not built yet; use ring8 or grid25.")
