"""Atomic file writes: readers see the old file or the whole new one, never half of one.

Data goes to a temporary file (or staging folder) beside the target, which then replaces the target
by rename. Symbolic links are resolved first, so a link stays a link and points at the new content.
Device files, FIFOs and sockets (`/dev/stdout`, a named pipe) are not regular files: they are
written in place, never replaced. The result gets the usual permissions (0666 minus the umask), not
mkstemp's owner-only 0600, so statistics files and exports can be shared.

Temporary names are `.NAME.PID.XXXXXXXX.tmp`: hidden (folder scans skip them) and owned by a
process, so the leftovers of a killed writer are removed when the next one writes beside them.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ganeval.errors import GanevalError, printable

# A temporary file or staging folder is left over when nobody has touched it for a while: a live
# writer adds files to its staging folder, or bytes to its temporary file, all the time. A minute
# suffices when its owner process is gone; otherwise an hour, since the owner may be a writer in
# another container or on another machine sharing the folder, whose process ids mean nothing here.
DEAD_OWNER_AFTER_SECONDS = 60
STALE_AFTER_SECONDS = 3600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _target(path: str | Path) -> Path:
    """Where the data lands: symbolic links resolved, so the link keeps pointing at the new content."""
    return Path(os.path.realpath(path))


def _standard_stream(path: str | Path, mode: str):
    """sys.stdout or sys.stderr when `path` is that very file (/dev/stdout, /proc/self/fd/2, or the
    file they are redirected to), so output is not truncated or interleaved by a second handle."""
    try:
        wanted = os.stat(path)
    except OSError:
        return None
    for descriptor, stream in ((1, sys.stdout), (2, sys.stderr)):
        try:
            actual = os.fstat(descriptor)
        except OSError:  # closed
            continue
        if (actual.st_dev, actual.st_ino) == (wanted.st_dev, wanted.st_ino):
            return stream.buffer if "b" in mode else stream
    return None


def _is_special(path: str | Path) -> bool:
    """A device file, FIFO or socket: written in place, since it cannot be replaced by a rename."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _naming(error: OSError, path: str | Path) -> OSError:
    """The same error, naming the file the user asked for instead of a temporary one (quoted by
    repr in the message, so control characters in the name are escaped)."""
    return OSError(error.errno, error.strerror or str(error), str(path))


def _make_parent(target: Path, path: str | Path) -> None:
    """Create the target's folder; a file in the way is named as such (mkdir says only 'File exists')."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        blocker = next(folder for folder in (target.parent, *target.parent.parents) if folder.exists())
        raise NotADirectoryError(
            errno.ENOTDIR, f"{printable(str(blocker))} is a file, not a folder", str(path)
        ) from None


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # exists but belongs to someone else (or an impossible pid: treat as alive)
    return True


def remove_stale_leftovers(target: Path) -> list[Path]:
    """Delete temporary files and staging folders of `target` left by writers that were killed:
    untouched for DEAD_OWNER_AFTER_SECONDS with their owner process gone, or for STALE_AFTER_SECONDS
    whatever the owner. Returns what was removed."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[A-Za-z0-9_]{{8}}\.tmp")
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            age = time.time() - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if age < DEAD_OWNER_AFTER_SECONDS or (age < STALE_AFTER_SECONDS and _owner_alive(int(match.group(1)))):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator:
    """Open a stream whose contents replace `path` when the block ends without an error.
    A symbolic link is followed (the link stays); standard streams and devices are written in place."""
    stream = _standard_stream(path, mode)
    if stream is not None:
        sys.stdout.flush()
        yield stream
        stream.flush()
        return
    if _is_special(path):
        with open(path, mode) as stream:
            yield stream
        return
    target = _target(path)
    try:
        _make_parent(target, path)
        remove_stale_leftovers(target)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=_prefix(target), suffix=".tmp")
    except OSError as error:
        raise _naming(error, path) from None
    try:
        with os.fdopen(handle, mode) as stream:
            yield stream
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename in (None, temporary):
            raise _naming(error, path) from None
        raise


@contextmanager
def atomic_folder(path: str | Path, follow_links: bool = True) -> Iterator[Path]:
    """A temporary folder that becomes `path` (which must be absent or empty) when the block succeeds.
    A symbolic link to an empty folder is followed (the link stays); follow_links=False (a cache
    entry) refuses a link at `path` with an OSError instead, so nothing is written where it points."""
    target = _target(path) if follow_links else Path(os.path.abspath(path))
    try:
        _make_parent(target, path)
        remove_stale_leftovers(target)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=_prefix(target), suffix=".tmp"))
    except OSError as error:
        raise _naming(error, path) from None
    try:
        yield staging
        os.chmod(staging, 0o777 & ~_umask())
        if target.is_symlink():  # only where links are not followed: _target resolved them otherwise
            raise OSError(errno.ELOOP, "a symbolic link is in the way, and it is not followed", str(target))
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError) and error.filename in (None, str(staging), str(target)):
            raise _naming(error, path) from None
        raise


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable(path: str | Path, argument: str, folder: bool | None = False) -> None:
    """GanevalError naming `argument` when `path` cannot be written, checked before any work is done.
    folder: True for an output folder, False for a file, None when either is fine. '-' is stdout."""
    if str(path) == "-":
        return
    shown = f"{argument} {printable(str(path))}"
    if _standard_stream(path, "w") is not None or _is_special(path):
        if not os.access(path, os.W_OK):
            raise GanevalError(f"{shown}: not writable; choose another output.", argument=argument)
        return
    target = _target(path)
    if target.exists() and folder is not None and target.is_dir() != folder:
        what = "a folder; give a file name" if target.is_dir() else "a file; give a folder"
        raise GanevalError(f"{shown} is {what}.", argument=argument)
    where = target if target.is_dir() else _nearest_existing(target.parent)
    if not where.is_dir():
        raise GanevalError(
            f"{shown}: {printable(str(where))} is not a folder, so nothing can be written there; choose another path.",
            argument=argument,
        )
    try:
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as error:
        raise GanevalError(
            f"{shown}: cannot write in {printable(str(where))} ({error.strerror or error}); "
            "choose a writable location.",
            argument=argument,
        ) from None


def json_text(payload) -> str:
    """The one JSON layout of ganeval's output files: indented, a final newline, NaN refused (JSON has none)."""
    return json.dumps(payload, indent=2, default=str, allow_nan=False) + "\n"


def write_text(path: str | Path, text: str) -> Path:
    """`text` to `path`, atomically; the path written."""
    with atomic_write(path, "w") as stream:
        stream.write(text)
    return Path(path)
