"""Input checks shared by the metric functions.

Every check raises ValueError with a message that names the argument, what was received and how to
fix it. Inputs may be numpy arrays, torch tensors or nested lists; they come back as float64 numpy.
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
            f"{name} holds values as large as {largest:.3g}; ganeval accepts magnitudes up to {MAX_MAGNITUDE:.0e}, past which "
            "squared distances overflow. Rescale the samples (or check them: such values usually mean a broken generator)."
        )


def check_finite(x: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise GanevalError(
            f"{name} contains {bad} NaN or infinite value(s); remove or fix those samples "
            "(a diverged generator often produces them) before computing metrics."
        )


def as_matrix(x, name: str, min_rows: int = 1) -> np.ndarray:
    """A finite float64 matrix of shape (N, D) with N >= min_rows."""
    x = to_numpy(x, name)
    if x.ndim != 2:
        raise GanevalError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); got shape {x.shape}. "
            "Flatten each sample to one row first."
        )
    if x.shape[0] < min_rows:
        raise GanevalError(
            f"{name} has {x.shape[0]} sample(s) but at least {min_rows} are needed; pass more samples."
        )
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


def positive_int(value, name: str, minimum: int = 1) -> int:
    """value as an int if it is a whole number >= minimum; else GanevalError naming the parameter
    (its `argument`, which the command line turns into the flag the user typed)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise GanevalError(f"{name} must be an integer >= {minimum}; got {value!r}.", argument=name)
    return int(value)
