"""The keys of the reference-feature cache, and where it lives.

The key hashes everything that changes the features: the files' relative paths and bytes (blake2b; or the bundled
set, size and seed), the extractor, its weights' hash and the preprocessing. Sizes and modification times are not
enough: content rewritten with its mtime restored would hit stale features.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

FORMAT = "ganeval-stats-1"

# Version of the cache key: 2 hashed the files' bytes (entries keyed by size and mtime, 1, are never hit); 3 keys
# entry folders of .npy files (ganeval.cache.entries), so the .npz entries of 2 are never read.
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
