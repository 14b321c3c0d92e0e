"""The samples behind a score, with their files and images for a reader to look at: which generated samples
lie closest to the training set, which look least real, and which regions of the reference the generator misses.

`score(..., train=...)` extracts the training set like a reference and hands its features to the
memorization metrics (`ganeval.metrics.memorization`: memorized, authenticity, C_T); `score(...,
per_sample=True)` adds the worst generated samples by realism score and the uncovered regions
(`ganeval.metrics.realism`). What needs the sources (file names, pixels) is here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ganeval.metrics import closest_pairs
from ganeval.metrics.prdc import prdc_per_sample
from ganeval.metrics.realism import REALISM_K, realism_scores, uncovered_regions
from ganeval.sources import Source

PAIRS = 8  # closest pairs a result lists (and a report shows)
WORST = 16  # generated samples with the lowest realism score a per-sample view lists
REGIONS = 4  # regions of the reference it shows, the least covered first
EXAMPLES = 8  # uncovered reference samples shown per region (a row of thumbnails)


@dataclass(frozen=True)
class Pair:
    """A generated sample and its nearest training sample (rows as extracted; files when the sides are folders)."""

    generated: int
    train: int
    distance: float
    train_distance: float  # the training sample's distance to its own nearest other training sample, for scale
    generated_file: str | None = None
    train_file: str | None = None

    def to_dict(self) -> dict:
        return {
            "generated": self.generated,
            "train": self.train,
            "distance": self.distance,
            "train_nn_distance": self.train_distance,
            "generated_file": self.generated_file,
            "train_file": self.train_file,
        }


@dataclass(frozen=True)
class Memorization:
    """The closest generated/training pairs, nearest first, and their images (uint8 C x H x W, None for
    points, statistics files or unreadable files), which reports show and JSON leaves out."""

    pairs: list[Pair]
    images: list[tuple[np.ndarray | None, np.ndarray | None]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {"closest_pairs": [pair.to_dict() for pair in self.pairs]}

    def lines(self) -> list[str]:
        """The pairs as a table's lines."""
        rows = [
            f"closest generated/training pairs ({len(self.pairs)}; distance vs the training sample's own "
            "nearest-neighbour distance):"
        ]
        for pair in self.pairs:
            names = f"  {pair.generated_file} ~ {pair.train_file}" if pair.generated_file or pair.train_file else ""
            rows.append(
                f"  generated {pair.generated:>6} ~ train {pair.train:>6}   distance {pair.distance:<10.4g} "
                f"(train's own {pair.train_distance:.4g}){names}"
            )
        return rows


@dataclass(frozen=True)
class Side:
    """One side as extracted: its source, features, what extraction read (`info`) and how it was selected."""

    source: Source
    features: np.ndarray
    info: dict
    reference: bool  # extracted as a reference (bundled sets: drawn with the reference seed)


def find_pairs(train: Side, generated: Side, *, n: int | None, seed: int, count: int = PAIRS) -> Memorization:
    """The `count` generated samples nearest to the training set (`closest_pairs`), with their file names
    and images. Rows map to files only when no file was skipped (--skip-bad); otherwise names and images
    are left out (None)."""
    pairs = closest_pairs(train.features, generated.features, count)
    found = [
        _samples(side, rows, n, seed)
        for side, rows in ((generated, [p.generated for p in pairs]), (train, [p.train for p in pairs]))
    ]
    return Memorization(
        [
            Pair(p.generated, p.train, p.distance, p.train_distance, g[1], t[1])
            for p, g, t in zip(pairs, found[0], found[1])
        ],
        [(g[0], t[0]) for g, t in zip(found[0], found[1])],
    )


def _samples(side: Side, rows: list[int], n: int | None, seed: int) -> list[tuple[np.ndarray | None, str | None]]:
    if side.info.get("skipped"):  # rows no longer follow the files
        return [(None, None) for _ in rows]
    return side.source.samples_at(rows, n=n, seed=seed, reference=side.reference)


@dataclass(frozen=True)
class Region:
    """A region of the reference (a k-means cluster) that the generated samples miss or under-cover: its reference
    samples, those whose k-NN ball no generated sample enters, and a few of those (rows, nearest the region's
    centre first; files when the reference is a folder)."""

    size: int
    uncovered: int
    rows: list[int]
    files: list[str | None]

    def to_dict(self, total: int) -> dict:
        return {
            "size": self.size,
            "share_of_reference": self.size / total,
            "uncovered": self.uncovered,
            "uncovered_share": self.uncovered / self.size,
            "examples": self.rows,
            "files": self.files,
        }


@dataclass(frozen=True)
class PerSampleView:
    """The per-sample view of a score: the generated samples with the lowest realism score (worst first), and
    the reference's least covered regions (least first), with their images (uint8 C x H x W or None), which
    reports show and JSON leaves out."""

    worst: list[int]
    realism: list[float]  # the worst samples' realism scores
    worst_files: list[str | None]
    regions: list[Region]
    uncovered: int  # reference samples whose k-NN ball no generated sample enters
    reference_count: int
    k: int  # the k-NN balls of the uncovered regions (coverage's k)
    worst_images: list[np.ndarray | None] = field(default_factory=list, repr=False)
    region_images: list[list[np.ndarray | None]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {
            "worst_realism": {
                "k": REALISM_K,
                "indices": self.worst,
                "realism": [value if math.isfinite(value) else None for value in self.realism],  # inf: a copy
                "files": self.worst_files,
            },
            "uncovered_regions": {
                "k": self.k,
                "uncovered": self.uncovered,
                "reference_count": self.reference_count,
                "regions": [region.to_dict(self.reference_count) for region in self.regions],
            },
        }


def find_per_sample(
    reference: Side, generated: Side, *, k: int, n: int | None, seed: int, prepared=None, worst: int = WORST
) -> PerSampleView:
    """The `worst` generated samples by realism score, and the REGIONS regions of the reference (k-means clusters)
    with the largest share of samples whose k-NN ball no generated sample enters (`uncovered_regions`), with
    their files and images. prepared: the reference's PreparedReference, whose k-NN balls are reused."""
    realism = realism_scores(reference.features, generated.features)
    lowest = [int(row) for row in np.argsort(realism, kind="stable")[:worst]]
    covered = prdc_per_sample(reference.features, generated.features, k, prepared=prepared).real_ball_covered
    found = uncovered_regions(reference.features, covered, REGIONS, EXAMPLES, seed=seed)
    shown = _samples(generated, lowest, n, seed)
    examples = [_samples(reference, [int(row) for row in region.examples], n, seed) for region in found]
    return PerSampleView(
        lowest,
        [float(realism[row]) for row in lowest],
        [file for _, file in shown],
        [
            Region(r.size, r.uncovered, [int(row) for row in r.examples], [f for _, f in got])
            for r, got in zip(found, examples)
        ],
        int((~covered).sum()),
        int(len(reference.features)),
        k,
        [image for image, _ in shown],
        [[image for image, _ in got] for got in examples],
    )
