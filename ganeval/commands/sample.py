"""`ganeval sample`: samples of a trained run, as `ganeval score` reads them."""

from __future__ import annotations

from ganeval.commands.common import POSITIVE, QUIET, SEED, add_device, check_outputs, new_command, safe
from ganeval.data.export import sample_run

DESCRIPTION = """Draw N samples from a run's generator, seeded: a .npy file of points, or a folder of PNG
images for image runs; `ganeval score` takes either. cyclegan runs translate N digits drawn with
the seed."""


def add_command(commands) -> None:
    parser = new_command(commands, "sample", run, "draw samples from a trained reference model", DESCRIPTION)
    parser.add_argument("run_dir", metavar="RUN", help="run folder written by ganeval train")
    parser.add_argument("--n", type=POSITIVE, default=10_000, help="number of samples (default: 10000)")
    parser.add_argument("--seed", type=SEED, default=0, help="seed of the noise (default: 0)")
    parser.add_argument(
        "--label",
        type=int,
        metavar="CLASS",
        help="class-conditional runs (cgan): draw only this class, e.g. 3 (default: the classes in turn, equal "
        "shares); unconditional runs refuse it",
    )
    add_device(parser)
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="output: a .npy file (points) or a new folder (images)"
    )
    parser.add_argument("--quiet", action="store_true", help=QUIET)


def run(args) -> int:
    check_outputs(("--output", args.output, None))
    path = sample_run(
        args.run_dir,
        args.output,
        n=args.n,
        seed=args.seed,
        label=args.label,
        device=args.device,
        progress=not args.quiet,
    )
    print(safe(f"wrote {args.n} images as PNGs to {path}" if path.is_dir() else f"wrote {args.n} points to {path}"))
    return 0
