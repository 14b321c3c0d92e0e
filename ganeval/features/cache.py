"""Extractor outputs on disk: reference-statistics files and the cache of reference features.

One npz format serves both: the per-sample outputs (features, logits, modes, high_quality), the
Gaussian statistics (mu, sigma, count) and a JSON provenance string. Files are written to a
temporary name in the same folder, then renamed: a reader never sees half a file.
The cache key hashes everything that changes the features: the files' relative paths and bytes
(blake2b; or the bundled set, size and seed), the extractor, its weights' hash and the
preprocessing. Sizes and modification times are not enough: content rewritten with its mtime
restored would hit stale features.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ganeval.atomic import atomic_write
from ganeval.features.base import OUTPUTS
from ganeval.metrics import gaussian_stats
from ganeval.errors import GanevalError

FORMAT = "ganeval-stats-1"
# Version of the cache key: 2 hashes the files' bytes; entries keyed by size and mtime (1) are never hit.
CACHE_KEY_VERSION = 2
HASH_THREADS = 8  # file reads and blake2b release the GIL: threads overlap I/O and hashing
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


def content_digest(files: list[Path], root: Path) -> str:
    """One blake2b hex digest of the files' relative paths (with /) and bytes, in the given order:
    what a folder holds, whatever its location, mtimes or machine. Reads the files in threads."""
    with ThreadPoolExecutor(max_workers=min(HASH_THREADS, max(1, len(files)))) as pool:
        digests = list(pool.map(_file_digest, files))
    folder = hashlib.blake2b()
    for path, digest in zip(files, digests):
        folder.update(path.relative_to(root).as_posix().encode("utf-8", "surrogateescape") + b"\0" + digest)
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
    """Outputs and provenance from a file written by save_outputs (`ganeval stats`)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"])) if "meta" in archive else {}
            outputs = {key: archive[key] for key in OUTPUTS if key in archive}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise GanevalError(f"{path}: not a readable statistics file ({error}); recreate it with `ganeval stats`.") from None
    if meta.get("format") != FORMAT or "features" not in outputs:
        raise GanevalError(
            f"{path} is not a ganeval statistics file (format {meta.get('format')!r}, expected {FORMAT!r}); "
            "create one with `ganeval stats REFERENCE -o FILE`."
        )
    return outputs, meta
