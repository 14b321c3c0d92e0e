"""The `ganeval` command line: thin subcommands that call the Python API and print its results.

Exit codes: 0 success, 1 failed quality gate, 2 usage or input error, 3 a bug in ganeval (with its traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from ganeval import __version__, scoring
from ganeval.atomic import check_writable, json_text, write_text
from ganeval.compare import compare_results, compare_runs, compare_variants
from ganeval.data.export import export, sample_run
from ganeval.demo import demo_json, demo_text, run_demo
from ganeval.errors import GanevalError, printable
from ganeval.features import extractor_names
from ganeval.gate.core import DEFAULT_GENERATOR_N
from ganeval.metrics import METRICS
from ganeval.options import MAX_SEED, MetricOptions, Setting, settings
from ganeval.scoring import BATCH_SIZE, EXTRACTION_SETTINGS
from ganeval.plugins import COMMANDS, REFERENCE_TRAINERS, load_group

EXAMPLES = """examples:
  ganeval score examples/digits-samples --ref digits
  ganeval score samples.npy --ref ring8 --json result.json
  ganeval score fakes/ --ref reals/ --extractor inception --weights weights-inception-2015-12-05-6726825d.pth
  ganeval stats reals/ -o reals.npz        # share reference statistics
  ganeval score fakes/ --ref reals.npz
  ganeval export stacked-digits out/ --n 500
"""


def _safe(text: str) -> str:
    """Text for a terminal or CI log: a line starting with '::' or '##[' (a GitHub Actions workflow
    command) gets a 'ganeval: ' prefix, so data quoted in a message cannot issue commands."""
    return "\n".join(f"ganeval: {line}" if line.lstrip().startswith(("::", "##[")) else line for line in text.splitlines())


def _check_outputs(*outputs: tuple[str, str | None, bool | None]) -> None:
    """Refuse (exit 2) unwritable outputs before any work: (flag, path or None, folder: True/False/None for either)."""
    for flag, path, folder in outputs:
        if path is not None:
            check_writable(path, flag, folder)


def _write_output(flag: str, path: str, text: str) -> str | None:
    """`text` to a file, atomically (temporary file, then rename), or to stdout for '-'. If the file
    cannot be written, the text goes to stdout so the result is not lost, and the error is returned."""
    if path == "-":
        print(text, end="")
        return None
    try:
        write_text(path, text)
    except OSError as error:
        print(text, end="")
        return f"{flag} {printable(path)}: cannot write it ({error.strerror or error}); the output was printed to stdout instead."
    return None


TOUR = """ganeval: evaluate and diagnose GANs. Commands, with one example each:

  score     score generated samples against a reference, with 95% intervals
              ganeval score examples/digits-samples --ref digits
  stats     save a reference's features and statistics to share or reuse
              ganeval stats reals/ -o reals.npz
  export    write a bundled data set as images or points
              ganeval export stacked-digits out/ --n 500
  train     train a reference GAN variant; its log feeds the diagnostics
              ganeval train gan-ns --data ring8 --out runs/gan-ns-ring8
  sample    draw samples from a trained run
              ganeval sample runs/gan-ns-ring8 -o samples.npy --n 2000
  report    diagnose runs (stability, collapse) and write an HTML/Markdown report
              ganeval report runs/gan-ns-ring8 --out reports/gan-ns
  compare   which variant trains best on this data, and is the difference real?
              ganeval compare --variants gan-ns,wgan-gp --data ring8 --seeds 3 --out reports/cmp
  baseline  record a generator's scores for the quality gate
              ganeval baseline runs/dcgan-digits --ref digits -o baseline.json
  check     fail CI when a generator got worse beyond noise (exit 1)
              ganeval check runs/dcgan-digits --baseline baseline.json
  demo      score the bundled demo generators side by side
              ganeval demo

Run `ganeval COMMAND --help` for a command's options. Exit codes: 0 success, 1 failed quality gate,
2 usage or input error, 3 a bug in ganeval."""


def _write_json(path: str, payload: dict, flag: str = "--json") -> None:
    """JSON to a file, atomically, or to stdout for '-'; GanevalError (exit 2) after printing it to
    stdout if the file cannot be written."""
    failed = _write_output(flag, path, json_text(payload))
    if failed:
        raise GanevalError(failed, argument=flag)


def _metric_list(text: str | None, flag: str = "--metrics") -> list[str] | None:
    """Comma-separated names, or None when the flag was not given; a list naming nothing is refused."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        valid = f"; valid metrics are: {', '.join(METRICS)}" if flag == "--metrics" else ""
        raise GanevalError(f"{flag} {printable(text)!r} names nothing; give comma-separated names, or leave {flag} out for the default{valid}.",
                           argument=flag)  # fmt: skip
    return names


def _whole_number(setting: Setting):
    """An argparse type from a Setting's range: argparse reports a bad value as `argument --flag: ...`
    with exit 2, before any work starts."""

    def parse(text: str) -> int:
        try:
            return setting.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = f"integer >= {setting.minimum}"
    return parse


POSITIVE, NON_NEGATIVE, SEED = (_whole_number(Setting(None, "", "", low, high)) for low, high in ((1, None), (0, None), (0, MAX_SEED)))
# Every whole-number option with a Setting (MetricOptions' and the extraction's), and its one default.
SETTINGS = {**settings(), **EXTRACTION_SETTINGS}
DEFAULTS = {**MetricOptions().to_dict(), "batch_size": BATCH_SIZE, "workers": None}
METAVARS = {"n": "N", "bootstrap": "N"}


def _score(args) -> int:
    _check_outputs(("--json", args.json, False))
    result = scoring.score(
        args.generated, args.ref, args.extractor, _metric_list(args.metrics), options=MetricOptions.from_values(vars(args)),
        weights=args.weights, batch_size=args.batch_size, workers=args.workers, cache=not args.no_cache, skip_bad=args.skip_bad,
        progress=not args.quiet,
    )  # fmt: skip
    failed = _write_output("--json", args.json, json_text(result.to_dict())) if args.json else None
    if args.json == "-":  # stdout carries the JSON alone; the summary line goes to stderr
        print(_safe(result.summary()), file=sys.stderr)
    else:
        print(_safe(result.summary() if args.quiet else result.table()))
    for message in result.provenance["warnings"]:
        print(_safe(f"ganeval: warning: {message}"), file=sys.stderr)
    if failed:
        raise GanevalError(failed, argument="--json")
    return 0


def _stats(args) -> int:
    _check_outputs(("--output", args.output, False))
    path = scoring.stats(args.ref, args.output, args.extractor, options=MetricOptions.from_values(vars(args)), weights=args.weights,
                 batch_size=args.batch_size, workers=args.workers, skip_bad=args.skip_bad, progress=not args.quiet)  # fmt: skip
    print(f"wrote {path}")
    return 0


def _export(args) -> int:
    _check_outputs(("DIR", args.out, None))
    print(f"wrote {export(args.name, args.out, n=args.n, seed=args.seed)}")
    return 0


def _sample(args) -> int:
    _check_outputs(("--output", args.output, None))
    path = sample_run(args.run_dir, args.output, n=args.n, seed=args.seed, label=args.label)
    print(f"wrote {args.n} images as PNGs to {path}" if path.is_dir() else f"wrote {args.n} samples to {args.output}")
    return 0


def _demo(args) -> int:
    frame = run_demo(n=args.n, seed=args.seed, bootstrap_n=args.bootstrap)
    print(demo_json(frame) if args.json else demo_text(frame, args.n))
    return 0


def _candidate(args) -> str:
    """CANDIDATE or --generator (exactly one)."""
    if (args.candidate is None) == (args.generator is None):
        raise GanevalError("give the candidate either as CANDIDATE (a folder, an array, a run folder or a TorchScript file) "
                         "or as --generator package.module:attribute, not both and not neither.")  # fmt: skip
    return args.candidate if args.generator is None else args.generator


def _baseline(args) -> int:
    from ganeval.gate import make_baseline, parse_value_range

    _check_outputs(("--output", args.output, False))
    baseline = make_baseline(
        _candidate(args), args.ref, None, options=MetricOptions.from_values(vars(args)), extractor=args.extractor,
        metrics=_metric_list(args.metrics), weights=args.weights, nz=args.nz,
        value_range=parse_value_range(args.value_range or "-1,1"), repeats=args.repeats, batch_size=args.batch_size,
        workers=args.workers, cache=not args.no_cache, progress=not args.quiet,
    )  # fmt: skip
    payload = baseline.to_dict()
    _write_json(args.output, payload, "--output")
    names = ", ".join(f"{name} {entry['value']:.5g}" for name, entry in payload["metrics"].items())
    print(_safe(f"wrote baseline {args.output}: {names}"))
    for name, why in payload["baseline"].get("not_gated", {}).items():
        print(f"not gated: {name}: {why}")
    return 0


def _check(args) -> int:
    from ganeval.gate import check, load_baseline, parse_tolerances, parse_value_range

    _check_outputs(("--junit", args.junit, False), ("--markdown", args.markdown, False), ("--json", args.json, False))
    baseline = load_baseline(args.baseline)
    report = check(
        _candidate(args), baseline, options=baseline.options.replace(seed=baseline.seed if args.seed is None else args.seed),
        tolerances=parse_tolerances(args.tolerance), alpha=args.alpha, reference=args.ref, extractor=args.extractor,
        weights=args.weights, nz=args.nz, value_range=None if args.value_range is None else parse_value_range(args.value_range),
        batch_size=args.batch_size, workers=args.workers, cache=not args.no_cache, progress=not args.quiet,
    )  # fmt: skip
    outputs = [("--junit", args.junit, report.junit), ("--markdown", args.markdown, report.markdown), ("--json", args.json, report.to_json)]
    failed = [error for flag, path, render in outputs if path and (error := _write_output(flag, path, render()))]
    if args.json != "-":
        print(_safe(report.table()))
    if os.environ.get("GITHUB_ACTIONS") == "true":  # workflow commands; stderr when stdout carries JSON
        print(report.github_annotations(), file=sys.stderr if args.json == "-" else sys.stdout)
    if failed:  # the verdict stands, but an output CI expects is missing: exit 2, not a silent pass
        raise GanevalError(" ".join(failed))
    return report.exit_code


def _compare(args) -> int:
    items, variants = args.items or [], _metric_list(args.variants, "--variants")
    results = [item for item in items if item.endswith(".json")]
    if variants and items:
        raise GanevalError("give either --variants with --data (train and compare) or run folders / result files, not both.")
    if not variants and not items:
        raise GanevalError("compare takes one of: variants with data (train and compare), run folders, or score result files.")
    if results and len(results) != len(items):
        raise GanevalError("compare run folders or score result files (.json), not a mix of both.")
    _check_outputs(("--out", args.out, True), ("--work", args.work, True), ("--json", args.json, False))
    if variants:
        comparison = compare_variants(variants, args.data, seeds=args.seeds, steps=args.steps, jobs=args.jobs, evaluations=args.evaluations,
                                      work=args.work, output=args.out, progress=not args.quiet)  # fmt: skip
    else:
        comparison = compare_results(items, output=args.out) if results else compare_runs(items, output=args.out)
    if args.json:
        _write_json(args.json, comparison.to_dict())
    if args.json != "-":
        print(comparison.text())
    return 0


def _report(args) -> int:
    from ganeval.report import findings_payload, verdict_lines, write_report

    _check_outputs(("--out", args.out, True), ("--json", args.json, False))
    diagnoses = write_report(args.runs, args.out)
    if args.json:
        _write_json(args.json, findings_payload(diagnoses))
    if args.json == "-":
        return 0
    print(verdict_lines(diagnoses))
    print(f"wrote {os.path.join(args.out, 'report.html')} and {os.path.join(args.out, 'report.md')}"
          + (f"; findings in {args.json}" if args.json else ""))  # fmt: skip
    return 0


def _add_settings(parser: argparse.ArgumentParser, *names: str, **helps: str) -> None:
    """One flag per named setting, built from its Setting (flag, help text, range) and its one default
    (DEFAULTS), which the help states. `helps` replaces the help of a setting that a command reads
    differently (baseline's --n also counts the samples drawn from a generator)."""
    for name in names:
        setting, default = SETTINGS[name], DEFAULTS[name]
        text = helps.get(name) or setting.help + ("" if default is None or "default:" in setting.help else f" (default: {default})")
        parser.add_argument(setting.flag, dest=name, type=_whole_number(setting), default=default, metavar=METAVARS.get(name),
                            help=text.replace("%", "%%"))  # fmt: skip


def _add_inputs(parser: argparse.ArgumentParser, extractors: list[str], *, extractor: str, weights: str, cache: bool = True) -> None:
    """The extractor, its weights and how images are read; `extractor` and `weights` end the help texts
    (where the default comes from)."""
    parser.add_argument("--extractor", choices=extractors, help=f"feature extractor ({extractor})")
    parser.add_argument("--weights", metavar="PATH", help=f"weights file for the extractor ({weights})")
    _add_settings(parser, "batch_size", "workers")
    if cache:
        parser.add_argument("--no-cache", action="store_true", help="neither read nor write the reference feature cache")


def _add_candidate(parser: argparse.ArgumentParser) -> None:
    """CANDIDATE or --generator, and how a generator is called."""
    parser.add_argument("candidate", metavar="CANDIDATE", nargs="?", help="a folder of images, an .npz/.npy array, a reference_models "
                        "run folder (or its checkpoint.pt), or a TorchScript generator file")  # fmt: skip
    parser.add_argument("--generator", metavar="MODULE:ATTR", help="a generator in Python instead of CANDIDATE: an nn.Module or callable on "
                        "noise z (n x nz), an object with .sample(n, seed), or a function/class without arguments building one")  # fmt: skip
    parser.add_argument("--nz", type=POSITIVE, help="length of the generator's noise vector z (modules, callables and TorchScript files)")
    parser.add_argument("--value-range", metavar="RANGE", help="range of float image outputs: -1,1 (tanh, default) or 0,1")


def _add_command(commands, name: str, handler, help: str, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    """A subcommand whose description and examples keep their line breaks."""
    parser = commands.add_parser(name, help=help, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(handler=handler)
    return parser


REFERENCE_HELP = "reference: folder, array, bundled set name or statistics file"
FOLLOWS = "default: follows the reference: digits for digit data, points for 2-D data, inception otherwise"
INCEPTION_WEIGHTS = "inception: torch-fidelity's weights-inception-2015-12-05-6726825d.pth; also GANEVAL_INCEPTION_WEIGHTS"
QUIET = "no progress bars"
SKIP_BAD = "skip and count unreadable image files instead of stopping"


def _add_plugin_commands(commands) -> None:
    """Subcommands other packages add (entry-point group ganeval.commands: a function taking the
    subparsers). Without the reference trainers, `train` stays listed and says how to get them."""
    try:
        adders = load_group(COMMANDS)
    except GanevalError as error:  # a broken plug-in costs its command, not the whole CLI
        print(_safe(f"ganeval: warning: {error}"), file=sys.stderr)
        adders = {}
    for add_command in adders.values():
        add_command(commands)
    if "train" not in commands.choices:
        # no option prefix: every argument (--help, --data ...) lands in `arguments`, and the handler says what is missing
        train = commands.add_parser("train", help="train a reference GAN (needs the reference trainers)", prefix_chars="\0")
        train.add_argument("arguments", nargs="*")
        train.set_defaults(handler=_no_trainers)


def _no_trainers(args) -> int:
    raise GanevalError(f"ganeval train needs the reference trainers, which are not installed: {REFERENCE_TRAINERS}.")


def build_parser() -> argparse.ArgumentParser:
    """The `ganeval` parser: one subcommand per command, plug-ins' commands (`train`) included."""
    parser = argparse.ArgumentParser(
        prog="ganeval",
        description="Evaluate and diagnose GANs: FID, KID, IS, precision/recall, density/coverage, "
        "mode coverage and discriminator calibration, with confidence intervals.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ganeval {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    extractors, metric_options = extractor_names(), [name for name, setting in settings().items() if setting.flag]

    score = _add_command(commands, "score", _score, "score generated samples against a reference", """Score GENERATED against --ref: FID, KID, Inception Score, precision, recall,
density, coverage and mode coverage (those that apply), each with a 95% bootstrap interval.
The first line sums the result up and names the missing modes; --quiet prints it alone.

GENERATED and REF: a folder of images (png, jpg, jpeg, webp, bmp; searched recursively), an
.npz/.npy array (uint8 images N x H x W [x C], or N x 2 points), or a bundled set (digits,
stacked-digits, ring8, grid25). REF may also be a statistics file from `ganeval stats`.
Reference features are cached (GANEVAL_CACHE_DIR, default ~/.cache/ganeval).
The extractor follows the reference unless --extractor says otherwise.""", EXAMPLES)  # fmt: skip
    score.add_argument("generated", metavar="GENERATED")
    score.add_argument("--ref", required=True, metavar="REF", help=REFERENCE_HELP)
    score.add_argument("--metrics", metavar="LIST", help="comma-separated metrics (default: all that apply), e.g. fid,precision,recall")
    score.add_argument("--json", metavar="FILE", help="also write the result as JSON to FILE ('-' prints JSON instead of the table, "
                       "and the summary line to stderr)")  # fmt: skip
    _add_settings(score, *metric_options)
    _add_inputs(score, extractors, extractor=FOLLOWS, weights=INCEPTION_WEIGHTS)
    score.add_argument("--skip-bad", action="store_true", help=SKIP_BAD)
    score.add_argument("--quiet", action="store_true", help="no progress bars; score prints only its one-line summary")

    stats = _add_command(commands, "stats", _stats, "write a reference's features and statistics to a file to share",
                         "Extract the reference's features once and write them with mu, sigma and the provenance\n"
                         "to an .npz file that `ganeval score --ref FILE` accepts.")  # fmt: skip
    stats.add_argument("ref", metavar="REF")
    stats.add_argument("-o", "--output", required=True, metavar="FILE", help="output .npz file")
    _add_settings(stats, "n", "seed")
    _add_inputs(stats, extractors, extractor=FOLLOWS, weights=INCEPTION_WEIGHTS, cache=False)
    stats.add_argument("--skip-bad", action="store_true", help=SKIP_BAD)
    stats.add_argument("--quiet", action="store_true", help=QUIET)

    export = _add_command(commands, "export", _export, "write a bundled data set as PNG images (or a .npy of points)",
                          "Write a bundled set to disk: images as numbered PNGs in DIR, points as DIR/NAME.npy\n"
                          "(or DIR itself when it ends in .npy).")  # fmt: skip
    export.add_argument("name", metavar="NAME", help="digits, stacked-digits, ring8 or grid25")
    export.add_argument("out", metavar="DIR")
    export.add_argument("--n", type=POSITIVE, help="number of samples (default: the set's default size)")
    export.add_argument("--seed", type=SEED, default=0, help="seed of the draw (default: 0)")

    _add_plugin_commands(commands)  # `train` comes from the reference trainers (reference_models/cli.py)

    sample = _add_command(commands, "sample", _sample, "draw samples from a trained reference model",
                          "Draw N samples from a run's generator, seeded: a .npy file of points, or a folder of PNG\n"
                          "images for image runs; `ganeval score` takes either. cyclegan runs translate N digits\n"
                          "drawn with the seed.")  # fmt: skip
    sample.add_argument("run_dir", metavar="RUN", help="run folder written by ganeval train")
    sample.add_argument("--n", type=POSITIVE, default=10_000, help="number of samples (default: 10000)")
    sample.add_argument("--seed", type=SEED, default=0, help="seed of the noise (default: 0)")
    sample.add_argument("--label", type=int, metavar="CLASS", help="class-conditional runs (cgan): draw only this class, e.g. 3 "
                        "(default: the classes in turn, equal shares); unconditional runs refuse it")  # fmt: skip
    sample.add_argument("-o", "--output", required=True, metavar="FILE", help="output: a .npy file (points) or a new folder (images)")

    baseline = _add_command(commands, "baseline", _baseline, "score a generator (or samples) and record the result as the baseline for `ganeval check`",
                            f"""Score CANDIDATE (or --generator) against --ref and write the baseline for `ganeval check`:
the metrics with 95% intervals, the provenance and what is needed to re-score exactly (sample count,
reference content hash, noise length). Generators are sampled in memory: --n samples (default {DEFAULT_GENERATOR_N})
from noise seeded with --seed. `ganeval score ... --json FILE` output is accepted as a baseline too.""")  # fmt: skip
    _add_candidate(baseline)
    baseline.add_argument("--ref", required=True, metavar="REF", help=REFERENCE_HELP)
    baseline.add_argument("-o", "--output", required=True, metavar="FILE", help="baseline JSON to write, e.g. baseline.json")
    baseline.add_argument("--metrics", metavar="LIST", help="comma-separated metrics (default: all that apply)")
    _add_settings(baseline, *metric_options, n=f"samples per side: cap for files, count drawn from generators (default {DEFAULT_GENERATOR_N})")
    baseline.add_argument("--repeats", type=NON_NEGATIVE, metavar="R", help="re-score with R more seeds to record the seed-to-seed spread, "
                          "the noise floor of the check (default: 10 for generators, 0 for fixed samples)")  # fmt: skip
    _add_inputs(baseline, extractors, extractor=FOLLOWS, weights=INCEPTION_WEIGHTS)
    baseline.add_argument("--quiet", action="store_true", help=QUIET)

    check = _add_command(commands, "check", _check, "CI gate: re-score a candidate with a baseline's settings; exit 1 on a regression",
                         """Re-score CANDIDATE (or --generator) with exactly the baseline's settings (extractor and
weights, reference, sample count, metric options) and decide per metric, in its direction. A metric
regresses when it is worse than its tolerance AND the change is significant: a one-sided test whose
standard errors come from the 95% bootstrap intervals and the baseline's seed-to-seed spread
(ganeval baseline --repeats), at --alpha shared over the metrics (Bonferroni). Settings that differ
from the baseline stop the check (exit 2). Exit codes: 0 pass, 1 regression, 2 usage or input error.
With GITHUB_ACTIONS=true, regressions are also printed as ::error annotations.""", """examples:
  ganeval check runs/dcgan-digits --baseline baseline.json
  ganeval check --generator mypkg.models:generator --nz 128 --baseline baseline.json --tolerance fid=5,precision=0.02
  ganeval check generator.ts --nz 64 --baseline baseline.json --junit check.xml --markdown check.md""")  # fmt: skip
    _add_candidate(check)
    check.add_argument("--baseline", required=True, metavar="FILE", help="baseline JSON from `ganeval baseline` or `ganeval score --json`")
    check.add_argument("--tolerance", metavar="LIST", help="per-metric tolerances, absolute or a percentage of the baseline, "
                       "e.g. fid=5,precision=0.02,kid=10%% (others: the defaults, see the README)")  # fmt: skip
    check.add_argument("--alpha", type=float, default=0.001, help="chance of any false alarm per run, shared over the metrics (default: 0.001)")
    _add_settings(check, "seed", seed="seed for every random step (default: the baseline's)")
    check.set_defaults(seed=None)  # None: the baseline's
    check.add_argument("--ref", metavar="REF", help="where the baseline's reference is, if not at its recorded path (its content is checked)")
    _add_inputs(check, extractors, extractor="must match the baseline's; default: the baseline's", weights="must be the baseline's; inception offline")
    check.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one test case per metric)")
    check.add_argument("--markdown", metavar="FILE", help="also write a Markdown report for a pull-request comment")
    check.add_argument("--json", metavar="FILE", help="also write the report as JSON ('-' prints JSON instead of the table)")
    check.add_argument("--quiet", action="store_true", help=QUIET)

    compare = _add_command(commands, "compare", _compare, "compare GAN variants, runs or score results side by side, with significance tests",
                           """Which variant should I use on data like mine, and did my change make training better or
only luckier? Three forms:
  ganeval compare --variants gan,gan-ns,wgan,wgan-gp --data ring8 --seeds 3 --jobs 2 --out reports/compare-ring8
      trains each variant with the same budget (--steps generator steps) and seeds 0..N-1 in the work
      folder (reusing finished runs, resuming interrupted ones), scores each at the end, and writes one report;
  ganeval compare runs/a runs/b ... --out DIR      compares existing run folders (same variant = seeds);
  ganeval compare a.json b.json ... --out DIR      compares `ganeval score --json` results.
The report (DIR/report.html, self-contained, and DIR/report.md with figures beside it) holds a table of
mean +- std over seeds with 95% intervals, a ranking per metric with the test behind it (Welch's t-test over
seeds, Holm-corrected; with one seed, non-overlapping bootstrap intervals), curves over training, the
stability and collapse verdicts, and samples side by side. Variants that cannot train on the data (dcgan on
ring8) are skipped and named.""")  # fmt: skip
    compare.add_argument("items", nargs="*", metavar="RUN_OR_JSON", help="run folders or score result files (.json)")
    compare.add_argument("--variants", metavar="V1,V2,...", help="reference variants to train and compare, e.g. gan,gan-ns,wgan,wgan-gp")
    compare.add_argument("--data", help="bundled data set for --variants: ring8, grid25, digits or stacked-digits")
    compare.add_argument("--steps", type=int, help="generator steps per run, the same for every variant (default: 3000 for 2-D data, 1500 for images)")
    compare.add_argument("--seeds", type=int, default=3, help="seeds per variant, 0..N-1 (default: 3)")
    compare.add_argument("--jobs", type=int, default=1, help="trainings run in parallel processes (default: 1)")
    compare.add_argument("--evaluations", type=int, default=10, help="evaluations over each training, evenly spaced (default: 10)")
    compare.add_argument("--work", metavar="DIR", help="work folder for the runs (default: runs/compare-DATA)")
    compare.add_argument("--out", metavar="DIR", help="write the report here (report.html, report.md, comparison.json, figures)")
    compare.add_argument("--json", metavar="FILE", help="write the comparison as JSON ('-' for stdout)")
    compare.add_argument("--quiet", action="store_true", help=QUIET)

    report = _add_command(commands, "report", _report, "diagnose training runs: stability, D calibration and mode collapse, as an HTML and Markdown report",
                          """Diagnose the training logs of RUN folders (written by `ganeval train` or by your own loop
through ganeval.diagnostics.TrainingLogger) and write DIR/report.html (self-contained, figures embedded)
and DIR/report.md (figures in DIR/figures/). Each run gets a verdict (healthy, oscillating, diverged,
collapsed, D-dominated, never-learned, stalled or undertrained; the README lists what triggers each)
explained in one sentence with numbers, and findings: collapse, oscillation, divergence,
d_dominance, miscalibration, gradient_spike, low_quality, stall, still_improving, each with start_step, end_step
(null: to the end of the log), severity (low, medium, high), evidence and an explanation.

--json FILE writes the findings ('-' prints them instead of the summary): for one run
{"run", "verdict", "explanation", "findings": [...], "summary": {...}}; for several runs
{"runs": [that object per run]}.""", """examples:
  ganeval report runs/gan-ring8 --out reports/gan-ring8
  ganeval report runs/gan-ring8 runs/wgan-gp-ring8 --out reports/ring8 --json findings.json""")  # fmt: skip
    report.add_argument("runs", nargs="+", metavar="RUN", help="run folder(s) holding steps.csv (and evals.csv, manifest.json)")
    report.add_argument("--out", required=True, metavar="DIR", help="report folder (created; files in it are replaced)")
    report.add_argument("--json", metavar="FILE", help="also write the findings and verdicts as JSON to FILE ('-' prints them)")

    demo = _add_command(commands, "demo", _demo, "score three stand-in generators on the bundled ring8 mixture (offline, seconds)",
                        "Score a faithful, a mode-dropping and a blurry stand-in generator against a real ring8 sample\n"
                        "(8 Gaussians on a circle), to see what each metric notices.")  # fmt: skip
    demo.add_argument("--n", type=int, default=2000, help="samples per side (default: 2000)")
    demo.add_argument("--seed", type=int, default=0, help="seed for every random draw (default: 0)")
    demo.add_argument("--bootstrap", type=int, default=50, metavar="N", help="bootstrap resamples for the intervals; 0 turns them off (default: 50)")
    demo.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    return parser


def _report_error(command: str, message: str) -> None:
    print(_safe(f"ganeval: error: {message}"), file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":  # a CI job that stops on exit 2 shows why in the run's summary
        from ganeval.gate.formats import github_error

        print(github_error(f"ganeval {command}", message), file=sys.stderr)


#: Python parameter names (GanevalError.argument) that differ from the dest of the option setting them:
#: the metric functions' own names for the options of `score`, and check()'s tolerances.
PARAMETER_OPTIONS = {"subset_size": "kid_subset_size", "subsets": "kid_subsets", "splits": "is_splits", "tolerances": "tolerance"}


def _option_strings(parser: argparse.ArgumentParser, command: str) -> dict[str, str]:
    """dest -> the option the user types (the longest spelling, e.g. --kid-subset-size) of a subcommand's options."""
    subparsers = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))  # argparse keeps them private
    actions = subparsers.choices[command]._actions
    return {action.dest: max(action.option_strings, key=len) for action in actions if action.option_strings}


def _name_the_flag(message: str, argument: str | None, options: dict[str, str]) -> str:
    """The message with the Python parameter it names (GanevalError.argument) as the flag typed on the
    command line: 'subset_size must be ...' -> '--kid-subset-size must be ...'; other messages get the flag as prefix."""
    if not argument:
        return message
    flag = argument if argument.startswith("-") else options.get(argument) or options.get(PARAMETER_OPTIONS.get(argument, ""))
    if flag is None:
        return message
    for spelled in (f"{flag} ({argument})", f"{argument}="):
        if spelled in message:
            return message.replace(spelled, flag + (" " if spelled.endswith("=") else ""), 1)
    if message.startswith(argument + " "):
        return flag + message[len(argument):]
    return message if flag in message else f"{flag}: {message}"


def _ganeval_warnings(previous):
    """A `warnings.showwarning` that prints ganeval's own warnings as one 'ganeval: warning: ...' line
    (Python's default filter already shows each once) and passes other packages' warnings to `previous`."""

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__module__.startswith("ganeval."):
            print(_safe(f"ganeval: warning: {message}"), file=sys.stderr)
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
        with warnings.catch_warnings():
            warnings.showwarning = _ganeval_warnings(warnings.showwarning)
            return args.handler(args)
    except BrokenPipeError:  # output piped into head or less, which stopped reading
        sys.stdout = open(os.devnull, "w")
        return 0
    except (GanevalError, OSError) as error:  # input and usage errors: every message says what, where and how to fix
        if getattr(error, "user_traceback", None):  # the user's code failed (--generator): its traceback is theirs to read
            print(_safe(error.user_traceback), file=sys.stderr)
        _report_error(args.command, _name_the_flag(str(error), getattr(error, "argument", None), _option_strings(parser, args.command)))
        return 2
    except KeyboardInterrupt:
        print("ganeval: interrupted", file=sys.stderr)
        return 130
    except Exception:  # anything else is ganeval's fault: show where, and ask for a report
        import traceback

        print(_safe(traceback.format_exc()), file=sys.stderr)  # its messages may quote file names
        _report_error(args.command, "this is a bug in ganeval, not in your input; please report it with the "
                      "traceback above and the command you ran.")  # fmt: skip
        return 3


if __name__ == "__main__":
    sys.exit(main())
