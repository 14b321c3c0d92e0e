"""Reports of training runs: `write_report(runs, output)` writes report.html (self-contained) and report.md
(figures beside it in figures/) answering whether training converged, oscillated or diverged,
whether D is calibrated and whether the generator collapsed, and returns each run's diagnosis.

    from ganeval import write_report
    diagnoses = write_report(["runs/gan-ring8", "runs/wgan-gp-ring8"], "reports/ring8", findings_output="findings.json")

The JSON (`findings_payload`): for one run {"run", "verdict", "explanation", "findings": [...],
"summary": {...}}; for several {"runs": [that object per run]}. Each finding: {"kind", "start_step",
"end_step" (null: to the end), "severity", "evidence", "explanation"}.
"""

from __future__ import annotations

import json
from pathlib import Path

from ganeval.atomic import atomic_write
from ganeval.diagnostics.diagnose import diagnose
from ganeval.diagnostics.log import read_log
from ganeval.errors import GanevalError, printable
from ganeval.render.blocks import Heading, Table, write_blocks
from ganeval.report.sections import RunLog, overview_blocks, run_blocks, run_names, summary_table

REPORT_TITLE = "GAN training report"


def findings_payload(diagnoses) -> dict:
    """The JSON document of `--json`: one run's diagnosis, or {"runs": [...]} for several."""
    documents = [d.to_dict() for d in diagnoses]
    return documents[0] if len(documents) == 1 else {"runs": documents}


def verdict_lines(diagnoses) -> str:
    """One line per run for a terminal: its name (control characters escaped: a name cannot start a line of
    its own), verdict and the sentence that explains it."""
    shown = [printable(d.run or "") for d in diagnoses]
    width = max(len(name) for name in shown)
    return "\n".join(f"{name:<{width}}  {d.verdict:<12}  {d.explanation}" for name, d in zip(shown, diagnoses))


def load_runs(runs, format: str | None = None, column_map: dict[str, str] | None = None) -> list:
    """RunLog (log frames, manifest, diagnosis) of each run folder or log file, read in any log format
    (`diagnostics.log.read_log`; format forces one, column_map {ours: theirs} names a table's columns);
    ValueError naming a path without a log."""
    folders = [Path(r) for r in runs]
    if not folders:
        raise GanevalError("report needs at least one run folder.")
    logs = []
    for folder, name in zip(folders, run_names(folders)):
        steps, evals, manifest = read_log(folder, format, column_map)
        logs.append(RunLog(name, folder, steps, evals, manifest, diagnose(steps, evals, manifest, run=name)))
    return logs


def write_report(runs, output, *, findings_output=None, format=None, column_map=None) -> list:
    """Diagnose each run folder or log file and write the report.

    What `ganeval report` runs: the verdicts first, an overview when there are several runs, then each
    run's findings and figures.

    Args:
        runs (str | Path | Sequence): a run folder or log file, or several.
        output (str | Path): the folder to write report.html, report.md and figures/ in.
        findings_output (str | Path | None): also write the findings as JSON there (atomically).
        format (str | None): forces a log format (`ganeval.diagnostics.log.log_formats()`).
        column_map (dict[str, str] | None): {ours: theirs} names a table's columns.

    Returns:
        The `RunDiagnosis` of each run, in the order given.

    Raises:
        GanevalError: a run holds no log that can be read (as for `diagnose_run`).
    """
    logs = load_runs([runs] if isinstance(runs, (str, Path)) else runs, format, column_map)
    blocks = [  # the verdicts first: a list of every verdict's name would only push them down
        Heading("Summary"),
        Table(
            summary_table(logs), "One row per run: its verdict, and the explanation with the numbers that decide it."
        ),
    ]
    if len(logs) > 1:
        blocks += overview_blocks(logs)
    for index, log in enumerate(logs, 1):
        blocks += run_blocks(log, index)
    write_blocks(output, blocks, REPORT_TITLE)
    diagnoses = [log.diagnosis for log in logs]
    if findings_output is not None:
        with atomic_write(findings_output, "w") as stream:
            stream.write(json.dumps(findings_payload(diagnoses), indent=2, allow_nan=False) + "\n")
    return diagnoses


__all__ = ["write_report", "findings_payload", "load_runs", "verdict_lines", "REPORT_TITLE"]
