"""2-D Gaussian mixtures with known modes: ring8 and grid25 (the VEEGAN / PacGAN benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganeval.metrics import ModeAssignment, assign_to_centres


@dataclass(frozen=True)
class Mixture:
    """Equal-weight isotropic Gaussians: the true modes are the centres."""

    name: str
    centres: np.ndarray  # n_modes x 2
    std: float

    @property
    def n_modes(self) -> int:
        return self.centres.shape[0]

    def sample(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """n points (float64, n x 2) and the index of the mode each was drawn from."""
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.n_modes, n)
        return self.centres[modes] + rng.standard_normal((n, 2)) * self.std, modes

    def assign(self, points, max_std: float = 3.0) -> ModeAssignment:
        """Nearest mode per point; high quality within max_std standard deviations."""
        return assign_to_centres(points, self.centres, self.std, max_std)


_angles = np.linspace(0.0, 2.0 * np.pi, 8, endpoint=False)
RING8 = Mixture("ring8", 2.0 * np.stack([np.cos(_angles), np.sin(_angles)], axis=1), std=0.02)
GRID25 = Mixture(
    "grid25", np.array([[x, y] for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], dtype=float), std=0.05
)
MIXTURES = {m.name: m for m in (RING8, GRID25)}
