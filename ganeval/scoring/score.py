"""`ganeval.score`: generated samples against a reference, every applicable metric with a 95% interval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from ganeval import distributed
from ganeval.errors import GanevalError
from ganeval.features import Extractor
from ganeval.metrics import frechet_name
from ganeval.metrics.families.fid import fid_alone, streamed_fid
from ganeval.metrics.reference import RecentReferences
from ganeval.metrics.registry import sample_metrics
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring.compute import RECENT_REFERENCES, compute
from ganeval.scoring.extractor import choose_extractor
from ganeval.scoring.inputs import Extracted, Inputs, extract_inputs, known_counts, metric_samples, resolve_inputs
from ganeval.scoring.plan import asked_name, plan
from ganeval.scoring.provenance import own_words, provenance
from ganeval.scoring.result import Result


# under torchrun: each rank extracts its shard, rank 0 computes, every rank gets the Result
@distributed.computed_on_main
def score(
    generated,
    reference,
    extractor: str | None = None,
    metrics: Sequence[str] | None = None,
    *,
    options: MetricOptions = MetricOptions(),
    train=None,
    prd: bool = False,
    per_sample: bool = False,
    generated_labels=None,
    extraction: Extraction | None = None,
    **keywords,
) -> Result:
    """Score generated samples against a reference: what `ganeval score` runs.

    Extract both sides' features, compute the metrics that apply with 95% bootstrap intervals, and record
    the provenance that reproduces them. Under torchrun each rank extracts its shard, rank 0 computes,
    and every rank returns the same Result (docs/scale.md: what holds to the bit).

    Args:
        generated (str | Path | array): a folder of images, an .npz/.npy array, a bundled set name, or an
            array in memory (torch N x C x H x W, numpy N x H x W [x C], or N x 2 points).
        reference (str | Path | array): any of those, or a statistics file from `ganeval stats`.
        extractor: the extractor's name; None: the one that follows the reference (digits, points or
            inception) or that the metrics call for.
        metrics: the metrics to compute; None: all that apply.
        options: the metric settings (options.n: a seeded subsample; options.bootstrap=0: no intervals).
        train (str | Path | array | None): the generator's training set, for the memorization metrics and
            the closest generated/training pairs (Result.memorization); extracted and cached like the reference.
        prd: also the PRD curve (Result.prd).
        per_sample: also the per-sample view (Result.per_sample): the worst samples, the uncovered regions.
        generated_labels (array | None): each generated sample's class when `generated` is an array, for
            intra_fid and cas (a labelled folder carries its own).
        extraction: how features are extracted (`ganeval.options.Extraction`); None: its defaults.
        **keywords (Any): the loose extraction keywords of the release before, deprecated.

    Returns:
        The metrics with their intervals, the missing modes and the provenance.

    Raises:
        GanevalError: an input cannot be read or is of the other kind (images, points), `metrics` is empty
            or names an unknown metric, a setting is out of range, or the ranks' settings or inputs differ.

    Examples:
        >>> import ganeval
        >>> from ganeval import MetricOptions
        >>> from ganeval.options import Extraction
        >>> options, extraction = MetricOptions(n=500, bootstrap=0), Extraction(cache=False, progress=False)
        >>> metrics = ["fid", "modes_covered"]
        >>> result = ganeval.score("ring8", "ring8", metrics=metrics, options=options, extraction=extraction)
        >>> result.metrics["modes_covered"].value
        8
        >>> result.metrics["fid"].value < 0.1
        True
    """
    extraction = Extraction.merged(extraction, "score", keywords)
    asked = dict(
        metrics=None if metrics is None else list(metrics),
        extractor=extractor,
        train=train is not None,
        cache=extraction.cache,
    )
    distributed.same_everywhere("the score's settings", lambda: {"options": asdict(options), "settings": asked})
    extraction = extraction.resolved()
    if metrics is not None and not list(metrics):
        raise GanevalError(
            f"metrics names no metric; pass None for all that apply, or some of: {', '.join(sample_metrics())}.",
            argument="metrics",
        )
    # a rank that cannot read an input, or choose the extractor, stops every rank
    inputs = distributed.each_rank(lambda: resolve_inputs(generated, reference, train, generated_labels))
    chosen = distributed.each_rank(
        lambda: choose_extractor(inputs.reference, inputs.generated, extractor, extraction, metrics=metrics)
    )
    return score_inputs(inputs, chosen, metrics, options, extraction, prd=prd, per_sample=per_sample)


def score_inputs(
    inputs: Inputs,
    chosen: Extractor,
    metrics: Sequence[str] | None,
    options: MetricOptions,
    extraction: Extraction,
    *,
    references: RecentReferences = RECENT_REFERENCES,
    applicable_only: bool = False,
    prd: bool = False,
    per_sample: bool = False,
) -> Result | None:
    """`score` past choosing the extractor, shared with `Evaluator.compute`: extract each side, plan the metrics,
    compute them with the provenance. Under torchrun the ranks other than 0 return None once their shards are with
    rank 0 (`distributed.computed_on_main` hands them rank 0's Result). extraction: resolved; references: where
    prepared references are kept; applicable_only, prd, per_sample: as in `plan` and `score`."""
    frechet = frechet_name(chosen.name)  # "fid", or fd_<extractor> on features other than Inception's
    metrics = None if metrics is None else [asked_name(name, frechet) for name in metrics]
    # FID alone: the features' sums suffice, O(D^2) memory (a training set needs the features themselves)
    gaussian = inputs.reference.gaussian_only
    streamed = fid_alone(metrics, options.bootstrap, gaussian_reference=gaussian, train=inputs.train is not None)
    sides = extract_inputs(inputs, chosen, options, extraction, keep=not streamed)
    if not distributed.world().main:
        return None  # rank 0 computes
    if streamed:
        return _fid_of_sums(sides[0], sides[1], chosen, options)
    options = options.replace(n_modes=chosen.n_modes)
    samples = metric_samples(*sides, chosen, metrics, options)
    counts = known_counts(*sides[:2])
    planned = plan(metrics, samples, counts, options, chosen, inputs.reference, applicable_only=applicable_only)
    return compute(
        planned,
        sides,
        samples,
        chosen,
        options,
        references=references,
        progress=extraction.progress,
        prd=prd,
        per_sample=per_sample,
    )


def _fid_of_sums(real: Extracted, fake: Extracted, chosen: Extractor, options: MetricOptions) -> Result:
    """FID alone, from both sides' float64 sums: its value, no interval."""
    value, caught = streamed_fid(
        real.outputs["gaussian"], fake.outputs["gaussian"], real.outputs.get("features"), fake.outputs.get("features")
    )
    counts = [real.info["count"], fake.info["count"]]
    notes = sorted({own_words(w) for w in caught})
    return Result(
        {frechet_name(chosen.name): value}, provenance(chosen, real.info, fake.info, options, 0, counts, None, notes)
    )
