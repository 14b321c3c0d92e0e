"""Every value from a file or a name is escaped for the medium it goes to (issue 23, item 3): Markdown
(check --markdown, report.md, compare's report.md) as code spans, HTML escaped, and every line that
report and compare print kept from starting a GitHub Actions workflow command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from test_diagnostics import synthetic_log

from ganeval.cli import main
from ganeval.commands.common import safe
from ganeval.errors import markdown_code
from ganeval.gate.core import CheckReport
from ganeval.gate.decision import REGRESSED, MetricDecision
from ganeval.gate.formats import junit, markdown
from ganeval.render.blocks import Heading, Table, Text, to_html, to_markdown

# One of each payload class: an image (a tracking pixel), raw HTML, a link, a mention, a table-breaking
# pipe, a backtick (which would end a code span) and a newline that starts a workflow command.
PAYLOADS = {
    "image": "![x](http://e/p.png)",
    "html": "<img src=x onerror=alert(1)>",
    "link": "[link](http://e)",
    "mention": "@everyone",
    "pipe": "a|b",
    "backtick": "a`b",
    "command": "x\n::error::pwned",
}
ORDINARY = "dcgan-digits_seed0"
# Folder names cannot hold '/': the same classes, for run folders (and the manifest holds the URLs).
FOLDER = "![x](p.png)<img src=x onerror=alert(1)>[link](http:e)@everyone a|b a`b x\n::error::pwned"
OURS = {"<details>", "</details>", "<summary>", "</summary>"}  # the only raw HTML ganeval writes (check --markdown)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def outside_code(page: str) -> str:
    """The Markdown with its code spans removed: what GitHub renders as Markdown."""
    return re.sub(r"`[^`\n]*`", "", page)


def assert_nothing_injected(page: str) -> None:
    """No image, link, raw HTML, mention or workflow command in `page` that ganeval did not make: images
    only from figures/, links only to the page's own anchors, tables with as many cells in every row."""
    rest = outside_code(page)
    targets = re.findall(r"!?\[[^\]]*\]\(([^)]*)\)", rest)
    assert all(t.startswith(("figures/", "#")) for t in targets), targets
    assert set(re.findall(r"</?[A-Za-z][^>]*>", rest)) <= OURS
    assert "@" not in rest and "](http" not in rest and "<img" not in rest
    assert not [line for line in page.splitlines() if line.lstrip().startswith("::")]
    for table in re.findall(r"(?:^\|.*\|$\n?)+", page, flags=re.M):
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(widths) == 1, table


def assert_printed_safely(out: str, shown: str) -> None:
    """No printed line starts a workflow command, and the name `shown` is printed, its newline as visible text."""
    assert not [line for line in out.splitlines() if line.lstrip().startswith(("::", "##["))], out
    assert shown in out


# ---------------------------------------------------------------- the helper and the renderers


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_a_code_span_holds_every_payload_class(kind):
    code = markdown_code(PAYLOADS[kind])
    inner = code[1:-1]
    assert code[0] == code[-1] == "`" and "`" not in inner and "\n" not in inner
    page = to_markdown([Heading(f"Run {code}"), Text(f"**Verdict:** fine. Log: {code}.")], "t")
    assert_nothing_injected(page)


def test_an_ordinary_name_reads_as_it_is():
    assert markdown_code(ORDINARY) == f"`{ORDINARY}`" and markdown_code("") == ""
    page = to_markdown([Table(pd.DataFrame({"run": [markdown_code(ORDINARY)]}))], "t")
    assert f"| `{ORDINARY}` |" in page
    html = to_html([Heading(f"Run {markdown_code(ORDINARY)}"), Text(f"**Use {markdown_code('gan-ns')}.**")], "t")
    assert f"<h2>Run <code>{ORDINARY}</code></h2>" in html and "<strong>Use <code>gan-ns</code>.</strong>" in html


def test_html_renders_code_spans_escaped_and_their_stars_literally():
    text = f"**Use {markdown_code(PAYLOADS['html'])} or {markdown_code('a**b**c')}.**"
    html = to_html([Text(text)], f"compared on {markdown_code(PAYLOADS['html'])}")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<code>a&#42;&#42;b&#42;&#42;c</code>" in html and html.count("<strong>") == 1
    assert "<title>compared on &lt;img src=x onerror=alert(1)&gt;</title>" in html


# ---------------------------------------------------------------- check --markdown and JUnit


def hostile_report() -> CheckReport:
    """A failed check whose every value from the baseline file or the command line is a payload."""
    names = list(PAYLOADS.values())
    decisions = [
        MetricDecision(
            "fd_" + PAYLOADS["html"], False, 10.0, (9.0, 11.0), 20.0, (19.0, 21.0), 2.0, 5.0, 3.0, REGRESSED, "worse"
        ),
        MetricDecision("fid", False, 10.0, (9.0, 11.0), 20.0, (19.0, 21.0), 2.0, 5.0, 3.0, REGRESSED, "worse"),
    ]
    return CheckReport(
        " ".join(names),
        PAYLOADS["image"] + PAYLOADS["command"],
        decisions,
        0.001,
        0,
        notes=[f"the baseline was made with ganeval {PAYLOADS['mention']} {PAYLOADS['link']}"],
        missing_modes={"baseline": names, "candidate": ["3"]},
    )


def test_check_markdown_quotes_every_value_from_a_file_as_code():
    page = markdown(hostile_report())
    assert_nothing_injected(page)
    assert "| `fid` |" in page and "`fd_<img src=x onerror=alert(1)>`, `fid`" in page  # the summary names them
    assert "> note: `the baseline was made with ganeval @everyone [link](http://e)`" in page


def test_junit_escapes_every_value_from_a_file():
    text = junit(hostile_report())
    cases = ElementTree.fromstring(text).findall("testcase")  # well-formed: parses
    assert cases[0].get("name") == "fd_<img src=x onerror=alert(1)>" and "<img" not in text
    assert "\n::error" not in cases[0].get("classname") and "x\\n::error::pwned" in cases[0].get("classname")


# ---------------------------------------------------------------- the terminal


def test_safe_escapes_control_characters_and_keeps_ordinary_lines():
    assert safe("a\r::error::x\x1b[2J") == "a\\r::error::x\\x1b[2J"
    assert safe("x\n::error::pwned\n") == "x\nganeval: ::error::pwned"
    assert safe(f"{ORDINARY}  healthy  fine\nré 1 ± 2\n") == f"{ORDINARY}  healthy  fine\nré 1 ± 2"


# ---------------------------------------------------------------- report and compare, end to end


@pytest.fixture
def runs(tmp_path) -> list[Path]:
    """A run folder named with every payload class (its manifest's variant and data too), and an ordinary one."""
    folders = []
    for name, manifest in (
        (FOLDER, {"variant": PAYLOADS["image"], "data": PAYLOADS["link"] + PAYLOADS["html"]}),
        (ORDINARY, {"variant": "dcgan", "data": "digits"}),
    ):
        steps, evals, _ = synthetic_log(n=200)
        folder = tmp_path / "runs" / name
        folder.mkdir(parents=True)
        steps[["step", "loss_d", "loss_g"]].to_csv(folder / "steps.csv", index=False)  # few columns, few figures
        evals[["step", "fid"]].to_csv(folder / "evals.csv", index=False)
        (folder / "manifest.json").write_text(json.dumps(manifest))
        folders.append(folder)
    return folders


def test_report_escapes_names_in_markdown_html_and_the_terminal(runs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out = tmp_path / "report"
    assert main(["report", *map(str, runs), "--out", str(out)]) == 0
    assert_printed_safely(capsys.readouterr().out, "a`b x\\n::error::pwned  ")
    page = (out / "report.md").read_text()
    assert_nothing_injected(page)
    assert f"## Run `{ORDINARY}`" in page and f"| `{ORDINARY}` |" in page and "| `dcgan` | `digits` |" in page
    assert "`![x](p.png)<img src=x onerror=alert(1)>[link](http:e)@everyone a\\|b a'b x\\n::error::pwned`" in page
    html = (out / "report.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert f"<code>{ORDINARY}</code>" in html


def test_compare_escapes_names_in_markdown_and_the_terminal(runs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out = tmp_path / "compare"
    assert main(["compare", *map(str, runs), "--out", str(out), "--device", "cpu", "--quiet"]) == 0
    assert_printed_safely(capsys.readouterr().out, "![x](http://e/p.png)")  # the variant, from the manifest
    page = (out / "report.md").read_text()
    assert_nothing_injected(page)
    assert "`![x](http://e/p.png)`" in page and f"`{ORDINARY}`" in page  # a variant from the manifest, a run by name
    assert "<img src=x" not in (out / "report.html").read_text()


def test_compare_of_score_results_escapes_file_names_and_mode_names(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    results = []
    for stem, value in ((PAYLOADS["command"] + PAYLOADS["html"], 10.0), (ORDINARY, 20.0)):
        payload = {
            "metrics": {"fid": {"value": value, "ci": [value - 1, value + 1]}},
            "missing_modes": {"names": [PAYLOADS["mention"], PAYLOADS["image"]]},
        }
        results.append(tmp_path / f"{stem}.json")
        results[-1].write_text(json.dumps(payload))
    out = tmp_path / "compare"
    assert main(["compare", *map(str, results), "--out", str(out)]) == 0
    assert_printed_safely(capsys.readouterr().out, "x\\n::error::pwned<img src=x onerror=alert(1)>")
    page = (out / "report.md").read_text()
    assert_nothing_injected(page)
    assert "**Use `x\\n::error::pwned<img src=x onerror=alert(1)>`.**" in page
    assert "`@everyone, ![x](http://e/p.png)`" in page
