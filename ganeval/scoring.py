"""`ganeval.score`: generated samples against a reference, every applicable metric with a 95% interval."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ganeval import __version__, distributed
from ganeval.copies import Memorization, PerSampleView, Side, find_pairs, find_per_sample
from ganeval.data.arrays import as_samples
from ganeval.data.labels import LABELLED_HOW, LABELS_FILE
from ganeval.data.mode_names import mode_names, names_text
from ganeval.device import describe_device
from ganeval.errors import GanevalError, printable
from ganeval.features import Extractor, extractor_names, get_extractor
from ganeval.features.cache import save_outputs
from ganeval.features.extract import Collected, Sums, extract_array
from ganeval.features.weightfiles import WeightsNotFound
from ganeval.metrics import (
    GaussianStats,
    Interval,
    Samples,
    applicable_metrics,
    canonical,
    compute_metrics,
    frechet_name,
    get_metric,
    mode_coverage,
)
from ganeval.metrics import progress as metric_progress
from ganeval.metrics._checks import as_features, same_rows
from ganeval.metrics.families.fid import (
    check_gaussian_width,
    fid_against_gaussian,
    fid_alone,
    gaussian_note,
    streamed_fid,
)
from ganeval.metrics.intra_fid import class_rows, intra_fid
from ganeval.metrics.memorization import MEMORIZED_MIN_DIM
from ganeval.metrics.prd import PRDCurve, prd_from_features
from ganeval.metrics.reference import RecentReferences
from ganeval.metrics.registry import METRICS, quality_flags, sample_metrics
from ganeval.metrics.spec import Summary
from ganeval.numbers import decimals, number, with_interval
from ganeval.options import CPU_BATCH_SIZE, Extraction, MetricOptions, extraction_settings
from ganeval.sources import ArraySource, Source, StatsSource, _merge_sums, extract, preprocessing, resolve_source


class Modes(NamedTuple):
    """The reference's modes that the generated samples do not cover (`mode_coverage`), by index and by name."""

    n_modes: int  # modes of the reference
    missing: list[int]  # indices of the modes not covered, ascending
    names: list[str]  # their names (ganeval.data.mode_names): digits, "007", "#3 (0, 2)"


# The summary line's metrics, in order, when computed (their MetricSpec.summary): FID (or fd_<extractor>), modes,
# precision and recall, and with a training set the share of generated samples that copy it.
SUMMARY_METRICS = tuple(sorted((n for n, s in METRICS.items() if s.summary), key=lambda n: METRICS[n].summary.place))
KID_DIGITS_NOTE = (
    "kid is in torch-fidelity's unit (equal to it on inception features); the digits features are not normalised, "
    "so kid here is large and not comparable with KID on Inception features"
)


def _sides(provenance: dict) -> str:
    """'GENERATED vs REFERENCE' for the summary line: a folder's or file's last part, a bundled set's
    name; "result" when the provenance names neither."""
    sources = [(provenance.get(side) or {}).get("source") for side in ("generated", "reference")]
    return " vs ".join(Path(str(source)).name or str(source) for source in sources) if None not in sources else "result"


@dataclass
class Result:
    """Metric values with 95% intervals, the modes not covered, and everything needed to reproduce them.

    What `score` and `Evaluator.compute` return; `to_dict` is the `ganeval score --json` file that
    `ganeval check` and `compare` read back.

    Attributes:
        metrics: metric name -> its `Interval` (value, low, high; low and high NaN without bootstrap).
        provenance: the settings, inputs, extractor and versions that reproduce the values.
        modes: with modes_covered: which modes are missing.
        memorization: with a training set: the closest generated/training pairs.
        prd: with prd=True: the PRD curve (Sajjadi et al.).
        per_sample: with per_sample=True: the worst samples, the uncovered regions.
        intra_fid_classes: with intra_fid: each class's FID, by class name.
    """

    metrics: dict[str, Interval]
    provenance: dict = field(default_factory=dict)
    modes: Modes | None = None  # with modes_covered: which modes are missing
    memorization: Memorization | None = None  # with a training set: the closest generated/training pairs
    prd: PRDCurve | None = None  # with prd=True: the PRD curve (Sajjadi et al.)
    per_sample: PerSampleView | None = None  # with per_sample=True: the worst samples, the uncovered regions
    intra_fid_classes: dict | None = None  # with intra_fid: each class's FID, by class name

    def to_dict(self) -> dict:
        """The result as JSON-ready data: the `ganeval score --json` file.

        Returns:
            `{"metrics": {name: {"value", "ci"}}, "missing_modes": {"n_modes", "indices", "names"} or None,
                "provenance": {...}}`, plus "memorization", "prd", "per_sample" and "intra_fid_per_class" when
                computed. ci is None without bootstrap; NaN and infinite values become None (JSON has neither).
        """

        def finite(x: float) -> float | None:  # JSON has no NaN or infinity: those become null
            return x if math.isfinite(x) else None

        def entry(interval: Interval) -> dict:
            ci = None if math.isnan(interval.low) else [finite(interval.low), finite(interval.high)]
            return {"value": finite(interval.value), "ci": ci}

        missing = (
            None
            if self.modes is None
            else {"n_modes": self.modes.n_modes, "indices": self.modes.missing, "names": self.modes.names}
        )
        return (
            {
                "metrics": {name: entry(i) for name, i in self.metrics.items()},
                "missing_modes": missing,
                "provenance": self.provenance,
            }
            | ({} if self.memorization is None else {"memorization": self.memorization.to_dict()})
            | ({} if self.prd is None else {"prd": self.prd.to_dict()})
            | ({} if self.per_sample is None else {"per_sample": self.per_sample.to_dict()})
            | ({} if self.intra_fid_classes is None else {"intra_fid_per_class": self.intra_fid_classes})
        )

    def to_frame(self) -> pd.DataFrame:
        """The metrics as a table, for pandas users.

        Returns:
            One row per metric, indexed by name: value, ci_low, ci_high, higher_is_better.
        """
        rows = [
            {
                "metric": name,
                "value": i.value,
                "ci_low": i.low,
                "ci_high": i.high,
                "higher_is_better": get_metric(name).higher_is_better,
            }
            for name, i in self.metrics.items()
        ]
        return pd.DataFrame(rows).set_index("metric")

    def summary(self) -> str:
        """One line that sums the result up.

        Returns:
            E.g. `digits-samples vs digits: FID 148 [127, 180], 9 of 10 modes (missing: 7), precision 0.806,
                recall 0.896`; every metric when none of SUMMARY_METRICS was computed.
        """
        placed = {name: get_metric(name).summary for name in self.metrics}
        shown = sorted((name for name, at in placed.items() if at is not None), key=lambda name: placed[name].place)
        parts = [self._summary_part(name, placed[name]) for name in shown or list(self.metrics)]
        return f"{_sides(self.provenance)}: {', '.join(parts)}"

    def _summary_part(self, name: str, summary: Summary | None) -> str:
        """One metric in the summary line, as its MetricSpec.summary writes it (else its name and interval)."""
        i = self.metrics[name]
        text = summary.text if summary is not None else "{name} {interval}"
        if "{modes}" in text and self.modes is None:  # modes_covered without the reference's modes
            text = "{name} {interval}"
        missing = lambda: f" (missing: {names_text(self.modes.names)})" if self.modes.names else ""  # noqa: E731
        fields = {
            "name": lambda: name,
            "interval": lambda: with_interval(i.value, i.low, i.high),
            "digits": lambda: number(i.value, (i.high - i.low) / 2),  # the digits the interval allows, without it
            "percent": lambda: f"{i.value:.1%}",
            "modes": lambda: f"{i.value:.0f} of {self.modes.n_modes} modes{missing()}",
        }
        return text.format(**{key: make() for key, make in fields.items() if "{" + key + "}" in text})

    def table(self) -> str:
        """The result as text, what `ganeval score` prints.

        Returns:
            The summary line, a readable table (value and 95% interval per metric), the missing modes,
                then the provenance.
        """
        lines = [self.summary(), "", f"{'metric':<22}{'value':>12}   95% interval", "-" * 56]
        for name, i in self.metrics.items():
            arrow = "higher is better" if get_metric(name).higher_is_better else "lower is better"
            places = decimals(i.value, (i.high - i.low) / 2)  # the interval sets the digits (ganeval.numbers)
            ci = "" if math.isnan(i.low) else f"[{number(i.low, places=places)}, {number(i.high, places=places)}]"
            lines.append(f"{name:<22}{number(i.value, places=places):>12}   {ci:<24} ({arrow})")
        if self.modes is not None:
            lines += [
                "",
                f"missing modes ({len(self.modes.missing)} of {self.modes.n_modes}): {names_text(self.modes.names)}",
            ]
        if self.memorization is not None:
            lines += ["", *self.memorization.lines()]
        if self.intra_fid_classes is not None:
            lines += ["", _per_class_line(self.intra_fid_classes)]
        if self.prd is not None:
            lines += [
                "",
                f"PRD curve: max F_8 {self.prd.f_8:.3f} (recall-like), max F_1/8 {self.prd.f_1_8:.3f} "
                "(precision-like); the curve is in the JSON",
            ]
        if "kid" in self.metrics and self.provenance.get("extractor") == "digits":
            lines += ["", f"note: {KID_DIGITS_NOTE}."]
        lines += ["", "provenance:"]
        for key, value in _flatten(self.provenance):
            if key != "warnings":  # the command line prints those to stderr
                lines.append(f"  {key}: {value}")
        return "\n".join(lines)


def _per_class_line(classes: dict) -> str:
    """'intra_fid per class (worst first): 8 95.2, 3 71.0, ...': which classes the generator draws worst."""
    worst = sorted(classes.items(), key=lambda item: -item[1])
    return "intra_fid per class (worst first): " + ", ".join(f"{printable(str(c))} {v:.3g}" for c, v in worst)


def _flatten(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


# The extraction flags' Settings (batch_size, workers), which the CLI builds its flags from: Extraction's own.
EXTRACTION_SETTINGS = extraction_settings()
BATCH_SIZE = CPU_BATCH_SIZE  # images per extractor batch on the CPU (options.GPU_BATCH_SIZE on a GPU)


def default_batch_size(device) -> int:
    """Images per extractor batch on `device` when none is given: `Extraction(device=device).resolved().batch_size`."""
    return Extraction(device=device).resolved().batch_size


def _settings(extraction: Extraction) -> dict:
    """The keywords `sources.extract` takes today from a resolved Extraction (until it takes the Extraction)."""
    return dict(
        batch_size=extraction.batch_size,
        workers=extraction.workers,
        skip_bad=extraction.skip_bad,
        progress=extraction.progress,
        use_cache=extraction.cache,
    )


# Fewer samples than this on a side and no bootstrap interval is computed (null, with a warning):
# a resample of n samples is one sample repeated n times with probability n^(1-n) (2: 1/2,
# 5: 1/625, 10: 1e-9), and then KID's pairs of distinct samples and any covariance are undefined.
MIN_INTERVAL_SAMPLES = 10
# The last reference scored against, prepared (k-NN radii, Gaussian fit): check's repeats and compare's runs score many
# times against one reference and compute those once.
RECENT_REFERENCES = RecentReferences(size=1)
PACKAGE_FOLDER = Path(__file__).resolve().parent  # warnings issued from here are ganeval's own words
MIN_SPLIT_SAMPLES = 2  # an Inception Score split of one sample is exactly 1, whatever the generator


def _conversion(extractor: Extractor) -> str | None:
    """How image files and arrays were converted for the extractor (None for points)."""
    if extractor.kind != "images":
        return None
    if extractor.channels == 1:
        return "grayscale: luma of RGB (PIL convert('L')), alpha dropped, 16-bit scaled to 8"
    return "RGB (PIL convert('RGB')): grayscale replicated, palettes expanded, alpha dropped, 16-bit scaled to 8"


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


@dataclass(frozen=True)
class ReferenceScorer:
    """A reference prepared once for repeated evaluations: what `TrainingLogger` takes as its scorer.

    Extracting the reference is the slow part of an evaluation; a training loop evaluates many times
    against one reference, so it is extracted once, here. Build one with `ReferenceScorer.of`.

    Attributes:
        reference: how the reference was given, for the run's manifest.
        extractor: the extractor that follows the reference (or the one named).
        samples: the reference's features and modes.

    Examples:
        ```python
        log = TrainingLogger("runs/mine", ReferenceScorer.of("ring8"))
        ```
    """

    reference: str
    extractor: Extractor
    samples: Samples

    @classmethod
    def of(
        cls,
        reference,
        *,
        extractor: str | None = None,
        options: MetricOptions = MetricOptions(),
        extraction: Extraction | None = None,
        **keywords,
    ) -> ReferenceScorer:
        """Extract a reference once (cached), for the evaluations that follow.

        Args:
            reference (str | Path | array): a bundled set name, a folder, an array or a statistics file.
            extractor: the extractor's name; None: the one that follows the reference.
            options: `options.n` caps the samples (a subsample drawn with `options.seed`).
            extraction: the extraction settings; its device is where the logger's evaluations run too.
                None: `Extraction(device="cpu", workers=0, progress=False)`.
            **keywords (Any): the loose extraction keywords of the release before (device=, precision=, ...),
                deprecated: put them in `extraction`.

        Returns:
            The prepared scorer.

        Raises:
            GanevalError: the reference cannot be read, or the extractor does not apply to it.
        """
        extraction = Extraction.merged(
            extraction, "ReferenceScorer.of", keywords, device="cpu", workers=0, progress=False
        ).resolved()
        source = resolve_source(reference, "reference")
        chosen = choose_extractor(source, source, extractor, extraction)
        with distributed.alone():  # under torchrun each rank of a training job holds the whole reference
            outputs, _ = extract(
                source, chosen, n=options.n, seed=options.seed, reference=True, **_settings(extraction)
            )
        return cls(str(reference), chosen, reference_samples(source, outputs))

    def evaluator(self, metrics: Sequence[str] | None = None, **settings) -> Evaluator:
        """An `Evaluator` against this reference as prepared: what `TrainingLogger.evaluate` computes with.

        Args:
            metrics: the metrics to compute; None: all that apply.
            **settings (Any): the other keywords of `Evaluator` (options, batch_size, applicable_only).

        Returns:
            `Evaluator(self, metrics, **settings)`.
        """
        return Evaluator(self, metrics, **settings)


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
    """Score generated samples against a reference.

    The library's one scoring call (`ganeval score` runs it): extract both sides' features, compute the
    metrics that apply with 95% bootstrap intervals, and record the provenance that reproduces them.
    Under torchrun (an initialised torch.distributed group, ganeval.distributed) each rank extracts
    its shard, rank 0 computes, and every rank returns the same Result: first the ranks' settings and
    inputs are compared; the Result equals one process's to the bit where the threads per process are
    equal (FID within 1e-7 relative otherwise).

    Args:
        generated (str | Path | array): a folder of images, an .npz/.npy array, a bundled set name, or an
            array in memory (torch N x C x H x W, numpy N x H x W [x C], or N x 2 points).
        reference (str | Path | array): any of those, or a statistics file from `ganeval stats`.
        extractor: the feature extractor's name; None: the one that follows the reference (digits for
            digit data, points for 2-D data, inception otherwise) or that the metrics call for.
        metrics: the metrics to compute; None: all that apply.
        options: the metric settings; options.n caps the samples per side (a seeded subsample),
            options.bootstrap=0 turns the confidence intervals off.
        train (str | Path | array | None): the generator's training set (any source a reference can be),
            for the memorization metrics (authenticity; ct, which takes the reference as held-out data) and
            the closest generated/training pairs (Result.memorization); extracted and cached like the
            reference.
        prd: also the PRD curve (Result.prd; k-means of both sides' features, ganeval.metrics.prd).
        per_sample: also the per-sample view (Result.per_sample): the generated samples with the lowest
            realism score and the reference's regions no generated sample reaches, with files and images
            (score --report).
        generated_labels (array | None): the class of each generated sample when `generated` is an array (a conditional
            generator's classes asked for), for intra_fid and cas; a labelled folder carries its own
            (subfolders or labels.csv).
        extraction: how features are extracted (`ganeval.options.Extraction`: weights, resize, device,
            precision, batch size, workers, cache, skip_bad, progress); None: its defaults. The provenance's
            "device" records where and how the features were extracted.
        **keywords (Any): the loose extraction keywords of the release before (batch_size=, device=, ...),
            deprecated (DeprecationWarning): put them in `extraction`.

    Returns:
        The metrics with their intervals, the missing modes and the provenance.

    Raises:
        GanevalError: an input cannot be read, `generated` is a statistics file, the two sides are of
            different kinds (images and points), `metrics` is empty or names an unknown metric, a setting
            is out of range, or, under torchrun, the ranks' settings or inputs differ (naming the ranks).

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
    reference_source, generated_source = distributed.each_rank(  # a rank that cannot read one stops every rank
        lambda: (resolve_source(reference, "reference"), resolve_source(generated, "generated"))
    )
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
    chosen = distributed.each_rank(
        lambda: choose_extractor(reference_source, generated_source, extractor, extraction, metrics=metrics)
    )
    settings = _settings(extraction)
    return _score_sources(
        generated_source,
        reference_source,
        train_source,
        chosen,
        metrics,
        options,
        settings,
        prd=prd,
        per_sample=per_sample,
    )


def _score_sources(
    generated_source: Source,
    reference_source: Source,
    train_source: Source | None,
    chosen: Extractor,
    metrics: Sequence[str] | None,
    options: MetricOptions,
    settings: dict,
    *,
    references: RecentReferences = RECENT_REFERENCES,
    applicable_only: bool = False,
    prd: bool = False,
    per_sample: bool = False,
) -> Result:
    """`score` past choosing the extractor, shared with `Evaluator.compute`: extract each side (`settings`: batch_size,
    workers, skip_bad, progress, use_cache), plan the metrics, compute them, attach the provenance. references: where
    prepared references are kept; applicable_only: `metrics` are those wanted where they apply (TrainingLogger's
    columns), the others left out without a word. prd, per_sample: as in `score`."""
    n, seed, bootstrap, k, is_splits = options.n, options.seed, options.bootstrap, options.k, options.is_splits
    frechet = frechet_name(chosen.name)  # "fid", or fd_<extractor> on features other than Inception's
    metrics = None if metrics is None else [_asked(name, frechet) for name in metrics]
    # FID alone: the features' sums suffice, O(D^2) memory (a training set needs the features themselves)
    streamed = fid_alone(
        metrics, bootstrap, gaussian_reference=reference_source.gaussian_only, train=train_source is not None
    )
    common = dict(n=n, seed=seed, **settings, keep=not streamed)
    real_out, real_info = extract(reference_source, chosen, reference=True, **common)
    fake_out, fake_info = extract(generated_source, chosen, reference=False, **common)
    train_out, train_info = ({}, None)
    if train_source is not None:  # extracted (and cached) like the reference
        train_out, train_info = extract(train_source, chosen, reference=True, **common)
    distributed.leave_to_main()  # the other ranks' shards are with rank 0 now
    sides = [(reference_source, real_info), (generated_source, fake_info), (train_source, train_info)]
    for source, info in sides[: 2 if train_source is None else 3]:
        if info["count"] is not None and info["count"] < 2:
            raise GanevalError(
                f"{printable(source.label)} gave {info['count']} sample(s); scoring needs at least 2 per side."
            )
    if streamed:
        value, caught = streamed_fid(
            real_out["gaussian"], fake_out["gaussian"], real_out.get("features"), fake_out.get("features")
        )
        counts = [real_info["count"], fake_info["count"]]
        notes = sorted({_own_words(w) for w in caught})
        provenance = _provenance(chosen, real_info, fake_info, options, 0, counts, None, notes)
        return Result({frechet: value}, provenance)
    gaussian = reference_source.gaussian_only
    if gaussian:
        check_gaussian_width(reference_source.label, real_out["mu"].size, fake_out["features"].shape[1], chosen.name)

    uniform = reference_source.uniform_modes
    real = Samples() if gaussian else reference_samples(reference_source, real_out)
    fake = Samples(
        features=fake_out["features"],
        logits=fake_out.get("logits"),
        modes=fake_out.get("modes"),
        high_quality=fake_out.get("high_quality"),
        spatial=fake_out.get("spatial"),
    )
    trained = None if train_source is None else Samples(features=train_out["features"])
    if not gaussian and any(LABELS in get_metric(name).needs_real for name in metrics or ()):  # intra_fid, cas
        real, fake = _labelled_sides(real, fake, (reference_source, real_info), (generated_source, fake_info), n, seed)
    options = options.replace(n_modes=chosen.n_modes)
    of_samples = sample_metrics()
    applicable = applicable_metrics(real, fake, options, trained, opt_in=True)  # cmmd too, when asked for
    available = [name for name in applicable if name in of_samples]
    available = ["fid", *available] if gaussian else available
    notes: list[str] = [gaussian_note(reference_source.label, chosen.name)] if gaussian else []
    if metrics is None:
        names = [name for name in available if get_metric(name).default]  # cmmd only when asked for
    else:
        names = [get_metric(name).name for name in metrics]
        names = [name for name in names if name in available] if applicable_only else names
        missing = [name for name in names if name not in available]
        if missing:
            why = (
                (
                    f" {printable(reference_source.label)} holds only mu and sigma: they give FID; "
                    "the other metrics need the reference's "
                    "features, which `ganeval stats REFERENCE -o FILE` saves."
                )
                if gaussian
                else ""
            )
            if trained is None and any(get_metric(name).needs_train for name in missing):
                why += " The memorization metrics need the generator's training set: pass train (--train DIR)."
            if "sfid" in missing and not gaussian:
                why += " sfid needs the inception extractor's spatial (mixed_6/conv) features: --extractor inception."
            raise GanevalError(
                f"cannot compute {', '.join(missing)} with the {chosen.name} extractor on these inputs; "
                f"available here: {', '.join(available)}.{why}"
            )
    counts = [info["count"] for info in (real_info, fake_info) if info["count"] is not None]
    smallest = min(counts)
    if {"precision", "recall", "density", "coverage"} & set(names) and smallest <= k:
        raise GanevalError(
            f"precision/recall/density/coverage with --k {k} need more than {k} samples per side; got "
            f"{real_info['count']} reference and {fake_info['count']} generated. Lower --k, pass more samples, "
            "or choose other --metrics."
        )
    if "inception_score" in names and is_splits * MIN_SPLIT_SAMPLES > fake_info["count"]:
        if metrics is not None:
            raise GanevalError(
                _splits_problem(f"--is-splits (is_splits) {is_splits}", fake_info["count"]), argument="is_splits"
            )
        names = [name for name in names if name != "inception_score"]
        notes.append(
            f"inception_score is not computed: {_splits_problem(f'--is-splits {is_splits}', fake_info['count'])}"
        )
    if "ct" in names and trained is not None and same_rows(real.features, trained.features):  # the training set
        if metrics is not None:
            raise GanevalError(f"ct {CT_NOT_HELD_OUT}", argument="train")
        names = [name for name in names if name != "ct"]
        notes.append(f"ct is not computed: {CT_NOT_HELD_OUT}")
    likelihood = [name for name in names if get_metric(name).family == "fls"]  # opt-in: named, so refused
    if likelihood and trained is not None and same_rows(real.features, trained.features):
        raise GanevalError(f"{' and '.join(likelihood)} {FLS_NOT_HELD_OUT}", argument="train")
    dim = fake.features.shape[1]
    if "memorized" in names and dim < MEMORIZED_MIN_DIM:
        why = (
            f"memorized needs features of at least {MEMORIZED_MIN_DIM} dimensions, and the {chosen.name} extractor's "
            f"have {dim}: in d dimensions a new sample's nearest training sample is nearer than a third of the way "
            f"to the second nearest with a chance of about 3^-d ({3.0**-dim:.0%} here), so copies could not be told "
            "from honest samples"
        )
        if metrics is not None:
            raise GanevalError(
                f"{why}; leave it out of --metrics (authenticity and ct apply here).", argument="metrics"
            )
        names = [name for name in names if name != "memorized"]
        notes.append(f"memorized is not computed: {why}")
    resamples = bootstrap
    if bootstrap and smallest < MIN_INTERVAL_SAMPLES:
        resamples = 0
        notes.append(
            f"no 95% intervals (null): bootstrap intervals need at least {MIN_INTERVAL_SAMPLES} samples per side and "
            f"the smaller side has {smallest}; the values themselves are computed."
        )
    with warnings.catch_warnings(record=True) as caught, metric_progress.reporting(settings["progress"]):
        warnings.simplefilter("always")  # reported once, in the provenance
        prepared = None if real.features is None else references.prepare(real.features, k=k)
        if prepared is not None:  # the metrics' checks then see the prepared array itself, not a copy to compare
            real = replace(real, features=prepared.features)
        computed = [name for name in names if not (gaussian and name == "fid")]
        values = compute_metrics(computed, real, fake, options, bootstrap_n=resamples, prepared=prepared, train=trained)
        classes = None
        if "intra_fid" in names:  # each class's FID, for the table and the JSON (the metric is their mean)
            classes = intra_fid(real.features, real.labels, fake.features, fake.labels).per_class
        memorization = None
        if trained is not None:  # the generated samples nearest to the training set, with their files and images
            trained_side = Side(train_source, trained.features, train_info, reference=True)
            generated_side = Side(generated_source, fake.features, fake_info, reference=False)
            memorization = find_pairs(trained_side, generated_side, n=n, seed=seed)
        curve, view = _prd_and_per_sample(
            prd, per_sample, real, fake, (reference_source, real_info), (generated_source, fake_info), options, prepared
        )
        if gaussian and "fid" in names:
            values["fid"] = fid_against_gaussian(real_out["mu"], real_out["sigma"], fake.features, resamples, seed)
    notes += sorted({_own_words(w) for w in caught})
    mode_reference = _mode_reference(real, uniform, names)
    if gaussian and mode_reference is not None:
        notes.append(
            f"the mode metrics take the {chosen.n_modes} modes as equally likely: {printable(reference_source.label)} "
            "holds only mu and sigma, no mode labels; pass the reference's features (`ganeval stats`) to compare "
            "with its own mode shares."
        )
    provenance = _provenance(chosen, real_info, fake_info, options, resamples, counts, mode_reference, notes)
    if train_info is not None:  # beside the reference
        provenance = {key: value for key, value in provenance.items() if key != "seed"} | {
            "train": train_info,
            "seed": provenance["seed"],
        }
    modes = _missing_modes(real, fake, chosen) if "modes_covered" in names else None
    values = {frechet if name == "fid" else name: values[name] for name in names}
    if per_sample and view is None:
        provenance["warnings"] = [*provenance["warnings"], PER_SAMPLE_NEEDS_FEATURES]
    return Result(values, provenance, modes, memorization, curve, view, intra_fid_classes=classes)


PER_SAMPLE_NEEDS_FEATURES = (
    "no per-sample view (worst samples, uncovered regions): the reference holds only mu and sigma; pass its "
    "features (`ganeval stats REFERENCE -o FILE`) or the samples themselves"
)


def _prd_and_per_sample(prd, per_sample, real: Samples, fake: Samples, reference, generated, options, prepared):
    """The PRD curve (prd) and the per-sample view (per_sample), each None when not asked for; both need the
    reference's features: a reference of mu and sigma alone is refused for prd, and has no per-sample view."""
    if real.features is None:
        if prd:
            raise GanevalError(
                f"{printable(reference[0].label)} holds only mu and sigma; the PRD curve clusters the reference's "
                "features: pass them (`ganeval stats REFERENCE -o FILE`) or the samples themselves.",
                argument="prd",
            )
        return None, None
    curve = prd_from_features(real.features, fake.features, seed=options.seed) if prd else None
    if not per_sample:
        return curve, None
    sides = [
        Side(source, samples.features, info, reference=role)
        for (source, info), samples, role in ((reference, real, True), (generated, fake, False))
    ]
    return curve, find_per_sample(*sides, k=options.k, n=options.n, seed=options.seed, prepared=prepared)


LABELS = "labels"  # what intra_fid and cas need of each side: a class per sample


def _labelled_sides(real: Samples, fake: Samples, reference: tuple, generated: tuple, n, seed: int):
    """Both sides with their class labels (`Source.labels`, the rows `extract` read), the classes checked for
    intra-FID and CAS: every generated class is one of the reference's, each with 2 samples a side or more."""
    sides = []
    for (source, info), samples, is_reference in ((reference, real, True), (generated, fake, False)):
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
            f"{printable(generated[0].label)} against {printable(reference[0].label)}: {error}"
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


# Why C_T is not computed when the reference holds the training set's samples.
FLS_NOT_HELD_OUT = (
    "need a reference held out from training (FLS compares its likelihood with that of half the training set), but "
    "the reference and the training set are the same samples; pass a held-out reference (test split) with --ref"
)
CT_NOT_HELD_OUT = (
    "needs a reference held out from training (C_T compares the generated samples' distances to the training set "
    "with held-out data's), but the reference and the training set are the same samples; pass a held-out "
    "reference (test split) with --ref"
)


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


def _asked(name: str, frechet: str) -> str:
    """A metric asked for, by the registry's name: the Frechet distance on the chosen extractor's features
    is "fid" whether asked as fid or as its own name (fd_dinov2); another extractor's is refused."""
    if canonical(name) != "fid" or name in ("fid", frechet):
        return canonical(name)
    raise GanevalError(
        f"{name} is the Frechet distance on another extractor's features than the one chosen here, whose "
        f"Frechet distance is {frechet}; ask for {frechet}, or leave --extractor out ({name} chooses its own).",
        argument="metrics",
    )


def _provenance(
    chosen: Extractor,
    real_info: dict,
    fake_info: dict,
    options: MetricOptions,
    resamples: int,
    counts: list[int],
    mode_reference: str | None,
    warnings: list[str],
) -> dict:
    """What a result records to be reproduced: versions, extractor, preprocessing, device, both sides,
    settings, warnings. mode_reference (`_mode_reference`): what the mode metrics compared with, None
    (and no key) when none was computed."""
    return {
        "ganeval_version": __version__,
        **chosen.provenance(),
        "preprocessing": preprocessing(chosen, real_info, fake_info),  # the images' sizes decide the resizing
        "image_conversion": _conversion(chosen),
        "device": describe_device(
            chosen.device, chosen.precision
        ),  # not a feature setting: checks compare across devices
        "generated": fake_info,
        "reference": real_info,
        "seed": options.seed,
        "bootstrap": {"resamples": resamples, "confidence": 0.95} if resamples else None,
        "options": {
            "k": options.k,
            "kid_subsets": options.kid_subsets,
            "kid_subset_size": min(options.kid_subset_size, *counts),
            "is_splits": min(options.is_splits, fake_info["count"]),
            **({} if mode_reference is None else {"mode_reference": mode_reference}),
        },
        "warnings": warnings,
    }


def _mode_reference(real: Samples, uniform: bool, names: Sequence[str]) -> str | None:
    """What the mode metrics took as the reference's mode shares, as computed: its samples' labels when the
    metrics had them, else equal shares, known ("true modes": the bundled mixtures) or assumed (a reference
    without labels: mu and sigma alone); None when no mode metric is computed."""
    if not any(get_metric(name).family == "modes" for name in names):
        return None
    if real.modes is not None:
        return "reference labels"
    return "uniform (true modes)" if uniform else "uniform (assumed: the reference has no mode labels)"


def _missing_modes(real: Samples, fake: Samples, extractor: Extractor) -> Modes:
    """The modes modes_covered does not count, by index and by name (the same coverage as the metric's)."""
    coverage = mode_coverage(fake.modes, extractor.n_modes, real.modes, quality_flags(fake, extractor.n_modes))
    missing = [int(m) for m in coverage.missing]
    return Modes(coverage.n_modes, missing, mode_names(missing, extractor.n_modes, getattr(extractor, "mixture", None)))


def _own_words(caught: warnings.WarningMessage) -> str:
    """A warning raised while computing the metrics, as ganeval reports it: ganeval's own text as it
    is; another library's (numpy's "invalid value encountered in divide") said to be numerical
    trouble in the metric computation, so a user never meets a bare library message."""
    if caught.category.__module__.startswith("ganeval.") or Path(caught.filename).resolve().is_relative_to(
        PACKAGE_FOLDER
    ):
        return str(caught.message)
    return (
        f"numerical trouble while computing the metrics ({caught.category.__name__}: {caught.message}); check the "
        "values for NaN or infinity, and the samples for duplicates or constant features."
    )


def _splits_problem(setting: str, count: int) -> str:
    """Why `setting` (the splits, as the message names them) is too many for `count` generated samples."""
    return (
        f"{setting} leaves splits of fewer than {MIN_SPLIT_SAMPLES} of the {count} generated samples, "
        f"and the Inception Score of a one-sample split is exactly 1 whatever the generator; use --is-splits "
        f"{max(1, count // MIN_SPLIT_SAMPLES)} or fewer, or more samples."
    )


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
    settings = _settings(extraction) | {"use_cache": False}  # the file written is the shared copy
    outputs, info = extract(source, chosen, n=options.n, seed=options.seed, reference=True, **settings)
    distributed.leave_to_main()
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


class _Held(Source):
    """One side's extractor outputs already at hand (`Evaluator`): the reference extracted once, or the
    generated batches gathered from every rank; `extract` hands them over as they are. like: the source
    the outputs came from, whose traits (mu and sigma alone, equally likely modes) they keep."""

    kind = "batches"

    def __init__(self, label: str, samples_kind: str | None, outputs: dict, info: dict, like: Source | None = None):
        super().__init__(label)
        self.outputs, self.info, self._samples_kind, self._like = outputs, info, samples_kind, like
        self.gaussian_only = like is not None and like.gaussian_only

    @property
    def samples_kind(self) -> str | None:
        return self._samples_kind

    @property
    def uniform_modes(self) -> bool:
        return self._like is not None and self._like.uniform_modes

    def identity(self) -> dict:
        return {"kind": self.kind, "count": self.info.get("count")}

    def extract(self, extractor, **settings):
        if distributed.world().main and not self.info.get("count", 1):
            raise GanevalError(
                "Evaluator.compute() has no generated samples: call update(fake) with a batch first (uint8 or "
                "[0, 1] float images N x C x H x W, N x 2 points, or features N x D)."
            )
        return self.outputs, dict(self.info)


class _Forward:
    """A sink that passes every batch on to `into` and returns nothing: `extract_array` joins its sink's
    batches at the end of each call, which for a stream of updates would join them all again each time."""

    def __init__(self, into):
        self.into, self.count = into, 0

    def add(self, outputs: dict) -> None:
        self.into.add(outputs)
        self.count += len(outputs["features"])

    def result(self) -> dict:
        return {}


class Evaluator:
    """Metrics of generated samples fed batch by batch, as in a training loop.

    The same `Result` as `score` on the same samples (to the bit on the CPU, fed in batches of the
    extractor's batch size); the reference is extracted once, on creation. With FID alone (and
    options.bootstrap 0) only the float64 sums of the features are kept, O(D^2) memory; otherwise the
    features (and logits, modes) of the batches, in memory. Under torch.distributed each rank updates
    with its own batches; `compute` sums the ranks' sums and gathers their rows in rank order, and every
    rank gets the Result of all of them (rank 0's batches first, then rank 1's, ...), the same as one
    process fed them in that order.

    Args:
        reference (str | Path | array | ReferenceScorer): what `score` takes as a reference, or a
            `ReferenceScorer` (its extractor and samples, as prepared).
        metrics: as for `score`.
        extractor: as for `score`; None with a `ReferenceScorer` (it brings its own).
        options: as for `score`.
        applicable_only: `metrics` are wanted where they apply, the rest left out (TrainingLogger's
            columns).
        extraction: as for `score` (None: `Extraction(workers=0, progress=False)`); with a `ReferenceScorer`,
            its batch size applies (the scorer's extractor keeps its own device).
        **keywords (Any): as for `score` (deprecated).

    Attributes:
        outputs: the generated side's outputs at the last compute (features, modes, ...).

    Raises:
        GanevalError: `metrics` is empty, an extractor is named beside a `ReferenceScorer`, the reference
            cannot be read, or the batch size is out of range.

    Examples:
        ```python
        evaluator = ganeval.Evaluator("digits", extraction=Extraction(device="cuda"))   # extracts the reference once
        for batch in batches:                                     # uint8 or [0, 1] float N x C x H x W
            evaluator.update(batch)
        result = evaluator.compute()                              # result.metrics["fid"].value
        evaluator.reset()
        ```
    """

    def __init__(
        self,
        reference,
        metrics: Sequence[str] | None = None,
        extractor: str | None = None,
        *,
        options: MetricOptions = MetricOptions(),
        applicable_only: bool = False,
        extraction: Extraction | None = None,
        **keywords,
    ):
        extraction = Extraction.merged(extraction, "Evaluator", keywords, workers=0, progress=False)
        if metrics is not None and not list(metrics):
            raise GanevalError(
                f"metrics names no metric; pass None for all that apply, or some of: {', '.join(sample_metrics())}.",
                argument="metrics",
            )
        self.options, self.applicable_only = options, applicable_only
        if isinstance(reference, ReferenceScorer):
            if extractor is not None:
                raise GanevalError(
                    "a ReferenceScorer brings its own extractor; name the extractor in ReferenceScorer.of(...) "
                    "instead of Evaluator(extractor=...).",
                    argument="extractor",
                )
            source, self.extractor = None, reference.extractor
        else:
            source = resolve_source(reference, "reference")
            self.extractor = choose_extractor(source, source, extractor, extraction.resolved(), metrics=metrics)
        # the batch size for the extractor's device (a ReferenceScorer's own); the rest is read as one batch at a time
        self.extraction = extraction.replace(device=self.extractor.device).resolved()
        self.batch_size = self.extraction.batch_size
        frechet = frechet_name(self.extractor.name)
        self.metrics = None if metrics is None else [_asked(name, frechet) for name in metrics]
        if source is None:  # prepared by the scorer: its features and modes
            samples = reference.samples
            held = {"features": samples.features} | ({} if samples.modes is None else {"modes": samples.modes})
            info = {"source": str(reference.reference), "kind": "prepared", "count": len(samples.features)}
            self._streamed = False
            self._reference = _Held(str(reference.reference), self.extractor.kind, held, info)
        else:
            self._streamed = fid_alone(
                self.metrics, options.bootstrap, gaussian_reference=source.gaussian_only, train=False
            )
            settings = _settings(self.extraction)
            with distributed.alone():  # under torchrun each rank holds the whole reference
                held, info = extract(
                    source,
                    self.extractor,
                    n=options.n,
                    seed=options.seed,
                    reference=True,
                    keep=not self._streamed,
                    **settings,
                )
            self._reference = _Held(source.label, source.samples_kind, held, info, like=source)
        self._references = RecentReferences(size=1)  # the reference's k-NN radii, prepared at the first compute
        self.reset()

    def reset(self) -> None:
        """Forget the generated batches (the reference stays prepared)."""
        self._sink = Sums() if self._streamed else Collected()
        self._kind: str | None = None
        self._sizes: set[tuple[int, int]] = set()
        self.outputs: dict = {}  # the generated side's outputs at the last compute (features, modes, ...)

    def update(self, fake) -> None:
        """Add a batch of generated samples; images are extracted here, on the extractor's device.

        Args:
            fake (torch.Tensor | np.ndarray): uint8 or [0, 1] float images N x C x H x W (torch tensors or
                numpy arrays; N x H x W for one channel), N x 2 points, or features N x D (2-D, as the
                extractor gives them).

        Raises:
            GanevalError: the batch is not samples, its features are not as wide as the reference's, or it
                is of another kind (images, points, features) than the batches since the last reset.
        """
        array = fake.detach().cpu().numpy() if hasattr(fake, "detach") else np.asarray(fake)
        if array.ndim == 2 and self.extractor.kind != "points":
            kind = "features"
            features = as_features(array, "the generated batch")
            width = _width(self._reference.outputs)
            if features.shape[1] != width:
                raise GanevalError(
                    f"the generated batch holds {features.shape[1]}-d features, but the reference's "
                    f"{self.extractor.name} features are {width}-d; pass images, or features of the same extractor."
                )
        else:
            kind, samples = as_samples(array, "the generated batch", channels_last=False)
        if self._kind is not None and kind != self._kind:
            raise GanevalError(
                f"this batch is {kind} but the earlier ones were {self._kind}; feed one kind between resets."
            )
        self._kind = kind
        if kind == "features":
            self._sink.add({"features": features})
            return
        extract_array(samples, kind, self.extractor, self.batch_size, progress=False, sink=_Forward(self._sink))
        if kind == "images":
            self._sizes.add(tuple(samples.shape[-2:]))

    @distributed.computed_on_main
    def compute(self) -> Result:
        """The metrics of every batch since the last reset.

        Returns:
            The `Result` as `score` gives it; under torch.distributed, of every rank's batches, on every rank.

        Raises:
            GanevalError: no batch was added since the last reset, or, under torch.distributed, the ranks'
                settings differ.
        """
        distributed.same_everywhere(  # before merging: ranks that keep other things would never meet
            "the Evaluator's settings",
            lambda: {
                "settings": {"metrics": self.metrics, "options": asdict(self.options)},  # a rank may have no batches
                "extractor": self.extractor.provenance(),
            },
        )
        outputs, sizes = self._gathered()
        info = {"source": "<generated batches>", "kind": "batches", "count": self._count(outputs)}
        resized = [
            list(s) for s in sorted(sizes) if self.extractor.preprocessing_for([s]) != self.extractor.preprocessing
        ]
        if resized:
            info["resized_from"] = resized
        self.outputs = outputs
        generated = _Held("<generated batches>", self._kind, outputs, info)
        settings = _settings(self.extraction)
        return _score_sources(
            generated,
            self._reference,
            None,
            self.extractor,
            self.metrics,
            self.options,
            settings,
            references=self._references,
            applicable_only=self.applicable_only,
        )

    def _gathered(self) -> tuple[dict, set]:
        """The generated outputs of every rank (rank 0's first) and the image sizes met; the batches stay, so
        compute can be called again after more updates (in one process, as the joined arrays themselves)."""
        if isinstance(self._sink, Sums):
            sums = Sums()
            own = self._sink
            sums.gaussian = None if own.gaussian is None else own.gaussian + GaussianStats.empty(own.gaussian.dim)
            sums.count, sums.kept = own.count, None if own.kept is None else list(own.kept)
            if distributed.world().size > 1:
                _merge_sums(sums)
            outputs = {} if sums.gaussian is None else sums.result()
        else:
            joined = Collected()
            joined.parts = list(self._sink.parts)
            joined.count = self._sink.count
            if distributed.world().size > 1:
                distributed.send_rows({} if distributed.world().main else self._sink.result(), receive=joined.add)
            outputs = joined.result() if distributed.world().main else {}
            if distributed.world().size == 1 and outputs:  # the batches live on in the joined arrays alone:
                self._sink.parts = [dict(outputs)]  # one copy of the generated side between computes, not two
        every = distributed.gather_objects(sorted(self._sizes)) if distributed.world().size > 1 else [self._sizes]
        return outputs, {tuple(size) for found in every or [] for size in found}

    @staticmethod
    def _count(outputs: dict) -> int:
        if "gaussian" in outputs:
            return outputs["gaussian"].count
        return len(outputs["features"]) if "features" in outputs else 0


def _width(outputs: dict) -> int:
    """The features' dimension of a side's outputs: its features, its sums (FID alone) or its mu."""
    if "features" in outputs:
        return outputs["features"].shape[1]
    return outputs["gaussian"].dim if "gaussian" in outputs else np.size(outputs["mu"])
