"""The `ganeval` command line: the parser of every subcommand (ganeval.commands, then plug-ins'), and
how their outcome reaches the terminal: exit codes, errors naming the flag the user typed, warnings.

Exit codes: 0 success, 1 failed quality gate, 2 usage or input error, 3 a bug in ganeval (with its traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings

from ganeval import __version__
from ganeval.commands import AFTER_TRAIN, BEFORE_TRAIN
from ganeval.commands.common import EXAMPLES, github_actions, safe
from ganeval.errors import GanevalError
from ganeval.gate.formats import github_error
from ganeval.plugins import COMMANDS, REFERENCE_TRAINERS, load_group
from ganeval.tour import DESCRIPTION, TOUR

__all__ = ["TOUR", "build_parser", "main"]


def _add_plugin_commands(commands) -> None:
    """Subcommands other packages add (entry-point group ganeval.commands: a function taking the
    subparsers). Without the reference trainers, `train` stays listed and says how to get them."""
    try:
        adders = load_group(COMMANDS)
    except GanevalError as error:  # a broken plug-in costs its command, not the whole CLI
        print(safe(f"ganeval: warning: {error}"), file=sys.stderr)
        adders = {}
    for add_command in adders.values():
        add_command(commands)
    if "train" not in commands.choices:
        # no option prefix: every argument (--help, --data ...) lands in `arguments`; the handler says what is missing
        train = commands.add_parser(
            "train", help="train a reference GAN (needs the reference trainers)", prefix_chars="\0"
        )
        train.add_argument("arguments", nargs="*")
        train.set_defaults(handler=_no_trainers)


def _no_trainers(args) -> int:
    raise GanevalError(f"ganeval train needs the reference trainers, which are not installed: {REFERENCE_TRAINERS}.")


def build_parser() -> argparse.ArgumentParser:
    """The `ganeval` parser: ganeval's commands, and the plug-ins' (`train`) where the tour lists them."""
    parser = argparse.ArgumentParser(
        prog="ganeval",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ganeval {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in BEFORE_TRAIN:
        command.add_command(commands)
    _add_plugin_commands(commands)  # `train` comes from the reference trainers (reference_models/cli.py)
    for command in AFTER_TRAIN:
        command.add_command(commands)
    return parser


def _report_error(command: str, message: str, details: str | None = None) -> None:
    """The error (after `details`, a traceback) on stderr; a closed stderr loses the text, never the exit code."""
    try:
        if details:
            print(safe(details), file=sys.stderr)
        print(safe(f"ganeval: error: {message}"), file=sys.stderr)
        if github_actions():  # a CI job that stops on exit 2 shows why in the run's summary
            print(github_error(f"ganeval {command}", message), file=sys.stderr)
    except BrokenPipeError:  # stderr piped into a reader that quit (2>&1 | head)
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (stays open: Python flushes stderr at exit)


#: Python parameter names (GanevalError.argument) that differ from the dest of the option setting them:
#: the metric functions' own names for the options of `score`, and check()'s tolerances.
PARAMETER_OPTIONS = {
    "subset_size": "kid_subset_size",
    "subsets": "kid_subsets",
    "splits": "is_splits",
    "tolerances": "tolerance",
}


def _option_strings(parser: argparse.ArgumentParser, command: str) -> dict[str, str]:
    """dest -> the option the user types (the longest spelling, e.g. --kid-subset-size) of a subcommand's
    options; of two options for one setting (--n and its alias --samples), the first."""
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )  # argparse keeps them private
    flags: dict[str, str] = {}
    for action in subparsers.choices[command]._actions:
        if action.option_strings:
            flags.setdefault(action.dest, max(action.option_strings, key=len))
    return flags


def _name_the_flag(message: str, argument: str | None, options: dict[str, str]) -> str:
    """The message with the Python parameter it names (GanevalError.argument) as the flag typed on the
    command line: 'subset_size must be ...' -> '--kid-subset-size must be ...'; other messages get the flag as
    prefix."""
    if not argument:
        return message
    flag = (
        argument
        if argument.startswith("-")
        else options.get(argument) or options.get(PARAMETER_OPTIONS.get(argument, ""))
    )
    if flag is None:
        return message
    for spelled in (f"{flag} ({argument})", f"{argument}="):
        if spelled in message:
            return message.replace(spelled, flag + (" " if spelled.endswith("=") else ""), 1)
    if message.startswith(argument + " "):
        return flag + message[len(argument) :]
    return message if flag in message else f"{flag}: {message}"


#: The metavars of the arguments that take a path (or a bundled set's name).
PATH_METAVARS = frozenset({"CANDIDATE", "DIR", "FILE", "GENERATED", "PATH", "REF", "RUN", "RUN_OR_JSON"})


def _refuse_empty_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """GanevalError for a path argument that is empty or blank: the system reads '' as the current folder,
    which would then be scored, reported on or written to."""
    subparsers = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    for action in subparsers.choices[args.command]._actions:
        value = getattr(args, action.dest, None) if action.metavar in PATH_METAVARS else None
        if any(isinstance(item, str) and not item.strip() for item in (value if isinstance(value, list) else [value])):
            name = max(action.option_strings, key=len) if action.option_strings else action.metavar
            raise GanevalError(f"{name} is an empty path; pass a file or folder (use . for the current folder).")


def _ganeval_warnings(previous):
    """A `warnings.showwarning` that prints ganeval's own warnings as one 'ganeval: warning: ...' line
    (Python's default filter already shows each once) and passes other packages' warnings to `previous`."""

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__module__.startswith("ganeval."):
            print(safe(f"ganeval: warning: {message}"), file=sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    return show


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand. Exit codes: 0 success, 1 failed quality gate, 2 usage or input error, 3 a bug."""
    if not (sys.argv[1:] if argv is None else argv):  # `ganeval` alone: a short tour, not a usage error
        print(TOUR)
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _refuse_empty_paths(parser, args)
        with warnings.catch_warnings():
            warnings.showwarning = _ganeval_warnings(warnings.showwarning)
            return args.handler(args)
    except BrokenPipeError:  # output piped into head or less, which stopped reading before the command ended
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (stays open: Python flushes stdout at exit)
        return getattr(args, "broken_pipe_exit", 0)  # check and baseline: 2, never a pass without a verdict
    except (GanevalError, OSError) as error:  # input and usage errors: every message says what, where and how to fix
        flags = _option_strings(parser, args.command)
        message = _name_the_flag(str(error), getattr(error, "argument", None), flags)
        # the user's code failed (--generator): its traceback is theirs
        _report_error(args.command, message, getattr(error, "user_traceback", None))
        return 2
    except KeyboardInterrupt:
        print("ganeval: interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 (anything else is ganeval's fault: show where, and ask for a report)
        _report_error(
            args.command,
            "this is a bug in ganeval, not in your input; please report it with the "
            "traceback above and the command you ran.",
            traceback.format_exc(),  # its messages may quote file names: printed through safe()
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
