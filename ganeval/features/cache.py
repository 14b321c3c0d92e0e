"""Extractor outputs on disk: reference-statistics files, and the keys of the cache of reference features.

A statistics file (`ganeval stats`) is one npz: the per-sample outputs (features, logits, modes,
high_quality), the Gaussian statistics (mu, sigma, count) and a JSON provenance string, written to a
temporary name in the same folder, then renamed: a reader never sees half a file. A cache entry is
a folder of .npy files read through memory maps (`ganeval.features.store`).
The cache key hashes everything that changes the features: the files' relative paths and bytes
(blake2b; or the bundled set, size and seed), the extractor, its weights' hash and the
preprocessing. Sizes and modification times are not enough: content rewritten with its mtime
restored would hit stale features.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ganeval.atomic import atomic_write
from ganeval.data.arrays import READ_ERRORS, check_array_sizes
from ganeval.errors import GanevalError, printable
from ganeval.features.base import OUTPUTS
from ganeval.metrics import gaussian_stats
from ganeval.metrics._checks import MAX_MAGNITUDE, covariance_problem

FORMAT = "ganeval-stats-1"
# Version of the cache key: 2 hashed the files' bytes (entries keyed by size and mtime, 1, are never hit); 3 keys
# entry folders of .npy files (ganeval.features.store), so the .npz entries of 2 are never read.
CACHE_KEY_VERSION = 3
HASH_THREADS = 8  # at most, and no more than the CPUs: file reads and blake2b (past 2 KB) release the GIL
HASH_BATCH = 64  # files per thread task: small images cost more in task overhead than in hashing
CHUNK_BYTES = 1 << 20


class CacheWarning(UserWarning):
    """The reference cache cannot be used (read-only, a file, disk full): scoring goes on without it."""


def cache_dir() -> Path:
    """$GANEVAL_CACHE_DIR, else $XDG_CACHE_HOME/ganeval, else ~/.cache/ganeval."""
    if os.environ.get("GANEVAL_CACHE_DIR"):
        return Path(os.environ["GANEVAL_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ganeval"


def _file_digest(path: Path) -> bytes:
    """blake2b of a file's bytes; an unreadable file gets a digest of its error, so the key stays
    defined and extraction reports (or skips) the file."""
    digest = hashlib.blake2b()
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError as error:
        return hashlib.blake2b(f"unreadable: errno {error.errno}".encode()).digest()
    return digest.digest()


def _digests(paths: list[Path]) -> list[bytes]:
    return [_file_digest(path) for path in paths]


def _relative(path: Path, root: Path, prefix: str) -> str:
    """path relative to root with / separators (string slicing: pathlib's relative_to costs more
    than hashing a small image)."""
    text = str(path)
    relative = text[len(prefix) :] if text.startswith(prefix) else str(path.relative_to(root))
    return relative.replace(os.sep, "/")


def content_digest(files: list[Path], root: Path) -> str:
    """One blake2b hex digest of the files' relative paths (with /) and bytes, in the given order:
    what a folder holds, whatever its location, mtimes or machine. Reads the files in threads."""
    batches = [files[start : start + HASH_BATCH] for start in range(0, len(files), HASH_BATCH)]
    threads = max(1, min(HASH_THREADS, os.cpu_count() or 1, len(batches)))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        digests = [digest for batch in pool.map(_digests, batches) for digest in batch]
    prefix, folder = str(root) + os.sep, hashlib.blake2b()
    for path, digest in zip(files, digests):
        folder.update(_relative(path, root, prefix).encode("utf-8", "surrogateescape") + b"\0" + digest)
    return folder.hexdigest()


def cache_key(source: dict, extractor_provenance: dict) -> str:
    key = {"format": FORMAT, "key_version": CACHE_KEY_VERSION, "source": source, "extractor": extractor_provenance}
    text = json.dumps(key, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


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
