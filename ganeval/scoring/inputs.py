"""The inputs of a score: both sides (and a training set) as Sources checked against each other, each side
extracted, and the Samples the metrics take."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ganeval.data.labels import LABELLED_HOW, LABELS_FILE
from ganeval.errors import GanevalError, printable
from ganeval.features import Extractor
from ganeval.metrics import Samples, get_metric
from ganeval.metrics.families.fid import check_gaussian_width
from ganeval.metrics.intra_fid import class_rows
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring.extractor import reference_samples
from ganeval.sources import ArraySource, Source, StatsSource, extract, resolve_source


@dataclass(frozen=True)
class Inputs:
    """The sides of a score as Sources: the generated samples, the reference and the training set (or None)."""

    generated: Source
    reference: Source
    train: Source | None = None


def resolve_inputs(generated, reference, train=None, generated_labels=None) -> Inputs:
    """What `score` was handed, as Sources of one kind (images or points): the generated side is no statistics
    file, takes `generated_labels` when it is an array, and the training set is of its kind."""
    reference_source, generated_source = resolve_source(reference, "reference"), resolve_source(generated, "generated")
    if isinstance(generated_source, StatsSource):
        raise GanevalError(
            f"{generated_source.label} is a statistics file; "
            "generated samples must be images, an array or a bundled set."
        )
    if generated_labels is not None:
        generated_source = _labelled_array(generated_source, generated_labels)
    train_source = None if train is None else _train_source(train, generated_source)
    kinds = (generated_source.samples_kind, reference_source.samples_kind)
    if None not in kinds and kinds[0] != kinds[1]:
        raise GanevalError(
            f"the generated samples ({generated_source.label}) are {kinds[0]} "
            f"but the reference ({reference_source.label}) "
            f"is {kinds[1]}; score images against images and 2-D points against points."
        )
    return Inputs(generated_source, reference_source, train_source)


@dataclass(frozen=True)
class Extracted:
    """One side, extracted: its Source, the extractor's outputs (features, logits, modes, or their sums) and what was
    read (`sources.extract`'s info: source, count, cache, ...)."""

    source: Source
    outputs: dict
    info: dict


def known_counts(*sides: Extracted) -> list[int]:
    """The sides' sample counts where known (mu and sigma alone have none): what the plan's bootstrap and the
    provenance's KID subset size are bounded by."""
    return [side.info["count"] for side in sides if side.info["count"] is not None]


def extract_inputs(
    inputs: Inputs, extractor: Extractor, options: MetricOptions, extraction: Extraction, *, keep: bool = True
) -> tuple[Extracted, Extracted, Extracted | None]:
    """(reference, generated, training set or None), each extracted (through the cache; under torchrun each rank its
    shard, gathered on rank 0). keep: False keeps only the features' sums (FID alone)."""
    common = dict(n=options.n, seed=options.seed, keep=keep)
    real = Extracted(inputs.reference, *extract(inputs.reference, extractor, extraction, reference=True, **common))
    fake = Extracted(inputs.generated, *extract(inputs.generated, extractor, extraction, reference=False, **common))
    train = None  # extracted (and cached) like the reference
    if inputs.train is not None:
        train = Extracted(inputs.train, *extract(inputs.train, extractor, extraction, reference=True, **common))
    for side in (real, fake, train):
        count = None if side is None else side.info["count"]
        if count is not None and count < 2:
            raise GanevalError(
                f"{printable(side.source.label)} gave {count} sample(s); scoring needs at least 2 per side."
            )
    return real, fake, train


def metric_samples(
    real: Extracted, fake: Extracted, train: Extracted | None, extractor: Extractor, metrics, options: MetricOptions
) -> tuple[Samples, Samples, Samples | None]:
    """The metrics' Samples of each side (the reference's empty when it is mu and sigma alone, checked for width),
    with class labels when intra_fid or cas is asked for."""
    gaussian = real.source.gaussian_only
    if gaussian:
        check_gaussian_width(
            real.source.label, real.outputs["mu"].size, fake.outputs["features"].shape[1], extractor.name
        )
    reference = Samples() if gaussian else reference_samples(real.source, real.outputs)
    generated = Samples(
        features=fake.outputs["features"],
        logits=fake.outputs.get("logits"),
        modes=fake.outputs.get("modes"),
        high_quality=fake.outputs.get("high_quality"),
        spatial=fake.outputs.get("spatial"),
    )
    trained = None if train is None else Samples(features=train.outputs["features"])
    if not gaussian and any(LABELS in get_metric(name).needs_real for name in metrics or ()):  # intra_fid, cas
        reference, generated = _labelled_sides(reference, generated, real, fake, options.n, options.seed)
    return reference, generated, trained


LABELS = "labels"  # what intra_fid and cas need of each side: a class per sample


def _labelled_sides(real: Samples, fake: Samples, reference: Extracted, generated: Extracted, n, seed: int):
    """Both sides with their class labels (`Source.labels`, the rows `extract` read), the classes checked for
    intra-FID and CAS: every generated class is one of the reference's, each with 2 samples a side or more."""
    sides = []
    for side, samples, is_reference in ((reference, real, True), (generated, fake, False)):
        source, info = side.source, side.info
        role = "reference" if is_reference else "generated samples"
        labels = source.labels(n=n, seed=seed, reference=is_reference)
        if labels is None:
            raise GanevalError(
                f"intra_fid and cas need a class label per sample, and the {role} ({printable(source.label)}) have "
                f"none: {LABELLED_HOW}. Bundled sets (digits) carry their classes; `ganeval sample` writes a "
                f"{LABELS_FILE} for a conditional run; an array in memory takes generated_labels=."
            )
        if info.get("skipped"):
            raise GanevalError(
                f"{printable(source.label)}: {info['skipped']} unreadable file(s) were skipped (--skip-bad), so the "
                "labels would not line up with the samples read; intra_fid and cas need every file: fix or remove "
                f"them (the first: {printable(str(info.get('skipped_first')))})."
            )
        sides.append(replace(samples, labels=labels))
    try:
        class_rows(sides[0].labels, sides[1].labels)
    except GanevalError as error:
        raise GanevalError(
            f"{printable(generated.source.label)} against {printable(reference.source.label)}: {error}"
        ) from None
    return sides[0], sides[1]


def _labelled_array(source: Source, labels) -> Source:
    """The generated array with the class asked for of each sample (a conditional generator's): only arrays in
    memory or in a file take labels this way; a folder carries its own."""
    if not isinstance(source, ArraySource):
        raise GanevalError(
            f"generated_labels label an array of samples; {printable(source.label)} is a {source.kind}: "
            f"{LABELLED_HOW}.",
            argument="generated_labels",
        )
    return ArraySource(source.label, source.samples, source.samples_kind, labels)


def _train_source(train, generated: Source) -> Source:
    """The training set's Source: any source a reference can be but mu and sigma alone, of the generated kind."""
    try:
        source = resolve_source(train, "train")
    except GanevalError as error:  # named as the flag or parameter that gave it
        raise GanevalError(str(error), argument="train") from None
    if source.gaussian_only:
        raise GanevalError(
            f"{printable(source.label)} holds only mu and sigma; the memorization metrics need the training set's "
            "features: pass its folder, an array, or a statistics file from `ganeval stats`.",
            argument="train",
        )
    if source.samples_kind != generated.samples_kind:
        raise GanevalError(
            f"the training set ({printable(source.label)}) is {source.samples_kind} but the generated samples are "
            f"{generated.samples_kind}; pass the training set the generator learned from.",
            argument="train",
        )
    return source
