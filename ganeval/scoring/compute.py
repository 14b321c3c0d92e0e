"""Computing a planned score: the metrics, their intervals, the per-class, memorization, PRD and per-sample
views, and the Result with its provenance."""

from __future__ import annotations

import warnings
from dataclasses import replace

from ganeval.data.mode_names import mode_names
from ganeval.errors import GanevalError, printable
from ganeval.features import Extractor
from ganeval.metrics import Samples, compute_metrics, frechet_name, mode_coverage
from ganeval.metrics import progress as metric_progress
from ganeval.metrics.families.fid import fid_against_gaussian
from ganeval.metrics.intra_fid import intra_fid
from ganeval.metrics.prd import prd_from_features
from ganeval.metrics.reference import RecentReferences
from ganeval.metrics.registry import quality_flags
from ganeval.options import MetricOptions
from ganeval.scoring.copies import Side, find_pairs, find_per_sample
from ganeval.scoring.inputs import Extracted, known_counts
from ganeval.scoring.plan import Plan
from ganeval.scoring.provenance import mode_reference, own_words, provenance
from ganeval.scoring.result import Modes, Result

# The last reference scored against, prepared (k-NN radii, Gaussian fit): check's repeats and compare's runs score many
# times against one reference and compute those once.
RECENT_REFERENCES = RecentReferences(size=1)


PER_SAMPLE_NEEDS_FEATURES = (
    "no per-sample view (worst samples, uncovered regions): the reference holds only mu and sigma; pass its "
    "features (`ganeval stats REFERENCE -o FILE`) or the samples themselves"
)


def _prd_and_per_sample(
    prd, per_sample, real: Samples, fake: Samples, reference: Extracted, generated: Extracted, options, prepared
):
    """The PRD curve (prd) and the per-sample view (per_sample), each None when not asked for; both need the
    reference's features: a reference of mu and sigma alone is refused for prd, and has no per-sample view."""
    if real.features is None:
        if prd:
            raise GanevalError(
                f"{printable(reference.source.label)} holds only mu and sigma; the PRD curve clusters the reference's "
                "features: pass them (`ganeval stats REFERENCE -o FILE`) or the samples themselves.",
                argument="prd",
            )
        return None, None
    curve = prd_from_features(real.features, fake.features, seed=options.seed) if prd else None
    if not per_sample:
        return curve, None
    sides = [
        Side(side.source, samples.features, side.info, reference=role)
        for side, samples, role in ((reference, real, True), (generated, fake, False))
    ]
    return curve, find_per_sample(*sides, k=options.k, n=options.n, seed=options.seed, prepared=prepared)


def _missing_modes(real: Samples, fake: Samples, extractor: Extractor) -> Modes:
    """The modes modes_covered does not count, by index and by name (the same coverage as the metric's)."""
    coverage = mode_coverage(fake.modes, extractor.n_modes, real.modes, quality_flags(fake, extractor.n_modes))
    missing = [int(m) for m in coverage.missing]
    return Modes(coverage.n_modes, missing, mode_names(missing, extractor.n_modes, getattr(extractor, "mixture", None)))


def compute(
    planned: Plan,
    sides: tuple[Extracted, Extracted, Extracted | None],
    samples: tuple[Samples, Samples, Samples | None],
    extractor: Extractor,
    options: MetricOptions,
    *,
    references: RecentReferences = RECENT_REFERENCES,
    progress: bool = False,
    prd: bool = False,
    per_sample: bool = False,
) -> Result:
    """The planned metrics on each side's samples, with their intervals and views, as a Result with its provenance.
    sides: (reference, generated, training set or None) as extracted; samples: their Samples (`metric_samples`);
    options: with n_modes filled in; references: where prepared references are kept; progress: the metrics' bars;
    prd, per_sample: as in `score`."""
    (real_side, fake_side, train_side), (real, fake, trained) = sides, samples
    names, notes, resamples = planned.names, list(planned.notes), planned.resamples
    gaussian, seed = real_side.source.gaussian_only, options.seed
    with warnings.catch_warnings(record=True) as caught, metric_progress.reporting(progress):
        warnings.simplefilter("always")  # reported once, in the provenance
        prepared = None if real.features is None else references.prepare(real.features, k=options.k)
        if prepared is not None:  # the metrics' checks then see the prepared array itself, not a copy to compare
            real = replace(real, features=prepared.features)
        computed = [name for name in names if not (gaussian and name == "fid")]
        values = compute_metrics(computed, real, fake, options, bootstrap_n=resamples, prepared=prepared, train=trained)
        classes = None
        if "intra_fid" in names:  # each class's FID, for the table and the JSON (the metric is their mean)
            classes = intra_fid(real.features, real.labels, fake.features, fake.labels).per_class
        memorization = None
        if trained is not None:  # the generated samples nearest to the training set, with their files and images
            trained_side = Side(train_side.source, trained.features, train_side.info, reference=True)
            generated_side = Side(fake_side.source, fake.features, fake_side.info, reference=False)
            memorization = find_pairs(trained_side, generated_side, n=options.n, seed=seed)
        curve, view = _prd_and_per_sample(prd, per_sample, real, fake, real_side, fake_side, options, prepared)
        if gaussian and "fid" in names:
            mu, sigma = real_side.outputs["mu"], real_side.outputs["sigma"]
            values["fid"] = fid_against_gaussian(mu, sigma, fake.features, resamples, seed)
    notes += sorted({own_words(w) for w in caught})
    compared_with = mode_reference(real, real_side.source.uniform_modes, names)
    if gaussian and compared_with is not None:
        notes.append(
            f"the mode metrics take the {extractor.n_modes} modes as equally likely: "
            f"{printable(real_side.source.label)} holds only mu and sigma, no mode labels; pass the reference's "
            "features (`ganeval stats`) to compare with its own mode shares."
        )
    counts = known_counts(real_side, fake_side)
    record = provenance(extractor, real_side.info, fake_side.info, options, resamples, counts, compared_with, notes)
    if train_side is not None:  # beside the reference
        record = {key: value for key, value in record.items() if key != "seed"} | {
            "train": train_side.info,
            "seed": record["seed"],
        }
    modes = _missing_modes(real, fake, extractor) if "modes_covered" in names else None
    frechet = frechet_name(extractor.name)
    values = {frechet if name == "fid" else name: values[name] for name in names}
    if per_sample and view is None:
        record["warnings"] = [*record["warnings"], PER_SAMPLE_NEEDS_FEATURES]
    return Result(values, record, modes, memorization, curve, view, intra_fid_classes=classes)
