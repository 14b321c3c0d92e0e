"""Image files to uint8 arrays: finding them, decoding them, converting their channels.

Conversions (documented for users, applied the same way to every input):
- 3-channel extractors get RGB via PIL's convert("RGB"), as torch-fidelity does: grayscale is
  replicated, palette images expanded, the alpha channel of RGBA/LA dropped.
- 1-channel extractors get luma via PIL's convert("L") (ITU-R 601-2: 0.299 R + 0.587 G + 0.114 B).
- 16-bit images (PNG "I;16", "I") are scaled to 8 bits (value / 257) before either conversion.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ganeval.errors import GanevalError, printable

# what pytorch-fid reads: its set, so a folder it scores is the same folder here
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".pgm", ".ppm", ".tif", ".tiff")
LUMA = np.array([0.299, 0.587, 0.114])
# The largest image decoded: PIL's decompression-bomb threshold (about 89 million pixels, 0.27 GB as
# RGB), past which PIL only warns (it refuses at twice as much). A PNG of a few KB can declare
# 15000 x 15000 pixels; no GAN sample comes near, so ganeval refuses both, whatever PIL is set to.
MAX_PIXELS = 89_478_485
# The largest file taken for an image, checked from its size before its bytes are hashed or decoded: a
# MAX_PIXELS image of 16-bit RGBA stored raw (BMP, uncompressed PNG) takes 0.72 GB. A larger file (a sparse
# 60 GB file, a disk image renamed .png) is not an image, and hashing it would read it all.
MAX_IMAGE_BYTES = 2**30
# Files past this size (no GAN sample comes near) have their header checked too: a format PIL knows, and no
# more bytes than its declared pixels could take (8 bytes a pixel, plus 1 MiB of metadata).
HEADER_CHECK_BYTES = 64 * 2**20
# What PIL raises for a damaged, truncated or foreign file (found by fuzzing PNG, JPEG, WebP, BMP, PPM, TIFF).
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)


def find_images(folder: str | Path) -> list[Path]:
    """Image files under folder (recursively), sorted by relative path for a stable order.
    Hidden files and folders (names starting with '.') are skipped: they hold the staging folders
    and temporary files of interrupted writers (.out.1234.xxxxxxxx.tmp), .git, thumbnails."""
    folder = Path(folder)
    shown = printable(str(folder))
    if not folder.exists():
        raise GanevalError(
            f"{shown}: no such file or folder; pass a folder of images, an .npz/.npy array or a bundled set name."
        )
    if not folder.is_dir():
        raise GanevalError(
            f"{shown} is not a folder of images; pass a folder, an .npz/.npy file or a bundled set name."
        )
    files = []
    for parent, folders, names in os.walk(folder):  # symbolic links to folders are not followed, as rglob
        folders[:] = [name for name in folders if not name.startswith(".")]
        files += [
            Path(parent, name)
            for name in names
            if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_EXTENSIONS
        ]
    # dangling symbolic links stay: extraction stops on them naming the link, or skips and counts them (--skip-bad)
    files = sorted(path for path in files if path.is_file() or (path.is_symlink() and not path.exists()))
    if not files:
        raise GanevalError(
            f"{shown} holds no images ({', '.join(IMAGE_EXTENSIONS)}, searched recursively, hidden names skipped); "
            "check the path, or export samples first (ganeval export NAME DIR)."
        )
    _refuse_oversized(files, shown)
    return files


def _refuse_oversized(files: list[Path], folder: str) -> None:
    """GanevalError counting the files too large to be images (`_oversized`), before anything hashes their bytes."""
    oversized = [(path, why) for path in files if (why := _oversized(path))]
    if oversized:
        path, why = oversized[0]
        raise GanevalError(
            f"{folder}: {len(oversized)} file(s) are too large to be images, the first {printable(str(path))} ({why}); "
            f"ganeval reads image files of at most {MAX_IMAGE_BYTES / 2**30:.0f} GiB. Move them out of the folder."
        )


def _oversized(path: Path) -> str | None:
    """Why a file is too large to be an image (its size, or its size against its header), or None."""
    try:
        size = path.stat().st_size
    except OSError:  # a dangling link or a file removed meanwhile: extraction names it
        return None
    if size > MAX_IMAGE_BYTES:
        return f"{size / 2**30:.1f} GiB"
    if size <= HEADER_CHECK_BYTES:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a decompression bomb is refused when decoded, naming the file
            with Image.open(path) as image:
                pixels = image.width * image.height
    except (*DECODE_ERRORS, Image.DecompressionBombError):
        return f"{size / 2**20:.0f} MiB, and no image header"
    if size > 8 * pixels + 2**20:
        return f"{size / 2**20:.0f} MiB for {image.width} x {image.height} pixels"
    return None


def decode_image(path: str | Path, channels: int) -> np.ndarray:
    """One image file as uint8 C x H x W with C == channels; GanevalError naming the file if it is
    unreadable or larger than MAX_PIXELS (checked from the header, before any pixel is decoded)."""
    shown = printable(str(path))
    if Path(path).is_symlink() and not Path(path).exists():
        raise GanevalError(
            f"{shown} is a symbolic link to {printable(os.readlink(path))}, which does not exist; fix or delete the "
            "link, or pass --skip-bad to skip it."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # refused below, with the file's name
            # PIL's UserWarnings concern metadata (EXIF, XMP, APNG chunks, MPO, palette transparency),
            # never the pixels read here: harmless, and they would reach the user raw from the workers
            warnings.simplefilter("ignore", UserWarning)
            with Image.open(path) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{image.width} x {image.height} pixels")
                image.load()
                array = _pixels(image, channels)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise GanevalError(
            f"{shown}: image too large to decode ({error}); ganeval decodes at most {MAX_PIXELS:,} pixels per image, "
            "as a guard against decompression bombs. Resize or delete it, or pass --skip-bad to skip it."
        ) from None
    except DECODE_ERRORS as error:
        raise GanevalError(
            f"{shown}: cannot decode this image ({error}); delete or re-export it, "
            "or pass --skip-bad to skip unreadable files."
        ) from None
    return array.transpose(2, 0, 1) if array.ndim == 3 else array[None]


def _pixels(image: Image.Image, channels: int) -> np.ndarray:
    """A decoded image as uint8 H x W x 3 (channels 3) or H x W (channels 1); 16-bit scaled to 8 first."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        wide = np.asarray(image, dtype=np.float64)
        image = Image.fromarray(np.clip(np.round(wide / 257.0), 0, 255).astype(np.uint8), mode="L")
    return np.asarray(image.convert("RGB" if channels == 3 else "L"))


def convert_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """uint8 N x C x H x W with C in {1, 3, 4} to `channels` channels, as the file conversions do."""
    have = images.shape[1]
    if have == channels:
        return images
    if have == 4:
        images, have = images[:, :3], 3
    if have == 1 and channels == 3:
        return np.repeat(images, 3, axis=1)
    if have == 3 and channels == 1:
        luma = np.tensordot(LUMA, images.astype(np.float64), axes=([0], [1]))
        return np.clip(np.round(luma), 0, 255).astype(np.uint8)[:, None]
    return images


def tile(images: np.ndarray, columns: int = 8, pad: int = 2) -> np.ndarray:
    """uint8 N x C x H x W images as one mosaic, rows of `columns`, `pad` black pixels apart:
    H' x W' for one channel, H' x W' x C otherwise (what PIL and matplotlib show)."""
    n, channels, height, width = images.shape
    rows = -(-n // columns)
    grid = np.zeros((rows * (height + pad) + pad, columns * (width + pad) + pad, channels), dtype=np.uint8)
    for i, image in enumerate(images):
        top, left = pad + (i // columns) * (height + pad), pad + (i % columns) * (width + pad)
        grid[top : top + height, left : left + width] = image.transpose(1, 2, 0)
    return grid[..., 0] if channels == 1 else grid
