"""Bundled data sets (generated or shipped with installed packages; never downloaded)."""

from ganeval.data.mixtures import GRID25, MIXTURES, RING8, Mixture

__all__ = ["GRID25", "MIXTURES", "RING8", "Mixture"]
