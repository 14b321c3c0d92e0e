"""`ganeval check` reports: a text table, JUnit XML, Markdown for pull-request comments, and
GitHub Actions workflow commands (annotations)."""

from __future__ import annotations

import math
from xml.etree import ElementTree

from ganeval.data.mode_names import names_text
from ganeval.errors import markdown_code, printable
from ganeval.gate.decision import IMPROVED, REGRESSED, SKIPPED, MetricDecision
from ganeval.numbers import decimals, number, with_interval

COLUMNS = ("metric", "baseline", "candidate", "delta", "tolerance", "verdict")


def _number(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.5g}" if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def _with_ci(value: float | None, ci) -> str:
    """'0.896 [0.871, 0.917]': the digits the interval allows (ganeval.numbers); '-' for no value."""
    if value is None or not math.isfinite(value):
        return _number(value)
    return number(value) if ci is None else with_interval(value, *ci)


def _delta(c: MetricDecision) -> str:
    """The change, signed, to the decimal place of the candidate's interval (the baseline's without one)."""
    ci = c.candidate_ci or c.baseline_ci
    if c.delta is None or not math.isfinite(c.delta) or ci is None or None in ci or not math.isfinite(c.candidate):
        return ("+" if c.delta is not None and c.delta > 0 else "") + _number(c.delta)
    return ("+" if c.delta > 0 else "") + number(c.delta, places=decimals(c.candidate, (ci[1] - ci[0]) / 2))


def _direction(c: MetricDecision) -> str:
    return "higher is better" if c.higher_is_better else "lower is better"


def rows(report) -> list[list[str]]:
    return [
        [
            c.metric,
            _with_ci(c.baseline, c.baseline_ci),
            _with_ci(c.candidate, c.candidate_ci),
            _delta(c),
            _number(c.tolerance),
            c.verdict.upper() if c.verdict == REGRESSED else c.verdict,
        ]
        for c in report.decisions
    ]


def missing_modes_line(report) -> str | None:
    """'missing modes: candidate 3, 7; baseline 7', or None when neither side recorded its modes."""
    sides = [(side, report.missing_modes.get(side)) for side in ("candidate", "baseline")]
    shown = [f"{side} {printable(names_text(names))}" for side, names in sides if names is not None]
    return f"missing modes: {'; '.join(shown)}" if shown else None


def summary(report, name=str) -> str:
    """The verdict in one line; `name` shows a metric's name (markdown_code in Markdown: the names of a
    baseline's fd_<extractor> metrics come from the file)."""
    if report.passed:
        return (
            "PASS: no metric regressed beyond its tolerance and noise "
            f"({len(report.decisions)} compared, seed {report.seed})"
        )
    names = ", ".join(name(c.metric) for c in report.regressions)
    return f"FAIL: {len(report.regressions)} metric(s) regressed: {names}"


def text_table(report) -> str:
    table = [list(COLUMNS), *rows(report)]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "-" * len(lines[0]))
    modes = missing_modes_line(report)
    lines += ["", modes] if modes else []
    lines += ["", "why:"]
    lines += [f"  {c.metric} ({_direction(c)}): {c.reason}" for c in report.decisions]
    lines += [f"note: {printable(note)}" for note in report.notes]
    lines += [
        "",
        f"baseline {printable(str(report.baseline))}, candidate {printable(str(report.candidate))}; regression = worse "
        "than the tolerance AND significant (one-sided test on the bootstrap intervals and the baseline's seed-to-seed "
        f"spread, alpha {report.alpha:g} over all metrics)",
        summary(report),
    ]
    return "\n".join(lines)


def markdown(report) -> str:
    """A Markdown section for a pull-request comment: every value from a file (paths, labels, metric and
    mode names, notes quoting the baseline) in a code span (markdown_code), so none can inject Markdown."""
    icon = {REGRESSED: ":x: **regressed**", IMPROVED: ":white_check_mark: improved", SKIPPED: ":grey_question: skipped"}
    head = f"### ganeval check: {'passed' if report.passed else 'failed'}\n\n{summary(report, markdown_code)}.\n\n"
    table = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for c, row in zip(report.decisions, rows(report)):
        row[0], row[-1] = markdown_code(c.metric), icon.get(c.verdict, ":white_check_mark: pass")
        table.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    modes = missing_modes_line(report)
    table += ["", markdown_code(modes)] if modes else []
    details = "\n".join(f"- {markdown_code(c.metric)} ({_direction(c)}): {c.reason}" for c in report.decisions)
    notes = "".join(f"\n\n> note: {markdown_code(note)}" for note in report.notes)
    return (
        head + "\n".join(table) + f"\n\n<details><summary>why</summary>\n\n{details}\n\n</details>\n\n"
        f"Baseline {markdown_code(report.baseline)}, candidate {markdown_code(report.candidate)}, seed {report.seed}. "
        "A metric regresses only when it is worse than its tolerance and the change is significant (one-sided test "
        f"on the 95% bootstrap intervals and the baseline's seed-to-seed spread, alpha {report.alpha:g} over all "
        f"metrics).{notes}\n"
    )


def junit(report) -> str:
    """JUnit XML: one test case per metric; regressions are failures, skipped metrics are skipped."""
    suite = ElementTree.Element(
        "testsuite",
        name="ganeval check",
        tests=str(len(report.decisions)),
        failures=str(len(report.regressions)),
        skipped=str(sum(c.verdict == SKIPPED for c in report.decisions)),
        errors="0",
    )
    for c in report.decisions:
        case = ElementTree.SubElement(
            suite, "testcase", classname=f"ganeval.check.{printable(str(report.baseline))}", name=printable(c.metric)
        )
        message = (
            f"{c.metric}: baseline {_number(c.baseline)}, candidate {_number(c.candidate)}, "
            f"tolerance {_number(c.tolerance)}: {c.reason}"
        )
        if c.verdict == REGRESSED:
            ElementTree.SubElement(case, "failure", message=message, type="regression").text = message
        elif c.verdict == SKIPPED:
            ElementTree.SubElement(case, "skipped", message=message)
        else:
            ElementTree.SubElement(case, "system-out").text = message
    ElementTree.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(suite, encoding="unicode") + "\n"


def _escape_data(text: str) -> str:
    """Message data of a workflow command, escaped as GitHub documents: a newline cannot end the command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(report) -> str:
    """GitHub Actions workflow commands: an ::error per regressed metric, then a ::notice summary."""
    lines = []
    for c in report.regressions:
        title = _escape_property(f"ganeval check: {c.metric} regressed")
        text = _escape_data(
            f"{c.metric}: baseline {_number(c.baseline)}, candidate {_number(c.candidate)} "
            f"(delta {_number(c.delta)}, tolerance {_number(c.tolerance)}; {_direction(c)}): {c.reason}"
        )
        lines.append(f"::error file={_escape_property(report.baseline)},title={title}::{text}")
    kind = "notice" if report.passed else "error"
    lines.append(f"::{kind} title={_escape_property('ganeval check')}::{_escape_data(summary(report))}")
    return "\n".join(lines)


def github_error(title: str, message: str) -> str:
    """One ::error workflow command (an input or settings error that stopped a command, exit 2)."""
    return f"::error title={_escape_property(title)}::{_escape_data(message)}"
