"""Write a bundled data set to disk so people can look at it and feed it to other tools."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ganeval.atomic import atomic_folder, atomic_write
from ganeval.data.bundled import get_bundled
from ganeval.errors import GanevalError

MAX_EXPORT = {"points": 1_000_000, "images": 100_000}  # 16 MB of points; 100,000 PNG files (stacked digits: 300 MB in memory)


def export(name: str, out: str | Path, n: int | None = None, seed: int = 0) -> Path:
    """Images as numbered PNGs in folder `out`, or points as an .npy file (`out` itself when it ends
    in .npy, else out/NAME.npy). Written under a temporary name, then renamed: never half-written."""
    bundled = get_bundled(name)
    most = MAX_EXPORT[bundled.kind]
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= most):
        raise GanevalError(f"the number of samples to export (--n) must be a whole number from 1 to {most:,} for {name}; got {n!r}.", argument="n")
    samples, _ = bundled.sample(n, seed)
    out = Path(out)
    if bundled.kind == "points":
        target = out if out.suffix == ".npy" else out / f"{name}.npy"
        with atomic_write(target) as stream:
            np.save(stream, samples)
        return target
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise GanevalError(f"{out} exists and is not an empty folder; export into a new or empty folder.")
    with atomic_folder(out) as staging:
        width = len(str(len(samples) - 1))
        for index, image in enumerate(samples):
            array = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
            Image.fromarray(array).save(staging / f"{index:0{width}d}.png")
    return out
