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
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from pathlib import Path

import numpy as np

from ganeval.atomic import atomic_folder
from ganeval.features.base import OUTPUTS
from ganeval.metrics import GaussianStats

ENTRY_FORMAT = "ganeval-entry-1"
META = "meta.json"
GAUSSIAN = "gaussian.npz"
HEADER_BYTES = 128  # a .npy version 1.0 header padded to this size: room for any shape, rewritten in place
TOUCH_SECONDS = 10.0  # a live writer touches its staging folder this often, so no other machine takes it for stale
COPY_ROWS = 65536  # rows per chunk when a float32 file is widened to float64


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
        self._context = atomic_folder(self.path)
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
        """Close the files and write the sums and `meta`; the entry appears when the block ends."""
        for column in self.columns.values():
            column.close()
        if self.gaussian is not None:
            np.savez(
                self.folder / GAUSSIAN, count=self.gaussian.count, total=self.gaussian.total, outer=self.gaussian.outer
            )
        (self.folder / META).write_text(json.dumps({"format": ENTRY_FORMAT, **meta}, default=str))

    def __exit__(self, kind, error, trace) -> bool | None:
        for column in self.columns.values():
            if not column.stream.closed:
                column.stream.close()
        return self._context.__exit__(kind, error, trace)


def read_entry(path: str | Path, features: bool = True) -> tuple[dict, dict] | None:
    """(outputs, meta) of a complete entry, or None when there is none or it does not read back whole.

    outputs: read-only memory maps of the per-sample outputs (features: True), and "gaussian", the
    features' GaussianStats. features=False reads the sums alone (FID needs nothing else), and the
    features only when they are few (N <= D, `Sums.KEEP`), as a `Sums` sink keeps them."""
    path = Path(path)
    try:
        meta = json.loads((path / META).read_text())
        if not isinstance(meta, dict) or meta.get("format") != ENTRY_FORMAT:
            return None
        with np.load(path / GAUSSIAN, allow_pickle=False) as sums:
            gaussian = GaussianStats(int(sums["count"]), sums["total"], sums["outer"])
        outputs: dict = {"gaussian": gaussian}
        keys = OUTPUTS if features else ("features",) if gaussian.count <= gaussian.dim else ()
        for key in keys:
            if (path / f"{key}.npy").is_file():
                outputs[key] = np.load(path / f"{key}.npy", mmap_mode="r", allow_pickle=False)
        if any(len(array) != gaussian.count for key, array in outputs.items() if key != "gaussian"):
            return None
    except (OSError, ValueError, KeyError, EOFError):
        return None
    return outputs, meta


def remove_entry(path: str | Path) -> None:
    """Remove an entry that does not read back (damaged on disk), so a new one can take its place:
    renamed to a hidden name first (atomic: a concurrent reader sees it whole or not at all)."""
    path = Path(path)
    doomed = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        os.replace(path, doomed)
    except OSError:
        return
    shutil.rmtree(doomed, ignore_errors=True)
