"""What the user pointed at, resolved: a bundled set, a statistics file, a folder, an array.

`resolve_source` turns a command-line string (or an in-memory array) into a `Source`, and
`Source.outputs(extractor, ...)` runs the extractor over it once (cached for references).
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganeval.data import BUNDLED, REFERENCE_SEED, Bundled, get_bundled
from ganeval.data.arrays import as_samples, load_array_file
from ganeval.data.images import decode_image, find_images
from ganeval.features import Extractor
from ganeval.features.cache import (
    FORMAT, GAUSSIAN_FORMAT, CacheWarning, cache_dir, cache_key, content_digest, load_gaussian, load_outputs, save_outputs,
    stats_format,
)  # fmt: skip
from ganeval.features.extract import extract_array, extract_files
from ganeval.errors import GanevalError, printable


@dataclass
class Source:
    """One side of a comparison, before feature extraction."""

    label: str  # how the user named it
    kind: str  # "bundled", "stats", "folder" or "array"
    bundled: Bundled | None = None
    files: list[Path] = field(default_factory=list)
    root: Path | None = None
    samples: np.ndarray | None = None  # array sources: images (uint8 NCHW) or points
    array_kind: str | None = None  # "images" or "points", stored for array and bundled sources (see samples_kind)
    stats: dict | None = None  # stats sources: loaded outputs
    stats_meta: dict | None = None

    @property
    def channels(self) -> int | None:
        """Colour channels of image sources: 3 when the colour channels differ (in the first few
        files of a folder), else 1; None for points and statistics files."""
        if self.bundled is not None:
            return self.bundled.channels if self.bundled.kind == "images" else None
        if self.samples is not None and self.array_kind == "images":
            return self.samples.shape[1]
        if self.files:
            rgb = [image for image in map(_decoded_or_none, self.files[:8]) if image is not None]
            return 3 if any((image[0] != image[1]).any() or (image[1] != image[2]).any() for image in rgb) else 1
        return None

    @property
    def gaussian_only(self) -> bool:
        """A statistics file of mu and sigma alone (pytorch-fid's format): FID only, no provenance."""
        return self.kind == "stats" and self.stats_meta.get("format") == GAUSSIAN_FORMAT

    @property
    def samples_kind(self) -> str | None:
        """"images" or "points" (statistics files: from the extractor that made them)."""
        if self.kind == "folder":
            return "images"
        if self.kind == "stats":
            if self.gaussian_only:
                return None  # mu and sigma say nothing about what was measured
            return "points" if self.stats_meta.get("extractor") == "points" else "images"
        return self.array_kind


def _decoded_or_none(path: Path):
    """An image file as uint8 3 x H x W, or None if it cannot be decoded: extraction reports it (or
    skips and counts it with --skip-bad), so peeking at the channels must not stop on it first."""
    try:
        return decode_image(path, 3)
    except GanevalError:
        return None


def resolve_source(value, role: str) -> Source:
    """A Source from a path, a bundled set name, or an in-memory array/tensor (N x C x H x W tensor,
    N x H x W [x C] numpy array, or N x 2 points)."""
    if not isinstance(value, (str, Path)):
        channels_last = not hasattr(value, "detach")  # torch tensors are N x C x H x W
        kind, samples = as_samples(value, f"the {role} array", channels_last=channels_last)
        return Source(f"<{role} array>", "array", samples=samples, array_kind=kind)
    text = str(value)
    path = Path(text)
    if text in BUNDLED and not path.exists():
        bundled = get_bundled(text)
        return Source(text, "bundled", bundled=bundled, array_kind=bundled.kind)
    if path.is_file() and path.suffix in (".npz", ".npy"):
        found = stats_format(path) if path.suffix == ".npz" else None
        if found == FORMAT:
            outputs, meta = load_outputs(path)
            return Source(text, "stats", stats=outputs, stats_meta=meta)
        if found == GAUSSIAN_FORMAT:
            return Source(text, "stats", stats=load_gaussian(path), stats_meta={"format": GAUSSIAN_FORMAT})
        kind, samples = as_samples(load_array_file(path), str(path))
        return Source(text, "array", samples=samples, array_kind=kind)
    if path.is_file():
        raise GanevalError(f"{path}: {role} must be a folder of images, an .npz/.npy array, a statistics file or one of the bundled sets ({', '.join(BUNDLED)}).")
    if not path.exists() and not any(sep in text for sep in "/\\") and "." not in text:
        raise GanevalError(f"{text!r} is neither a path nor a bundled data set; bundled sets are: {', '.join(BUNDLED)}.")
    _refuse_run_folder(path, role)
    return Source(text, "folder", files=find_images(path), root=path)


# What `ganeval train` (and TrainingLogger) write into a run folder; its samples/step_*.png are
# plots of sample grids, not samples.
RUN_FOLDER_FILES = ("checkpoint.pt", "manifest.json")


def _refuse_run_folder(path: Path, role: str) -> None:
    found = [name for name in RUN_FOLDER_FILES if (path / name).is_file()]
    if found:
        raise GanevalError(
            f"{printable(str(path))} is a training run folder (it holds {' and '.join(found)}), not a folder of {role} images; "
            f"its samples/step_*.png are plots of sample grids. Draw samples first with `ganeval sample {printable(str(path))} -o DIR` "
            "and score DIR."
        )



def _subsample(count: int, n: int | None, seed: int) -> np.ndarray | None:
    """Sorted row indices of a seeded subsample of n out of count, or None to keep all."""
    if n is None or n >= count:
        return None
    return np.sort(np.random.default_rng(seed).choice(count, n, replace=False))


def extract(
    source: Source,
    extractor: Extractor,
    *,
    n: int | None,
    seed: int,
    batch_size: int,
    workers: int | None,
    skip_bad: bool,
    progress: bool,
    use_cache: bool,
    reference: bool,
) -> tuple[dict[str, np.ndarray], dict]:
    """Extractor outputs for a source and a description of what was read (counts, cache use)."""
    role = "reference" if reference else "generated"
    info: dict = {"source": source.label, "kind": source.kind}
    if source.gaussian_only:  # nothing to subsample: FID against mu and sigma as they are
        return source.stats, {**info, "format": "mu and sigma alone (pytorch-fid); extractor and sample count unknown", "count": None}
    if source.kind == "stats":
        _check_stats_extractor(source, extractor)
        outputs = source.stats
        pick = _subsample(len(outputs["features"]), n, seed)
        outputs = outputs if pick is None else {key: value[pick] for key, value in outputs.items()}
        return outputs, {**info, "count": len(outputs["features"])}

    if source.kind == "bundled":
        draw_seed = REFERENCE_SEED if reference else seed
        key_source = {"bundled": source.bundled.name, "n": n, "seed": draw_seed}
    elif source.kind == "folder":
        pick = _subsample(len(source.files), n, seed)
        files = source.files if pick is None else [source.files[i] for i in pick]
    else:
        pick = _subsample(len(source.samples), n, seed)
        samples = source.samples if pick is None else source.samples[pick]

    cache_file = writable = None
    if use_cache and reference and source.kind in ("bundled", "folder"):  # in-memory arrays are not cached
        if source.kind == "folder":  # keyed by the bytes read, not by sizes and mtimes
            key_source = {"folder": str(source.root.resolve()), "files": len(files), "content_blake2b": content_digest(files, source.root)}
        cache_file = cache_dir() / f"{cache_key(key_source, extractor.provenance())}.npz"
        hit = _read_cache(cache_file)
        if hit is not None:
            outputs, meta = hit
            return outputs, {**info, **meta.get("read", {}), "count": len(outputs["features"]), "cache": "hit"}
        writable = _cache_usable(cache_file.parent)

    skipped: list[str] = []
    if source.kind == "bundled":
        samples, _ = source.bundled.sample(n, draw_seed)
        outputs = extract_array(samples, source.bundled.kind, extractor, batch_size, progress, desc=role)
        if source.bundled.kind == "images":
            info["draw_seed"] = draw_seed
    elif source.kind == "folder":
        outputs, skipped = extract_files(files, extractor, batch_size, workers, skip_bad, progress, desc=role)
    else:
        outputs = extract_array(samples, source.array_kind, extractor, batch_size, progress, desc=role)
    info["count"] = len(outputs["features"])
    if skipped:
        info["skipped"] = len(skipped)
        info["skipped_first"] = skipped[0]
    if writable:
        try:
            save_outputs(cache_file, outputs, {"source": key_source, **extractor.provenance(), "read": info})
            info["cache"] = "written"
        except OSError as error:  # disk full, folder removed meanwhile: the result matters, the cache does not
            _warn_cache(cache_file.parent, error.strerror or str(error))
            info["cache"] = "off"
    elif cache_file is not None:
        info["cache"] = "off"
    return outputs, info


def _read_cache(cache_file: Path):
    """(outputs, meta) of a readable cache entry, else None (absent, unreadable or corrupt: recomputed)."""
    try:
        if not cache_file.is_file():
            return None
        return load_outputs(cache_file)
    except (OSError, ValueError):
        return None


def _cache_usable(folder: Path) -> bool:
    """Whether cache entries can be written in `folder` (created if needed); one warning if not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        _warn_cache(folder, "it is a file" if folder.is_file() else error.strerror or str(error))
        return False
    return True


def _warn_cache(folder: Path, reason: str) -> None:
    warnings.warn(
        f"the reference cache {printable(str(folder))} is not usable ({reason}); scoring without caching. "
        "Set GANEVAL_CACHE_DIR to a writable folder, or pass --no-cache.",
        CacheWarning,
        stacklevel=3,
    )


def _check_stats_extractor(source: Source, extractor: Extractor) -> None:
    meta = source.stats_meta
    mismatches = [
        f"{key} {meta.get(key)!r} (file) vs {value!r}"
        for key, value in extractor.provenance().items()
        if key in ("extractor", "weights_sha256") and meta.get(key) != value
    ]
    if mismatches:
        raise GanevalError(
            f"{source.label} was computed with other settings: {'; '.join(mismatches)}. "
            f"Score with --extractor {meta.get('extractor')} and the same weights, or recreate the statistics."
        )
