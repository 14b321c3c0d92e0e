"""What every command shares: its options built once, its outputs written safely, its text made safe.

Plug-in commands (entry-point group `ganeval.commands`) use the same helpers: `new_command` for the
subparser, `add_settings` for whole-number flags with their one default, `POSITIVE`/`SEED` as types.
"""

from __future__ import annotations

import argparse
import os

from ganeval.atomic import check_writable, json_text, write_text
from ganeval.device import PRECISIONS
from ganeval.diagnostics.log import BUILT_IN
from ganeval.diagnostics.log.columns import EVAL_METRICS, STEP, STEP_COLUMNS, parse_column_map
from ganeval.errors import GanevalError, printable
from ganeval.features import extractor_names
from ganeval.features.custom import check_spec, is_spec
from ganeval.features.resize import RESIZES
from ganeval.metrics import METRICS
from ganeval.options import MAX_SEED, Extraction, MetricOptions, Setting, extraction_settings, settings

EXAMPLES = """examples:
  ganeval score examples/digits-samples --ref digits
  ganeval score samples.npy --ref ring8 --json result.json
  ganeval score fakes/ --ref reals/ --extractor inception --weights weights-inception-2015-12-05-6726825d.pth
  ganeval stats reals/ -o reals.npz        # share reference statistics
  ganeval score fakes/ --ref reals.npz
  ganeval export stacked-digits out/ --n 500
"""
REFERENCE_HELP = "reference: folder, array, bundled set name or statistics file"
FOLLOWS = "default: follows the reference: digits for digit data, points for 2-D data, inception otherwise"
INCEPTION_WEIGHTS = (
    "inception: torch-fidelity's weights-inception-2015-12-05-6726825d.pth; also GANEVAL_INCEPTION_WEIGHTS"
)
QUIET = "no progress bars"
SKIP_BAD = "skip and count unreadable image files instead of stopping"


def safe(text: str) -> str:
    """Text for a terminal or CI log: control characters but the newline escaped as visible text (`printable`:
    a carriage return, which GitHub's runner also reads as a new line, as \\r; ESC as \\x1b), and a line
    starting with '::' or '##[' (a GitHub Actions workflow command) prefixed 'ganeval: ', so data quoted in
    the text cannot issue commands nor move the cursor. Every line `report`, `compare`, `score` and
    `check` print goes through it."""
    lines = [printable(line) for line in text.removesuffix("\n").split("\n")]
    return "\n".join(f"ganeval: {line}" if line.lstrip().startswith(("::", "##[")) else line for line in lines)


def github_actions() -> bool:
    """Whether ganeval runs in a GitHub Actions job (which reads workflow commands from the output)."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def check_outputs(*outputs: tuple[str, str | None, bool | None]) -> None:
    """Refuse (exit 2) unwritable outputs before any work: (flag, path or None, folder: True/False/None for either)."""
    for flag, path, folder in outputs:
        if path is not None:
            check_writable(path, flag, folder)


def write_output(flag: str, path: str, text: str) -> str | None:
    """`text` to a file, atomically (temporary file, then rename), or to stdout for '-'. If the file
    cannot be written, the text goes to stdout so the result is not lost, and the error is returned."""
    if path == "-":
        print(text, end="")
        return None
    try:
        write_text(path, text)
    except OSError as error:
        print(text, end="")
        reason = error.strerror or error
        return f"{flag} {printable(path)}: cannot write it ({reason}); the output was printed to stdout instead."
    return None


def write_json(path: str, payload: dict, flag: str = "--json") -> None:
    """JSON to a file, atomically, or to stdout for '-'; GanevalError (exit 2) after printing it to
    stdout if the file cannot be written."""
    failed = write_output(flag, path, json_text(payload))
    if failed:
        raise GanevalError(failed, argument=flag)


def names(text: str | None, flag: str = "--metrics") -> list[str] | None:
    """Comma-separated names, or None when the flag was not given; a list naming nothing is refused."""
    if text is None:
        return None
    listed = [name.strip() for name in text.split(",") if name.strip()]
    if not listed:
        valid = f"; valid metrics are: {', '.join(METRICS)}" if flag == "--metrics" else ""
        raise GanevalError(
            f"{flag} {printable(text)!r} names nothing; give comma-separated names, or leave {flag} out for the "
            f"default{valid}.",
            argument=flag,
        )
    return listed


def whole_number(setting: Setting):
    """An argparse type from a Setting's range: argparse reports a bad value as `argument --flag: ...`
    with exit 2, before any work starts."""

    def parse(text: str) -> int:
        try:
            return setting.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = f"integer >= {setting.minimum}"
    return parse


POSITIVE, NON_NEGATIVE, SEED = (
    whole_number(Setting(None, "", "", low, high)) for low, high in ((1, None), (0, None), (0, MAX_SEED))
)
# Every whole-number option with a Setting (MetricOptions' and the extraction's), and its one default.
SETTINGS = {**settings(), **extraction_settings()}
EXTRACTION = Extraction()  # the one set of defaults: auto, fp32; batch size and workers None (the device's, the files')
DEFAULTS = {**MetricOptions().to_dict(), **{name: getattr(EXTRACTION, name) for name in extraction_settings()}}
DEVICE = "where the networks run: auto (CUDA when available, else the CPU), cpu, cuda, cuda:N or mps (default: auto)"
PRECISION = (
    "fp32 (default: equal to torch-fidelity) or bf16 (autocast on the extractor; faster on GPUs, FID within the "
    "deviation the README gives)"
)
RESIZE = (
    "how inception brings images to its 299x299 input: legacy-tf (default) is torch-fidelity's TF-compatible "
    "bilinear resize, as the original TensorFlow FID: the numbers papers quote, but it aliases when it shrinks; "
    "clean is clean-fid's antialiased PIL bicubic, kept in float (Parmar et al. 2022). The two give different "
    "FIDs: compare numbers made with the same one"
)
METRIC_OPTIONS = tuple(name for name, setting in settings().items() if setting.flag)  # k, KID, IS, bootstrap, seed, n
METAVARS = {"n": "N", "bootstrap": "N"}


def new_command(commands, name: str, handler, help: str, description: str, epilog: str | None = None):
    """A subcommand (its description and examples keep their line breaks) that runs `handler(args)`."""
    parser = commands.add_parser(
        name, help=help, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.set_defaults(handler=handler)
    return parser


def add_settings(parser: argparse.ArgumentParser, *names: str, **helps: str) -> None:
    """One flag per named setting, built from its Setting (flag, help text, range) and its one default
    (DEFAULTS), which the help states. `helps` replaces the help of a setting that a command reads
    differently (baseline's --n also counts the samples drawn from a generator)."""
    for name in names:
        setting, default = SETTINGS[name], DEFAULTS[name]
        stated = default is None or "default:" in setting.help
        text = helps.get(name) or setting.help + ("" if stated else f" (default: {default})")
        parser.add_argument(
            setting.flag,
            dest=name,
            type=whole_number(setting),
            default=default,
            metavar=METAVARS.get(name),
            help=text.replace("%", "%%"),
        )
        if setting.alias:  # the same setting; its own errors name it; its help is the flag's
            parser.add_argument(
                setting.alias, dest=name, type=whole_number(setting), default=argparse.SUPPRESS, help=argparse.SUPPRESS
            )


def add_inputs(
    parser: argparse.ArgumentParser,
    *,
    extractor: str,
    weights_help: str,
    cache_flag: bool = True,
    precision_help: str = PRECISION,
    resize_help: str = RESIZE,
) -> None:
    """The extractor (a registered name or package.module:attribute), its weights and how images are read;
    `extractor` and `weights_help` end the help texts (where the default comes from); cache_flag: --no-cache."""
    known = extractor_names()
    parser.add_argument(
        "--extractor",
        type=extractor_choice(known),
        metavar="NAME",
        help=f"feature extractor: {', '.join(known)}, or your own as package.module:attribute ({extractor})",
    )
    parser.add_argument("--weights", metavar="PATH", help=f"weights file for the extractor ({weights_help})")
    parser.add_argument("--resize", choices=list(RESIZES), help=resize_help)  # None: the extractor's own
    add_settings(parser, "batch_size", "workers")
    add_device(parser)
    parser.add_argument("--precision", choices=PRECISIONS, default=EXTRACTION.precision, help=precision_help)
    if cache_flag:
        parser.add_argument(
            "--no-cache", action="store_true", help="neither read nor write the reference feature cache"
        )


def extractor_choice(known: list[str]):
    """An argparse type: a registered extractor name, or a well-formed package.module:attribute (imported when
    used); anything else is refused before any work, with the registered names."""

    def parse(text: str) -> str:
        if text in known:
            return text
        if not is_spec(text):
            raise argparse.ArgumentTypeError(
                f"unknown extractor {printable(text)!r}; choose one of: {', '.join(known)}, or your own as "
                "package.module:attribute (for example mylab.encoders:xray_encoder)"
            )
        try:
            check_spec(text)
        except GanevalError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text

    parse.__name__ = "extractor"
    return parse


def add_device(parser: argparse.ArgumentParser, help: str = DEVICE) -> None:
    """--device NAME, checked when used (ganeval.device.resolve_device: exit 2 naming the available devices)."""
    parser.add_argument("--device", default=EXTRACTION.device, metavar="NAME", help=help)


def add_log_options(parser: argparse.ArgumentParser) -> None:
    """--format NAME and --map ours=theirs,...: how a training log is read (ganeval.diagnostics.log). The
    format is checked when the log is read (the entry points of ganeval.logs load only then)."""
    parser.add_argument(
        "--format",
        metavar="NAME",
        help=f"read every log in this format instead of detecting it: {', '.join(BUILT_IN)}, or one an installed "
        "package registers (ganeval.logs); an unknown name lists them",
    )
    parser.add_argument(
        "--map",
        metavar="OURS=THEIRS,...",
        help="read the log's column THEIRS as our column OURS (a CSV/JSONL table's columns, a TensorBoard tag), e.g. "
        f"--map step=iteration,loss_d=lossD,fid=FID; ours: {', '.join((STEP, *STEP_COLUMNS, *EVAL_METRICS))} "
        "and the columns TrainingLogger writes",
    )


def log_options(args) -> dict:
    """format= and column_map= for the Python API, from --format and --map (checked: exit 2 naming the vocabulary)."""
    return {"format": args.format, "column_map": parse_column_map(args.map)}


def options(args) -> MetricOptions:
    """The metric options the flags give (the defaults for those not given)."""
    return MetricOptions.from_values(vars(args))
