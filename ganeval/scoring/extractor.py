"""Which extractor a score uses (named, called for by the metrics, or following the reference), the extraction
settings it runs with, and the reference side of the metrics."""

from __future__ import annotations

from collections.abc import Sequence

from ganeval.errors import GanevalError, printable
from ganeval.features import Extractor, extractor_names, get_extractor
from ganeval.features.weightfiles import WeightsNotFound
from ganeval.metrics import Samples, canonical, frechet_name, get_metric
from ganeval.options import CPU_BATCH_SIZE, Extraction
from ganeval.sources import Source

BATCH_SIZE = CPU_BATCH_SIZE  # images per extractor batch on the CPU (options.GPU_BATCH_SIZE on a GPU)


def default_batch_size(device) -> int:
    """Images per extractor batch on `device` when none is given: `Extraction(device=device).resolved().batch_size`."""
    return Extraction(device=device).resolved().batch_size


def reference_samples(source: Source, outputs: dict) -> Samples:
    """The reference side for the metrics: its features, and its modes unless the true modes are
    equally likely (then mode KL is taken against the uniform distribution). A file of mu and sigma
    alone has no samples: only `score` uses it (FID), and other callers get a GanevalError."""
    if source.gaussian_only:
        raise GanevalError(
            f"{printable(source.label)} holds only mu and sigma (pytorch-fid statistics): `ganeval score` computes FID "
            "against them, but this needs the reference's features; write them with `ganeval stats REFERENCE -o FILE`."
        )
    return Samples(
        features=outputs["features"],
        modes=None if source.uniform_modes else outputs.get("modes"),
        spatial=outputs.get("spatial"),
    )


def choose_extractor(
    reference: Source,
    generated: Source,
    name: str | None,
    extraction: Extraction | None = None,
    *,
    metrics: Sequence[str] | None = None,
) -> Extractor:
    """The named extractor, or the one that follows the reference: digits for digit data, points for
    2-D data, inception otherwise; digits take 3 channels (stacked digits) for 3-channel references.
    extraction: the weights, device, precision and resize its network takes (None: on the CPU, the
    defaults; ganeval.device, ganeval.features.resize). metrics: the metrics asked for,
    which may call for an extractor when none is named: fd_dinov2 for dinov2 (always), cmmd for clip
    (when all of them call for it and the reference would otherwise get inception)."""
    if name is not None and not isinstance(name, str):  # score(generated, reference, ["fid"]): metrics by position
        raise GanevalError(
            f"extractor is a name such as 'inception' or 'package.module:attribute'; got {name!r} (metrics go in "
            "metrics=[...]).",
            argument="extractor",
        )
    name = name or _named_by(metrics) or reference.extractor_name  # or a bundled set's, or a statistics file's
    if name is None and "points" in (reference.samples_kind, generated.samples_kind):
        name = "points"
    called_for = None if name else _called_for(metrics)
    name = name or called_for or "inception"
    channels = 1
    if name == "digits":
        channels = reference.extractor_channels("digits") or (
            3 if (reference.channels or generated.channels) == 3 else 1
        )
    extraction = extraction or Extraction(device="cpu")
    try:
        return get_extractor(
            name,
            weights=extraction.weights,
            channels=channels,
            mixture=reference.mixture,
            device=extraction.device,
            precision=extraction.precision,
            resize=extraction.resize,
            spatial=any(canonical(name) == "sfid" for name in metrics or ()),  # sFID's features, only when asked
        )
    except WeightsNotFound as error:
        if called_for is None:
            raise
        asked = ", ".join(name for name in metrics if get_metric(canonical(name)).extractor == called_for)
        raise WeightsNotFound(
            f"{asked} calls for the {called_for} extractor (as in its paper) when none is named: {error} Or name "
            "another with --extractor.",
            argument=error.argument,
        ) from None


def _named_by(metrics: Sequence[str] | None) -> str | None:
    """The extractor an fd_<extractor> among `metrics` names (fd_dinov2: dinov2), if any."""
    named = {name for name in metrics or () if canonical(name) == "fid" and name != "fid"}
    extractors = {frechet_name(extractor): extractor for extractor in extractor_names()}
    unknown = sorted(named - set(extractors))
    if unknown:
        raise GanevalError(
            f"{unknown[0]} names no installed extractor (the Frechet distances by name are: "
            f"{', '.join(name for name in extractors if name != 'fid')}); for your own extractor pass "
            "--extractor and ask for fid, which is then named after it.",
            argument="metrics",
        )
    chosen = {extractors[name] for name in named}
    if len(chosen) > 1:
        raise GanevalError(
            f"{', '.join(sorted(named))} need different extractors; one score uses one extractor.", argument="metrics"
        )
    return chosen.pop() if chosen else None


def _called_for(metrics: Sequence[str] | None) -> str | None:
    """The extractor every one of `metrics` calls for (MetricSpec.extractor: cmmd's is clip), if they agree."""
    wanted = {get_metric(canonical(name)).extractor for name in metrics or ()}
    return wanted.pop() if len(wanted) == 1 else None
