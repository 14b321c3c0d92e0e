"""How every number a person reads is written: as many digits as its uncertainty allows, one way in every
table (`score`, `check`, `compare`). Machine outputs (JSON, CSV) keep full precision and never come here.

The uncertainty (an interval's half width, or a standard deviation) is rounded to two significant digits
and the value to the same decimal place, so `0.89649 [0.876, 0.916]` reads `0.896 [0.876, 0.916]` and
`240 ± 1.7e+02` reads `240 ± 171`. A number without one shows three significant digits (a whole number
none after the point: `9 [9, 9]`). Digits left of
the decimal point are never replaced by zeros or an exponent: 1234.5 ± 170 reads `1234 ± 170`.
"""

from __future__ import annotations

import math

FALLBACK_DIGITS = 3  # significant digits of a number without an uncertainty
MOST_DIGITS = 6  # significant digits shown at most, however small the uncertainty


def decimals(value: float, uncertainty: float | None = None) -> int:
    """Decimal places of `value` given its `uncertainty` (None, 0 or not finite: FALLBACK_DIGITS significant).

    >>> decimals(0.89649, 0.02), decimals(0.81, 0.0099999), decimals(240, 170), decimals(0.806), decimals(9.0)
    (3, 3, 0, 3, 0)
    """
    magnitude = math.floor(math.log10(abs(value))) if math.isfinite(value) and value != 0 else 0
    if uncertainty is None or not math.isfinite(uncertainty) or uncertainty <= 0:
        places = 0 if float(value).is_integer() else FALLBACK_DIGITS - 1 - magnitude  # a count: 9 of 10 modes
    else:
        places = 1 - int(f"{uncertainty:.1e}".split("e")[1])  # two significant digits of the uncertainty, rounded
    return max(0, min(places, MOST_DIGITS - 1 - magnitude))


def number(value: float, uncertainty: float | None = None, places: int | None = None) -> str:
    """`value` with the digits its `uncertainty` allows (or `places` decimals); nan and inf as Python writes them.

    >>> number(0.89649, 0.02), number(1234.5, 170), number(0.806), number(1.5e-05), number(float("inf"))
    ('0.896', '1234', '0.806', '0.0000150', 'inf')
    """
    if not math.isfinite(value):
        return str(value)
    return f"{value:.{decimals(value, uncertainty) if places is None else places}f}"


def with_interval(value: float, low: float | None, high: float | None) -> str:
    """`value [low, high]`, all three to the decimal place the interval's half width sets; the value alone
    without an interval (None or nan ends).

    >>> with_interval(147.63, 126.8, 180.3), with_interval(0.89649, 0.8712, 0.9168), with_interval(0.5, None, None)
    ('148 [127, 180]', '0.896 [0.871, 0.917]', '0.500')
    """
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return number(value)
    places = decimals(value, (high - low) / 2)
    return f"{number(value, places=places)} [{number(low, places=places)}, {number(high, places=places)}]"


def with_spread(mean: float, sd: float) -> str:
    """`mean ± sd`, both to the decimal place two significant digits of sd set.

    >>> with_spread(240.3, 171.2), with_spread(0.8123, 0.0123), with_spread(3.5, float("nan"))
    ('240 ± 171', '0.812 ± 0.012', '3.50')
    """
    if not math.isfinite(sd) or not math.isfinite(mean):
        return number(mean)
    places = decimals(mean, sd)
    return f"{number(mean, places=places)} ± {number(sd, places=places)}"
