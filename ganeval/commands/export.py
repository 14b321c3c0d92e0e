"""`ganeval export`: a bundled data set on disk, as PNG images or a .npy of points."""

from __future__ import annotations

from ganeval.commands.common import POSITIVE, SEED, check_outputs, new_command
from ganeval.data.export import export

DESCRIPTION = """Write a bundled set to disk: images as numbered PNGs in DIR, points as DIR/NAME.npy
(or DIR itself when it ends in .npy)."""


def add_command(commands) -> None:
    parser = new_command(
        commands, "export", run, "write a bundled data set as PNG images (or a .npy of points)", DESCRIPTION
    )
    parser.add_argument("name", metavar="NAME", help="digits, stacked-digits, ring8 or grid25")
    parser.add_argument("out", metavar="DIR")
    parser.add_argument("--n", type=POSITIVE, help="number of samples (default: the set's default size)")
    parser.add_argument("--seed", type=SEED, default=0, help="seed of the draw (default: 0)")


def run(args) -> int:
    check_outputs(("DIR", args.out, None))
    print(f"wrote {export(args.name, args.out, n=args.n, seed=args.seed)}")
    return 0
