"""Bounded reads of files users hand in: a regular file of at most a given size, or a clear error.

A FIFO, a device (a link to /dev/zero) or a socket would block or read forever, so it is refused before
it is opened; the read itself is bounded, so a file growing while it is read cannot exhaust memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ganeval.errors import GanevalError, printable


def read_regular(path: Path, limit: int, kind: str, fix: str) -> bytes:
    """The bytes of `path` when it is a regular file of at most `limit` bytes; GanevalError otherwise,
    naming the file. `kind` names the file in the message ("a training log"), `fix` says what to do
    when it is too large."""
    shown = printable(str(path))
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise GanevalError(
                f"{shown} is not a regular file (a device, FIFO, socket or folder); {kind} is a file its writer "
                "wrote: replace it with the real one."
            )
        if info.st_size > limit:
            raise GanevalError(
                f"{shown} holds {info.st_size:,} bytes, over the {limit:,} bytes {kind} may hold; {fix}."
            )
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | getattr(os, "O_NONBLOCK", 0))) as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise GanevalError(f"{shown} was replaced by a file that is not a regular file while it was read.")
            data = stream.read(limit + 1)
    except OSError as error:
        raise GanevalError(f"{shown} cannot be read ({error.strerror or error}); check its permissions.") from None
    if len(data) > limit:
        raise GanevalError(f"{shown} grew past {limit:,} bytes while it was read; read it when it is done.")
    return data
