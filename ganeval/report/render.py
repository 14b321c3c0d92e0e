"""A report as a list of blocks (headings, paragraphs, tables, figures), rendered to Markdown (figures
as PNG files beside it) and to self-contained HTML (figures embedded as PNG data URIs), and written
atomically.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ganeval.atomic import atomic_folder, atomic_write
from ganeval.errors import GanevalError

FIGURE_DIR = "figures"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Text:
    text: str  # plain text; **bold** is kept in Markdown and rendered in HTML


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    caption: str = ""


@dataclass(frozen=True)
class Image:
    name: str  # file name under figures/, e.g. "run1-losses.png"
    png: bytes
    caption: str


Block = Heading | Text | Table | Image


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    def row(cells):
        return "| " + " | ".join(_cell(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    lines = [row(frame.columns), "|" + "|".join("---" for _ in frame.columns) + "|"]
    lines += [row(values) for values in frame.itertuples(index=False)]
    return "\n".join(lines)


def to_markdown(blocks: list[Block], title: str) -> str:
    parts = [f"# {title}"]
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Text):
            parts.append(block.text)
        elif isinstance(block, Table):
            parts.append(markdown_table(block.frame) + (f"\n\n*{block.caption}*" if block.caption else ""))
        elif isinstance(block, Image):
            parts.append(f"![{block.caption}]({FIGURE_DIR}/{block.name})\n\n*{block.caption}*")
    return "\n\n".join(parts) + "\n"


def _inline(text: str) -> str:
    """Escaped text with **bold** spans as <strong>."""
    pieces = html.escape(text).split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(pieces))


STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85em; color: #555; margin-top: 0.3em; }
.caption { font-size: 0.85em; color: #555; }
"""


def to_html(blocks: list[Block], title: str) -> str:
    """Self-contained HTML: inline CSS, figures as data:image/png;base64 URIs, no external resources."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    for block in blocks:
        if isinstance(block, Heading):
            level = min(6, block.level)
            body.append(f"<h{level}>{html.escape(block.text)}</h{level}>")
        elif isinstance(block, Text):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Table):
            frame = block.frame.map(_cell) if hasattr(block.frame, "map") else block.frame.applymap(_cell)
            body.append(frame.to_html(index=False, escape=True, border=0))
            if block.caption:
                body.append(f'<p class="caption">{_inline(block.caption)}</p>')
        elif isinstance(block, Image):
            data = base64.b64encode(block.png).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(block.caption)}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{_inline(block.caption)}</figcaption></figure>")  # fmt: skip
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
            f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")  # fmt: skip


def _write(folder: Path, blocks: list[Block], title: str) -> None:
    for block in blocks:
        if isinstance(block, Image):
            with atomic_write(folder / FIGURE_DIR / block.name) as stream:
                stream.write(block.png)
    with atomic_write(folder / "report.md", "w") as stream:
        stream.write(to_markdown(blocks, title))
    with atomic_write(folder / "report.html", "w") as stream:
        stream.write(to_html(blocks, title))


def write_report(out, blocks: list[Block], title: str) -> dict:
    """Write out/report.md, out/report.html and out/figures/*.png. A new (or empty) folder appears
    whole or not at all; in an existing folder each file is replaced atomically, the HTML last.
    Returns {"html": path, "markdown": path, "figures": folder}."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise GanevalError(f"--out {out} is a file; the report needs a folder (it writes report.html, report.md and figures/ there).")
    if not out.exists() or not any(out.iterdir()):
        with atomic_folder(out) as staging:
            _write(staging, blocks, title)
    else:
        _write(out, blocks, title)
    return {"html": out / "report.html", "markdown": out / "report.md", "figures": out / FIGURE_DIR}
