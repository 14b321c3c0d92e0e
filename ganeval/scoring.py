"""`ganeval.score`: generated samples against a reference, every applicable metric with a 95% interval."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import pandas as pd

from ganeval import __version__
from ganeval.data import MIXTURES
from ganeval.features import Extractor, get_extractor
from ganeval.metrics import Interval, MetricOptions, Samples, applicable_metrics, compute_metrics, get_metric
from ganeval.sources import Source, extract, resolve_source
from ganeval.errors import GanevalError

SCORE_METRICS = (
    "fid", "kid", "inception_score", "precision", "recall", "density", "coverage",
    "modes_covered", "mode_kl", "high_quality_fraction",
)  # fmt: skip


@dataclass
class Result:
    """Metric values with 95% intervals, and everything needed to reproduce them."""

    metrics: dict[str, Interval]
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """{"metrics": {name: {"value", "ci"}}, "provenance": {...}}; ci is None without bootstrap."""
        def finite(x: float) -> float | None:  # JSON has no NaN or infinity: those become null
            return x if math.isfinite(x) else None

        def entry(interval: Interval) -> dict:
            ci = None if math.isnan(interval.low) else [finite(interval.low), finite(interval.high)]
            return {"value": finite(interval.value), "ci": ci}

        return {"metrics": {name: entry(i) for name, i in self.metrics.items()}, "provenance": self.provenance}

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {"metric": name, "value": i.value, "ci_low": i.low, "ci_high": i.high, "higher_is_better": get_metric(name).higher_is_better}
            for name, i in self.metrics.items()
        ]
        return pd.DataFrame(rows).set_index("metric")

    def table(self) -> str:
        """A readable table: value and 95% interval per metric, then the provenance."""
        lines = [f"{'metric':<22}{'value':>12}   95% interval", "-" * 56]
        for name, i in self.metrics.items():
            arrow = "higher is better" if get_metric(name).higher_is_better else "lower is better"
            ci = "" if math.isnan(i.low) else f"[{i.low:.5g}, {i.high:.5g}]"
            lines.append(f"{name:<22}{i.value:>12.5g}   {ci:<24} ({arrow})")
        lines += ["", "provenance:"]
        for key, value in _flatten(self.provenance):
            if key != "warnings":  # the command line prints those to stderr
                lines.append(f"  {key}: {value}")
        return "\n".join(lines)


def _flatten(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _check_counts(n: int | None = None, bootstrap: int = 0, k: int = 1) -> None:
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise GanevalError(f"--n (n) caps the samples per side and must be an integer >= 1; got {n!r}.")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise GanevalError(f"--bootstrap (bootstrap) is a number of resamples >= 0 (0 turns intervals off); got {bootstrap!r}.")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise GanevalError(f"--k (k) is a number of neighbours >= 1; got {k!r}.")


def _conversion(extractor: Extractor) -> str | None:
    """How image files and arrays were converted for the extractor (None for points)."""
    if extractor.kind != "images":
        return None
    if extractor.channels == 1:
        return "grayscale: luma of RGB (PIL convert('L')), alpha dropped, 16-bit scaled to 8"
    return "RGB (PIL convert('RGB')): grayscale replicated, palettes expanded, alpha dropped, 16-bit scaled to 8"


def _uniform_modes(source: Source) -> bool:
    """True when the reference's true modes are equally likely (mode KL is then against uniform)."""
    if source.kind == "bundled":
        return source.bundled.uniform_modes
    return source.kind == "stats" and bool(source.stats_meta.get("uniform_modes"))


def reference_samples(source: Source, outputs: dict) -> Samples:
    """The reference side for the metrics: its features, and its modes unless the true modes are
    equally likely (then mode KL is taken against the uniform distribution)."""
    return Samples(features=outputs["features"], modes=None if _uniform_modes(source) else outputs.get("modes"))


def choose_extractor(reference: Source, generated: Source, name: str | None, weights=None) -> Extractor:
    """The named extractor, or the one that follows the reference: digits for digit data, points for
    2-D data, inception otherwise; digits take 3 channels (stacked digits) for 3-channel references."""
    if reference.kind == "stats":
        name = name or reference.stats_meta.get("extractor")
    elif reference.kind == "bundled":
        name = name or reference.bundled.extractor
    elif "points" in (reference.samples_kind, generated.samples_kind):
        name = name or "points"
    name = name or "inception"
    mixture = None
    if reference.kind == "bundled" and reference.bundled.mixture is not None:
        mixture = reference.bundled.mixture
    elif reference.kind == "stats":
        mixture = MIXTURES.get(str(reference.stats_meta.get("mixture")))
    channels = 1
    if name == "digits":
        if reference.kind == "stats" and reference.stats_meta.get("extractor") == "digits":
            channels = int(reference.stats_meta.get("channels", 1))
        else:
            channels = 3 if (reference.channels or generated.channels) == 3 else 1
    return get_extractor(name, weights=weights, channels=channels, mixture=mixture)


def score(
    generated,
    ref,
    extractor: str | None = None,
    metrics: list[str] | None = None,
    *,
    weights=None,
    n: int | None = None,
    seed: int = 0,
    bootstrap: int = 100,
    k: int = 5,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    is_splits: int = 10,
    batch_size: int = 64,
    workers: int | None = None,
    cache: bool = True,
    skip_bad: bool = False,
    progress: bool = True,
) -> Result:
    """Score generated samples against a reference.

    generated, ref: a folder of images, an .npz/.npy array, a bundled set name, a statistics file
    from `ganeval stats` (ref only), or an array in memory (torch N x C x H x W, numpy
    N x H x W [x C], or N x 2 points). n caps the samples per side (a seeded subsample);
    bootstrap=0 turns the confidence intervals off.
    """
    _check_counts(n=n, bootstrap=bootstrap, k=k)
    reference_source = resolve_source(ref, "reference")
    generated_source = resolve_source(generated, "generated")
    if generated_source.kind == "stats":
        raise GanevalError(f"{generated_source.label} is a statistics file; generated samples must be images, an array or a bundled set.")
    kinds = (generated_source.samples_kind, reference_source.samples_kind)
    if kinds[0] != kinds[1]:
        raise GanevalError(
            f"the generated samples ({generated_source.label}) are {kinds[0]} but the reference ({reference_source.label}) "
            f"is {kinds[1]}; score images against images and 2-D points against points."
        )
    chosen = choose_extractor(reference_source, generated_source, extractor, weights)
    common = dict(n=n, seed=seed, batch_size=batch_size, workers=workers, skip_bad=skip_bad, progress=progress, use_cache=cache)
    real_out, real_info = extract(reference_source, chosen, reference=True, **common)
    fake_out, fake_info = extract(generated_source, chosen, reference=False, **common)

    uniform = _uniform_modes(reference_source)
    real = reference_samples(reference_source, real_out)
    fake = Samples(
        features=fake_out["features"], logits=fake_out.get("logits"),
        modes=fake_out.get("modes"), high_quality=fake_out.get("high_quality"),
    )  # fmt: skip
    options = MetricOptions(
        kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, is_splits=is_splits, k=k, n_modes=chosen.n_modes, seed=seed
    )
    available = [name for name in applicable_metrics(real, fake, options) if name in SCORE_METRICS]
    if metrics is None:
        names = available
    else:
        names = [get_metric(name).name for name in metrics]
        missing = [name for name in names if name not in available]
        if missing:
            raise GanevalError(
                f"cannot compute {', '.join(missing)} with the {chosen.name} extractor on these inputs; "
                f"available here: {', '.join(available)}."
            )
    smallest = min(real_info["count"], fake_info["count"])
    if {"precision", "recall", "density", "coverage"} & set(names) and smallest <= k:
        raise GanevalError(
            f"precision/recall/density/coverage with --k {k} need more than {k} samples per side; got "
            f"{real_info['count']} reference and {fake_info['count']} generated. Lower --k, pass more samples, "
            "or choose other --metrics.", argument="k"
        )
    with warnings.catch_warnings(record=True) as caught:  # reported once, in the provenance
        warnings.simplefilter("always")
        values = compute_metrics(names, real, fake, options, bootstrap_n=bootstrap)
    provenance = {
        "ganeval_version": __version__,
        **chosen.provenance(),
        "image_conversion": _conversion(chosen),
        "generated": fake_info,
        "reference": real_info,
        "seed": seed,
        "bootstrap": {"resamples": bootstrap, "confidence": 0.95} if bootstrap else None,
        "options": {
            "k": k, "kid_subsets": kid_subsets,
            "kid_subset_size": min(kid_subset_size, real_info["count"], fake_info["count"]),
            "is_splits": min(is_splits, fake_info["count"]),
            "mode_reference": "uniform (true modes)" if uniform else "reference labels",
        },
        "warnings": sorted({str(w.message) for w in caught}),
    }  # fmt: skip
    return Result(values, provenance)


def stats(ref, output, extractor: str | None = None, *, weights=None, n: int | None = None, seed: int = 0,
          batch_size: int = 64, workers: int | None = None, skip_bad: bool = False, progress: bool = True):
    """Write a reference's features, statistics and provenance to `output` (npz) for sharing."""
    from ganeval.features.cache import save_outputs

    _check_counts(n=n)
    if not str(output).endswith(".npz"):
        raise GanevalError(f"the statistics file name must end in .npz (so `ganeval score --ref` recognises it); got {output}.")
    source = resolve_source(ref, "reference")
    if source.kind == "stats":
        raise GanevalError(f"{source.label} is already a statistics file.")
    chosen = choose_extractor(source, source, extractor, weights)
    outputs, info = extract(source, chosen, n=n, seed=seed, batch_size=batch_size, workers=workers,
                            skip_bad=skip_bad, progress=progress, use_cache=False, reference=True)  # fmt: skip
    mixture = getattr(chosen, "mixture", None)
    meta = {"ganeval_version": __version__, **chosen.provenance(), "reference": info,
            "channels": chosen.channels, "mixture": None if mixture is None else mixture.name,
            "uniform_modes": _uniform_modes(source)}  # fmt: skip
    return save_outputs(output, outputs, meta)
