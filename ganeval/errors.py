"""The one exception type for problems the user can fix: bad input files, flags, settings or artifacts.

`GanevalError` is a `ValueError`, so callers that catch ValueError keep working. The CLI turns it
into exit code 2 with its message; any other exception is a bug in ganeval (exit 3, traceback).
Messages say which file or argument is wrong, what is wrong, and how to fix it.
"""

from __future__ import annotations


class GanevalError(ValueError):
    """Something the user can fix. `argument` names the offending parameter (for the CLI's flag name)."""

    def __init__(self, message: str, argument: str | None = None):
        super().__init__(message)
        self.argument = argument


def printable(text: str) -> str:
    """`text` with its control characters escaped (newline as \\n, ESC as \\x1b, U+2028 as \\u2028),
    for quoting file names and other user data in messages: a crafted name cannot start a new line
    (which a CI log would read as a command such as ::warning) or move the terminal's cursor.
    Ordinary text, non-ASCII letters included, comes back unchanged."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)
