"""`ganeval report`: the diagnosis of training runs (stability, calibration, collapse) as HTML and Markdown."""

from __future__ import annotations

import os

from ganeval.commands.common import add_log_options, check_outputs, log_options, new_command, safe, write_json
from ganeval.report import findings_payload, verdict_lines, write_report

DESCRIPTION = """Diagnose the training logs of RUN folders or files (written by `ganeval train`, by your own loop
through ganeval.TrainingLogger, StyleGAN2-ADA/StyleGAN3 run folders, TensorBoard event files, or
any CSV/JSONL table with --map; the format is detected, --format forces it) and write DIR/report.html
(self-contained, figures embedded) and DIR/report.md (figures in DIR/figures/). Each run gets a verdict
(healthy, oscillating, diverged, collapsed, D-dominated, never-learned, stalled or undertrained; the README
lists what triggers each) explained in one sentence with numbers, and findings: collapse, oscillation, divergence,
d_dominance, miscalibration, gradient_spike, low_quality, stall, still_improving, each with start_step, end_step
(null: to the end of the log), severity (low, medium, high), evidence and an explanation.

--json FILE writes the findings ('-' prints them instead of the summary): for one run
{"run", "verdict", "explanation", "findings": [...], "summary": {...}}; for several runs
{"runs": [that object per run]}."""
EXAMPLES = """examples:
  ganeval report runs/gan-ring8 --out reports/gan-ring8
  ganeval report runs/gan-ring8 runs/wgan-gp-ring8 --out reports/ring8 --json findings.json
  ganeval report log.csv --map step=iteration,loss_d=lossD,loss_g=lossG,fid=FID --out reports/mine"""


def add_command(commands) -> None:
    parser = new_command(
        commands,
        "report",
        run,
        "diagnose training runs: stability, D calibration and mode collapse, as an HTML and Markdown report",
        DESCRIPTION,
        EXAMPLES,
    )
    parser.add_argument(
        "runs", nargs="+", metavar="RUN", help="run folder(s) or log file(s): see --format for what is read"
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="report folder (created; files in it are replaced)")
    parser.add_argument(
        "--json", metavar="FILE", help="also write the findings and verdicts as JSON to FILE ('-' prints them)"
    )
    add_log_options(parser)


def run(args) -> int:
    reading = log_options(args)
    check_outputs(("--out", args.out, True), ("--json", args.json, False))
    diagnoses = write_report(args.runs, args.out, **reading)
    if args.json:
        write_json(args.json, findings_payload(diagnoses))
    if args.json == "-":
        return 0
    print(safe(verdict_lines(diagnoses)))
    wrote = f"wrote {os.path.join(args.out, 'report.html')} and {os.path.join(args.out, 'report.md')}"
    print(safe(wrote + (f"; findings in {args.json}" if args.json else "")))
    return 0
