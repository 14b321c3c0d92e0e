"""The README and docs/ hold true: links resolve, every `ganeval` command line parses under today's CLI,
and every Python block runs.

A code block that cannot run here says why on the line above its fence, as an HTML comment, with one
of three reasons: `<!-- not run: needs a GPU -->`, `<!-- not run: needs weights: WHICH -->` (files no
clone holds, such as InceptionV3's or your own encoder's), or `<!-- not run: needs the NAME package -->`
(an optional extra; the block runs wherever NAME imports). Python blocks (`-m docs`, a step of .ci/run
after the suite: minutes) run one page at a time, each in a fresh namespace, in a scratch folder holding
the clone's examples/ and ci/. The README's shell blocks run for real, in order, in a slow test (`-m slow`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ganeval.cli import build_parser

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"<!-- not run: (needs a GPU|needs weights: [^>]+|needs the (\w+) package) -->")
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b|\[|\.\.\.|<|\bN\b")  # synopsis lines: GENERATED, [--json F], ...


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    not_run: str | None  # the reason given above the fence, if any
    package: str | None = None  # the optional package a "needs the NAME package" block runs with

    @property
    def runs_here(self) -> bool:
        return not self.not_run or (self.package is not None and importlib.util.find_spec(self.package) is not None)

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, with the not-run mark above each."""
    found, lines, i = [], page.read_text().splitlines(), 0
    while i < len(lines):
        fence = re.match(r"^(\s*)```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        indent, start = len(fence.group(1)), i
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        mark = NOT_RUN.search(lines[start - 1]) if start else None
        code = "\n".join(line[indent:] for line in lines[start + 1 : end])
        found.append(Block(page, start + 1, fence.group(2), code, *(mark.group(1, 2) if mark else (None, None))))
        i = end + 1
    return found


ALL_BLOCKS = [b for page in PAGES for b in blocks(page)]


def command_lines(block: Block) -> list[str]:
    """The `ganeval ...` invocations of a shell block (continuations joined, comments dropped)."""
    text = re.sub(r"\\\n\s*", " ", block.code)
    commands = []
    for line in text.splitlines():
        for part in re.split(r"&&|;", line.split(" #")[0]):
            words = part.strip()
            if words.startswith(("ganeval ", "python3 -m ganeval ")) and not PLACEHOLDER.search(words):
                commands.append(words)
    return commands


def test_the_readme_is_what_a_newcomer_reads_first():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines; move the detail to docs/"
    assert lines[2:5] == [
        "```bash",
        'pip install -e ".[dev]" && ganeval score examples/digits-samples --ref digits',
        "python3 -m pytest -q",
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_points_to_something_that_exists(page):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    headings = {_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        if not path:
            assert anchor in headings, f"{page.name}: link to #{anchor}, a heading that does not exist"
            continue
        assert (page.parent / path).exists(), f"{page.name}: link to {target}, which does not exist in a clone"


def _slug(heading: str) -> str:
    """GitHub's and Python-Markdown's anchor of a heading (lower case, punctuation dropped, spaces to -)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_slug_is_the_anchor_github_makes():
    assert _slug("Quality gate in CI: `ganeval baseline` and `ganeval check`") == (
        "quality-gate-in-ci-ganeval-baseline-and-ganeval-check"
    )
    assert _slug("Which feature space?") == "which-feature-space"


SHELL = [b for b in ALL_BLOCKS if b.language in ("bash", "sh", "shell")]


@pytest.mark.parametrize("block", SHELL, ids=str)
def test_every_command_line_parses(block):
    """A renamed flag or command in the docs fails here (parsing only: nothing runs)."""
    parser = build_parser()
    for command in command_lines(block):
        words = shlex.split(command)
        words = words[3:] if words[0] == "python3" else words[1:]
        try:
            parser.parse_args(words)
        except SystemExit as stop:
            pytest.fail(f"{block}: `{command}` does not parse (exit {stop.code})")


PYTHON_PAGES = sorted({b.page for b in ALL_BLOCKS if b.language == "python"})

# Runs each block of a page in a fresh namespace, in order; on failure names the block and exits 1.
RUNNER = """
import json, sys, traceback
for where, code in json.load(sys.stdin):
    try:
        exec(compile(code, where, "exec"), {"__name__": "__main__"})
    except BaseException:
        print(f"{where} failed:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
"""


@pytest.mark.docs
@pytest.mark.parametrize("page", PYTHON_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_python_block_runs(page, tmp_path):
    runnable = [b for b in ALL_BLOCKS if b.page == page and b.language == "python" and b.runs_here]
    if not runnable:
        pytest.skip(f"{page.name}: every block needs what this machine lacks")
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([(str(b), b.code) for b in runnable]),
        cwd=_scratch(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        env=_environment(tmp_path),
    )
    assert done.returncode == 0, done.stderr[-4000:]


def _scratch(tmp_path: Path) -> Path:
    """A working folder with the clone's shipped inputs (examples/, ci/), so that blocks write nothing into it."""
    work = tmp_path / "work"
    work.mkdir()
    for shipped in ("examples", "ci"):
        (work / shipped).symlink_to(ROOT / shipped)
    return work


def _environment(tmp_path: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "GANEVAL_CACHE_DIR": str(tmp_path / "cache")}


def test_a_block_skips_only_for_a_gpu_weights_or_an_optional_package():
    marked = [b for b in ALL_BLOCKS if b.not_run]
    assert len(marked) <= len(ALL_BLOCKS) // 4, f"most blocks must run; not run: {[str(b) for b in marked]}"
    assert all(b.not_run.startswith(("needs a GPU", "needs weights: ", "needs the ")) for b in marked)


@pytest.mark.slow
def test_the_readme_shell_blocks_run_in_order(tmp_path):
    """The README's shell blocks, run as written and in order (a later one reads what an earlier one
    trained), in a scratch folder that has the clone's examples/ and ci/, as a user following it would."""
    work = _scratch(tmp_path)
    for block in (b for b in SHELL if b.page.name == "README.md" and b.runs_here):
        for command in command_lines(block):
            if command.startswith("ganeval compare"):
                continue  # minutes of training per variant and seed (reports/README.md, benchmarks/ run it)
            done = subprocess.run(
                command,
                shell=True,
                cwd=work,
                capture_output=True,
                text=True,
                timeout=900,
                env=_environment(tmp_path),
            )
            assert done.returncode == 0, f"{block}: `{command}` exit {done.returncode}:\n{done.stderr[-3000:]}"
