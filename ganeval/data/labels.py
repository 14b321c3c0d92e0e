"""Class labels of a labelled folder, for the metrics of conditional generators (intra-FID, CAS).

A folder is labelled in one of two ways:
- a labels file, LABELS_FILE (labels.csv) at its top: a CSV with the header `file,label` and one row per image,
  `file` its path relative to the folder (as `ganeval sample` writes for a conditional run);
- one subfolder per class: every image one level down, in a subfolder named after its class (ImageNet's
  train/n01440764/..., an export of a labelled data set).
The labels file wins where both apply. Labels are class names (strings): "3" in a folder matches class 3 of
the bundled digits.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ganeval.errors import GanevalError, printable
from ganeval.files import read_regular

LABELS_FILE = "labels.csv"
LABELLED_HOW = (
    f"put each class's images in a subfolder named after the class, or write a {LABELS_FILE} (header file,label; "
    "one row per image, its path relative to the folder) at the folder's top"
)
MAX_LABELS_BYTES = 64 * 2**20  # a labels file of a million images is about 20 MB


def folder_labels(root: Path, images: list[Path], files: list[Path]) -> np.ndarray | None:
    """The class label of each of `files` (some of the folder's `images`, those scored), in their order; None
    when the folder is not labelled (no labels file, and not every image one level down)."""
    if (root / LABELS_FILE).is_file():
        return _from_file(root / LABELS_FILE, root, images, files)
    if any(len(path.relative_to(root).parts) != 2 for path in images):
        return None
    return np.array([path.relative_to(root).parts[0] for path in files])


def _from_file(path: Path, root: Path, images: list[Path], files: list[Path]) -> np.ndarray:
    shown = printable(str(path))
    data = read_regular(path, MAX_LABELS_BYTES, "a labels file", "it should hold one short file,label line per image")
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as error:
        raise GanevalError(f"{shown}: not a CSV file of file,label rows ({error}).") from None
    if not rows or [cell.strip() for cell in rows[0]] != ["file", "label"]:
        raise GanevalError(f"{shown}: the first line must be the header file,label; got {printable(str(rows[:1]))}.")
    labels: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise GanevalError(f"{shown}, line {line}: expected file,label; got {printable(','.join(row))}.")
        name, label = row[0].strip(), row[1].strip()
        if name in labels:
            raise GanevalError(f"{shown}, line {line}: {printable(name)} is labelled twice.")
        labels[name] = label
    relative = [file.relative_to(root).as_posix() for file in files]
    absent = sorted(set(labels) - {image.relative_to(root).as_posix() for image in images})
    if absent:
        raise GanevalError(
            f"{shown} names {len(absent)} file(s) that are not images in the folder, the first "
            f"{printable(absent[0])}; remove those rows, or put the files back."
        )
    unlabelled = [name for name in relative if name not in labels]
    if unlabelled:
        raise GanevalError(
            f"{shown} gives no label for {len(unlabelled)} image(s), the first {printable(unlabelled[0])}; add a row "
            "file,label for each image in the folder."
        )
    return np.array([labels[name] for name in relative])


def write_labels(stream, names: list[str], labels) -> None:
    """A labels file: the header file,label, then a row per image (names relative to the folder)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["file", "label"])
    writer.writerows(zip(names, (str(label) for label in labels)))
