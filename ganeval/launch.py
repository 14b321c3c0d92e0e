"""The `ganeval` executable. The tour (bare `ganeval`), `--help` and `--version` answer at once; any
command loads the command line (`ganeval.cli`) and with it the library: torch, scipy and pandas take
seconds to import, which a user asking what ganeval does should not wait for.

`ganeval CMD --help` answers at once too, from the help cache: the first such call builds the parser
(seconds) and stores every command's help in CACHE_DIR/help.json under a key of everything the texts
come from (ganeval's and the trainers' source files, the plug-ins' entry points and versions, Python,
the terminal's width). Any change to those makes a new key, so a cached text is never stale; a cache
that cannot be read or written only costs the seconds."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import stat
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

from ganeval import __version__
from ganeval.errors import printable
from ganeval.tour import COMMANDS, DESCRIPTION, TOUR

HELP_FLAGS = ("-h", "--help")
HELP_CACHE = "help.json"
MAX_HELP_BYTES = 1 << 20  # a cache file larger than this is not ours
PLUGIN_GROUPS = ("ganeval.commands", "ganeval.extractors", "ganeval.logs")  # what the help texts list

USAGE = "usage: ganeval [-h] [--version] COMMAND ..."


def help_text() -> str:
    """`ganeval --help`: the usage, what ganeval does, the tour, and the plug-ins' commands it does not list
    (their names from the installed metadata: nothing is imported)."""
    listed = {name for name, _, _ in COMMANDS}
    extra = sorted({point.name for point in entry_points(group="ganeval.commands")} - listed)
    more = f"\n\nCommands of installed plug-ins: {', '.join(extra)}." if extra else ""
    return f"{USAGE}\n\n{textwrap.fill(DESCRIPTION, 100)}\n\n{TOUR}{more}"


def help_key() -> str:
    """A digest of everything the commands' help texts come from (the module docstring says what)."""
    digest = hashlib.blake2b(digest_size=16)
    plugins = sorted(
        (group, point.name, point.value, point.dist.version if point.dist else "")
        for group in PLUGIN_GROUPS
        for point in entry_points(group=group)
    )
    width = shutil.get_terminal_size().columns  # argparse wraps to it
    digest.update(json.dumps([__version__, sys.version, sys.executable, width, plugins]).encode())
    for package in ("ganeval", "reference_models"):
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        root = Path(spec.origin).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _help_cache() -> Path:
    """CACHE_DIR/help.json: $GANEVAL_CACHE_DIR, else $XDG_CACHE_HOME/ganeval, else ~/.cache/ganeval (as
    the reference cache)."""
    if os.environ.get("GANEVAL_CACHE_DIR"):
        return Path(os.environ["GANEVAL_CACHE_DIR"]) / HELP_CACHE
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ganeval" / HELP_CACHE


def cached_help(command: str, key: str) -> str | None:
    """The cached help of `command` under `key`, or None. The file is opened without following links and
    read only when it is a small regular file; its text is printed with control characters escaped."""
    try:
        descriptor = os.open(_help_cache(), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_HELP_BYTES:
                return None
            stored = json.loads(stream.read(MAX_HELP_BYTES))
    except (OSError, ValueError):
        return None
    text = stored.get("texts", {}).get(command) if isinstance(stored, dict) and stored.get("key") == key else None
    return "\n".join(map(printable, text.split("\n"))) if isinstance(text, str) else None


def _store_help(key: str) -> dict[str, str]:
    """Build the parser (the seconds of imports) and cache every command's help under `key`; the texts."""
    import argparse

    from ganeval.atomic import write_text
    from ganeval.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # argparse: private
    # without the reference trainers `train` is a stand-in that explains what is missing: never cached
    texts = {name: cmd.format_help() for name, cmd in commands.choices.items() if "-" in cmd.prefix_chars}
    try:
        write_text(_help_cache(), json.dumps({"key": key, "texts": texts}))
    except Exception:  # noqa: BLE001 (a cache that cannot be written costs the seconds next time, nothing else)
        pass
    return texts


def command_help(command: str) -> str | None:
    """`ganeval COMMAND --help`: the cached text, else the parser's (then cached); None for no such command."""
    key = help_key()
    return cached_help(command, key) or _store_help(key).get(command)


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
    if len(argv) == 2 and argv[1] in HELP_FLAGS and not argv[0].startswith("-"):
        text = command_help(argv[0])
        if text is not None:
            print(text, end="")
            return 0
    from ganeval.cli import main as run_command  # the library: seconds of imports, paid by commands only

    return run_command(argv)


if __name__ == "__main__":
    sys.exit(main())
