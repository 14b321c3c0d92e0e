"""Input checks shared by the metric functions.

Every check raises ValueError with a message that names the argument, what was received and how to
fix it. Inputs may be numpy arrays, torch tensors or nested lists; they come back as float64 numpy,
except feature matrices (`as_features`): float32 ones, memory-mapped cache entries included, pass
as they are, and the metrics widen each tile or subset to float64 where they use it.
"""

from __future__ import annotations

import numpy as np

from ganeval.errors import GanevalError


def to_numpy(x, name: str, dtype=np.float64) -> np.ndarray:
    """Convert an array-like (numpy, torch, list) to a numpy array of `dtype`."""
    if hasattr(x, "detach"):  # torch.Tensor, without importing torch here
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise GanevalError(f"{name} must be a numeric array; could not convert it ({error}).") from None


# Largest magnitude accepted in samples and stored features: squared distances and covariances of
# larger values overflow float64 (max 1.8e308) into inf, with numpy's raw overflow warnings.
MAX_MAGNITUDE = 1e100


def check_magnitude(x: np.ndarray, name: str) -> None:
    """Finite values of magnitude at most MAX_MAGNITUDE; GanevalError naming `name` otherwise."""
    check_finite(x, name)
    largest = float(np.abs(x).max()) if np.size(x) else 0.0
    if largest > MAX_MAGNITUDE:
        raise GanevalError(
            f"{name} holds values as large as {largest:.3g}; ganeval accepts magnitudes up to {MAX_MAGNITUDE:.0e}, "
            "past which squared distances overflow. Rescale the samples "
            "(or check them: such values usually mean a broken generator)."
        )


# Rows per chunk when a large matrix is checked or widened to float64 piece by piece (`row_chunks`).
CHUNK_BYTES = 32 * 2**20


def row_chunks(x: np.ndarray, chunk_bytes: int | None = None) -> list[slice]:
    """Slices of consecutive rows of x, each about chunk_bytes (default CHUNK_BYTES) of float64: a
    memory-mapped matrix is read (and widened) a chunk at a time, never whole."""
    chunk_bytes = CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    n = x.shape[0] if x.ndim else 1
    rows = max(1, chunk_bytes // max(1, 8 * (x.size // max(n, 1))))
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)] or [slice(0, 0)]


def same_rows(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether a and b hold the same values, compared a chunk of rows at a time (no N x D mask)."""
    return a.shape == b.shape and all(np.array_equal(a[rows], b[rows]) for rows in row_chunks(a))


def check_finite(x: np.ndarray, name: str) -> None:
    """GanevalError naming `name` unless every value is finite; checked a chunk of rows at a time, so a
    memory-mapped matrix is never held whole (nor an N x D mask of it)."""
    parts = row_chunks(x) if np.ndim(x) >= 2 else [Ellipsis]
    bad = sum(int(np.size(x[part]) - np.count_nonzero(np.isfinite(x[part]))) for part in parts)
    if bad:
        raise GanevalError(
            f"{name} contains {bad} NaN or infinite value(s); remove or fix those samples "
            "(a diverged generator often produces them) before computing metrics."
        )


def as_matrix(x, name: str, min_rows: int = 1) -> np.ndarray:
    """A finite float64 matrix of shape (N, D) with N >= min_rows."""
    return _checked_matrix(to_numpy(x, name), name, min_rows)


# Feature matrices keep these types: exact in float64, so a tile widened where it is used holds the values
# the whole matrix widened first would.
FEATURE_TYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_features(x, name: str, min_rows: int = 1) -> np.ndarray:
    """A finite matrix of shape (N, D) with N >= min_rows: float32 and float64 arrays (memory maps
    included) as they are, with no copy; anything else as float64 (`as_matrix`). The metrics widen
    each tile, chunk or subset to float64 (`widened`) where they use it, so their values equal those
    of the whole matrix converted first, without an N x D float64 copy."""
    if hasattr(x, "detach"):  # torch.Tensor, without importing torch here
        x = x.detach().cpu().numpy()
    if not (isinstance(x, np.ndarray) and x.dtype in FEATURE_TYPES):
        x = to_numpy(x, name)
    return _checked_matrix(x, name, min_rows)


def widened(x: np.ndarray) -> np.ndarray:
    """x as float64: a float64 array itself (no copy), anything else a float64 copy."""
    return np.asarray(x, dtype=np.float64)


def _checked_matrix(x: np.ndarray, name: str, min_rows: int) -> np.ndarray:
    if x.ndim != 2:
        raise GanevalError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); got shape {x.shape}. "
            "Flatten each sample to one row first."
        )
    if x.shape[0] < min_rows:
        raise GanevalError(f"{name} has {x.shape[0]} sample(s) but at least {min_rows} are needed; pass more samples.")
    if x.shape[1] == 0:
        raise GanevalError(f"{name} has 0 features per sample; pass features of dimension >= 1.")
    check_finite(x, name)
    return x


def as_vector(x, name: str, min_len: int = 1, dtype=np.float64) -> np.ndarray:
    """A finite 1-D array with at least `min_len` entries."""
    x = to_numpy(x, name, dtype=dtype)
    if x.ndim != 1:
        raise GanevalError(f"{name} must be 1-D; got shape {x.shape}. Use .ravel() on per-sample values.")
    if x.shape[0] < min_len:
        raise GanevalError(f"{name} has {x.shape[0]} value(s) but at least {min_len} are needed.")
    if np.issubdtype(x.dtype, np.floating):
        check_finite(x, name)
    return x


def same_width(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape[-1] != b.shape[-1]:
        raise GanevalError(
            f"{name_a} has dimension {a.shape[-1]} but {name_b} has dimension {b.shape[-1]}; "
            "both must come from the same feature extractor and layer."
        )


# How far below zero a covariance's smallest eigenvalue may lie, relative to its largest magnitude, as round-off:
# covariances fitted in float64 are positive semi-definite to about 1e-13, their float32 copies to about 1e-8.
PSD_TOLERANCE = 1e-6


def covariance_problem(sigma: np.ndarray) -> str | None:
    """Why the symmetric matrix sigma is no covariance (not positive semi-definite beyond PSD_TOLERANCE of
    round-off), naming its smallest eigenvalue; None if it is one. A Cholesky factorisation settles most
    matrices; the eigenvalues are computed only when it fails (singular or indefinite)."""
    try:
        np.linalg.cholesky(sigma)
        return None
    except np.linalg.LinAlgError:
        eigenvalues = np.linalg.eigvalsh(sigma)
    smallest, largest = float(eigenvalues.min()), float(np.abs(eigenvalues).max())
    if smallest >= -PSD_TOLERANCE * largest:
        return None
    return (
        f"is not positive semi-definite: its smallest eigenvalue is {smallest:.6g} (largest magnitude {largest:.6g}), "
        "so it is no covariance matrix"
    )


def check_covariance(sigma: np.ndarray, name: str) -> None:
    """GanevalError naming `name` unless sigma is positive semi-definite up to round-off (`covariance_problem`)."""
    problem = covariance_problem(sigma)
    if problem:
        raise GanevalError(
            f"{name} {problem}; pass the covariance of features (numpy.cov, ganeval.metrics.gaussian_stats)."
        )


def positive_int(value, name: str, minimum: int = 1) -> int:
    """value as an int if it is a whole number >= minimum; else GanevalError naming the parameter
    (its `argument`, which the command line turns into the flag the user typed)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise GanevalError(f"{name} must be an integer >= {minimum}; got {value!r}.", argument=name)
    return int(value)
