"""Statistics files (`ganeval stats`): one npz of the per-sample outputs (features, logits, modes, high_quality),
the Gaussian statistics (mu, sigma, count) and a JSON provenance string, written to a temporary name in the same
folder, then renamed: a reader never sees half a file. pytorch-fid's files of mu and sigma alone read too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ganeval.atomic import atomic_write
from ganeval.data.arrays import READ_ERRORS, check_array_sizes
from ganeval.errors import GanevalError, printable
from ganeval.features.base import OUTPUTS
from ganeval.metrics import gaussian_stats
from ganeval.metrics._checks import MAX_MAGNITUDE, covariance_problem

FORMAT = "ganeval-stats-1"

FORMAT = "ganeval-stats-1"


def save_outputs(path: str | Path, outputs: dict[str, np.ndarray], provenance: dict) -> Path:
    """Write outputs, their Gaussian statistics and provenance to an npz file, atomically."""
    path = Path(path)
    arrays = {key: outputs[key] for key in OUTPUTS if key in outputs}
    if len(outputs["features"]) >= 2:
        arrays["mu"], arrays["sigma"] = gaussian_stats(outputs["features"])
    arrays["meta"] = np.array(json.dumps({"format": FORMAT, **provenance}, default=str))
    with atomic_write(path) as stream:
        np.savez(stream, **arrays)
    return path


def load_outputs(path: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """Outputs and provenance from a file written by save_outputs (`ganeval stats`), checked: a
    damaged, truncated or foreign file is a GanevalError naming the file, never a traceback."""
    path = Path(path)
    shown = printable(str(path))
    try:
        with _open_npz(path) as archive:
            meta = json.loads(str(archive["meta"])) if "meta" in archive else {}
            outputs = {key: archive[key] for key in OUTPUTS if key in archive}
    except READ_ERRORS as error:
        raise GanevalError(
            f"{shown}: not a readable statistics file ({type(error).__name__}: {printable(str(error))}); "
            "it is damaged or truncated: recreate it with `ganeval stats REFERENCE -o FILE`."
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or "features" not in outputs:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise GanevalError(
            f"{shown} is not a ganeval statistics file (format {printable(repr(found))}, expected {FORMAT!r}); "
            "create one with `ganeval stats REFERENCE -o FILE`."
        )
    problem = _outputs_problem(outputs)
    if problem:
        raise GanevalError(
            f"{shown}: {problem}; the file is damaged or was not written by ganeval: recreate it with `ganeval stats`."
        )
    return outputs, meta


def _open_npz(path: Path):
    """np.load of an .npz archive; ValueError when the file is not one (a bare .npy array, say), GanevalError
    when an array in it is larger than MAX_ARRAY_BYTES by its header (checked before anything is inflated)."""
    check_array_sizes(path)
    loaded = np.load(path, allow_pickle=False)
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError("a single array, not an .npz archive of named arrays")
    return loaded


def _outputs_problem(outputs: dict[str, np.ndarray]) -> str | None:
    """What is wrong with stored outputs (shapes, dtypes, non-finite values), or None."""
    features = outputs["features"]
    if features.ndim != 2 or 0 in features.shape or not _real(features.dtype):
        return f"'features' must be a real N x D array with N, D >= 1; got {features.dtype} of shape {features.shape}"
    expected = {
        "logits": (2, _real),
        "modes": (1, lambda dtype: np.issubdtype(dtype, np.integer)),
        "high_quality": (1, lambda dtype: dtype == np.bool_),
        "spatial": (2, _real),
    }
    for key, (ndim, accepted) in expected.items():
        array = outputs.get(key)
        if array is not None and (array.ndim != ndim or len(array) != len(features) or not accepted(array.dtype)):
            return f"{key!r} has {array.dtype} values of shape {array.shape}, which do not fit {len(features)} samples"
    for key in ("features", "logits", "spatial"):
        if key in outputs and not np.all(np.abs(outputs[key]) <= MAX_MAGNITUDE):
            return f"{key!r} holds NaN, infinite or overflowing values (beyond {MAX_MAGNITUDE:.0e})"
    return None


def _real(dtype: np.dtype) -> bool:
    return np.issubdtype(dtype, np.floating) or (np.issubdtype(dtype, np.integer) and dtype != np.bool_)


# Gaussian statistics alone, as pytorch-fid and clean-fid save them: np.savez(path, mu=mu, sigma=sigma).
GAUSSIAN_FORMAT = "mu-sigma"


SYMMETRY_TOLERANCE = 1e-6  # relative: a covariance is symmetric up to float round-off (np.cov is exactly)


def stats_format(path: str | Path) -> str | None:
    """FORMAT for a ganeval statistics file (its 'meta' names a ganeval-stats format), GAUSSIAN_FORMAT
    for mu and sigma without samples, None otherwise (samples, or unreadable: the array loader says why)."""
    try:
        with _open_npz(Path(path)) as archive:
            keys = set(archive.files)
            if "meta" in keys:
                meta = json.loads(str(archive["meta"]))
                return (
                    FORMAT if isinstance(meta, dict) and str(meta.get("format")).startswith("ganeval-stats") else None
                )
    except READ_ERRORS:
        return None
    if {"mu", "sigma"} <= keys and not keys & {"features", "images", "points", "samples"}:
        return GAUSSIAN_FORMAT
    return None


def load_gaussian(path: str | Path) -> dict[str, np.ndarray]:
    """{"mu": D, "sigma": D x D} (float64) from a file of Gaussian statistics alone, checked."""
    shown = printable(str(path))
    try:
        with _open_npz(Path(path)) as archive:
            mu, sigma = archive["mu"], archive["sigma"]
    except READ_ERRORS as error:
        raise GanevalError(
            f"{shown}: cannot read its mu and sigma ({type(error).__name__}: {printable(str(error))}); "
            "the file is damaged or truncated."
        ) from None
    problem = _gaussian_problem(mu, sigma)
    if problem:
        raise GanevalError(
            f"{shown} holds mu and sigma (Gaussian statistics, as pytorch-fid saves them), but {problem}."
        )
    return {"mu": mu.astype(np.float64), "sigma": sigma.astype(np.float64)}


def _gaussian_problem(mu: np.ndarray, sigma: np.ndarray) -> str | None:
    """What keeps (mu, sigma) from being a mean and covariance, or None."""
    if mu.ndim != 1 or mu.size == 0 or not _real(mu.dtype):
        return f"mu must be a real vector; got {mu.dtype} of shape {mu.shape}"
    if sigma.shape != (mu.size, mu.size) or not _real(sigma.dtype):
        return (
            f"sigma must be a real {mu.size} x {mu.size} matrix to match mu; got {sigma.dtype} of shape {sigma.shape}"
        )
    if not (np.all(np.abs(mu) <= MAX_MAGNITUDE) and np.all(np.abs(sigma) <= MAX_MAGNITUDE)):
        return f"they hold NaN, infinite or overflowing values (beyond {MAX_MAGNITUDE:.0e})"
    sigma = sigma.astype(np.float64)
    if np.any(np.diagonal(sigma) < 0) or np.abs(sigma - sigma.T).max() > SYMMETRY_TOLERANCE * max(
        np.abs(sigma).max(), 1e-300
    ):
        return "sigma is not a covariance matrix (it must be symmetric with non-negative variances)"
    problem = covariance_problem(sigma)
    return f"sigma {problem}: recompute it (numpy.cov of the features)" if problem else None
