"""The `ganeval` executable. The tour (bare `ganeval`), `--help` and `--version` answer at once; any
command loads the command line (`ganeval.cli`) and with it the library: torch, scipy and pandas take
seconds to import, which a user asking what ganeval does should not wait for."""

from __future__ import annotations

import sys
import textwrap
from importlib.metadata import entry_points

from ganeval import __version__
from ganeval.tour import COMMANDS, DESCRIPTION, TOUR

USAGE = "usage: ganeval [-h] [--version] COMMAND ..."


def help_text() -> str:
    """`ganeval --help`: the usage, what ganeval does, the tour, and the plug-ins' commands it does not list
    (their names from the installed metadata: nothing is imported)."""
    listed = {name for name, _, _ in COMMANDS}
    extra = sorted({point.name for point in entry_points(group="ganeval.commands")} - listed)
    more = f"\n\nCommands of installed plug-ins: {', '.join(extra)}." if extra else ""
    return f"{USAGE}\n\n{textwrap.fill(DESCRIPTION, 100)}\n\n{TOUR}{more}"


def main(argv: list[str] | None = None) -> int:
    """Run `ganeval ARGS`; exit codes as `ganeval.cli.main`."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(TOUR)
        return 0
    if argv in (["-h"], ["--help"]):
        print(help_text())
        return 0
    if argv == ["--version"]:
        print(f"ganeval {__version__}")
        return 0
    from ganeval.cli import main as run_command  # the library: seconds of imports, paid by commands only

    return run_command(argv)


if __name__ == "__main__":
    sys.exit(main())
