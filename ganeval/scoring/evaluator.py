"""`ReferenceScorer` (a reference prepared once) and `Evaluator` (`score` fed batch by batch, as in a training
loop)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ganeval import distributed
from ganeval.data.arrays import as_samples
from ganeval.errors import GanevalError
from ganeval.features import Extractor
from ganeval.features.extract import Collected, Sums, extract_array
from ganeval.metrics import GaussianStats, Samples, frechet_name
from ganeval.metrics._checks import as_features
from ganeval.metrics.families.fid import fid_alone
from ganeval.metrics.reference import RecentReferences
from ganeval.metrics.registry import sample_metrics
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring.extractor import choose_extractor, reference_samples
from ganeval.scoring.inputs import Inputs
from ganeval.scoring.plan import asked_name
from ganeval.scoring.result import Result
from ganeval.scoring.score import score_inputs
from ganeval.sources import Source, extract, merge_sums, resolve_source


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
            outputs, _ = extract(source, chosen, extraction, n=options.n, seed=options.seed, reference=True)
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

    def extract(self, extractor, extraction, *, n, seed, reference, keep=True):
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
        self.metrics = None if metrics is None else [asked_name(name, frechet) for name in metrics]
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
            with distributed.alone():  # under torchrun each rank holds the whole reference
                held, info = extract(
                    source,
                    self.extractor,
                    self.extraction,
                    n=options.n,
                    seed=options.seed,
                    reference=True,
                    keep=not self._streamed,
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
        return score_inputs(
            Inputs(generated, self._reference),
            self.extractor,
            self.metrics,
            self.options,
            self.extraction,
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
                merge_sums(sums)
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
