"""Write a bundled data set to disk so people can look at it and feed it to other tools."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from ganeval.data.bundled import get_bundled


def export(name: str, out: str | Path, n: int | None = None, seed: int = 0) -> Path:
    """Images as numbered PNGs in folder `out`, or points as an .npy file (`out` itself when it ends
    in .npy, else out/NAME.npy). Written under a temporary name, then renamed: never half-written."""
    bundled = get_bundled(name)
    samples, _ = bundled.sample(n, seed)
    out = Path(out)
    if bundled.kind == "points":
        target = out if out.suffix == ".npy" else out / f"{name}.npy"
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".npy.tmp")
        with os.fdopen(handle, "wb") as stream:
            np.save(stream, samples)
        os.replace(temporary, target)
        return target
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty; export into a new or empty folder.")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        width = len(str(len(samples) - 1))
        for index, image in enumerate(samples):
            array = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
            Image.fromarray(array).save(staging / f"{index:0{width}d}.png")
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
