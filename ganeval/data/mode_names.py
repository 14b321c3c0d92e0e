"""Modes by name, so a user reads which modes a generator dropped: digit classes as digits, stacked
digits as three-digit strings ("007": red 0, green 0, blue 7), mixture components by index and
centre ("#3 (0, 2)"). One helper for `score`, `check`, `compare` and the diagnostics.
"""

from __future__ import annotations

from collections.abc import Sequence

from ganeval.data.mixtures import MIXTURES, Mixture

# Past this many, a list of modes is cut and ends in "and N more": stacked digits can miss hundreds
# of their 1,000 modes, and a line of hundreds of names is read by nobody.
MAX_SHOWN = 20
CENTRE_DECIMALS = 2  # ring8's centres are irrational (1.41, 1.41): two decimals tell them apart


def _coordinate(x: float) -> str:
    """A centre coordinate: 2 decimals, no trailing zeros, no negative zero (ring8's cos(pi/2) ~ 6e-17)."""
    return f"{round(float(x), CENTRE_DECIMALS) + 0.0:g}"


def mode_name(index: int, n_modes: int, mixture: Mixture | str | None = None) -> str:
    """The name of mode `index` of `n_modes`.

    mixture (a Mixture or its name, e.g. "grid25"): modes are its components, named "#index (x, y)".
    Otherwise modes are a classifier's classes, named by their index written with as many digits as
    the last mode's: digits 0-9 as "7", stacked digits (index 100 r + 10 g + b) as "007".
    """
    mixture = MIXTURES.get(mixture) if isinstance(mixture, str) else mixture
    index = int(index)
    if mixture is not None and mixture.n_modes == n_modes:  # another count: the modes are not this mixture's
        x, y = mixture.centres[index]
        return f"#{index} ({_coordinate(x)}, {_coordinate(y)})"
    return str(index).zfill(len(str(max(int(n_modes) - 1, 0))))


def mode_names(indices: Sequence[int], n_modes: int, mixture: Mixture | str | None = None) -> list[str]:
    """`mode_name` of each index, in the order given."""
    return [mode_name(index, n_modes, mixture) for index in indices]


def names_text(names: Sequence[str], limit: int = MAX_SHOWN) -> str:
    """Names joined by commas, the first `limit` of them, then "and N more"; "none" for no names."""
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
