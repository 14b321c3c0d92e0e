"""Arrays of samples from .npy/.npz files or memory: uint8 images or 2-D points."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganeval.metrics._checks import check_finite
from ganeval.errors import GanevalError


def load_array_file(path: str | Path) -> np.ndarray:
    """The samples stored in an .npy file, or in an .npz file's only array (or its 'images'/'points')."""
    path = Path(path)
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.keys())
            for key in ("images", "points", "samples"):
                if key in keys:
                    return archive[key]
            if len(keys) == 1:
                return archive[keys[0]]
    except (OSError, ValueError) as error:
        raise GanevalError(f"{path}: cannot read this array file ({error}); write it with numpy.save or numpy.savez.") from None
    raise GanevalError(f"{path} holds arrays {keys}; store the samples alone, or under the key 'images' or 'points'.")


def as_samples(array, source: str, channels_last: bool = True) -> tuple[str, np.ndarray]:
    """("points", float64 N x 2) or ("images", uint8 N x C x H x W) from an array of samples.

    Image arrays are N x H x W or N x H x W x C (channels_last, numpy's layout) or N x C x H x W
    (torch's layout, channels_last=False; also recognised in numpy arrays when only the second axis
    can be channels), C in {1, 3, 4}, uint8 (0..255) or float in [0, 1].
    """
    array = array.detach().cpu().numpy() if hasattr(array, "detach") else np.asarray(array)
    if array.ndim == 2 and array.shape[1] == 2:
        points = array.astype(np.float64)
        check_finite(points, source)
        return "points", points
    if array.ndim == 3:
        array = array[:, None] if not channels_last else array[..., None]
    if array.ndim == 4 and channels_last and array.shape[-1] not in (1, 3, 4) and array.shape[1] in (1, 3, 4):
        channels_last = False  # unambiguously N x C x H x W (a torch layout saved or passed as numpy)
    if array.ndim != 4:
        raise GanevalError(
            f"{source} has shape {array.shape}; expected points (N x 2) or images (N x H x W [x C], uint8)."
        )
    if channels_last:
        array = array.transpose(0, 3, 1, 2)
    if array.shape[1] not in (1, 3, 4):
        raise GanevalError(f"{source} has {array.shape[1]} channels; images need 1 (gray), 3 (RGB) or 4 (RGBA).")
    if array.dtype == np.uint8:
        return "images", np.ascontiguousarray(array)
    if np.issubdtype(array.dtype, np.floating) and array.size and array.min() >= 0 and array.max() <= 1:
        return "images", np.round(array * 255).astype(np.uint8)
    raise GanevalError(
        f"{source} holds {array.dtype} images outside 0..1; pass uint8 images (0..255) or floats scaled to [0, 1]."
    )
