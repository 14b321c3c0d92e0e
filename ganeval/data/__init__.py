"""Inputs: bundled data sets (generated or from installed packages) and image/array loading."""

from ganeval.data.bundled import BUNDLED, REFERENCE_SEED, Bundled, get_bundled
from ganeval.data.mixtures import GRID25, MIXTURES, RING8, Mixture

__all__ = ["BUNDLED", "GRID25", "MIXTURES", "REFERENCE_SEED", "RING8", "Bundled", "Mixture", "get_bundled"]
