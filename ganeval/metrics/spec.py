"""What a metric is, as data: the samples it reads (`Samples`), its traits (`MetricSpec`), how its
family computes it (`Family`) and why it cannot on some samples (`Refusal`).

Every trait of a metric lives on its `MetricSpec`, so the gate, the trends of a training log, the
comparison's answer and score's summary line read them here and keep no tables of their own. A metric
is added with one `registry.register(spec, family)` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics.bootstrap import Interval
from ganeval.options import MetricOptions

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference


@dataclass(frozen=True)
class Summary:
    """How a metric appears in score's one-line summary: its place (smaller first) and its text, where
    {name} is the metric's name, {interval} its value with its 95% interval, {digits} its value to the
    digits its interval allows, {percent} its value as a percentage and {modes} "9 of 10 modes (missing: 7)"
    (the name and interval when the modes are not known)."""

    place: int
    text: str = "{name} {interval}"


@dataclass(frozen=True)
class Samples:
    """Per-sample arrays of one side (real or fake); each field is optional, rows align.

    features: N x D extractor features; logits: N x C classifier logits; modes: N integer mode
    indices; high_quality: N booleans (fake side, 2-D mixtures); d_outputs: N discriminator outputs;
    labels: N class labels (a labelled folder's class names, the class a conditional generator was asked for);
    spatial: N x S spatial features (sFID: inception's mixed_6/conv, S = 2023).
    """

    features: Any = None
    logits: Any = None
    modes: Any = None
    high_quality: Any = None
    d_outputs: Any = None
    spatial: Any = None
    labels: Any = None

    def __post_init__(self):
        lengths = {f.name: len(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}
        if len(set(lengths.values())) > 1:
            raise GanevalError(f"Samples fields must have one row per sample; got lengths {lengths}.")

    def __len__(self) -> int:
        present = [getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None]
        return len(present[0]) if present else 0

    def __getitem__(self, index) -> Samples:
        """The same samples, rows picked by an integer index array (used by bootstrap)."""
        picked = {f.name: getattr(self, f.name) for f in fields(self)}
        return Samples(**{k: (None if v is None else np.asarray(v)[index]) for k, v in picked.items()})

    def has(self, need: str) -> bool:
        return getattr(self, need) is not None


@dataclass(frozen=True)
class MetricSpec:
    """A metric's traits: its family (computed together; "log" for what only a training log records),
    the per-sample arrays it needs of each side, which way is better, its range (lower, upper; None:
    unbounded), the label of a figure's axis (None: the name) and the extractor it calls for when none
    is named (None: the one that follows the reference). needs_train: what it needs of a third side, the
    training set (memorization metrics): such a metric applies only when one is given.

    tolerance: the gate's smallest change worth failing a check, absolute (bounded metrics) or "P%" of the
    baseline's value (scale-dependent ones: FID, KID, IS); `register` refuses a computed metric without one.
    noise_floor: the smallest change of a training log's trend that can matter, in the metric's units (None:
    its trends are not judged); log_scale: its trend noise is judged on log10 values (FID's is multiplicative);
    noise_ratio: for a scale-free metric, the smallest factor a trend must change it by to matter (None: none).
    quality: whether it judges the samples (the comparison's answer ranks variants on those only).
    summary: its place and text in score's one-line summary (None: not shown there)."""

    name: str
    family: str
    needs_real: tuple[str, ...]
    needs_fake: tuple[str, ...]
    higher_is_better: bool
    description: str
    lower: float | None = 0.0
    upper: float | None = None
    label: str | None = None
    extractor: str | None = None  # the extractor it calls for when none is named (cmmd: clip, as in its paper)
    needs_train: tuple[str, ...] = ()  # of a third side, the training set (memorization): applies only when given
    default: bool = True  # False: computed only when asked for by name (cmmd), never in score's default set
    tolerance: float | str | None = None
    noise_floor: float | None = None
    log_scale: bool = False
    noise_ratio: float | None = None
    quality: bool = True
    summary: Summary | None = None

    @property
    def axis_label(self) -> str:
        return self.label or self.name

    def bounds(self, n_modes: int | None = None) -> tuple[float | None, float | None]:
        """(lower, upper), None for unbounded; modes_covered goes up to the reference's `n_modes` when known."""
        return self.lower, float(n_modes) if self.name == "modes_covered" and n_modes else self.upper


@dataclass(frozen=True)
class Refusal:
    """Why some of a family's metrics cannot be computed on these samples: what `Family.refuse` returns.

    reason: the sentence that follows "<name> is not computed: " in the provenance, where the metric was not
    asked for by name and is left out. error: the GanevalError's text where it was asked for (None: the refused
    names, then the reason: "ct needs a reference held out ..."); argument: the parameter that error names.
    metrics: the family's metrics refused (empty: all of them; "memorized" alone of copying's two).
    named_only: whether leaving the metric out is enough when it was not named; False raises in any case
    (precision/recall/density/coverage with too few samples for k: the default set asks for them).
    Either text may hold "{extractor}", which `registry.refusal` fills with the extractor's name.
    """

    reason: str
    error: str | None = None
    argument: str | None = None
    metrics: tuple[str, ...] = ()
    named_only: bool = True

    def note(self, name: str) -> str:
        """The provenance's note for `name` left out."""
        return f"{name} is not computed: {self.reason}"

    def raised(self, names: list[str]) -> GanevalError:
        """The error for `names` (this family's refused metrics) asked for by name."""
        text = self.error if self.error is not None else f"{' and '.join(names)} {self.reason}"
        return GanevalError(text, argument=self.argument)


@dataclass(frozen=True)
class Family:
    """Metrics computed together, and how their confidence intervals are bootstrapped.

    method: the bootstrap interval for recomputing on resampled samples: "centred" (the default), which
    keeps the spread but drops the bias duplicated samples bring (FID upwards, IS and mode KL too), so the
    interval holds the value; each covers 95-99% of a known truth (benchmarks/bench_interval_coverage.py),
    where the plain percentile interval excluded its own value (FID, IS, mode KL).
    intervals: a family-specific bootstrap replacing the generic one (KID, PRDC).
    prepared: whether compute and intervals take the prepared reference of `real` (or None) last,
    to reuse what depends on the reference alone (FID's factor, PRDC's radii, KID's reference kernels).
    train: whether compute and intervals take the training set's Samples last instead (memorization).
    refuse: the family's guard, refuse(real, fake, options, train) with options.n_modes filled in and train
    None without a training set: why its metrics cannot be computed on these samples (a `Refusal`, or its
    reason alone as a str), or None; `registry.refusal` asks every family the plan names.
    """

    compute: Callable[..., dict[str, float]]
    method: str = "centred"
    intervals: Callable[..., dict[str, Interval]] | None = None
    prepared: bool = False
    train: bool = False
    refuse: Callable[[Samples, Samples, MetricOptions, Samples | None], Refusal | str | None] | None = None

    def values(
        self,
        real: Samples,
        fake: Samples,
        o: MetricOptions,
        prepared: PreparedReference | None,
        train: Samples | None = None,
    ):
        return self.compute(real, fake, o, *self._last(prepared, train))

    def bootstrapped(
        self,
        real: Samples,
        fake: Samples,
        o: MetricOptions,
        n: int,
        prepared: PreparedReference | None,
        train: Samples | None = None,
    ):
        return self.intervals(real, fake, o, n, *self._last(prepared, train))

    def _last(self, prepared: PreparedReference | None, train: Samples | None) -> tuple:
        """What compute and intervals take after their common arguments: the training set, the prepared
        reference, or nothing."""
        return (train,) if self.train else (prepared,) if self.prepared else ()
