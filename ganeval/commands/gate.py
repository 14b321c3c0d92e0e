"""`ganeval baseline` and `ganeval check`: the quality gate for CI (record once, then decide per run)."""

from __future__ import annotations

import os
import sys

from ganeval import distributed
from ganeval.commands.common import (
    FOLLOWS,
    INCEPTION_WEIGHTS,
    METRIC_OPTIONS,
    NON_NEGATIVE,
    POSITIVE,
    QUIET,
    REFERENCE_HELP,
    add_inputs,
    add_settings,
    check_outputs,
    github_actions,
    names,
    new_command,
    options,
    safe,
    write_json,
    write_output,
)
from ganeval.errors import GanevalError
from ganeval.gate import check, load_baseline, make_baseline, parse_tolerances, parse_value_range
from ganeval.gate.candidate import is_import_spec
from ganeval.gate.core import DEFAULT_GENERATOR_N
from ganeval.options import Extraction

BASELINE = f"""Score CANDIDATE (or --generator) against --ref and write the baseline for `ganeval check`:
the metrics with 95% intervals, the provenance and what is needed to re-score exactly (sample count,
reference content hash, noise length). Generators are sampled in memory: --n samples (default {DEFAULT_GENERATOR_N})
from noise seeded with --seed. `ganeval score ... --json FILE` output is accepted as a baseline too."""
CHECK = """Re-score CANDIDATE (or --generator) with exactly the baseline's settings (extractor and
weights, reference, sample count, metric options) and decide per metric, in its direction. A metric
regresses when it is worse than its tolerance AND the change is significant: a one-sided test whose
standard errors come from the 95% bootstrap intervals and the baseline's seed-to-seed spread
(ganeval baseline --repeats), at --alpha shared over the metrics (Bonferroni). Settings that differ
from the baseline stop the check (exit 2). Exit codes: 0 pass, 1 regression, 2 usage or input error.
With GITHUB_ACTIONS=true, regressions are also printed as ::error annotations."""
CHECK_EXAMPLES = """examples:
  ganeval check runs/dcgan-digits --baseline baseline.json
  ganeval check --generator mypkg.models:generator --nz 128 --baseline baseline.json --tolerance fid=5,precision=0.02
  ganeval check --generator generator.pt --nz 64 --baseline baseline.json --junit check.xml --markdown check.md"""


def add_command(commands) -> None:
    """Both commands of the gate: `baseline`, then `check`."""
    baseline = new_command(
        commands,
        "baseline",
        run_baseline,
        "score a generator (or samples) and record the result as the baseline for `ganeval check`",
        BASELINE,
    )
    _add_candidate(baseline)
    baseline.add_argument("--ref", required=True, metavar="REF", help=REFERENCE_HELP)
    baseline.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="baseline JSON to write, e.g. baseline.json"
    )
    baseline.add_argument("--metrics", metavar="LIST", help="comma-separated metrics (default: all that apply)")
    drawn = f"samples per side: cap for files, count drawn from generators (default {DEFAULT_GENERATOR_N})"
    add_settings(baseline, *METRIC_OPTIONS, n=drawn)
    baseline.add_argument(
        "--repeats",
        type=NON_NEGATIVE,
        metavar="R",
        help="re-score with R more seeds to record the seed-to-seed spread, the noise floor of the check "
        "(default: 10 for generators, 0 for fixed samples)",
    )
    add_inputs(baseline, extractor=FOLLOWS, weights_help=INCEPTION_WEIGHTS)
    baseline.add_argument("--quiet", action="store_true", help=QUIET)

    gate = new_command(
        commands,
        "check",
        run_check,
        "CI gate: re-score a candidate with a baseline's settings; exit 1 on a regression",
        CHECK,
        CHECK_EXAMPLES,
    )
    _add_candidate(gate)
    gate.add_argument(
        "--baseline",
        required=True,
        metavar="FILE",
        help="baseline JSON from `ganeval baseline` or `ganeval score --json`",
    )
    gate.add_argument(
        "--tolerance",
        metavar="LIST",
        help="per-metric tolerances, absolute or a percentage of the baseline, e.g. fid=5,precision=0.02,kid=10%% "
        "(others: the defaults, see the README)",
    )
    gate.add_argument(
        "--alpha",
        type=float,
        default=0.001,
        help="chance of any false alarm per run, shared over the metrics (default: 0.001)",
    )
    add_settings(gate, "seed", seed="seed for every random step (default: the baseline's)")
    gate.set_defaults(seed=None)  # None: the baseline's
    gate.add_argument(
        "--ref",
        metavar="REF",
        help="where the baseline's reference is, if not at its recorded path (its content is checked)",
    )
    add_inputs(
        gate,
        extractor="must match the baseline's; default: the baseline's",
        weights_help="must be the baseline's; inception offline",
        precision_help="fp32 or bf16; must be the baseline's (default: the baseline's)",
        resize_help="inception's legacy-tf or clean; must be the baseline's (default: the baseline's)",
    )
    gate.set_defaults(precision=None)  # None: the baseline's
    gate.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one test case per metric)")
    gate.add_argument("--markdown", metavar="FILE", help="also write a Markdown report for a pull-request comment")
    gate.add_argument(
        "--json", metavar="FILE", help="also write the report as JSON ('-' prints JSON instead of the table)"
    )
    gate.add_argument("--quiet", action="store_true", help=QUIET)
    for parser in (baseline, gate):  # a pipe closed before the end (2>&1 | head) leaves no verdict nor baseline
        parser.set_defaults(broken_pipe_exit=2)


def _add_candidate(parser) -> None:
    """CANDIDATE or --generator, and how a generator is called."""
    parser.add_argument(
        "candidate",
        metavar="CANDIDATE",
        nargs="?",
        help="data: a folder of images, an .npz/.npy array, or a reference_models run folder (or its checkpoint.pt, "
        "read with torch.load(weights_only=True)); a generator's code goes through --generator",
    )
    parser.add_argument(
        "--generator",
        metavar="MODULE:ATTR|FILE",
        help="code that ganeval runs, instead of CANDIDATE: a TorchScript file (torch.jit.save), or a generator in "
        "Python: an nn.Module or callable on noise z (n x nz), an object with .sample(n, seed), or a function/class "
        "without arguments building one",
    )
    parser.add_argument(
        "--nz",
        type=POSITIVE,
        help="length of the generator's noise vector z (modules, callables and TorchScript files)",
    )
    parser.add_argument(
        "--value-range", metavar="RANGE", help="range of float image outputs: -1,1 (tanh, default) or 0,1"
    )


def _candidate(args) -> dict:
    """CANDIDATE or --generator (exactly one), as check's and make_baseline's keywords: code is run only when
    --generator names it (trust_code); CANDIDATE is data, never imported nor loaded as TorchScript."""
    if (args.candidate is None) == (args.generator is None):
        raise GanevalError(
            "give the candidate either as CANDIDATE (a folder, an array or a run folder) or as --generator "
            "(package.module:attribute, or a TorchScript file), not both and not neither."
        )
    if args.generator is not None:
        return {"candidate": args.generator, "trust_code": True}
    if is_import_spec(args.candidate):
        raise GanevalError(
            f"CANDIDATE {args.candidate} names package.module:attribute, which is code, not data: "
            f"pass it as --generator {args.candidate} to run it."
        )
    return {"candidate": args.candidate}


def run_baseline(args) -> int:
    check_outputs(("--output", args.output, False))
    baseline = make_baseline(
        reference=args.ref,
        options=options(args),
        extractor=args.extractor,
        metrics=names(args.metrics),
        nz=args.nz,
        value_range=parse_value_range(args.value_range or "-1,1"),
        repeats=args.repeats,
        extraction=Extraction.from_args(args),
        **_candidate(args),
    )
    if not distributed.world().main:  # under torchrun, rank 0 writes and prints
        return 0
    payload = baseline.to_dict()
    write_json(args.output, payload, "--output")
    values = ", ".join(f"{name} {entry['value']:.5g}" for name, entry in payload["metrics"].items())
    print(safe(f"wrote baseline {args.output}: {values}"))
    for name, why in payload["baseline"].get("not_gated", {}).items():
        print(f"not gated: {name}: {why}")
    return 0


def run_check(args) -> int:
    outputs = [("--junit", args.junit), ("--markdown", args.markdown), ("--json", args.json)]
    check_outputs(*((flag, path, False) for flag, path in outputs))
    baseline = load_baseline(args.baseline)
    extraction = Extraction.from_args(args)
    if args.precision is None:  # --precision not given: the baseline's
        extraction = extraction.replace(precision=baseline.precision)
    report = check(
        baseline=baseline,
        options=baseline.options.replace(seed=baseline.seed if args.seed is None else args.seed),
        tolerances=parse_tolerances(args.tolerance),
        alpha=args.alpha,
        reference=args.ref,
        extractor=args.extractor,
        nz=args.nz,
        value_range=None if args.value_range is None else parse_value_range(args.value_range),
        extraction=extraction,
        **_candidate(args),
    )
    if not distributed.world().main:  # under torchrun, rank 0 writes and prints
        return report.exit_code
    texts = {"--junit": report.junit, "--markdown": report.markdown, "--json": report.to_json}
    failed = []
    for flag, path in outputs:
        if path and path != "-":
            try:
                failed.append(write_output(flag, path, texts[flag]()))
            except BrokenPipeError:  # not written, and stdout, where its text would go instead, is closed
                _stdout_closed()
                failed.append(f"{flag} {path}: cannot write it, and stdout is closed.")
    try:
        if args.json == "-":
            write_output("--json", "-", report.to_json())
        else:
            print(safe(report.table()))
        if github_actions():  # workflow commands; stderr when stdout carries JSON
            print(report.github_annotations(), file=sys.stderr if args.json == "-" else sys.stdout)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except BrokenPipeError:  # stdout closed (`| head`, a reader gone): the verdict still decides the exit code
        _stdout_closed()
    failed = [error for error in failed if error]
    if failed:  # the verdict stands, but an output CI expects is missing: exit 2, not a silent pass
        raise GanevalError(" ".join(failed))
    return report.exit_code


def _stdout_closed() -> None:
    """After a BrokenPipeError on stdout: later prints, and Python's flush at exit, go nowhere, so the exit code
    is the command's (a flush failing at exit would make it 120)."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (stays open: Python flushes stdout at exit)
