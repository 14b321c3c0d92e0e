"""The reference-feature cache and the files of extractor outputs, in one place: the cache's keys and folder
(`keys`), its entries (`entries`: folders of .npy files read through memory maps, checked by digest, written
atomically) and statistics files (`statsfile`: `ganeval stats`'s npz, and pytorch-fid's mu and sigma)."""

from ganeval.cache.entries import EntryWriter, read_entry, remove_entry
from ganeval.cache.keys import CacheWarning, cache_dir, cache_key, content_digest
from ganeval.cache.statsfile import load_gaussian, load_outputs, save_outputs, stats_format

__all__ = [
    "CacheWarning",
    "EntryWriter",
    "cache_dir",
    "cache_key",
    "content_digest",
    "load_gaussian",
    "load_outputs",
    "read_entry",
    "remove_entry",
    "save_outputs",
    "stats_format",
]
