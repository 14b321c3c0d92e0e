"""The one exception type for problems the user can fix: bad input files, flags, settings or artifacts.

`GanevalError` is a `ValueError`, so callers that catch ValueError keep working. The CLI turns it
into exit code 2 with its message; any other exception is a bug in ganeval (exit 3, traceback).
Messages say which file or argument is wrong, what is wrong, and how to fix it. A `UserCodeError` is
one raised by the user's own code that ganeval ran (a --generator, an --extractor): exit 2 with their traceback.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager


class GanevalError(ValueError):
    """Something the user can fix: a bad input file, flag, setting or artifact.

    A `ValueError`, so callers that catch ValueError keep working. The CLI prints the message and exits 2;
    the message says which file or argument is wrong, what is wrong, and how to fix it.

    Args:
        message: the full sentence shown to the user.
        argument: the offending parameter, for the CLI's flag name; None when no one parameter is at fault.

    Attributes:
        argument: the offending parameter as given, or None.
    """

    def __init__(self, message: str, argument: str | None = None):
        super().__init__(message)
        self.argument = argument


class UserCodeError(GanevalError):
    """The user's code (a --generator, an --extractor) raised or called sys.exit while ganeval ran it: their
    bug, so exit 2 with `user_traceback` (the frames of their code) for the CLI to print above the message."""

    def __init__(self, message: str, user_traceback: str, argument: str | None = None):
        super().__init__(message, argument)
        self.user_traceback = user_traceback


def user_traceback(error: BaseException, whose: str) -> str:
    """The traceback of `error` without ganeval's and the import machinery's frames: the part in the user's code
    (`whose`: "the generator's code", ...)."""
    ours = os.path.dirname(os.path.abspath(__file__))
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith((ours + os.sep, "<frozen")) and not frame.filename.endswith("contextlib.py")
    ]
    lines = [f"Traceback of {whose} (most recent call last):\n", *traceback.format_list(frames)]
    return "".join(lines + traceback.format_exception_only(type(error), error))


@contextmanager
def running_user_code(
    role: str, label: str, doing: str, *, not_ours: str, argument: str | None = None
) -> Iterator[None]:
    """Any exception or sys.exit from the user's code in the block (role "generator" or "extractor", named
    `label`) becomes a UserCodeError with the traceback of their code: their bug (exit 2), neither a bug in
    ganeval (exit 3) nor, for a generator, a regression (exit 1) or, for sys.exit(0), a pass. `not_ours` ends
    the message ("not a regression"). KeyboardInterrupt still stops the run."""
    try:
        yield
    except GanevalError:
        raise
    except (Exception, SystemExit) as error:
        if isinstance(error, SystemExit):
            what = f"called sys.exit({error.code!r})"
        else:
            what = f"raised {type(error).__name__}: {error}" if str(error) else f"raised {type(error).__name__}"
        raise UserCodeError(
            f"the {role} {label} {what} while {doing}; this is an error in the {role}'s code "
            f"(its traceback is above), {not_ours}.",
            user_traceback(error, f"the {role}'s code"),
            argument=argument,
        ) from error


def printable(text: str) -> str:
    """`text` with its control characters escaped (newline as \\n, ESC as \\x1b, U+2028 as \\u2028),
    for quoting file names and other user data in messages: a crafted name cannot start a new line
    (which a CI log would read as a command such as ::warning) or move the terminal's cursor.
    Ordinary text, non-ASCII letters included, comes back unchanged."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def markdown_code(text) -> str:
    """`text` (a name, path or other value from a file) as a Markdown code span, for every Markdown that
    ganeval writes (check --markdown, report.md, compare's report.md): control characters escaped
    (`printable`), backticks replaced by ', so nothing in it can end the span; empty text gives "".
    Inside a code span GitHub renders no HTML, images, links, mentions or emphasis; in a table, `|` is
    still escaped (`markdown_table`). The HTML reports render the span as <code>."""
    text = printable(str(text)).replace("`", "'")
    return f"`{text}`" if text else ""
