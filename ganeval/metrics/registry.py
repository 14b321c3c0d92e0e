"""The metric registry: every metric by name, what it needs, which way is better, its range and label.

The metrics themselves live in their families' modules (metrics/families/: the adapter, the interval, the
`MetricSpec`s and the guard of each), which register each metric here with `register(spec, family)` when
imported at the end of this module; a new metric is one such module and one `register` call per metric.
Metrics that come out of one computation (precision, recall, density, coverage) share a *family*, so
`compute_metrics` runs each family once however many of its metrics are asked for, and `refusal` asks each
family's guard why its metrics cannot be computed on given samples. `LOGGED_METRICS` holds the traits of
what only a training log records (cgan's class accuracy, cyclegan's label preservation and cycle error, the
batch's diversity, the wall time), so direction, bounds and labels live here for every metric a report
shows. Later layers (score, check, compare, report) look metrics up here by name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ganeval.errors import GanevalError
from ganeval.metrics.bootstrap import Interval, bootstrap
from ganeval.metrics.families import FRACTION
from ganeval.metrics.spec import Family, MetricSpec, Refusal, Samples
from ganeval.options import MetricOptions

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference

FAMILIES: dict[str, Family] = {}  # every family by name, in the order registered

METRICS: dict[str, MetricSpec] = {}  # every computed metric by name, in the order registered


def register(spec: MetricSpec, family: Family | None = None) -> MetricSpec:
    """Add a computed metric: its spec to METRICS and, when given, its family to FAMILIES under spec.family
    (metrics of one family give it once). compute_metrics, score, the gate, the trends and the reports then
    know it by name. Refused with a GanevalError naming the metric: a spec without a tolerance (the gate would
    fail a check on any significant change of it), a tolerance other than a number >= 0 or "P%", a family
    neither given nor registered, a name already registered as another metric."""
    problem = _registration_problem(spec, family)
    if problem:
        raise GanevalError(f"metric {spec.name!r} cannot be registered: {problem}.")
    if family is not None:
        FAMILIES[spec.family] = family
    METRICS[spec.name] = spec
    return spec


def _registration_problem(spec: MetricSpec, family: Family | None) -> str | None:
    """Why `register` refuses spec (and family), or None."""
    if spec.tolerance is None:
        return (
            "it has no tolerance; give MetricSpec(tolerance=...) the smallest change worth failing a check, "
            'absolute (0.02) or a percentage of the baseline ("5%")'
        )
    if not _valid_tolerance(spec.tolerance):
        return f'its tolerance {spec.tolerance!r} is not a number >= 0 or a percentage such as "5%"'
    if family is None and spec.family not in FAMILIES:
        return f"its family {spec.family!r} is not registered; pass its Family to register"
    if METRICS.get(spec.name, spec) != spec:
        return "another metric of that name is registered"
    return None


def _valid_tolerance(tolerance: float | str) -> bool:
    """A number >= 0, or a string of one followed by "%"."""
    text = tolerance[:-1] if isinstance(tolerance, str) and tolerance.endswith("%") else tolerance
    try:
        value = float(text)
    except (TypeError, ValueError):
        return False
    return not isinstance(tolerance, bool) and math.isfinite(value) and value >= 0


# What only a training log records: no computation here, only the traits a report and a comparison need.
LOGGED_METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in [
        MetricSpec(
            "class_accuracy",
            "log",
            (),
            (),
            True,
            "Share of a conditional generator's fixed batch the digits classifier labels with the class asked for.",
            **FRACTION,
            label="class accuracy (fraction)",
        ),
        MetricSpec(
            "label_preservation",
            "log",
            (),
            (),
            True,
            "Share of translated digits G(a) the classifier gives the label of a.",
            **FRACTION,
            label="label preservation (fraction)",
        ),
        MetricSpec(
            "cycle_error",
            "log",
            (),
            (),
            False,
            "Mean |F(G(a)) - a| of a translation there and back, in [0, 1] pixel units.",
            label="cycle error (pixel units, 0-1)",
        ),
        MetricSpec(
            "diversity",
            "log",
            (),
            (),
            True,
            "Mean pairwise feature distance of the generated batch over the real set's (1: as spread).",
            label="diversity (vs real = 1)",
        ),
        MetricSpec(
            "wall_time_s",
            "log",
            (),
            (),
            False,
            "Seconds the training ran (wall clock).",
            label="wall time (s)",
            quality=False,  # training time is a cost: it only breaks a tie between the best
        ),
    ]
}


# The Frechet distance is "fid" on InceptionV3's features (and, as before, on the bundled digits and points
# extractors'); on any other extractor's it is "fd_<extractor>" (fd_dinov2, fd_clip), as papers write FD_DINOv2:
# a number on other features must not pass for the FID papers quote.
FID_EXTRACTORS = ("inception", "digits", "points")
FD_PREFIX = "fd_"


def frechet_name(extractor: str) -> str:
    """The Frechet distance's name on `extractor`'s features: "fid", or "fd_" and the extractor's name (the
    attribute of a "package.module:attribute" one) with every character other than a letter or digit as "_"
    ("dinov2-vits14" -> "fd_dinov2_vits14", "mylab.encoders:xray" -> "fd_xray")."""
    if extractor in FID_EXTRACTORS:
        return "fid"
    return FD_PREFIX + "".join(c if c.isalnum() else "_" for c in extractor.rpartition(":")[2].lower())


def canonical(name: str) -> str:
    """The registry's name of a metric: "fid" for any "fd_<extractor>", the name itself otherwise."""
    return "fid" if name.startswith(FD_PREFIX) and name not in METRICS else name


def get_metric(name: str, *, logged: bool = False) -> MetricSpec:
    """The spec of a metric by name; unknown names list the valid ones. logged: also the metrics only a
    training log records (LOGGED_METRICS), for traits such as direction and bounds. "fd_<extractor>" is
    FID's spec under that name (the Frechet distance on that extractor's features), shown by that name in
    score's summary line."""
    known = {**METRICS, **LOGGED_METRICS} if logged else METRICS
    if canonical(name) != name and len(name) > len(FD_PREFIX):
        label = f"{name[len(FD_PREFIX) :].upper()} Frechet distance (lower is better)"
        return replace(
            METRICS["fid"], name=name, label=label, summary=replace(METRICS["fid"].summary, text="{name} {interval}")
        )
    try:
        return known[name]
    except KeyError:
        raise GanevalError(
            f"unknown metric {name!r}; valid metrics are: {', '.join(known)}, and fd_<extractor> "
            "(the Frechet distance on another extractor's features, e.g. fd_dinov2)."
        ) from None


def sample_metrics() -> list[str]:
    """Names of the metrics of generated samples themselves: every registered metric but D's calibration
    (which needs D's outputs), in the registry's order, those registered after import included."""
    return [name for name, spec in METRICS.items() if spec.family != "calibration"]


def applicable_metrics(
    real: Samples,
    fake: Samples,
    options: MetricOptions = MetricOptions(),
    train: Samples | None = None,
    *,
    opt_in: bool = False,
) -> list[str]:
    """Names of the metrics these samples can feed (mode metrics also need options.n_modes; memorization
    metrics a training set, `train`). opt_in: also those computed only when asked for by name
    (MetricSpec.default False: cmmd)."""
    return [
        spec.name
        for spec in METRICS.values()
        if (spec.default or opt_in)
        and all(real.has(n) for n in spec.needs_real)
        and all(fake.has(n) for n in spec.needs_fake)
        and all(train is not None and train.has(n) for n in spec.needs_train)
        and (spec.family != "modes" or options.n_modes is not None)
    ]


def compute_metrics(
    names,
    real: Samples,
    fake: Samples,
    options: MetricOptions = MetricOptions(),
    bootstrap_n: int = 0,
    *,
    prepared: PreparedReference | None = None,
    train: Samples | None = None,
) -> dict[str, Interval]:
    """Compute the named metrics, each family once; with bootstrap_n > 0, 95% intervals too.

    Without bootstrap each Interval has low = high = nan. Missing inputs raise ValueError naming
    the metric and what it needs. prepared: `real` prepared once (`prepare_reference`, with
    options.k), reused for the values; a bootstrap that resamples `real` computes each resampled
    reference afresh, so values and intervals equal those computed without it. train: the training
    set's samples, which the memorization metrics (authenticity, ct) need; `real` is then the held-out data.
    """
    names = list(names)
    specs = [get_metric(canonical(name)) for name in names]  # fd_<extractor> is computed as fid, keyed as asked
    for spec in specs:
        sides = (("real", real, spec.needs_real), ("fake", fake, spec.needs_fake))
        for side, samples, needs in (*sides, ("training", train, spec.needs_train)):
            missing = [n for n in needs if samples is None or not samples.has(n)]
            if missing:
                raise GanevalError(
                    f"metric {spec.name!r} needs {', '.join(missing)} of the {side} samples; none were given."
                )
    results: dict[str, Interval] = {}
    for name in dict.fromkeys(spec.family for spec in specs):
        family = FAMILIES[name]
        if not bootstrap_n:
            values = family.values(real, fake, options, prepared, train)
            results.update({key: Interval(v, float("nan"), float("nan")) for key, v in values.items()})
        elif family.intervals is not None:
            results.update(family.bootstrapped(real, fake, options, bootstrap_n, prepared, train))
        else:  # the prepared reference serves the reference as given only, never a resample of it
            compute = lambda r, f, family=family: family.values(r, f, options, prepared if r is real else None)  # noqa: E731
            results.update(bootstrap(compute, real, fake, n=bootstrap_n, seed=options.seed, method=family.method))
    return {name: _within_bounds(results[spec.name], spec) for name, spec in zip(names, specs)}


def _within_bounds(interval: Interval, spec: MetricSpec) -> Interval:
    """Clip an interval to the metric's range (a basic bootstrap can step past a bound)."""
    low, high = interval.low, interval.high
    if spec.lower is not None:
        low, high = max(low, spec.lower), max(high, spec.lower)
    if spec.upper is not None:
        low, high = min(low, spec.upper), min(high, spec.upper)
    return Interval(interval.value, low, high)


def unregister(name: str) -> None:
    """Take a registered metric out again (tests of a metric registered for a while), and its family with
    its last metric."""
    spec = METRICS.pop(name)
    if all(other.family != spec.family for other in METRICS.values()):
        FAMILIES.pop(spec.family, None)


def refusal(
    names: Sequence[str],
    real: Samples,
    fake: Samples,
    options: MetricOptions,
    train: Samples | None = None,
    *,
    extractor: str = "chosen",
) -> dict[str, Refusal]:
    """Why each of the named metrics that cannot be computed on these samples is refused, by its family's guard
    (`Family.refuse`), in the order of `names`; the others are not keys. options: with n_modes filled in; train:
    the training set's samples or None; extractor: the extractor's name, for the texts that name it. The caller
    decides: a refusal with named_only False raises (`Refusal.raised`) whether or not the metrics were named;
    the others raise where they were named and are otherwise left out, with `Refusal.note` in the provenance."""
    names = list(names)
    found: dict[str, Refusal] = {}
    for family_name in dict.fromkeys(get_metric(canonical(name)).family for name in names):
        refuse = FAMILIES[family_name].refuse
        refused = refuse(real, fake, options, train) if refuse is not None else None
        if refused is None:
            continue
        if isinstance(refused, str):
            refused = Refusal(refused)
        refused = replace(
            refused,
            reason=refused.reason.replace("{extractor}", extractor),
            error=None if refused.error is None else refused.error.replace("{extractor}", extractor),
        )
        for name in names:
            spec = get_metric(canonical(name))
            if spec.family == family_name and (not refused.metrics or spec.name in refused.metrics):
                found[name] = refused
    return {name: found[name] for name in names if name in found}


# The families, each registering its metrics on import, in the order the metrics are listed; below the
# definitions above, which they import. Names the tree imports from here are re-exported.
from ganeval.metrics.families import fid, kid, isc, prdc, modes, cmmd, sfid, vendi  # noqa: E402, F401, I001
from ganeval.metrics.families import intra_fid, cas, calibration, copying, ct, fls, realism  # noqa: E402, F401
from ganeval.metrics.families.ct import MemorizationWarning  # noqa: E402, F401
from ganeval.metrics.families.modes import quality_flags  # noqa: E402, F401
