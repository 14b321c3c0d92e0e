"""The README and docs/ hold true: links resolve, every `ganeval` command line parses under today's CLI,
and every Python block runs.

A code block that cannot run here says why on the line above its fence, as an HTML comment:
`<!-- not run: needs a GPU -->` or `<!-- not run: needs the InceptionV3 weights -->` (the only two
reasons a block may give). The README's shell blocks run for real in a slow test (`-m slow`).
"""

from __future__ import annotations

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
NOT_RUN = re.compile(r"<!-- not run: (needs a GPU|needs the InceptionV3 weights) -->")
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b|\[|\.\.\.|<|\bN\b")  # synopsis lines: GENERATED, [--json F], ...


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    not_run: str | None  # the reason given above the fence, if any

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
        found.append(Block(page, start + 1, fence.group(2), code, mark.group(1) if mark else None))
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


PYTHON = [b for b in ALL_BLOCKS if b.language == "python"]


@pytest.mark.parametrize("block", PYTHON, ids=str)
def test_every_python_block_runs(block, tmp_path):
    if block.not_run:
        pytest.skip(f"{block}: {block.not_run}")
    script = tmp_path / "block.py"
    script.write_text(block.code + "\n")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**_environment(), "GANEVAL_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == 0, f"{block} failed:\n{done.stderr[-3000:]}"


def _environment() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}


def test_a_block_may_only_skip_for_a_gpu_or_the_weights():
    marked = [b for b in ALL_BLOCKS if b.not_run]
    assert all(b.not_run in ("needs a GPU", "needs the InceptionV3 weights") for b in marked)
    assert len(marked) <= len(ALL_BLOCKS) // 2, "most blocks must run"


@pytest.mark.slow
@pytest.mark.parametrize("block", [b for b in SHELL if b.page.name == "README.md"], ids=str)
def test_the_readme_shell_blocks_run(block, tmp_path):
    """Each of the README's shell blocks, run as written in a scratch folder that has the clone's examples/ and ci/."""
    if block.not_run:
        pytest.skip(block.not_run)
    for shipped in ("examples", "ci"):
        (tmp_path / shipped).symlink_to(ROOT / shipped)
    for command in command_lines(block):
        if command.startswith(("ganeval compare", "pip ")):
            continue  # minutes of training per variant and seed (benchmarks/ run it)
        done = subprocess.run(
            command,
            shell=True,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=900,
            env={**_environment(), "GANEVAL_CACHE_DIR": str(tmp_path / "cache")},
        )
        assert done.returncode == 0, f"{block}: `{command}` exit {done.returncode}:\n{done.stderr[-3000:]}"
