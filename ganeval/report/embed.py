"""Reading a file from a run folder to embed it in a report: the one way the report layer reads bytes.

A run folder is data from whoever wrote it, and a report is often published (a CI artifact, a page).
So a file is embedded only when it is what its name says and where it should be: a regular file
inside the folder (a symbolic link may point only to a file inside it: never to a private file,
/proc/self/environ or /dev/zero), no device, FIFO or socket, under MAX_EMBED_BYTES, starting with
its format's magic bytes. Anything else is skipped with an `EmbedWarning` naming the file and why.
The file is opened without following a link and checked again on the open descriptor (so a swap
between the check and the read is refused), and read with a bounded read.
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

MAX_EMBED_BYTES = 20 * 1024 * 1024  # a trainer's sample grid is tens of kilobytes; more is not a sample figure
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NPY_MAGIC = b"\x93NUMPY"


class EmbedWarning(UserWarning):
    """A file of a run folder that the report skipped rather than embed (the message says which and why)."""


def _read(path: Path, folder: Path, limit: int) -> bytes | str:
    """The file's bytes, or why it is refused."""
    real, home = os.path.realpath(path), os.path.realpath(folder)
    if not Path(real).is_relative_to(home):
        return f"it is a symbolic link to {real}, outside the run folder {folder}"
    try:
        before = os.stat(real)
        if not stat.S_ISREG(before.st_mode):
            return "it is not a regular file (a device, FIFO, socket or folder)"
        if before.st_size > limit:
            return f"it holds {before.st_size:,} bytes, over the cap of {limit:,} bytes"
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(real, flags)
    except OSError as error:
        return f"it cannot be read ({error.strerror or error})"
    with os.fdopen(descriptor, "rb") as stream:
        opened = os.fstat(stream.fileno())
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(opened.st_mode):
            return "it was replaced while it was being read"
        data = stream.read(limit + 1)
    if len(data) > limit:
        return f"it grew over the cap of {limit:,} bytes while it was being read"
    return data


def read_embedded(path, folder, magic: bytes, *, limit: int = MAX_EMBED_BYTES) -> bytes | None:
    """The bytes of `path`, a file of the run folder `folder`, when it is a regular file inside the folder
    of at most `limit` bytes starting with `magic`; otherwise None, with an EmbedWarning naming the file,
    why it was skipped and how to show it."""
    data = _read(Path(path), Path(folder), limit)
    if isinstance(data, bytes) and not data.startswith(magic):
        data = f"its first bytes are not those of a {'PNG image' if magic == PNG_MAGIC else 'NumPy .npy array'}"
    if isinstance(data, str):
        warnings.warn(
            f"{path}: not embedded in the report: {data}. The report embeds only regular files inside the run "
            "folder, of their format and under the size cap; put the real file there to show it.",
            EmbedWarning,
            stacklevel=2,
        )
        return None
    return data
