"""Progress bars of the long metric computations: PRDC's distance tiles and KID's subsets at large N.

At 100,000 samples per side PRDC computes 3 x 10^10 distances, minutes on a CPU; a bar with the rows per
second and the time left says how long. Small sets (up to LARGE_N samples a side: tests, the demo, a
training log's evaluations) show none. `score` passes its `progress` flag through `reporting`, a context
rather than a parameter of every metric function; outside it bars follow tqdm's default (shown on a
terminal only).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tqdm.auto import tqdm

LARGE_N = 20_000  # a computation over more samples than this a side shows a bar

_enabled: ContextVar[bool] = ContextVar("ganeval_metric_progress", default=True)


@contextmanager
def reporting(enabled: bool) -> Iterator[None]:
    """Within the block the metrics show their bars (True: on a terminal, at large N) or none (False)."""
    token = _enabled.set(bool(enabled))
    try:
        yield
    finally:
        _enabled.reset(token)


def bar(total: float, desc: str, n: int, unit: str = "row") -> tqdm:
    """A bar of `total` units of work, shown when n (the samples a side) exceeds LARGE_N, progress is
    reported and the output is a terminal (tqdm's disable=None)."""
    shown = n > LARGE_N and _enabled.get()
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False, disable=None if shown else True)
