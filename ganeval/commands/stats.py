"""`ganeval stats`: a reference's features and statistics in one file, to share or reuse."""

from __future__ import annotations

from ganeval import scoring
from ganeval.commands.common import (
    FOLLOWS,
    INCEPTION_WEIGHTS,
    QUIET,
    SKIP_BAD,
    add_inputs,
    add_settings,
    check_outputs,
    new_command,
    options,
)
from ganeval.options import Extraction

DESCRIPTION = """Extract the reference's features once and write them with mu, sigma and the provenance
to an .npz file that `ganeval score --ref FILE` accepts."""


def add_command(commands) -> None:
    parser = new_command(
        commands, "stats", run, "write a reference's features and statistics to a file to share", DESCRIPTION
    )
    parser.add_argument("ref", metavar="REF")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="output .npz file")
    add_settings(parser, "n", "seed")
    add_inputs(parser, extractor=FOLLOWS, weights_help=INCEPTION_WEIGHTS, cache_flag=False)
    parser.add_argument("--skip-bad", action="store_true", help=SKIP_BAD)
    parser.add_argument("--quiet", action="store_true", help=QUIET)


def run(args) -> int:
    check_outputs(("--output", args.output, False))
    path = scoring.stats(
        args.ref, args.output, args.extractor, options=options(args), extraction=Extraction.from_args(args)
    )
    print(f"wrote {path}")
    return 0
