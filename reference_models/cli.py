"""`ganeval train`: the subcommand the reference trainers add to ganeval's command line (entry point
`ganeval.commands` in pyproject.toml, read by ganeval.cli.build_parser)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from dataclasses import asdict

import reference_models
from ganeval.commands.common import POSITIVE, QUIET, SEED, add_device, new_command
from ganeval.errors import GanevalError
from ganeval.training.writers import WRITERS, check_writers
from reference_models.config import LIMITS

#: train()'s arguments that are no training settings, and the flag that gives each.
NOT_SETTINGS = {
    "progress": "--quiet turns the bar off",
    "writers": "--writers names them",
    "device": "--device chooses it",
    "out": "--out names the run folder",
    "resume": "--resume continues a run",
    "overwrite": "--overwrite starts it over",
}

DESCRIPTION = """Train a reference GAN variant on a bundled data set and write its training log
(steps.csv, evals.csv, manifest.json), checkpoints and sample plots into --out. Every evaluation
scores the generator with the metrics engine and D's calibration on held-out real samples.
Variants: gan (minimax loss), gan-ns (non-saturating, R1 penalty), wgan (weight clipping) and
wgan-gp (gradient penalty) on ring8 and grid25; dcgan and cgan (class-conditional: `ganeval sample
RUN --label 3` draws threes) on digits and stacked-digits; cyclegan on digits (unpaired translation
of digits into thick digits, scored against the bundled set digits-thick).

examples:
  ganeval train wgan-gp --data ring8 --out runs/wgan-gp-ring8
  ganeval train cyclegan --data digits --out runs/cyclegan --steps 500 --set batch_size=16
  ganeval train dcgan --data digits --out runs/dcgan --resume      # continue an interrupted run"""


def settings_table() -> str:
    """Every training setting (--set KEY=VALUE) with each variant's default, from the variants themselves:
    the epilog of `train --help`."""
    defaults = {name: asdict(variant.defaults) for name, variant in reference_models.VARIANTS.items()}
    keys = list(next(iter(defaults.values())))
    cells = {key: [_shown(values[key]) for values in defaults.values()] for key in keys}
    widths = [max(len(name), *(len(cells[key][i]) for key in keys)) for i, name in enumerate(defaults)]
    key_width = max(map(len, keys))
    header = "".join(f"  {name:>{width}}" for name, width in zip(defaults, widths))
    rows = [f"  {key:<{key_width}}" + "".join(f"  {c:>{w}}" for c, w in zip(cells[key], widths)) for key in keys]
    meanings = "; ".join(f"{key}: {limit.meaning}" for key, limit in LIMITS.items() if key not in ("steps", "seed"))
    return "\n".join(
        [
            "training settings (--set KEY=VALUE) and each variant's default; an evaluation runs every eval_every",
            "steps and after the last step:",
            f"  {'':<{key_width}}{header}",
            *rows,
            "",
            *textwrap.wrap(meanings + "; betas: Adam's decay rates.", 100),
        ]
    )


def _shown(value) -> str:
    """A default as --set takes it: 0.0002 as 2e-4's short form, betas as [0.5,0.999]."""
    if isinstance(value, tuple):
        return "[" + ",".join(f"{item:g}" for item in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def add_command(commands) -> argparse.ArgumentParser:
    """Add `train` to ganeval's subcommands (`commands`: the parser's subparsers action)."""
    train = new_command(
        commands,
        "train",
        run_train,
        "train a reference GAN on bundled data (minutes on a CPU)",
        DESCRIPTION,
        settings_table().replace("%", "%%"),
    )
    train.add_argument("variant", metavar="VARIANT", help="gan, gan-ns, wgan, wgan-gp, dcgan, cgan or cyclegan")
    train.add_argument(
        "--data",
        required=True,
        help="bundled data set: ring8 or grid25 (MLP variants); digits or stacked-digits (dcgan, cgan); "
        "digits (cyclegan)",
    )
    train.add_argument("--out", required=True, metavar="DIR", help="run folder, e.g. runs/wgan-gp-ring8")
    train.add_argument(
        "--steps", type=POSITIVE, help="generator steps (default: the variant's; with --resume, the run's)"
    )
    train.add_argument("--seed", type=SEED, help="seed of every random draw (default: 0; with --resume, the run's)")
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last checkpoint: the same variant, data, seed and settings "
        "(those not given are the run's); only --steps may change, to extend it",
    )
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="delete the run already in --out (log, checkpoint, sample plots) and start over; without it "
        "(or --resume) an existing run is refused",
    )
    train.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a training setting, e.g. --set lr_d=1e-4 --set batch_size=512 (the settings and their "
        "defaults: below)",
    )
    add_device(
        train,
        "where the networks train and the evaluations' feature extractor runs: auto (CUDA when available, "
        "else the CPU), cpu, cuda, cuda:N or mps (default: auto); the random draws are made on the CPU from "
        "the seed either way, and a run may resume on another device",
    )
    train.add_argument(
        "--quiet", action="store_true", help=QUIET + " (a bar shows steps/s, the time left and the last evaluation)"
    )
    train.add_argument(
        "--writers",
        type=writer_names,
        default=(),
        metavar="NAMES",
        help=f"also send every logged scalar, the diagnosis and the samples' picture to these, comma-separated: "
        f"{', '.join(WRITERS)} (tensorboard: event files in --out/tensorboard; wandb, mlflow: their active run or "
        "a new one); the CSV log stays what `ganeval report` reads (default: none)",
    )
    return train


def writer_names(text: str) -> tuple[str, ...]:
    """--writers tensorboard,wandb: the names, each one of WRITERS (argparse's error, exit 2, otherwise)."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in WRITERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{text!r} names {'no writer' if not names else 'the unknown writer ' + repr(unknown[0])}; "
            f"choose from {', '.join(WRITERS)}, comma-separated (e.g. --writers tensorboard)"
        )
    return tuple(dict.fromkeys(names))


def settings(pairs: list[str]) -> dict:
    """key=value pairs to typed training settings (numbers where they parse)."""
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise GanevalError(f"--set takes key=value pairs; got {pair!r} (for example --set lr_d=1e-4).")
        if key in ("steps", "seed"):  # they have flags of their own, which train() takes as arguments
            raise GanevalError(f"--set {pair}: give {key} with --{key} {value}, not --set.", argument="--set")
        if key in NOT_SETTINGS:  # train()'s arguments, not training settings: a TypeError (exit 3) otherwise
            raise GanevalError(f"--set {pair}: {key} is no training setting; {NOT_SETTINGS[key]}.")
        try:
            parsed[key] = json.loads(value)
        except json.JSONDecodeError:
            parsed[key] = value
        if isinstance(parsed[key], list):
            parsed[key] = tuple(parsed[key])
    return parsed


def run_train(args) -> int:
    """Train (or resume) one run; exit 2 when a loss diverged (the settings are the input to change)."""
    check_writers(args.writers, "--writers")  # a package missing: said with the flag, before any file changes
    try:
        run = reference_models.train(
            args.variant,
            args.data,
            out=args.out,
            steps=args.steps,
            seed=args.seed,
            resume=args.resume,
            overwrite=args.overwrite,
            device=args.device,
            progress=not args.quiet,
            writers=args.writers,
            **settings(args.set or []),
        )
    except reference_models.TrainingDiverged as error:
        print(f"ganeval: training stopped: {error}", file=sys.stderr)
        return 2  # exit 1 means a failed quality gate only
    print(f"trained {args.variant} on {args.data}: log, checkpoint and sample plots in {run}")
    return 0
