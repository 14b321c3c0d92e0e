"""Which metrics a score computes, with the notes on those left out: the metrics asked for (or the default
set), those that apply to these samples, each family's guard (`Family.refuse`), and the bootstrap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ganeval.errors import GanevalError, printable
from ganeval.features import Extractor
from ganeval.metrics import Samples, applicable_metrics, canonical, get_metric
from ganeval.metrics.families.fid import gaussian_note
from ganeval.metrics.registry import refusal, sample_metrics
from ganeval.metrics.spec import Refusal
from ganeval.options import MetricOptions
from ganeval.sources import Source

# Fewer samples than this on a side and no bootstrap interval is computed (null, with a warning):
# a resample of n samples is one sample repeated n times with probability n^(1-n) (2: 1/2,
# 5: 1/625, 10: 1e-9), and then KID's pairs of distinct samples and any covariance are undefined.
MIN_INTERVAL_SAMPLES = 10


def asked_name(name: str, frechet: str) -> str:
    """A metric asked for, by the registry's name: the Frechet distance on the chosen extractor's features
    is "fid" whether asked as fid or as its own name (fd_dinov2); another extractor's is refused."""
    if canonical(name) != "fid" or name in ("fid", frechet):
        return canonical(name)
    raise GanevalError(
        f"{name} is the Frechet distance on another extractor's features than the one chosen here, whose "
        f"Frechet distance is {frechet}; ask for {frechet}, or leave --extractor out ({name} chooses its own).",
        argument="metrics",
    )


@dataclass(frozen=True)
class Plan:
    """The metrics one score computes, in order; the notes on what it leaves out (for the provenance); the bootstrap
    resamples of their intervals (0: none)."""

    names: list[str]
    notes: list[str]
    resamples: int


def plan(
    metrics: Sequence[str] | None,
    samples: tuple[Samples, Samples, Samples | None],
    counts: list[int],
    options: MetricOptions,
    extractor: Extractor,
    reference: Source,
    *,
    applicable_only: bool = False,
) -> Plan:
    """Which metrics run on these samples. metrics: by the registry's names (`asked_name`), None for the default set;
    counts: both sides' sample counts; options: with n_modes filled in; reference: the reference's Source (mu and sigma
    alone give FID only); applicable_only: the metrics are wanted where they apply, the rest left out without a word.
    A metric named that does not apply, or that its family's guard refuses, raises; one of the default set is left out
    with a note."""
    real, fake, trained = samples
    gaussian = reference.gaussian_only
    available = [
        name for name in applicable_metrics(real, fake, options, trained, opt_in=True) if name in sample_metrics()
    ]
    available = ["fid", *available] if gaussian else available
    notes = [gaussian_note(reference.label, extractor.name)] if gaussian else []
    if metrics is None:
        names = [name for name in available if get_metric(name).default]  # cmmd only when asked for
    else:
        names = [get_metric(name).name for name in metrics]
        names = [name for name in names if name in available] if applicable_only else names
        _refuse_missing(names, available, trained, extractor, reference)
    refused = refusal(names, real, fake, options, trained, extractor=extractor.name)
    for why, family_names in _by_family(refused):  # those refused whether named or not first
        if metrics is not None or not why.named_only:
            raise why.raised(family_names)
    notes += [why.note(name) for name, why in refused.items()]
    resamples = options.bootstrap
    if options.bootstrap and min(counts) < MIN_INTERVAL_SAMPLES:
        resamples = 0
        notes.append(
            f"no 95% intervals (null): bootstrap intervals need at least {MIN_INTERVAL_SAMPLES} samples per side and "
            f"the smaller side has {min(counts)}; the values themselves are computed."
        )
    return Plan([name for name in names if name not in refused], notes, resamples)


def _by_family(refused: dict[str, Refusal]) -> list[tuple[Refusal, list[str]]]:
    """The refusals with the names each refuses, family by family; those refused whether named or not first."""
    grouped: dict[str, tuple[Refusal, list[str]]] = {}
    for name, why in refused.items():
        grouped.setdefault(get_metric(name).family, (why, []))[1].append(name)
    return sorted(grouped.values(), key=lambda item: item[0].named_only)


def _refuse_missing(names, available, trained, extractor: Extractor, reference: Source) -> None:
    """Refuse the metrics named that do not apply here, saying what each needs."""
    missing = [name for name in names if name not in available]
    if not missing:
        return
    gaussian = reference.gaussian_only
    why = (
        (
            f" {printable(reference.label)} holds only mu and sigma: they give FID; "
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
        f"cannot compute {', '.join(missing)} with the {extractor.name} extractor on these inputs; "
        f"available here: {', '.join(available)}.{why}"
    )
