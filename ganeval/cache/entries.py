"""Per-sample extractor outputs on disk, streamed in and read back through memory maps.

A cache entry is a folder of `.npy` files, one per output (`features.npy`, `logits.npy`,
`modes.npy`, `high_quality.npy`), `gaussian.npz` (FID's float64 sums of the features: count, sum
and sum of outer products) and `meta.json`. `np.load(path, mmap_mode="r")` opens each file: a
reader maps the rows it needs instead of holding N x D in memory, and FID alone reads only the sums.

`EntryWriter` takes batches as the extractor makes them and appends their rows to the files (a
fixed-size header, rewritten with the final row count at the end), so nothing grows with N but the
files. Float outputs are stored as float32 when every value is exactly a float32 (network outputs
are: the networks run in float32), otherwise as float64; reading them back as float64 gives the
very values extracted. The folder is staged under a hidden temporary name beside the entry
(`ganeval.atomic.atomic_folder`) and renamed into place once complete, so an entry that exists is
whole; the staging folder of a killed writer is never read, and the next writer removes it
(`ganeval.atomic.remove_stale_leftovers`).

`meta.json` records a digest of every array (`array_digest`), checked when the array is read: an
edited or damaged entry is recomputed with a warning, never used. The digest detects damage and
edits of the arrays; it is no signature (whoever may write the cache folder may write a matching
meta.json). Symbolic links inside the cache are never followed, for reading or writing: the entry
and its files are opened with O_NOFOLLOW, and a link where an entry should be is a bad entry.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import stat
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ganeval.atomic import atomic_folder
from ganeval.cache.keys import CacheWarning
from ganeval.errors import printable
from ganeval.features.base import OUTPUTS
from ganeval.metrics import GaussianStats

# 2 records a digest of each array in meta.json; entries of 1 (no digests) are recomputed once, with a warning.
ENTRY_FORMAT = "ganeval-entry-2"
META = "meta.json"
GAUSSIAN = "gaussian.npz"
HEADER_BYTES = 128  # a .npy version 1.0 header padded to this size: room for any shape, rewritten in place
TOUCH_SECONDS = 10.0  # a live writer touches its staging folder this often, so no other machine takes it for stale
COPY_ROWS = 65536  # rows per chunk when a float32 file is widened to float64
DIGEST_BYTES = 1 << 24  # hashed per update: a memory-mapped N x D file is never held in memory whole
SUMS = ("count", "total", "outer")  # the arrays of gaussian.npz


def array_digest(array: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and values in C order, DIGEST_BYTES at a time (sha256: the
    CPUs' SHA instructions make it about twice blake2b's speed; 50,000 x 2,048 float32 in 0.23 s)."""
    digest = hashlib.sha256(f"{array.dtype.str} {array.shape}".encode())
    if array.ndim == 0 or len(array) == 0:
        digest.update(np.ascontiguousarray(array))
        return digest.hexdigest()
    rows = max(1, DIGEST_BYTES // max(1, array[0].nbytes))
    for start in range(0, len(array), rows):
        digest.update(np.ascontiguousarray(array[start : start + rows]))
    return digest.hexdigest()


class BadEntry(ValueError):
    """A cache entry that must not be used: the message says why."""


def _header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    """A .npy version 1.0 header for `shape`, padded with spaces to HEADER_BYTES (the format allows it)."""
    text = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape})
    body = text.ljust(HEADER_BYTES - 10 - 1) + "\n"
    if len(body) != HEADER_BYTES - 10:
        raise ValueError(f"a shape of {shape} does not fit a {HEADER_BYTES}-byte .npy header")
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body.encode("latin1")


def _exact_float32(array: np.ndarray) -> bool:
    return bool(np.array_equal(array.astype(np.float32), array))


class _Column:
    """One output's .npy file, rows appended as they come."""

    def __init__(self, path: Path, first: np.ndarray):
        self.path, self.rows, self.tail = path, 0, first.shape[1:]
        floating = np.issubdtype(first.dtype, np.floating)
        self.dtype = np.dtype(np.float32 if floating and _exact_float32(first) else first.dtype).newbyteorder("<")
        self.stream = open(path, "wb")
        self.stream.write(_header(self.dtype, (0, *self.tail)))

    def append(self, array: np.ndarray) -> None:
        if array.shape[1:] != self.tail:
            raise ValueError(f"{self.path.name}: rows of shape {array.shape[1:]} after rows of shape {self.tail}")
        if self.dtype == np.float32 and not _exact_float32(array):
            self._widen()
        self.stream.write(np.ascontiguousarray(array, dtype=self.dtype).tobytes())
        self.rows += len(array)

    def _widen(self) -> None:
        """Rewrite the rows so far as float64: these values are not all float32 (a float64 extractor)."""
        self.close()
        narrow = np.load(self.path, mmap_mode="r")
        wide = self.path.with_suffix(".wide")
        with open(wide, "wb") as stream:
            stream.write(_header(np.dtype("<f8"), (0, *self.tail)))
            for start in range(0, self.rows, COPY_ROWS):
                stream.write(np.asarray(narrow[start : start + COPY_ROWS], dtype="<f8").tobytes())
        del narrow
        os.replace(wide, self.path)
        self.dtype = np.dtype("<f8")
        self.stream = open(self.path, "r+b")
        self.stream.seek(0, os.SEEK_END)

    def close(self) -> None:
        """Write the final row count into the header."""
        self.stream.seek(0)
        self.stream.write(_header(self.dtype, (self.rows, *self.tail)))
        self.stream.close()


class EntryWriter:
    """Streams extractor outputs into a cache entry: `add` each batch, then `finish(meta)`.

    Use as a context manager: the entry appears at `path` only when the block ends without an error
    (a failed or killed extraction leaves no entry). `gaussian` sums the features as they pass."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.columns: dict[str, _Column] = {}
        self.gaussian: GaussianStats | None = None
        self._touched = 0.0

    def __enter__(self) -> EntryWriter:
        self._context = atomic_folder(self.path, follow_links=False)  # never written through a planted link
        self.folder = self._context.__enter__()
        return self

    def add(self, outputs: dict[str, np.ndarray]) -> None:
        """Append one batch of outputs (rows in order)."""
        for key in OUTPUTS:
            if key in outputs:
                array = np.asarray(outputs[key])
                if key not in self.columns:
                    self.columns[key] = _Column(self.folder / f"{key}.npy", array)
                self.columns[key].append(array)
        features = np.asarray(outputs["features"], dtype=np.float64)
        self.gaussian = GaussianStats.accumulate(self.gaussian, features)
        now = time.monotonic()
        if now - self._touched > TOUCH_SECONDS:  # a live writer's staging folder is never taken for a killed one's
            os.utime(self.folder)
            self._touched = now

    @property
    def count(self) -> int:
        return self.columns["features"].rows if "features" in self.columns else 0

    def result(self) -> dict:
        """The features' sums so far (the per-sample outputs are read back from the entry once it is in place)."""
        return {"gaussian": self.gaussian}

    def finish(self, meta: dict) -> None:
        """Close the files and write the sums and `meta`, with a digest of every array as read back
        (`read_entry` checks them); the entry appears when the block ends."""
        digests = {}
        for key, column in self.columns.items():
            column.close()
            digests[key] = array_digest(np.load(column.path, mmap_mode="r"))
        if self.gaussian is not None:
            sums = {name: np.asarray(getattr(self.gaussian, name)) for name in SUMS}
            np.savez(self.folder / GAUSSIAN, **sums)
            digests.update({name: array_digest(array) for name, array in sums.items()})
        (self.folder / META).write_text(json.dumps({"format": ENTRY_FORMAT, **meta, "digests": digests}, default=str))

    def __exit__(self, kind, error, trace) -> bool | None:
        for column in self.columns.values():
            if not column.stream.closed:
                column.stream.close()
        return self._context.__exit__(kind, error, trace)


def read_entry(path: str | Path, features: bool = True) -> tuple[dict, dict] | None:
    """(outputs, meta) of a complete entry, or None when there is none or it is bad.

    outputs: read-only memory maps of the per-sample outputs (features: True), and "gaussian", the
    features' GaussianStats. features=False reads the sums alone (FID needs nothing else), and the
    features only when they are few (N <= D, `Sums.KEEP`), as a `Sums` sink keeps them. Every array
    read is checked against its digest. A bad entry (torn, foreign, without digests, edited, or a
    symbolic link, which is never followed) gets one CacheWarning naming it and why: the caller
    recomputes it."""
    path = Path(path)
    if not os.path.lexists(path):
        return None
    try:
        return _read_entry(path, features)
    except BadEntry as error:
        reason = str(error)
    except (OSError, ValueError, KeyError, EOFError, MemoryError, zipfile.BadZipFile) as error:
        reason = f"it does not read back whole: {type(error).__name__}: {error}"
    warnings.warn(
        f"cache entry {printable(str(path))} is not used ({printable(reason)}); it is recomputed.",
        CacheWarning,
        stacklevel=2,
    )
    return None


def _read_entry(path: Path, features: bool) -> tuple[dict, dict]:
    if path.is_symlink():
        raise BadEntry("it is a symbolic link, and links inside the cache folder are never followed")
    folder = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)  # the folder read is the one checked
    try:
        with _open_in(folder, META) as stream:
            meta = json.loads(stream.read())
        if not isinstance(meta, dict) or meta.get("format") != ENTRY_FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise BadEntry(f"its format is {found!r}, not {ENTRY_FORMAT!r}: it records no digests of its arrays")
        digests = meta.get("digests")
        if not isinstance(digests, dict) or not {"features", *SUMS} <= digests.keys():
            raise BadEntry("meta.json records no digest of its arrays")
        with _open_in(folder, GAUSSIAN) as stream:
            archive = np.load(stream, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise BadEntry(f"{GAUSSIAN} is a single array, not an .npz archive")
            if any(member.compress_type != zipfile.ZIP_STORED for member in archive.zip.infolist()):
                raise BadEntry(f"{GAUSSIAN} holds compressed arrays, which ganeval never writes")
            sums = {name: _checked(archive[name], digests[name], f"{GAUSSIAN}'s {name!r}") for name in SUMS}
        gaussian = GaussianStats(int(sums["count"]), sums["total"], sums["outer"])
        outputs: dict = {"gaussian": gaussian}
        keys = OUTPUTS if features else ("features",) if gaussian.count <= gaussian.dim else ()
        for key in keys:
            if key in digests:  # the outputs the writer stored
                with _open_in(folder, f"{key}.npy") as stream:
                    outputs[key] = _checked(_map(stream), digests[key], f"{key}.npy")
    finally:
        os.close(folder)
    if any(len(array) != gaussian.count for key, array in outputs.items() if key != "gaussian"):
        raise BadEntry("its arrays do not have one row per sample")
    return outputs, meta


def _open_in(folder: int, name: str):
    """The regular file `name` in the open folder, never through a symbolic link, nor a FIFO or device."""
    try:  # O_NONBLOCK: a FIFO planted here would block the open, not a read
        handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK):  # EMLINK: what BSDs say
            raise BadEntry(f"{name} is a symbolic link, and links inside the cache folder are never followed") from None
        raise
    stream = os.fdopen(handle, "rb")
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        stream.close()
        raise BadEntry(f"{name} is not a regular file")
    return stream


def _map(stream) -> np.ndarray:
    """A read-only memory map of the .npy file open in `stream` (np.load maps only paths)."""
    if np.lib.format.read_magic(stream) != (1, 0):
        raise ValueError("not a .npy version 1.0 file, the version ganeval writes")
    shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    if fortran or dtype.hasobject:
        raise ValueError(f"an array ganeval never writes ({dtype}, Fortran order {fortran})")
    if 0 in shape:
        return np.empty(shape, dtype)
    return np.memmap(stream, dtype=dtype, mode="r", offset=stream.tell(), shape=shape)


def _checked(array: np.ndarray, digest: str, shown: str) -> np.ndarray:
    """`array`, when it has the digest recorded as it was written."""
    if array_digest(array) != digest:
        raise BadEntry(f"{shown} does not match the digest recorded when it was written: it was edited or damaged")
    return array


def remove_entry(path: str | Path) -> None:
    """Remove an entry that does not read back (damaged on disk), so a new one can take its place:
    renamed to a hidden name first (atomic: a concurrent reader sees it whole or not at all). A
    symbolic link is unlinked itself: what it points at is never touched."""
    path = Path(path)
    if path.is_symlink():  # the link goes, never what it points at
        path.unlink(missing_ok=True)
        return
    doomed = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        os.replace(path, doomed)
    except OSError:
        return
    shutil.rmtree(doomed, ignore_errors=True)
