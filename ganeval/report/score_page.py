"""A score as one self-contained HTML page (`ganeval score --report FILE.html`): the summary line, the
metrics with their 95% intervals, the PRD curve (with --prd), the per-sample view (the generated samples
that look least real and the reference's regions no generated sample reaches, as thumbnails), the provenance
and, when a training set was given, the closest generated/training pairs as thumbnails beside their
distances, so a reader sees which samples are bad, what is missing and what was copied.

It renders what it is handed (plain values, not a Result: the report layer scores nothing) with the
blocks of `ganeval.render.blocks`, and writes the page atomically.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ganeval.atomic import write_text
from ganeval.render.blocks import Block, Details, Heading, Image, Table, Text, to_html
from ganeval.render.figures import DPI, WIDTH, figure_class, plain, png_bytes, prd_figure

TITLE = "ganeval score"
PAIRS_PER_ROW = 4  # generated | training, four pairs a row: eight thumbnails across an 800-pixel page
THUMBNAILS_PER_ROW = 8  # the worst samples and the regions' examples: eight thumbnails across the page


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


def thumbnails_figure(rows: Sequence[tuple[str, Sequence[np.ndarray], Sequence[str]]]):
    """Rows of thumbnails, THUMBNAILS_PER_ROW across (a longer row wraps): each row (its title, its uint8
    C x H x W images, a note under each image)."""
    lines = [
        (title, images[i : i + THUMBNAILS_PER_ROW], notes[i : i + THUMBNAILS_PER_ROW], i == 0)
        for title, images, notes in rows
        for i in range(0, max(len(images), 1), THUMBNAILS_PER_ROW)
    ]
    size = WIDTH / THUMBNAILS_PER_ROW
    figure = figure_class()(figsize=(WIDTH, len(lines) * (size + 0.55)), dpi=DPI)
    axes = figure.subplots(len(lines), THUMBNAILS_PER_ROW, squeeze=False)
    for line, (title, images, notes, first) in enumerate(lines):
        for column, ax in enumerate(axes[line]):
            ax.set_axis_off()
            if column < len(images):
                pixels, cmap = _shown(images[column])
                ax.imshow(pixels, cmap=cmap, vmin=0, vmax=255, interpolation="nearest")
                ax.set_axis_on()
                ax.set(xticks=[], yticks=[])
                ax.set_xlabel(plain(notes[column]), fontsize=7)  # file names: drawn literally, no mathtext
        if first:  # the row's title over its first thumbnails, left-aligned (a title per axes would be cut)
            axes[line, 0].text(
                0.0, 1.08, plain(title), fontsize=8, ha="left", va="bottom", transform=axes[line, 0].transAxes
            )
    height = len(lines) * (size + 0.55)
    figure.subplots_adjust(left=0.01, right=0.99, top=1 - 0.3 / height, bottom=0.2 / height, wspace=0.08, hspace=0.55)
    return figure


def _shown_all(images) -> bool:
    return bool(images) and all(image is not None for image in images)


def _name(index: int, file: str | None) -> str:
    return str(index) if file is None else file


def per_sample_blocks(view: dict, worst_images: Sequence, region_images: Sequence[Sequence]) -> list[Block]:
    """The per-sample view (`PerSampleView.to_dict()` and its images): the generated samples with the lowest
    realism score, then the reference's regions that no generated sample reaches, largest first."""
    worst, missing = view["worst_realism"], view["uncovered_regions"]
    blocks: list[Block] = [
        Heading("Generated samples that look least real"),
        Text(
            f"The {len(worst['indices'])} generated samples with the lowest realism score (Kynkaanniemi et al. "
            "2019): the largest ratio of a real sample's k-NN radius to its distance from the generated sample, "
            f"over the real samples with the smaller half of the radii (k = {worst['k']}). At least 1: inside the "
            "data's manifold; far below 1: unlike any real sample. Lowest first."
        ),
    ]
    notes = [f"#{rank} R = {_number(value)}" for rank, value in enumerate(worst["realism"], 1)]
    if _shown_all(worst_images):
        caption = "The least real generated samples, lowest realism first (R: the realism score)."
        figure = thumbnails_figure([("lowest realism", worst_images, notes)])
        blocks.append(Image("least-real.png", png_bytes(figure), caption))
    blocks.append(
        Table(
            pd.DataFrame(
                {
                    "#": range(1, len(worst["indices"]) + 1),
                    "generated": [_name(i, f) for i, f in zip(worst["indices"], worst["files"])],
                    "realism": [_number(value) for value in worst["realism"]],
                }
            )
        )
    )
    share = missing["uncovered"] / missing["reference_count"]
    blocks += [
        Heading("Regions the generator misses"),
        Text(
            f"{missing['uncovered']} of the {missing['reference_count']} reference samples ({share:.1%}) have a "
            f"k-NN ball (k = {missing['k']}) that no generated sample enters: what coverage counts as uncovered. "
            "The reference is cut by k-means into regions; these are those with the largest share uncovered, "
            "least covered first (a dropped mode is a region near 100%; thin coverage everywhere gives every "
            "region about the overall share). Each row shows uncovered reference samples nearest the region's "
            "centre."
            if missing["uncovered"]
            else f"Every reference sample's k-NN ball (k = {missing['k']}) holds a generated sample: no region of the "
            "reference is missed."
        ),
    ]
    regions = missing["regions"]
    if regions and all(_shown_all(images) for images in region_images):
        rows = [
            (
                f"region {n}: {r['uncovered']} of its {r['size']} reference samples uncovered "
                f"({r['uncovered_share']:.0%})",
                images,
                [_name(i, f)[-18:] for i, f in zip(r["examples"], r["files"])],
            )
            for n, (r, images) in enumerate(zip(regions, region_images), 1)
        ]
        caption = "Uncovered reference samples of the least covered regions, one row per region, least covered first."
        blocks.append(Image("missed-regions.png", png_bytes(thumbnails_figure(rows)), caption))
    if regions:
        table = [
            {
                "region": n,
                "reference samples": r["size"],
                "share of the reference": f"{r['share_of_reference']:.1%}",
                "uncovered": f"{r['uncovered']} ({r['uncovered_share']:.0%})",
                "examples": ", ".join(_name(i, f) for i, f in zip(r["examples"], r["files"])),
            }
            for n, r in enumerate(regions, 1)
        ]
        blocks.append(Table(pd.DataFrame(table)))
    return blocks


def prd_blocks(prd: dict) -> list[Block]:
    """The PRD curve (`PRDCurve.to_dict()`) as a figure, with what it says."""
    return [
        Heading("PRD curve"),
        Text(
            f"Precision and recall for distributions (Sajjadi et al. 2018): both sides' features clustered by "
            f"k-means into {prd['num_clusters']} bins, averaged over {prd['num_runs']} runs. Max F_8 "
            f"{_number(prd['f_8'])} is recall-like (the data's modes the samples reach), max F_1/8 "
            f"{_number(prd['f_1_8'])} precision-like (the samples that lie where the data is); a curve reaching "
            "the top right corner matches the data."
        ),
        Image("prd-curve.png", png_bytes(prd_figure({"generated": prd})), "PRD curve: precision against recall."),
    ]


def score_blocks(
    summary: str,
    metrics: pd.DataFrame,
    provenance: dict,
    pairs: Sequence[dict] | None = None,
    images: Sequence[tuple[np.ndarray | None, np.ndarray | None]] | None = None,
    *,
    per_sample: tuple[dict, Sequence, Sequence[Sequence]] | None = None,
    prd: dict | None = None,
) -> list[Block]:
    """The page's blocks: summary, metrics, the PRD curve (prd: `PRDCurve.to_dict()`), the per-sample view
    (per_sample: `PerSampleView.to_dict()`, its worst samples' images, its regions' images), closest pairs
    (when a training set was given), warnings, provenance."""
    blocks: list[Block] = [Text(summary, lead=True), Heading("Metrics"), Table(metrics_table(metrics))]
    if prd is not None:
        blocks += prd_blocks(prd)
    if per_sample is not None:
        blocks += per_sample_blocks(*per_sample)
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
