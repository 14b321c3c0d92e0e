"""Arrays of samples from .npy/.npz files or memory: uint8 images or 2-D points.

Accepted (anything else is refused with a message saying which of these to convert to):
- points: N x 2, any real (float, integer) dtype, finite, magnitudes up to MAX_MAGNITUDE (1e100);
- images: N x H x W, N x H x W x C (numpy's layout) or N x C x H x W (torch's), C in {1, 3, 4},
  dtype uint8 (0..255) or float in [0, 1] (finite). Other integer and bool images are refused,
  not guessed at: 0..255 and 0..1 both occur in int arrays, and a wrong guess ruins the scores.
"""

from __future__ import annotations

import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ganeval.errors import GanevalError, printable
from ganeval.metrics._checks import check_finite, check_magnitude

# What numpy raises for a damaged, truncated or foreign .npy/.npz file (found by fuzzing): zip and
# zlib errors for archives (zipfile's RuntimeError: an "encrypted" member, or NotImplementedError:
# an unknown zip version or compression); ValueError, EOFError, SyntaxError and tokenize's
# TokenError for headers and short data; MemoryError for a header declaring a huge array.
READ_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    SyntaxError,
    KeyError,
    RuntimeError,
    tokenize.TokenError,
    zipfile.BadZipFile,
    zlib.error,
    MemoryError,
)
SAMPLE_KEYS = ("images", "points", "samples")  # where an .npz file holding several arrays keeps the samples
# The most bytes one array of an .npy/.npz file may hold, checked from its header before its data is read or
# inflated: a 1 MB .npz of zeros can inflate to gigabytes. 8 GiB holds 50,000 x 2048 float64 features
# (0.8 GB) ten times over, and 50,000 RGB images of 200 x 200 pixels; larger sets are scored from folders.
MAX_ARRAY_BYTES = 8 * 2**30


def load_array_file(path: str | Path) -> np.ndarray:
    """The samples stored in an .npy file, or in an .npz file's only array (or its 'images'/'points');
    GanevalError naming the file if it is damaged, truncated, pickled or holds no samples."""
    path = Path(path)
    shown = printable(str(path))
    check_array_sizes(path)
    try:
        loaded = np.load(path, allow_pickle=False)  # an array (.npy content) or an archive (.npz), whatever the suffix
        if isinstance(loaded, np.ndarray):
            return loaded
        with loaded as archive:
            keys = list(archive.keys())
            for key in SAMPLE_KEYS:
                if key in keys:
                    return archive[key]
            if len(keys) == 1:
                return archive[keys[0]]
    except READ_ERRORS as error:
        raise GanevalError(
            f"{shown}: cannot read this array file ({type(error).__name__}: {printable(str(error))}); it is damaged, "
            "truncated or not a numpy file (object arrays and pickles are refused). "
            "Write it with numpy.save or numpy.savez."
        ) from None
    if {"mu", "sigma"} <= set(keys):
        raise GanevalError(
            f"{shown} holds Gaussian statistics (mu, sigma) but no samples; such a file can only be a reference "
            "(--ref), "
            "for FID, and generated samples must be images or points."
        )
    raise GanevalError(
        f"{shown} holds arrays {printable(str(keys))}; store the samples alone, or under the key 'images' or 'points'."
    )


def check_array_sizes(path: Path) -> None:
    """Refuse an .npy/.npz file whose arrays, by their headers, hold more than MAX_ARRAY_BYTES each, before any
    array data is read or inflated (GanevalError naming the file and the array). Arrays whose header declares
    more data than the file (or zip member) holds are left to numpy, which refuses them as truncated; a file that
    is neither (damaged, foreign) is also left to the loader, which says why."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                sizes = {info.filename: _member_bytes(archive, info) for info in archive.infolist()}
        else:
            with open(path, "rb") as stream:
                sizes = {"": _declared_bytes(stream)}
    except READ_ERRORS:
        return
    for name, size in sizes.items():
        if size > MAX_ARRAY_BYTES:
            where = f" (array {printable(name.removesuffix('.npy'))!r})" if name else ""
            raise GanevalError(
                f"{printable(str(path))}{where} holds {size / 2**30:.1f} GiB once read, more than the "
                f"{MAX_ARRAY_BYTES / 2**30:.0f} GiB ganeval reads from one array file (a guard against archives that "
                "inflate to fill the memory); score a folder of images, or split the samples into several files."
            )


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The bytes an .npz member holds once inflated: the larger of its recorded size and, for an .npy
    member, the data its header declares (read from the member's first bytes)."""
    if not info.filename.endswith(".npy") or info.file_size > MAX_ARRAY_BYTES:
        return info.file_size
    with archive.open(info) as stream:
        return max(info.file_size, _declared_bytes(stream))


def _declared_bytes(stream) -> int:
    """The bytes of array data an .npy header (at the stream's position) declares."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    return int(np.prod(shape, dtype=object)) * dtype.itemsize


def as_samples(array, source: str, channels_last: bool = True) -> tuple[str, np.ndarray]:
    """("points", float64 N x 2) or ("images", uint8 N x C x H x W) from an array of samples.

    Image arrays are N x H x W or N x H x W x C (channels_last, numpy's layout) or N x C x H x W
    (torch's layout, channels_last=False; also recognised in numpy arrays when only the second axis
    can be channels), C in {1, 3, 4}, uint8 (0..255) or float in [0, 1].
    """
    array = array.detach().cpu().numpy() if hasattr(array, "detach") else np.asarray(array)
    source = printable(source)
    _check_numeric(array, source)
    if array.ndim >= 1 and array.shape[0] == 0:
        raise GanevalError(f"{source} holds no samples (shape {array.shape}); pass at least 2 samples.")
    if array.ndim == 2 and array.shape[1] == 2:
        if array.dtype == np.bool_:
            raise GanevalError(f"{source} holds bool values; points (N x 2) must be numbers.")
        points = array.astype(np.float64)
        check_magnitude(points, source)
        return "points", points
    if array.ndim == 3:
        array = array[:, None] if not channels_last else array[..., None]
    if array.ndim == 4 and channels_last and array.shape[-1] not in (1, 3, 4) and array.shape[1] in (1, 3, 4):
        channels_last = False  # unambiguously N x C x H x W (a torch layout saved or passed as numpy)
    if array.ndim != 4 or 0 in array.shape:
        raise GanevalError(
            f"{source} has shape {array.shape}; expected points (N x 2) or images (N x H x W, N x H x W x C "
            "or N x C x H x W, C in 1, 3, 4)."
        )
    if channels_last:
        array = array.transpose(0, 3, 1, 2)
    if array.shape[1] not in (1, 3, 4):
        raise GanevalError(f"{source} has {array.shape[1]} channels; images need 1 (gray), 3 (RGB) or 4 (RGBA).")
    return "images", _as_uint8(array, source)


def _check_numeric(array: np.ndarray, source: str) -> None:
    """Refuse object, string, complex and structured arrays (ragged lists end up as object arrays)."""
    if array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating):
        return
    raise GanevalError(
        f"{source} holds {array.dtype} values; samples must be a numeric array: uint8 images (0..255), float images in "
        "[0, 1], or N x 2 points (all samples of one shape)."
    )


def _as_uint8(images: np.ndarray, source: str) -> np.ndarray:
    """uint8 images from uint8 (kept) or finite floats in [0, 1] (scaled by 255, rounded)."""
    check_image_values(images, source)
    if images.dtype == np.uint8:
        return np.ascontiguousarray(images)
    return np.round(images.astype(np.float64) * 255).astype(np.uint8)


def check_image_values(images: np.ndarray, source: str, value_range: tuple[float, float] = (0.0, 1.0)) -> None:
    """GanevalError unless `images` are uint8 or finite floats in value_range, saying how to convert: one rule
    for samples that `score` reads ([0, 1]) and a generator's float outputs in `check` (its --value-range)."""
    if images.dtype == np.uint8:
        return
    if np.issubdtype(images.dtype, np.floating):
        check_finite(images, source)
        if images.min() >= value_range[0] and images.max() <= value_range[1]:
            return
    low, high = (0, 1) if images.dtype == np.bool_ else (images.min(), images.max())
    why = (
        ""
        if np.issubdtype(images.dtype, np.floating)
        else " Integer images other than uint8 are not guessed at: 0..1 and 0..255 both occur."
    )
    raise GanevalError(
        f"{source} holds {images.dtype} images with values {low:.4g}..{high:.4g}; pass uint8 images (0..255) or float "
        f"images in [{value_range[0]:g}, {value_range[1]:g}]{_conversion_hint(images.dtype, low, high)}.{why}"
    )


def _conversion_hint(dtype: np.dtype, low: float, high: float) -> str:
    """How to convert images of this dtype and value range into an accepted form, if there is an obvious way."""
    if dtype == np.bool_ or (low >= 0 and high <= 1):
        return ": convert with (x * 255).astype(np.uint8) if 1 means white"
    if low >= -1 and high <= 1:
        return ": for tanh outputs in [-1, 1], pass (x + 1) / 2"
    if low >= 0 and high <= 255:
        return ": convert with np.round(x).astype(np.uint8) if the values are 8-bit pixels"
    return ""
