"""A report as a list of blocks (headings, paragraphs, tables, figures, collapsible details), rendered
to Markdown (figures as PNG files beside it; details as appendices at the end) and to self-contained
HTML (figures embedded as PNG data URIs; details as <details> blocks in place), and written atomically.
"""

from __future__ import annotations

import base64
import html
import re
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
    text: str  # Markdown: **bold** and `code` (markdown_code: every value from a file or a name), rendered in HTML
    lead: bool = False  # the report's answer, set off in the HTML


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    caption: str = ""


@dataclass(frozen=True)
class Image:
    name: str  # file name under figures/, e.g. "run1-losses.png"
    png: bytes
    caption: str


@dataclass(frozen=True)
class Details:
    """Supporting material the reader opens on demand: a collapsed <details> block where it stands in
    the HTML, an appendix at the end of the Markdown (with a pointer where it stands)."""

    title: str
    blocks: tuple  # Heading, Text, Table or Image blocks


Block = Heading | Text | Table | Image | Details


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


def _anchor(text: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return "".join(c for c in text.lower() if c.isalnum() or c in " -_").replace(" ", "-")


def to_markdown(blocks: list[Block], title: str) -> str:
    """Markdown with figures linked from figures/; each Details block becomes an appendix at the end,
    with a pointer to it where it stands."""
    parts, appendices = [f"# {title}"], []
    for block in blocks:
        if isinstance(block, Details):
            heading = f"Appendix {chr(ord('A') + len(appendices))}: {block.title}"
            appendices.append((heading, block))
            parts.append(f"*{block.title}: see [{heading}](#{_anchor(heading)}).*")
        else:
            parts.append(_markdown_block(block))
    for heading, block in appendices:
        parts.append(f"## {heading}")
        parts += [_markdown_block(inner) for inner in block.blocks]
    return "\n\n".join(parts) + "\n"


def _markdown_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {block.text}"
    if isinstance(block, Text):
        return block.text
    if isinstance(block, Table):
        return markdown_table(block.frame) + (f"\n\n*{block.caption}*" if block.caption else "")
    if isinstance(block, Image):
        return f"![{block.caption}]({FIGURE_DIR}/{block.name})\n\n*{block.caption}*"
    raise TypeError(f"not a report block: {block!r}")


def _inline(text: str) -> str:
    """Escaped text with `code` spans as <code> (their * kept literal) and **bold** spans as <strong>."""
    escaped = re.sub(r"`([^`]*)`", lambda m: f"<code>{m.group(1).replace('*', '&#42;')}</code>", html.escape(text))
    pieces = escaped.split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(pieces))


STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; \
max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85em; color: #555; margin-top: 0.3em; }
.caption { font-size: 0.85em; color: #555; }
details { margin: 0.8em 0; padding: 0.3em 0.8em; border: 1px solid #ddd; border-radius: 4px; }
summary { cursor: pointer; font-weight: 600; }
.wide { overflow-x: auto; }
.lead { font-size: 1.05em; background: #f6f8fa; border-left: 4px solid #4c72b0; padding: 0.6em 0.9em; }
"""


def html_table(frame: pd.DataFrame) -> str:
    """An HTML table: cells escaped, with **bold** spans as <strong>."""
    # a header may break after an underscore (label_preservation), so that a wide table fits the page
    head = "".join(f"<th>{_inline(str(c)).replace('_', '_<wbr>')}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_inline(_cell(v))}</td>" for v in values) + "</tr>\n"
        for values in frame.itertuples(index=False)
    )
    return f'<div class="wide"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table></div>'


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        level = min(6, block.level)
        return f"<h{level}>{_inline(block.text)}</h{level}>"
    if isinstance(block, Text):
        return ('<p class="lead">' if block.lead else "<p>") + f"{_inline(block.text)}</p>"
    if isinstance(block, Table):
        return html_table(block.frame) + (f'\n<p class="caption">{_inline(block.caption)}</p>' if block.caption else "")
    if isinstance(block, Image):
        data = base64.b64encode(block.png).decode("ascii")
        return (
            f'<figure><img alt="{html.escape(block.caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_inline(block.caption)}</figcaption></figure>"
        )
    if isinstance(block, Details):
        inner = "\n".join(_html_block(b) for b in block.blocks)
        return f"<details>\n<summary>{_inline(block.title)}</summary>\n{inner}\n</details>"
    raise TypeError(f"not a report block: {block!r}")


def to_html(blocks: list[Block], title: str) -> str:
    """Self-contained HTML: inline CSS, figures as data:image/png;base64 URIs, no external resources."""
    body = [f"<h1>{_inline(title)}</h1>"] + [_html_block(block) for block in blocks]
    plain = html.escape(title.replace("`", ""))  # a <title> shows no markup
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{plain}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _images(blocks) -> list[Image]:
    """Every figure, those inside details included."""
    found = []
    for block in blocks:
        found += _images(block.blocks) if isinstance(block, Details) else [block] if isinstance(block, Image) else []
    return found


def _write(folder: Path, blocks: list[Block], title: str) -> None:
    for image in _images(blocks):
        with atomic_write(folder / FIGURE_DIR / image.name) as stream:
            stream.write(image.png)
    with atomic_write(folder / "report.md", "w") as stream:
        stream.write(to_markdown(blocks, title))
    with atomic_write(folder / "report.html", "w") as stream:
        stream.write(to_html(blocks, title))


def write_blocks(out, blocks: list[Block], title: str) -> dict:
    """Write out/report.md, out/report.html and out/figures/*.png. A new (or empty) folder appears
    whole or not at all; in an existing folder each file is replaced atomically, the HTML last.
    Returns {"html": path, "markdown": path, "figures": folder}."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise GanevalError(
            f"--out {out} is a file; the report needs a folder (it writes report.html, report.md and figures/ there)."
        )
    if not out.exists() or not any(out.iterdir()):
        with atomic_folder(out) as staging:
            _write(staging, blocks, title)
    else:
        _write(out, blocks, title)
    return {"html": out / "report.html", "markdown": out / "report.md", "figures": out / FIGURE_DIR}
