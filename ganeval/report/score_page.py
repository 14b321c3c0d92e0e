"""A score as one self-contained HTML page (`ganeval score --report FILE.html`): the summary line, the
metrics with their 95% intervals, the provenance and, when a training set was given, the closest
generated/training pairs as thumbnails beside their distances, so a reader sees what was copied.

It renders what it is handed (plain values, not a Result: the report layer scores nothing) with the
blocks of `ganeval.report.render`, and writes the page atomically.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ganeval.atomic import write_text
from ganeval.report.figures import DPI, WIDTH, figure_class, png_bytes
from ganeval.report.render import Block, Details, Heading, Image, Table, Text, to_html

TITLE = "ganeval score"
PAIRS_PER_ROW = 4  # generated | training, four pairs a row: eight thumbnails across an 800-pixel page


def _number(value) -> str:
    return "" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.5g}"


def metrics_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """`Result.to_frame()` as the page shows it: value, 95% interval, which way is better."""
    rows = []
    for name, row in metrics.iterrows():
        interval = "" if math.isnan(row["ci_low"]) else f"[{_number(row['ci_low'])}, {_number(row['ci_high'])}]"
        better = "higher is better" if row["higher_is_better"] else "lower is better"
        rows.append({"metric": name, "value": _number(row["value"]), "95% interval": interval, "direction": better})
    return pd.DataFrame(rows, columns=["metric", "value", "95% interval", "direction"])


def _flatten(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        elif key != "warnings":
            yield f"{prefix}{key}", value


def provenance_table(provenance: dict) -> pd.DataFrame:
    return pd.DataFrame([{"setting": k, "value": "" if v is None else str(v)} for k, v in _flatten(provenance)])


def pairs_table(pairs: Sequence[dict]) -> pd.DataFrame:
    """One row per closest pair (`Memorization.to_dict()["closest_pairs"]`), nearest first."""
    return pd.DataFrame(
        [
            {
                "#": rank,
                "generated": pair["generated"] if pair["generated_file"] is None else pair["generated_file"],
                "nearest training sample": pair["train"] if pair["train_file"] is None else pair["train_file"],
                "distance": _number(pair["distance"]),
                "training sample's own nearest-neighbour distance": _number(pair["train_nn_distance"]),
            }
            for rank, pair in enumerate(pairs, 1)
        ]
    )


def _shown(image: np.ndarray) -> tuple[np.ndarray, str | None]:
    """A uint8 C x H x W image as imshow takes it, and its colour map."""
    if image.shape[0] == 1:
        return image[0], "gray"
    return np.moveaxis(image[:3], 0, -1), None


def pairs_figure(pairs: Sequence[dict], images: Sequence[tuple[np.ndarray | None, np.ndarray | None]]):
    """Thumbnails of each pair, generated beside its nearest training image, four pairs a row, with the
    distance under the generated one and the training image's own nearest-neighbour distance under it."""
    rows = math.ceil(len(pairs) / PAIRS_PER_ROW)
    columns = 2 * PAIRS_PER_ROW
    size = WIDTH / columns
    figure = figure_class()(figsize=(WIDTH, rows * (size + 0.75)), dpi=DPI)
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for index, (pair, shown) in enumerate(zip(pairs, images)):
        row, column = divmod(index, PAIRS_PER_ROW)
        for side, (image, title, note) in enumerate(
            [
                (shown[0], f"#{index + 1} generated", f"d = {_number(pair['distance'])}"),
                (shown[1], "training", f"own NN {_number(pair['train_nn_distance'])}"),
            ]
        ):
            ax = axes[row, 2 * column + side]
            ax.set_axis_on()
            ax.set(xticks=[], yticks=[])
            if image is None:
                ax.text(0.5, 0.5, "no image", ha="center", va="center", fontsize=7, transform=ax.transAxes)
            else:
                pixels, cmap = _shown(image)
                ax.imshow(pixels, cmap=cmap, vmin=0, vmax=255, interpolation="nearest")
            ax.set_title(title, fontsize=7)
            ax.set_xlabel(note, fontsize=7)
    figure.tight_layout()
    return figure


def score_blocks(
    summary: str,
    metrics: pd.DataFrame,
    provenance: dict,
    pairs: Sequence[dict] | None = None,
    images: Sequence[tuple[np.ndarray | None, np.ndarray | None]] | None = None,
) -> list[Block]:
    """The page's blocks: summary, metrics, closest pairs (when a training set was given), warnings, provenance."""
    blocks: list[Block] = [Text(summary, lead=True), Heading("Metrics"), Table(metrics_table(metrics))]
    if pairs:
        blocks += [
            Heading("Closest generated/training pairs"),
            Text(
                "The generated samples nearest to the training set in feature space, each beside its nearest "
                "training sample. A distance of 0 is an exact copy; a distance well below the training sample's "
                "own nearest-neighbour distance is a near copy. The memorized metric counts the generated samples "
                "nearer to their nearest training sample than a third of the way to the second nearest."
            ),
        ]
        if images and any(image is not None for pair in images for image in pair):
            caption = "Each pair: the generated sample (left, distance d) and its nearest training sample (right)."
            blocks.append(Image("closest-pairs.png", png_bytes(pairs_figure(pairs, images)), caption))
        blocks.append(Table(pairs_table(pairs)))
    warnings = provenance.get("warnings") or []
    if warnings:
        blocks += [Heading("Warnings"), *(Text(message) for message in warnings)]
    blocks.append(Details("Provenance", (Table(provenance_table(provenance)),)))
    return blocks


def write_score_page(output, blocks: list[Block], title: str = TITLE) -> None:
    """The page as self-contained HTML (figures embedded), written atomically to `output`."""
    write_text(output, to_html(blocks, title))
