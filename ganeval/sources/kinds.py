"""What the user pointed at, resolved: a bundled set, a statistics file, a folder, an array.

One class per kind of input, all `Source`s: `BundledSource`, `StatsSource` (and `GaussianStatsSource`
for pytorch-fid's mu and sigma), `FolderSource` and `ArraySource`. `resolve_source` turns a
command-line string (or an in-memory array) into the right one. The kinds only select and read: what
`n` and `seed` pick, how the reference cache keys it, and how to read it into a sink are methods of
each class, not branches on a tag; extracting (cache lookup, run, store) is `sources.extraction`'s
one path, and sharding under torchrun `sources.sharding`'s. `kind` only names the class in
provenance and results.
"""

from __future__ import annotations

import abc
import hashlib
from pathlib import Path
from typing import ClassVar

import numpy as np

from ganeval.cache.keys import content_digest
from ganeval.cache.statsfile import FORMAT, GAUSSIAN_FORMAT, load_gaussian, load_outputs, stats_format
from ganeval.data import BUNDLED, MIXTURES, REFERENCE_SEED, Bundled, get_bundled
from ganeval.data.arrays import as_samples, load_array_file
from ganeval.data.images import decode_image, find_images
from ganeval.data.labels import folder_labels
from ganeval.data.mixtures import Mixture
from ganeval.errors import GanevalError, printable
from ganeval.features import Extractor
from ganeval.features.extract import Sink, extract_array, extract_files
from ganeval.metrics import GaussianStats
from ganeval.options import Extraction
from ganeval.sources.extraction import extract_sampled
from ganeval.sources.sharding import rows_here

Outputs = dict[str, np.ndarray]


class Source(abc.ABC):
    """One side of a comparison, before feature extraction."""

    kind: ClassVar[str]  # "bundled", "stats", "folder" or "array": the name provenance records
    gaussian_only: ClassVar[bool] = False  # mu and sigma alone (pytorch-fid): FID only, no provenance

    def __init__(self, label: str):
        self.label = label  # how the user named it

    @property
    @abc.abstractmethod
    def samples_kind(self) -> str | None:
        """ "images" or "points"; None when the source does not say (mu and sigma alone)."""

    @property
    def channels(self) -> int | None:
        """Colour channels of image sources (1 or 3); None for points and statistics files."""
        return None

    @property
    def uniform_modes(self) -> bool:
        """True when the true modes are known to be equally likely (mode KL is then taken against uniform)."""
        return False

    @property
    def extractor_name(self) -> str | None:
        """The extractor this source calls for (a bundled set's, or the one that made a statistics file), if any."""
        return None

    @property
    def mixture(self) -> Mixture | None:
        """The bundled 2-D mixture the samples come from, whose centres give the points' modes."""
        return None

    def extractor_channels(self, name: str) -> int | None:
        """The channels extractor `name` ran with on this source, when recorded (statistics files)."""
        return None

    @abc.abstractmethod
    def identity(self) -> dict:
        """What the source is, by content (independent of paths, mtimes and the machine): a baseline
        made against it is comparable with any check against the same content."""

    @abc.abstractmethod
    def extract(
        self,
        extractor: Extractor,
        extraction: Extraction,
        *,
        n: int | None,
        seed: int,
        reference: bool,
        keep: bool = True,
    ) -> tuple[Outputs, dict]:
        """Extractor outputs and a description of what was read (counts, cache use). extraction: resolved (its
        batch size, workers, skip_bad, progress and cache apply).

        keep=False: the per-sample outputs are not needed (FID alone): the outputs are {"gaussian":
        GaussianStats of the features}, and memory stays O(D^2) whatever the number of samples."""

    def _info(self) -> dict:
        return {"source": self.label, "kind": self.kind}

    def labels(self, *, n: int | None, seed: int, reference: bool) -> np.ndarray | None:
        """The class label (a string) of each sample `extract` reads with the same n, seed and reference, in
        its order; None when the source has none (labelled folders: ganeval.data.labels)."""
        return None

    def samples_at(
        self, rows, *, n: int | None, seed: int, reference: bool
    ) -> list[tuple[np.ndarray | None, str | None]]:
        """The samples behind these rows of what `extract` read with the same n, seed and reference (for
        a reader to look at): each as (uint8 image C x H x W, or None where there is none to show; its file
        name relative to the folder, or None). Statistics files hold features only: (None, None)."""
        return [(None, None) for _ in rows]


class SampledSource(Source):
    """A source of samples the extractor runs over: the shared path of bundled sets, folders and
    arrays. A subclass says which samples `n` and `seed` select (`_select`), how to key them in
    the reference cache (`_cache_source`; None: not cached) and how to read them (`_read`)."""

    def extract(self, extractor, extraction, *, n, seed, reference, keep=True):
        return extract_sampled(self, extractor, extraction, n=n, seed=seed, reference=reference, keep=keep)

    @abc.abstractmethod
    def _select(self, n: int | None, seed: int, reference: bool):
        """What `n` and `seed` pick from the source (a subsample, a draw seed)."""

    def _cache_source(self, selection) -> dict | None:
        """The selection as the reference cache keys it; None: not cached."""
        return None

    @abc.abstractmethod
    def _seen(self, selection) -> dict:
        """What the selection is, cheaply (no file read): the ranks of a torchrun job compare it before merging."""

    @abc.abstractmethod
    def _read(
        self, selection, extractor: Extractor, extraction: Extraction, info: dict, sizes: set, role: str, sink: Sink
    ) -> tuple[Outputs, list[str]]:
        """Run the extractor over the selection into `sink`: its result and the messages of skipped files.
        Adds what it read to `info`, and the image sizes (height, width) it met to `sizes`."""


class BundledSource(SampledSource):
    """A bundled data set by name; references are drawn with the fixed REFERENCE_SEED."""

    kind = "bundled"

    def __init__(self, label: str, bundled: Bundled):
        super().__init__(label)
        self.bundled = bundled

    @property
    def samples_kind(self) -> str:
        return self.bundled.kind

    @property
    def channels(self) -> int | None:
        return self.bundled.channels if self.bundled.kind == "images" else None

    @property
    def uniform_modes(self) -> bool:
        return self.bundled.uniform_modes

    @property
    def extractor_name(self) -> str:
        return self.bundled.extractor

    @property
    def mixture(self) -> Mixture | None:
        return self.bundled.mixture

    def identity(self) -> dict:
        return {"kind": "bundled", "name": self.bundled.name, "draw_seed": REFERENCE_SEED}

    def _select(self, n, seed, reference):
        return n, REFERENCE_SEED if reference else seed  # how many to draw, and the draw seed

    def labels(self, *, n, seed, reference):  # the true classes (digits) or modes the set is drawn with
        return self.bundled.sample(*self._select(n, seed, reference))[1].astype(str)

    def samples_at(self, rows, *, n, seed, reference):
        samples = self.bundled.sample(*self._select(n, seed, reference))[0]
        return [(samples[row] if self.bundled.kind == "images" else None, None) for row in rows]

    def _cache_source(self, selection):
        n, draw_seed = selection
        return {"bundled": self.bundled.name, "n": n, "seed": draw_seed}

    def _seen(self, selection):
        return self._cache_source(selection)  # the draw is a function of these

    def _read(self, selection, extractor, extraction, info, sizes, role, sink):
        n, draw_seed = selection
        samples = rows_here(self.bundled.sample(n, draw_seed)[0], extraction.batch_size)
        if not len(samples):  # more processes than batches: nothing for this one
            return {}, []
        outputs = extract_array(
            samples, self.bundled.kind, extractor, extraction.batch_size, extraction.progress, desc=role, sink=sink
        )
        if self.bundled.kind == "images":
            info["draw_seed"] = draw_seed
            sizes.add(tuple(samples.shape[-2:]))
        return outputs, []


class FolderSource(SampledSource):
    """A folder of image files (searched recursively); references are cached by the files' bytes."""

    kind = "folder"
    samples_kind = "images"

    def __init__(self, label: str, root: Path):
        super().__init__(label)
        self.root = root
        self.files = find_images(root)
        self._digests: dict[tuple[Path, ...], str] = {}

    @property
    def channels(self) -> int:
        """3 when the colour channels differ in the first few files, else 1."""
        rgb = [image for image in map(_decoded_or_none, self.files[:8]) if image is not None]
        return 3 if any((image[0] != image[1]).any() or (image[1] != image[2]).any() for image in rgb) else 1

    def identity(self) -> dict:  # the reference cache keys folders by the same digest
        return {"kind": "folder", "files": len(self.files), "content_blake2b": self._content(self.files)}

    def _content(self, files: list[Path]) -> str:
        """The files' content digest, read once per selection of this Source: the gate keys the reference's cache
        entry and records its identity from one reading of its bytes."""
        key = tuple(files)
        if key not in self._digests:
            self._digests[key] = content_digest(files, self.root)
        return self._digests[key]

    def _select(self, n, seed, reference):
        pick = subsample(len(self.files), n, seed)
        return self.files if pick is None else [self.files[i] for i in pick]

    def labels(self, *, n, seed, reference):
        return folder_labels(self.root, self.files, self._select(n, seed, reference))

    def samples_at(self, rows, *, n, seed, reference):
        files = self._select(n, seed, reference)
        return [(_decoded_or_none(files[row]), files[row].relative_to(self.root).as_posix()) for row in rows]

    def _cache_source(self, files):  # keyed by the bytes read, not by sizes and mtimes
        return {
            "folder": str(self.root.resolve()),
            "files": len(files),
            "content_blake2b": self._content(files),
        }

    def _seen(self, files):  # names and sizes: the bytes would be read twice
        return {"files": len(files), "names_and_sizes_blake2b": _listing_digest(files, self.root)}

    def _read(self, files, extractor, extraction, info, sizes, role, sink):
        files = rows_here(files, extraction.batch_size)
        if not files:  # more processes than batches: nothing for this one
            return {}, []
        return extract_files(files, extractor, extraction, desc=role, sizes=sizes, sink=sink)


class ArraySource(SampledSource):
    """Samples in memory or in an .npz/.npy file: uint8 images N x C x H x W, or N x 2 points. Not cached."""

    kind = "array"

    def __init__(self, label: str, samples: np.ndarray, samples_kind: str, labels: np.ndarray | None = None):
        super().__init__(label)
        self.samples, self._samples_kind = samples, samples_kind
        if labels is not None and np.shape(labels) != (len(samples),):
            raise GanevalError(
                f"{printable(label)}: the labels must be one per sample ({len(samples)}); got shape {np.shape(labels)}."
            )
        self.given_labels = None if labels is None else np.asarray(labels).astype(str)

    @property
    def samples_kind(self) -> str:
        return self._samples_kind

    @property
    def channels(self) -> int | None:
        return self.samples.shape[1] if self._samples_kind == "images" else None

    def identity(self) -> dict:
        return {"kind": "array", "array_sha256": _array_digest(self.samples)}

    def _select(self, n, seed, reference):
        pick = subsample(len(self.samples), n, seed)
        return self.samples if pick is None else self.samples[pick]

    def labels(self, *, n, seed, reference):
        if self.given_labels is None:
            return None
        pick = subsample(len(self.samples), n, seed)
        return self.given_labels if pick is None else self.given_labels[pick]

    def samples_at(self, rows, *, n, seed, reference):
        samples = self._select(n, seed, reference)
        return [(samples[row] if self._samples_kind == "images" else None, None) for row in rows]

    def _seen(self, samples):
        return {"rows": len(samples), "array_sha256": _array_digest(samples)[:16]}

    def _read(self, samples, extractor, extraction, info, sizes, role, sink):
        samples = rows_here(samples, extraction.batch_size)
        if not len(samples):  # more processes than batches: nothing for this one
            return {}, []
        outputs = extract_array(
            samples, self._samples_kind, extractor, extraction.batch_size, extraction.progress, desc=role, sink=sink
        )
        if self._samples_kind == "images":
            sizes.add(tuple(samples.shape[-2:]))
        return outputs, []


class StatsSource(Source):
    """A statistics file from `ganeval stats`: the reference's outputs (features, ...) and provenance.

    The extractor must be the one that made it; `n` takes a seeded subsample of its rows."""

    kind = "stats"

    def __init__(self, label: str, stats: Outputs, meta: dict):
        super().__init__(label)
        self.stats, self.stats_meta = stats, meta

    @property
    def samples_kind(self) -> str | None:
        """From the extractor that made the file."""
        return "points" if self.stats_meta.get("extractor") == "points" else "images"

    @property
    def uniform_modes(self) -> bool:
        return bool(self.stats_meta.get("uniform_modes"))

    @property
    def extractor_name(self) -> str | None:
        return self.stats_meta.get("extractor")

    @property
    def mixture(self) -> Mixture | None:
        return MIXTURES.get(str(self.stats_meta.get("mixture")))

    def extractor_channels(self, name: str) -> int | None:
        return int(self.stats_meta.get("channels", 1)) if self.stats_meta.get("extractor") == name else None

    def identity(self) -> dict:
        return {"kind": "stats", "features_sha256": _array_digest(self.stats["features"])}

    def extract(self, extractor, extraction, *, n, seed, reference, keep=True):
        _check_stats_extractor(self, extractor)
        pick = subsample(len(self.stats["features"]), n, seed)
        outputs = self.stats if pick is None else {key: value[pick] for key, value in self.stats.items()}
        if not keep:
            outputs = {"gaussian": GaussianStats.from_features(outputs["features"])}
        return outputs, {**self._info(), "count": len(self.stats["features"]) if pick is None else len(pick)}


class GaussianStatsSource(StatsSource):
    """mu and sigma alone (pytorch-fid's format): FID only, nothing to subsample, no provenance."""

    gaussian_only = True

    def __init__(self, label: str, stats: Outputs):
        super().__init__(label, stats, {"format": GAUSSIAN_FORMAT})

    @property
    def samples_kind(self) -> None:
        return None  # mu and sigma say nothing about what was measured

    @property
    def uniform_modes(self) -> bool:
        return False

    @property
    def extractor_name(self) -> None:
        return None

    @property
    def mixture(self) -> None:
        return None

    def extractor_channels(self, name: str) -> None:
        return None

    def identity(self) -> dict:  # its statistics are its content
        mu, sigma = _array_digest(self.stats["mu"]), _array_digest(self.stats["sigma"])
        return {"kind": "stats", "gaussian_sha256": hashlib.sha256(mu.encode() + sigma.encode()).hexdigest()}

    def extract(self, extractor, extraction, *, n, seed, reference, keep=True):
        # FID against mu and sigma as they are
        info = {
            **self._info(),
            "format": "mu and sigma alone (pytorch-fid); extractor and sample count unknown",
            "count": None,
        }
        return self.stats, info


def _listing_digest(files: list[Path], root: Path) -> str:
    """A short blake2b digest of the files' paths relative to `root` and their sizes (-1 where unreadable)."""
    digest = hashlib.blake2b(digest_size=8)
    for path in files:
        try:
            size = path.stat().st_size
        except OSError:
            size = -1
        digest.update(f"{path.relative_to(root).as_posix()}\0{size}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _array_digest(array: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes."""
    array = np.ascontiguousarray(array)
    digest = hashlib.sha256()
    for part in (str(array.dtype).encode(), str(array.shape).encode(), array.tobytes()):
        digest.update(part)
    return digest.hexdigest()


def _decoded_or_none(path: Path):
    """An image file as uint8 3 x H x W, or None if it cannot be decoded: extraction reports it (or
    skips and counts it with --skip-bad), so peeking at the channels must not stop on it first."""
    try:
        return decode_image(path, 3)
    except GanevalError:
        return None


def resolve_source(value, role: str) -> Source:
    """The Source for a path, a bundled set name, or an in-memory array/tensor (N x C x H x W tensor,
    N x H x W [x C] numpy array, or N x 2 points); a Source as it is."""
    if isinstance(value, Source):
        return value
    if not isinstance(value, (str, Path)):
        channels_last = not hasattr(value, "detach")  # torch tensors are N x C x H x W
        kind, samples = as_samples(value, f"the {role} array", channels_last=channels_last)
        return ArraySource(f"<{role} array>", samples, kind)
    text = str(value)
    if not text.strip():  # Path("") is the current folder
        raise GanevalError(
            f"the {role} is an empty path; pass a folder of images, an .npz/.npy file or a bundled set name "
            "(. for the current folder)."
        )
    path = Path(text)
    if text in BUNDLED and not path.exists():
        return BundledSource(text, get_bundled(text))
    if path.is_file() and path.suffix in (".npz", ".npy"):
        found = stats_format(path) if path.suffix == ".npz" else None
        if found == FORMAT:
            outputs, meta = load_outputs(path)
            return StatsSource(text, outputs, meta)
        if found == GAUSSIAN_FORMAT:
            return GaussianStatsSource(text, load_gaussian(path))
        kind, samples = as_samples(load_array_file(path), str(path))
        return ArraySource(text, samples, kind)
    if path.is_file():
        raise GanevalError(
            f"{path}: {role} must be a folder of images, an .npz/.npy array, a statistics file "
            f"or one of the bundled sets ({', '.join(BUNDLED)})."
        )
    if not path.exists() and not any(sep in text for sep in "/\\") and "." not in text:
        raise GanevalError(
            f"{text!r} is neither a path nor a bundled data set; bundled sets are: {', '.join(BUNDLED)}."
        )
    _refuse_run_folder(path, role)
    return FolderSource(text, path)


# What `ganeval train` (and TrainingLogger) write into a run folder; its samples/step_*.png are
# plots of sample grids, not samples.
RUN_FOLDER_FILES = ("checkpoint.pt", "manifest.json")


def _refuse_run_folder(path: Path, role: str) -> None:
    found = [name for name in RUN_FOLDER_FILES if (path / name).is_file()]
    if found:
        raise GanevalError(
            f"{printable(str(path))} is a training run folder (it holds {' and '.join(found)}), "
            f"not a folder of {role} images; "
            "its samples/step_*.png are plots of sample grids. "
            f"Draw samples first with `ganeval sample {printable(str(path))} -o DIR` "
            "and score DIR."
        )


def subsample(count: int, n: int | None, seed: int) -> np.ndarray | None:
    """Sorted row indices of a seeded subsample of n out of count, or None to keep all: how every input kind, and
    the gate's arrays in memory, take `n` of their samples."""
    if n is None or n >= count:
        return None
    return np.sort(np.random.default_rng(seed).choice(count, n, replace=False))


def _check_stats_extractor(source: StatsSource, extractor: Extractor) -> None:
    meta = source.stats_meta
    mismatches = [
        f"{key} {meta.get(key)!r} (file) vs {value!r}"
        for key, value in extractor.provenance().items()
        if key in ("extractor", "weights_sha256", "code_sha256") and meta.get(key) != value
    ]
    if meta.get("precision", "fp32") != extractor.precision:  # recorded only when not fp32
        mismatches.append(f"precision {meta.get('precision', 'fp32')!r} (file) vs {extractor.precision!r}")
    resize = extractor.provenance().get("resize")  # recorded only when not the extractor's default
    if meta.get("resize") != resize:
        mismatches.append(f"resize {meta.get('resize') or 'default'!r} (file) vs {resize or 'default'!r}")
    if mismatches:
        raise GanevalError(
            f"{source.label} was computed with other settings: {'; '.join(mismatches)}. "
            f"Score with --extractor {meta.get('extractor')}, "
            "the same weights, precision and --resize, or recreate the statistics."
        )
