"""The one extraction path: a source's samples looked up in the reference cache, else run through the extractor (each
rank its shard under torchrun, `sources.sharding`), and stored in the cache; `extract` for every kind of source."""

from __future__ import annotations

import errno
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ganeval import distributed
from ganeval.cache.entries import EntryWriter, read_entry, remove_entry
from ganeval.cache.keys import CacheWarning, cache_dir, cache_key
from ganeval.errors import printable
from ganeval.features import Extractor
from ganeval.features.extract import Collected, Sink, Sums
from ganeval.options import Extraction
from ganeval.sources.sharding import read_sharded

if TYPE_CHECKING:
    from ganeval.sources.kinds import SampledSource, Source

Outputs = dict[str, np.ndarray]


def extract(
    source: Source,
    extractor: Extractor,
    extraction: Extraction,
    *,
    n: int | None,
    seed: int,
    reference: bool,
    keep: bool = True,
) -> tuple[Outputs, dict]:
    """Extractor outputs for a source and a description of what was read (counts, cache use): `source.extract`.
    keep=False: only the features' sums, {"gaussian": GaussianStats} (FID alone). Under torch.distributed a
    failure on any rank (rank 0 writing the cache, say) is raised on every rank before the next side starts.
    extraction: resolved (`Extraction.resolved`)."""
    return distributed.each_rank(
        lambda: source.extract(extractor, extraction, n=n, seed=seed, reference=reference, keep=keep)
    )


def extract_sampled(
    source: SampledSource, extractor: Extractor, extraction: Extraction, *, n, seed, reference, keep=True
) -> tuple[Outputs, dict]:
    """`source`'s outputs (`Source.extract`): the selection looked up in the cache, else read into a sink, and stored.
    Cached references stream into a cache entry (`EntryWriter`) and are read back as memory maps; without the cache
    the outputs are held in memory, or only summed when not kept. extraction: resolved."""
    role = "reference" if reference else "generated"
    info = source._info()
    selection = source._select(n, seed, reference)
    distributed.same_everywhere(  # under torchrun: every rank selected the same samples, to extract alike
        f"the {role} samples ({printable(source.label)})",
        lambda: {
            "inputs": source._seen(selection),
            "extractor": extractor.provenance(),
            "settings": {"n": n, "seed": seed, "batch_size": extraction.batch_size, "skip_bad": extraction.skip_bad},
        },
    )
    entry = key_source = hit = None
    if (
        extraction.cache and reference and distributed.world().main
    ):  # under torchrun, rank 0 alone reads and writes the cache
        key_source = source._cache_source(selection)
    if key_source is not None:
        entry = cache_dir() / cache_key(key_source, extractor.provenance())
        hit = read_entry(entry, features=keep)
    if distributed.agree(hit is not None):  # rank 0's hit: the other ranks have nothing to extract
        return _entry_result(hit, info, "hit")
    if entry is not None:
        if entry.is_symlink() or entry.exists():  # bad (read_entry warned): it makes way for a new one
            remove_entry(entry)
        if not _cache_usable(entry.parent):
            entry = None
            info["cache"] = "off"
    if entry is not None:
        try:
            return _extract_into(source, entry, key_source, selection, extractor, extraction, info, keep, role)
        except OSError as error:  # disk full, folder removed meanwhile: the result matters, the cache does not
            if distributed.world().size > 1:  # the other ranks' shards are spent: no extracting again without them
                raise
            hit = read_entry(entry, features=keep)  # another scorer may have put the same entry in place first
            if hit is not None:
                return _entry_result(hit, info, "written")
            _warn_cache(entry.parent, error.strerror or str(error))
            info = {**source._info(), "cache": "off"}
    sink = Collected() if keep else Sums()
    outputs = _extract_to(source, sink, selection, extractor, extraction, info, role)
    return outputs, info


def _extract_into(
    source, entry, key_source, selection, extractor, extraction, info, keep, role
) -> tuple[Outputs, dict]:
    """Stream the outputs into the cache entry `entry`, then read them back from it (memory maps)."""
    with EntryWriter(entry) as writer:
        _extract_to(source, writer, selection, extractor, extraction, info, role)
        writer.finish({"source": key_source, **extractor.provenance(), "read": info})
    hit = read_entry(entry, features=keep)
    if hit is None:  # replaced or removed since it was written: the caller extracts without the cache
        raise OSError(errno.ENOENT, "the entry just written is gone or was changed", str(entry))
    return hit[0], {**info, "cache": "written"}


def _extract_to(source, sink: Sink, selection, extractor, extraction: Extraction, info, role) -> Outputs:
    """Run the extractor into `sink`, its outputs returned; `info` gets (in place) the count, the
    resized sizes and the skipped files.
    Under torch.distributed each rank reads its shard and rank 0's sink gets every rank's outputs."""
    sizes: set[tuple[int, int]] = set()
    if distributed.world().size > 1:
        outputs, skipped = read_sharded(source, selection, extractor, extraction, info, sizes, role, sink)
    else:
        outputs, skipped = source._read(selection, extractor, extraction, info, sizes, role, sink)
    info["count"] = sink.count
    resized = [list(size) for size in sorted(sizes) if extractor.preprocessing_for([size]) != extractor.preprocessing]
    if resized:
        info["resized_from"] = resized  # [height, width] of the images the extractor resized
    if skipped:
        info["skipped"] = len(skipped)
        info["skipped_first"] = skipped[0]
    return outputs


def _entry_result(hit: tuple[Outputs, dict] | None, info: dict, cache: str) -> tuple[Outputs, dict]:
    """A cache entry's outputs and what was read (its recorded counts); `hit` None: another rank holds it."""
    outputs, meta = hit or ({}, {})
    count = outputs["gaussian"].count if hit else None
    return outputs, {**info, **meta.get("read", {}), "count": count, "cache": cache}


def preprocessing(extractor: Extractor, *infos: dict) -> str:
    """The extractor's preprocessing of the images read on these sides (their `resized_from`): a
    function of the inputs alone, whatever the extractor read before."""
    return extractor.preprocessing_for([tuple(size) for info in infos for size in info.get("resized_from", [])])


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
