"""A reference prepared once: everything the metrics compute from the reference alone, kept for reuse.

A training run compares fresh samples with one fixed reference at every evaluation; `check` scores
several seeds against one reference; a bootstrap scores many resamples of the generated side. The
reference's k-NN balls (PRDC's radii, an N^2 computation with tiles or O(N log N) with a KD-tree),
its Gaussian fit with the Cholesky factor of its covariance (FID) and KID's reference kernel pieces
(`ganeval.metrics.kid.ReferenceKernels`) depend on the reference alone,
so `PreparedReference` computes each once, on first use, and the metric functions take it as
`prepared=`. (The reference's mode labels come from the extractor, once per reference, and its mode
histogram is one `bincount`.) Values equal those of the unprepared call exactly: the same
functions run on the same arrays, only fewer times.

The object is immutable from outside (its pieces are cached properties of a frozen dataclass over
read-only views of the arrays, not copies: a large reference is not held twice; do not modify the
arrays it was prepared from), so one instance can serve every evaluation of a run. A resampled
reference (a bootstrap that resamples the real side) is another reference: the registry computes it
afresh, exactly as without a prepared reference.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_features, positive_int, same_rows
from ganeval.metrics.fid import FrechetReference, _centred, gaussian_stats
from ganeval.metrics.kid import ReferenceKernels
from ganeval.metrics.prdc import TILE, Balls, _balls


@dataclass(frozen=True, eq=False)
class PreparedReference:
    """Reference features (N x D), with the metric pieces that depend on them alone.

    k: the neighbours of PRDC's balls (MetricOptions.k); tile: rows per distance tile above
    KDTREE_MAX_DIM dimensions. Build with `prepare_reference`.
    """

    features: np.ndarray | None
    k: int = 5
    tile: int = TILE

    @cached_property
    def balls(self) -> Balls:
        """The reference's k-NN balls (PRDC): radii, and a KD-tree in low dimensions."""
        return _balls(self._features(), self.k, self.tile, "reference")

    @cached_property
    def gaussian(self) -> FrechetReference:
        """The reference's Gaussian fit with the factor of its covariance (FID when N > D)."""
        return FrechetReference.from_stats(*gaussian_stats(self._features()))

    @cached_property
    def centred(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and centred features (FID computed in sample space, when N <= D)."""
        return _centred(self._features())

    @cached_property
    def _kernels(self) -> dict[tuple, ReferenceKernels]:
        return {}

    def kernels_for(self, real: np.ndarray, degree: int, gamma: float, coef0: float) -> ReferenceKernels:
        """KID's reference pieces for this kernel (`ReferenceKernels`), checked against `real`, kept per kernel."""
        self.check(real)
        key = (degree, gamma, coef0)
        if key not in self._kernels:
            self._kernels[key] = ReferenceKernels(self._features(), degree, gamma, coef0)
        return self._kernels[key]

    def _features(self) -> np.ndarray:
        if self.features is None:
            raise GanevalError("this prepared reference holds no features; prepare it from the reference's features.")
        return self.features

    def check(self, real: np.ndarray, name: str = "real") -> None:
        """GanevalError unless `real` holds this reference's features (the same values, same shape)."""
        features = self._features()
        if not _same_memory(real, features) and not same_rows(real, features):
            raise GanevalError(
                f"the prepared reference holds other features ({features.shape[0]} x {features.shape[1]}) than {name} "
                f"({real.shape[0]} x {real.shape[1]}); prepare it from the same reference, or pass prepared=None."
            )

    def balls_for(self, real: np.ndarray, k: int) -> Balls:
        """The k-NN balls for PRDC of `real` with `k` neighbours, checked against this reference."""
        self.check(real)
        if k != self.k:
            raise GanevalError(
                f"the prepared reference's balls have k={self.k} neighbours but k={k} was asked; "
                f"prepare it with k={k}.",
                argument="k",
            )
        return self.balls


def prepare_reference(features=None, *, k: int = 5, tile: int = TILE) -> PreparedReference:
    """A `PreparedReference` of reference features (N x D); None prepares nothing (a reference
    without features, such as pytorch-fid statistics)."""
    k = positive_int(k, "k")
    tile = positive_int(tile, "tile")
    features = None if features is None else _read_only(as_features(features, "features", min_rows=2))
    return PreparedReference(features, k, tile)


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether a and b are views of the same bytes in the same layout (hence equal, without comparing)."""
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


class RecentReferences:
    """The last `size` prepared references, found again by the content of their features (a blake2b
    digest, about 1 GB/s): a caller that scores many times against one reference (`check`'s repeats,
    `compare`'s runs) prepares it once, even when each call loads the features afresh. Holds the
    features of the references it keeps (read-only views of the arrays it was given, compared again
    on a hit, so an array changed in place since is prepared anew)."""

    def __init__(self, size: int = 1):
        self.size = positive_int(size, "size")
        self._kept: OrderedDict[tuple, PreparedReference] = OrderedDict()

    def prepare(self, features, *, k: int = 5, tile: int = TILE) -> PreparedReference:
        """`prepare_reference(features, k=k, tile=tile)`, or the one prepared before from equal features."""
        x = as_features(features, "features", min_rows=2)
        key = (x.shape, x.dtype.str, hashlib.blake2b(np.ascontiguousarray(x).data).hexdigest(), k, tile)
        kept = self._kept.get(key)
        if kept is not None and (_same_memory(x, kept.features) or same_rows(x, kept.features)):
            self._kept.move_to_end(key)  # (unequal: the array it was prepared from changed since; prepare anew)
            return kept
        prepared = prepare_reference(x, k=k, tile=tile)
        self._kept[key] = prepared
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return prepared
