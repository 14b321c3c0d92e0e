"""Samples to disk in the forms `ganeval score` reads (points as .npy, images as a folder of PNGs),
and bundled data sets written that way so people can look at them and feed them to other tools."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from ganeval.atomic import atomic_folder, atomic_write
from ganeval.data.bundled import get_bundled
from ganeval.data.labels import LABELS_FILE, write_labels
from ganeval.errors import GanevalError
from ganeval.plugins import load_run

MAX_EXPORT = {
    "points": 1_000_000,
    "images": 100_000,
}  # 16 MB of points; 100,000 PNG files (stacked digits: 300 MB in memory)


def export(name: str, output: str | Path, n: int | None = None, seed: int = 0) -> Path:
    """Images as numbered PNGs in folder `output`, or points as an .npy file (`output` itself when it
    ends in .npy, else output/NAME.npy). Written under a temporary name, then renamed: never half-written."""
    bundled = get_bundled(name)
    most = MAX_EXPORT[bundled.kind]
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= most):
        raise GanevalError(
            f"the number of samples to export (--n) must be a whole number from 1 to {most:,} for {name}; got {n!r}.",
            argument="n",
        )
    samples, _ = bundled.sample(n, seed)
    output = Path(output)
    if bundled.kind == "points":
        return write_samples(samples, output if output.suffix == ".npy" else output / f"{name}.npy")
    return write_samples(samples, output)


def sample_run(
    run, output: str | Path, *, n: int, seed: int = 0, label: int | None = None, device="cpu", progress: bool = True
) -> Path:
    """`n` samples of the trained run in folder `run`, drawn with `seed` (only class `label` of a
    class-conditional run) by its generator on `device`, written by `write_samples` to `output` (with
    `progress`, a bar of the PNGs written, on a terminal). Image folders are checked before the slow part."""
    generator = load_run(run)
    if label is not None and not generator.conditional:
        raise GanevalError(
            f"--label (label) needs a class-conditional run (cgan); {run} was trained with the unconditional "
            f"{generator.name} variant: sample it without --label.",
            argument="label",
        )
    if generator.kind == "images":
        require_empty_folder(output, "image samples are written as a folder of PNGs: choose a new folder")
    samples = generator.sample(n, seed=seed, label=label, device=device)
    labels = asked_classes(generator, n, label) if generator.kind == "images" else None
    return write_samples(samples, output, digits=6, progress=progress, labels=labels)


def asked_classes(generator, n: int, label: int | None = None) -> np.ndarray | None:
    """The class each of `n` samples of a run was drawn for: `label`, or with label None the classes of its
    bundled reference in turn, 0, 1, ..., 9, 0, ... (a conditional run's `sample`); None for unconditional runs
    and references whose classes are not known."""
    if not getattr(generator, "conditional", False):  # any Generator: only a conditional run draws classes
        return None
    if label is not None:
        return np.full(n, label)
    try:
        classes = get_bundled(str(generator.reference)).n_modes
    except GanevalError:  # a folder or statistics file: its classes are not known here
        return None
    return np.arange(n) % classes


def require_empty_folder(output: str | Path, advice: str = "export into a new or empty folder") -> Path:
    """`output` as a Path; refused (GanevalError, ending with `advice`) when it exists and is not an
    empty folder, since images are written as a new folder of PNGs. Callers with slow work to do
    first (sampling a generator) check early."""
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise GanevalError(f"{output} exists and is not an empty folder; {advice}.")
    return output


def write_samples(
    samples: np.ndarray,
    output: str | Path,
    *,
    digits: int | None = None,
    progress: bool = False,
    file=None,
    labels=None,
) -> Path:
    """Samples to disk, in the forms `ganeval score` reads: N x 2 points as the .npy file `output`;
    uint8 N x C x H x W images as PNGs in the new folder `output`, numbered from 0 with `digits`
    digits (default: as many as the last number needs). Atomic: never half-written. progress: a bar of
    the PNGs written on stderr (`file`), where it is a terminal (tqdm's disable=None). labels: each
    image's class, written beside them as the folder's labels file (ganeval.data.labels)."""
    if samples.ndim == 2:
        with atomic_write(output) as stream:
            np.save(stream, samples)
        return Path(output)
    output = require_empty_folder(output)
    width = digits or len(str(len(samples) - 1))
    bar = tqdm(samples, desc="writing PNGs", unit="img", file=file, leave=False, disable=None if progress else True)
    with atomic_folder(output) as staging:
        for index, image in enumerate(bar):
            array = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
            Image.fromarray(array).save(staging / f"{index:0{width}d}.png")
        if labels is not None:
            with open(staging / LABELS_FILE, "w", newline="", encoding="utf-8") as stream:
                write_labels(stream, [f"{index:0{width}d}.png" for index in range(len(samples))], labels)
    return output
