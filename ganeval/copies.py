"""The training set beside a score: which generated samples lie closest to the training set, with their
files and images for a reader to look at.

`score(..., train=...)` extracts the training set like a reference and hands its features to the
memorization metrics (`ganeval.metrics.memorization`: memorized, authenticity, C_T); what needs the sources
(file names, pixels) is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ganeval.metrics import closest_pairs
from ganeval.sources import Source

PAIRS = 8  # closest pairs a result lists (and a report shows)


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
