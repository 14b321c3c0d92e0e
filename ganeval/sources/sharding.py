"""Extraction under torchrun: each rank reads a contiguous run of whole batches (`rows_here`), and rank 0 gets the other
ranks' rows in rank order (file order), or the all-reduced float64 sums when it only sums the features."""

from __future__ import annotations

import numpy as np

from ganeval import distributed
from ganeval.features.extract import Collected, NothingDecoded, Sink, Sums
from ganeval.options import Extraction


def read_sharded(source, selection, extractor, extraction: Extraction, info, sizes, role: str, sink: Sink):
    """Each rank extracts its shard (`rows_here`); rank 0's `sink` then gets the other ranks' rows in
    rank order (file order), or, when it only sums the features (FID alone), the all-reduced sums.
    Returns rank 0's outputs and every rank's skipped files; ({}, []) on the other ranks."""
    here = distributed.world()
    rows = distributed.agree(not isinstance(sink, Sums))  # what rank 0's sink needs from the others
    mine = sink if here.main else Collected() if rows else Sums()
    own = extraction.replace(progress=extraction.progress and here.main)  # one bar, rank 0's

    def read() -> list[str]:
        try:
            return source._read(selection, extractor, own, info, sizes, role, mine)[1]
        except NothingDecoded as error:
            # with skip_bad, a shard of unreadable files only: the other shards may have some
            if not extraction.skip_bad:
                raise
            return error.skipped

    skipped = distributed.each_rank(read)
    if rows:
        distributed.send_rows({} if here.main else mine.result(), receive=sink.add)
    else:
        merge_sums(mine)
    every_rank = distributed.gather_objects((skipped, sizes))
    if not here.main:
        return {}, []
    sizes.update(size for _, found in every_rank for size in found)
    skipped = [message for found, _ in every_rank for message in found]
    if not sink.count:  # as one process says it (features.extract_files)
        raise NothingDecoded(
            f"none of the {len(skipped)} image files could be decoded; the first error was: {skipped[0]}", skipped
        )
    return sink.result(), skipped


def merge_sums(sums: Sums) -> None:
    """Every rank's `Sums` made rank 0's: the all-reduced float64 sums, and while they are no more than their
    dimension (a singular covariance, for which FID takes the features themselves) the features, in rank order."""
    total = distributed.all_reduce_stats(sums.gaussian)
    if total.count <= total.dim:  # the same decision on every rank: the sums are all-reduced
        own = {} if distributed.world().main or not sums.kept else {"features": np.concatenate(sums.kept)}
        distributed.send_rows(own, receive=lambda part: sums.kept.append(part["features"]))
    else:
        sums.kept = None
    sums.gaussian, sums.count = total, total.count


def rows_here(samples, batch_size: int):
    """This process's part of the selected samples under torch.distributed (`World.shard`: a contiguous
    run of whole batches, so its batches are those a single process would run); all of them otherwise."""
    return samples[distributed.world().shard(len(samples), batch_size)]
