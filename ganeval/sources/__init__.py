"""The inputs of a score: what a path, array or bundled name is (`kinds`), the one extraction path through the
reference cache (`extraction`), and torchrun's shards (`sharding`)."""

from ganeval.sources.extraction import extract, preprocessing
from ganeval.sources.kinds import (
    ArraySource,
    BundledSource,
    FolderSource,
    GaussianStatsSource,
    SampledSource,
    Source,
    StatsSource,
    resolve_source,
    subsample,
)
from ganeval.sources.sharding import merge_sums

__all__ = [
    "ArraySource",
    "BundledSource",
    "FolderSource",
    "GaussianStatsSource",
    "SampledSource",
    "Source",
    "StatsSource",
    "extract",
    "merge_sums",
    "preprocessing",
    "resolve_source",
    "subsample",
]
