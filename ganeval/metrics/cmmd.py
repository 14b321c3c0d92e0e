"""CMMD (Jayasumana et al., CVPR 2024): MMD^2 with a Gaussian RBF kernel on L2-normalised embeddings.

    k(x, y) = exp(-||x - y||^2 / (2 sigma^2)),   sigma = 10,   CMMD = 1000 * MMD^2

The paper computes it on CLIP ViT-L/14 (336 px) image embeddings, which its reference code
(google-research's `cmmd`) takes from scenic's CLIP model with their default normalisation to unit
length. Here any extractor's features are normalised to unit length the same way, so sigma = 10
means what it means in the paper whatever the extractor's scale.

The reference code returns the biased (minimum-variance, V-statistic) estimate: means over the
whole kernel matrices, their diagonals included. `cmmd` returns the unbiased estimate by default
(U-statistic: within-set sums over pairs of distinct samples), whose mean over draws is 0 for two
samples of one distribution, so it can dip below 0; `unbiased=False` gives the reference's value.

Kernel matrices are never held whole: they are summed a tile of TILE_ROWS x TILE_ROWS at a time (each
tile's rows widened to float64 and normalised where used), so 50,000 samples per side need a few
hundred MiB. The sums add k - 1 (`expm1`), not k: MMD^2 does not change when a constant is added to
the kernel, and on unit vectors with sigma = 10 every k lies in [0.98, 1], so summing k - 1 keeps the
digits that summing k would cancel away.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_features, same_width, widened
from ganeval.metrics.bootstrap import Interval, bootstrap

SIGMA = 10.0  # the paper's bandwidth (distance.py's _SIGMA)
SCALE = 1000.0  # the paper's scale, "to make the metric more human readable" (distance.py's _SCALE)
TILE_ROWS = 2048  # rows (and columns) of one kernel tile: 32 MiB of float64


def _unit_rows(x: np.ndarray, name: str) -> np.ndarray:
    """Rows of x (float32 or float64) widened to float64 and scaled to unit length."""
    x = widened(x)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    if not norms.all():
        raise GanevalError(
            f"{name} holds {int((norms == 0).sum())} all-zero feature vector(s), which cannot be normalised to unit "
            "length as CMMD needs; remove those samples or use another extractor."
        )
    return x / norms[:, None]


def _tiles(n: int, rows: int) -> list[slice]:
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)]


def _kernel_sums(
    a: np.ndarray, w_a: np.ndarray, b: np.ndarray | None, w_b: np.ndarray | None, sigma: float, names: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of weights, w_a . (K - 1) . w_b over the kernel matrix K of a's and b's rows, and
    sum_i w_i^2 (K_ii - 1) when b is None (K is then a's own, w_b = w_a; else zeros).

    a, b: N x D features, normalised here a tile at a time; w_a: B x N_a, w_b: B x N_b. Within one set
    only the tiles on and above the diagonal are computed (K is symmetric).
    """
    within = b is None
    b, w_b = (a, w_a) if within else (b, w_b)
    tiles_a, tiles_b = _tiles(a.shape[0], TILE_ROWS), _tiles(b.shape[0], TILE_ROWS)
    total, diagonal = np.zeros(w_a.shape[0]), np.zeros(w_a.shape[0])
    for i, rows in enumerate(tiles_a):
        x = _unit_rows(a[rows], names[0])
        sq_x = np.einsum("ij,ij->i", x, x)
        left = w_a[:, rows]
        for j, cols in enumerate(tiles_b):
            if within and j < i:
                continue  # K is symmetric: tile (j, i) is counted twice below
            on_diagonal = within and i == j
            y = x if on_diagonal else _unit_rows(b[cols], names[1])
            sq_y = np.einsum("ij,ij->i", y, y)
            d2 = x @ y.T
            d2 *= -2.0
            d2 += sq_x[:, None]
            d2 += sq_y[None, :]
            np.maximum(d2, 0.0, out=d2)  # rounding can leave tiny negatives where the true value is >= 0
            d2 *= -1.0 / (2.0 * sigma**2)
            k = np.expm1(d2, out=d2)  # k - 1: see the module's docstring
            total += (1.0 if on_diagonal or not within else 2.0) * np.einsum("bj,bj->b", left @ k, w_b[:, cols])
            if on_diagonal:
                diagonal += (left * left) @ np.diagonal(k)
    return total, diagonal


def check_cmmd_inputs(real, fake, sigma: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Validated features (at least 2 rows each, one width) and options of CMMD."""
    real = as_features(real, "real", min_rows=2)
    fake = as_features(fake, "fake", min_rows=2)
    same_width(real, fake, "real", "fake")
    for name, value in (("sigma", sigma), ("scale", scale)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.integer, np.floating))
            or not np.isfinite(value)
            or value <= 0
        ):
            raise GanevalError(f"{name} must be a positive finite number; got {value!r}.", argument=name)
    return real, fake


def _weighted_cmmd(
    real: np.ndarray,
    fake: np.ndarray,
    w_real: np.ndarray,
    w_fake: np.ndarray,
    sigma: float,
    scale: float,
    unbiased: bool,
) -> np.ndarray:
    """CMMD for each row of sample weights (multiplicities): B values from one pass over the kernel tiles.

    w_real: B x N_real and w_fake: B x N_fake non-negative weights, typically how often a bootstrap
    resample picked each row. unbiased: within-set sums keep only pairs of distinct samples,
    (w.K.w - sum_i w_i^2 K_ii) / (W^2 - sum_i w_i^2) with W = sum_i w_i, so repeated rows add no
    k(x, x) = 1 terms (the bias that duplicates would bring); False: w.K.w / W^2 (the V-statistic).
    The cross term is w_fake.K.w_real / (W_fake W_real) either way. A row whose resample holds a single
    distinct sample has no distinct pair and gives nan. real, fake: checked (`check_cmmd_inputs`).
    """
    within = []
    for x, w, name in ((real, w_real, "real"), (fake, w_fake, "fake")):
        total, diagonal = _kernel_sums(x, w, None, None, sigma, (name, name))
        pairs = w.sum(axis=1) ** 2
        if unbiased:
            total, pairs = total - diagonal, pairs - np.einsum("bi,bi->b", w, w)
        with np.errstate(divide="ignore", invalid="ignore"):
            within.append(np.where(pairs > 0, total / np.where(pairs > 0, pairs, 1.0), np.nan))
    cross, _ = _kernel_sums(real, w_real, fake, w_fake, sigma, ("real", "fake"))
    cross = cross / (w_real.sum(axis=1) * w_fake.sum(axis=1))
    return scale * (within[0] + within[1] - 2.0 * cross)


def cmmd(real, fake, *, sigma: float = SIGMA, scale: float = SCALE, unbiased: bool = True) -> float:
    """CMMD between real and fake features (N x D each, any extractor's; normalised to unit length here).

    unbiased: True (default) for the unbiased MMD^2 (diagonals of the within-set kernel matrices left
    out), False for google-research's biased estimate (means over the whole matrices), which equals
    theirs on the same embeddings. Both are scaled by `scale` (the paper's 1000).
    """
    real, fake = check_cmmd_inputs(real, fake, sigma, scale)
    ones = lambda x: np.ones((1, x.shape[0]))  # noqa: E731
    return float(_weighted_cmmd(real, fake, ones(real), ones(fake), sigma, scale, unbiased)[0])


def cmmd_interval(real, fake, n: int = 100, seed: int = 0, *, sigma: float = SIGMA, scale: float = SCALE) -> Interval:
    """The unbiased CMMD and its 95% bootstrap interval ("centred", as KID's) from n resamples of both sides.

    Each resample's CMMD is the complete-sample U-statistic of its rows over pairs of distinct samples
    (`_weighted_cmmd`), so duplicated rows do not bias it, and all n resamples come from one pass over the
    kernel tiles. The resamples are `bootstrap`'s own draws: a first call records the rows it draws, a
    second (same seed, same draws) hands it the values computed from them all at once.
    """
    real, fake = check_cmmd_inputs(real, fake, sigma, scale)
    drawn: list[tuple[np.ndarray, np.ndarray]] = []

    def record(real_rows: np.ndarray, fake_rows: np.ndarray) -> float:
        drawn.append((real_rows, fake_rows))
        return 0.0

    rows = (np.arange(real.shape[0]), np.arange(fake.shape[0]))
    bootstrap(record, *rows, n=n, seed=seed)
    w_real = _multiplicities([r for r, _ in drawn], real.shape[0])
    w_fake = _multiplicities([f for _, f in drawn], fake.shape[0])
    values = iter(_weighted_cmmd(real, fake, w_real, w_fake, sigma, scale, True))  # drawn[0]: all rows once
    return bootstrap(lambda r, f: next(values), *rows, n=n, seed=seed, method="centred")


def _multiplicities(draws: Sequence[np.ndarray], size: int) -> np.ndarray:
    return np.stack([np.bincount(rows, minlength=size) for rows in draws]).astype(float)
