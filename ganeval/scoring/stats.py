"""`ganeval.stats`: a reference's features, statistics and provenance in one npz file, to share instead of its
images."""

from __future__ import annotations

from ganeval import __version__, distributed
from ganeval.cache.statsfile import save_outputs
from ganeval.device import describe_device
from ganeval.errors import GanevalError
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring.extractor import choose_extractor
from ganeval.sources import StatsSource, extract, preprocessing, resolve_source


@distributed.computed_on_main  # under torchrun: each rank extracts its shard, rank 0 writes the file
def stats(
    reference,
    output,
    extractor: str | None = None,
    *,
    options: MetricOptions = MetricOptions(),
    extraction: Extraction | None = None,
    **keywords,
):
    """Write a reference's features, statistics and provenance to an npz file for sharing.

    What `ganeval stats` runs: the file stands in for the reference in `score` (`--ref FILE`), so a large
    reference is extracted once and shared without its images. Under torchrun each rank extracts its
    shard and rank 0 writes the file.

    Args:
        reference (str | Path | array): a folder of images, an .npz/.npy array, a bundled set name or an array
            in memory.
        output (str | Path): the file to write; its name must end in .npz.
        extractor: the extractor's name; None: the one that follows the reference.
        options: of the options, n (at most this many samples, a seeded subsample) and seed apply.
        extraction: as for `score`; its cache does not apply (the file is the shared copy).
        **keywords (Any): as for `score` (deprecated).

    Returns:
        path (Path): the file, written atomically (features, their mean and covariance, provenance).

    Raises:
        GanevalError: `output` does not end in .npz, the reference is already a statistics file or cannot
            be read, or a setting is out of range.
    """
    extraction = Extraction.merged(extraction, "stats", keywords).resolved()
    if not str(output).endswith(".npz"):
        raise GanevalError(
            f"the statistics file name must end in .npz (so `ganeval score --ref` recognises it); got {output}."
        )
    source = resolve_source(reference, "reference")
    if isinstance(source, StatsSource):
        raise GanevalError(f"{source.label} is already a statistics file.")
    chosen = choose_extractor(source, source, extractor, extraction)
    uncached = extraction.replace(cache=False)  # the file written is the shared copy
    outputs, info = extract(source, chosen, uncached, n=options.n, seed=options.seed, reference=True)
    if not distributed.world().main:
        return None  # rank 0 writes the file
    mixture = getattr(chosen, "mixture", None)
    meta = {
        "ganeval_version": __version__,
        **chosen.provenance(),
        "preprocessing": preprocessing(chosen, info),
        "device": describe_device(chosen.device, chosen.precision),
        "reference": info,
        "channels": chosen.channels,
        "mixture": None if mixture is None else mixture.name,
        "uniform_modes": source.uniform_modes,
    }
    return save_outputs(output, outputs, meta)
