"""`ganeval compare`: variants trained alike, run folders or score results, side by side with tests."""

from __future__ import annotations

from ganeval.commands.common import (
    QUIET,
    add_device,
    add_log_options,
    check_outputs,
    log_options,
    names,
    new_command,
    safe,
    write_json,
)
from ganeval.compare import compare_results, compare_runs, compare_variants
from ganeval.errors import GanevalError
from ganeval.options import Extraction

DESCRIPTION = """Which variant should I use on data like mine, and did my change make training better or
only luckier? Three forms:
  ganeval compare --variants gan,gan-ns,wgan,wgan-gp --data ring8 --seeds 3 --jobs 2 --out reports/compare-ring8
      trains each variant with the same budget (--steps generator steps) and seeds 0..N-1 in the work
      folder (reusing finished runs, resuming interrupted ones), scores each at the end, and writes one report;
  ganeval compare runs/a runs/b ... --out DIR      compares existing run folders (same variant and settings
      = seeds; --label NAME per run names the arms);
  ganeval compare a.json b.json ... --out DIR      compares `ganeval score --json` results.
The report (DIR/report.html, self-contained, and DIR/report.md with figures beside it) holds a table of
mean +- std over seeds with 95% intervals, a ranking per metric with the test behind it (Welch's t-test over
seeds, Holm-corrected; with one seed, non-overlapping bootstrap intervals), curves over training, the
stability and collapse verdicts, and samples side by side. Variants that cannot train on the data (dcgan on
ring8) are skipped and named."""


def add_command(commands) -> None:
    parser = new_command(
        commands,
        "compare",
        run,
        "compare GAN variants, runs or score results side by side, with significance tests",
        DESCRIPTION,
    )
    parser.add_argument("items", nargs="*", metavar="RUN_OR_JSON", help="run folders or score result files (.json)")
    parser.add_argument(
        "--label",
        action="append",
        metavar="NAME",
        help="the name of each run folder's arm, one per run in order (runs of one label are its seeds; "
        "default: the variant, or the folder for runs of one variant with other --set settings)",
    )
    parser.add_argument(
        "--variants", metavar="V1,V2,...", help="reference variants to train and compare, e.g. gan,gan-ns,wgan,wgan-gp"
    )
    parser.add_argument("--data", help="bundled data set for --variants: ring8, grid25, digits or stacked-digits")
    parser.add_argument(
        "--steps",
        type=int,
        help="generator steps per run, the same for every variant (default: 3000 for 2-D data, 1500 for images)",
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds per variant, 0..N-1 (default: 3)")
    parser.add_argument("--jobs", type=int, default=1, help="trainings run in parallel processes (default: 1)")
    parser.add_argument(
        "--evaluations", type=int, default=10, help="evaluations over each training, evenly spaced (default: 10)"
    )
    parser.add_argument("--work", metavar="DIR", help="work folder for the runs (default: runs/compare-DATA)")
    parser.add_argument(
        "--out", metavar="DIR", help="write the report here (report.html, report.md, comparison.json, figures)"
    )
    parser.add_argument("--json", metavar="FILE", help="write the comparison as JSON ('-' for stdout)")
    add_device(
        parser,
        "where the networks train and the evaluations and final scores run: auto (CUDA when available, else the "
        "CPU), cpu, cuda, cuda:N or mps (default: auto); the random draws are made on the CPU from the seed",
    )
    parser.add_argument("--quiet", action="store_true", help=QUIET)
    add_log_options(parser)


def run(args) -> int:
    """--variants trains and compares; otherwise the items are run folders, or score results (.json)."""
    items, variants = args.items or [], names(args.variants, "--variants")
    results = [item for item in items if item.endswith(".json")]
    if variants and items:
        raise GanevalError(
            "give either --variants with --data (train and compare) or run folders / result files, not both."
        )
    if not variants and not items:
        raise GanevalError(
            "compare takes one of: variants with data (train and compare), run folders, or score result files."
        )
    if args.label and (variants or results):
        raise GanevalError("--label names run folders; --variants and score results are named by themselves.")
    if results and len(results) != len(items):
        raise GanevalError("compare run folders or score result files (.json), not a mix of both.")
    reading = log_options(args)
    if (args.format or reading["column_map"]) and (variants or results):
        raise GanevalError(
            "--format and --map say how run folders' logs are read; --variants and score results have none."
        )
    check_outputs(("--out", args.out, True), ("--work", args.work, True), ("--json", args.json, False))
    extraction = Extraction.from_args(args)  # --device and --quiet
    if variants:
        comparison = compare_variants(
            variants,
            args.data,
            seeds=args.seeds,
            steps=args.steps,
            jobs=args.jobs,
            evaluations=args.evaluations,
            work=args.work,
            output=args.out,
            extraction=extraction,
        )
    else:
        comparison = (
            compare_results(items, output=args.out)
            if results
            else compare_runs(items, labels=args.label, output=args.out, extraction=extraction, **reading)
        )
    if args.json:
        write_json(args.json, comparison.to_dict())
    if args.json != "-":
        print(safe(comparison.text()))
    return 0
