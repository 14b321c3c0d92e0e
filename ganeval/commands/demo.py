"""`ganeval demo`: three stand-in generators on ring8, to see what each metric notices."""

from __future__ import annotations

from ganeval.commands.common import new_command
from ganeval.demo import demo_json, demo_text, run_demo

DESCRIPTION = """Score a faithful, a mode-dropping and a blurry stand-in generator against a real ring8 sample
(8 Gaussians on a circle), to see what each metric notices."""


def add_command(commands) -> None:
    parser = new_command(
        commands,
        "demo",
        run,
        "score three stand-in generators on the bundled ring8 mixture (offline, seconds)",
        DESCRIPTION,
    )
    parser.add_argument("--n", type=int, default=2000, help="samples per side (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="seed for every random draw (default: 0)")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=50,
        metavar="N",
        help="bootstrap resamples for the intervals; 0 turns them off (default: 50)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON records instead of a table")


def run(args) -> int:
    frame = run_demo(n=args.n, seed=args.seed, bootstrap_n=args.bootstrap)
    print(demo_json(frame) if args.json else demo_text(frame, args.n))
    return 0
