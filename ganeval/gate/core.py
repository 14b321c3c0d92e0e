"""`ganeval baseline` and `ganeval check`: record a generator's scores, then gate later versions on them.

A baseline is `ganeval score`'s JSON (metrics with 95% intervals, provenance) plus a "baseline"
block with the settings needed to re-score exactly: the `n` cap, the reference's content hash and,
for generators, nz and the value range. A plain `ganeval score --json` file is accepted too; its
settings are read from the provenance (the reference is then identified by name and count only).

`check` re-scores the candidate with the baseline's settings, refuses (ValueError, exit 2) when
anything that changes the numbers differs (extractor, its weights, preprocessing, reference, sample
counts, metric options, bootstrap), and decides per metric with `decision.decide_metric`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ganeval import __version__, distributed
from ganeval.atomic import json_text, write_text
from ganeval.data import BUNDLED
from ganeval.data.export import asked_classes
from ganeval.errors import GanevalError
from ganeval.features import get_extractor, sha256_of_file
from ganeval.features.resize import DEFAULT_RESIZE
from ganeval.gate import formats
from ganeval.gate.candidate import (
    DEFAULT_VALUE_RANGE,
    as_drawer,
    check_value_range,
    generator_candidate,
    is_import_spec,
    load_generator,
    load_path,
)
from ganeval.gate.decision import (
    DEFAULT_ALPHA,
    REGRESSED,
    SKIPPED,
    MetricDecision,
    check_tolerances,
    decide_metric,
    resolve_tolerance,
    z_critical,
)
from ganeval.gate.schema import FORMAT_2, recordable_interval, spread_problem, validate
from ganeval.metrics import get_metric
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score
from ganeval.sources import resolve_source, subsample

BASELINE_FORMAT = FORMAT_2  # what make_baseline writes; load_baseline reads READABLE_FORMATS (see gate/schema.py)
DEFAULT_GENERATOR_N = 2000  # samples drawn from a generator when the baseline command gets no --n


@dataclass
class Baseline:
    """A baseline: metric values and intervals, provenance and the settings to re-score with.

    `make_baseline` returns one (path None until written); `load_baseline` reads one. `to_dict()` is
    the JSON document, `write(path)` writes it atomically.
    """

    path: Path | None
    metrics: dict[str, dict]
    provenance: dict
    block: dict  # the "baseline" block ({} for a plain score JSON)
    missing_modes: list[str] | None = None  # names of the modes the baseline did not cover (None: not recorded)
    document: dict = field(default_factory=dict, repr=False)  # the whole JSON document, as read or made

    @classmethod
    def from_dict(cls, document: dict, path: Path | None = None) -> Baseline:
        return cls(
            path,
            document["metrics"],
            document["provenance"],
            document.get("baseline") or {},
            _missing_names(document.get("missing_modes")),
            document,
        )

    def to_dict(self) -> dict:
        """The baseline's JSON document (`ganeval score`'s plus the "baseline" block), a deep copy."""
        return json.loads(json.dumps(self.document, default=str))

    def write(self, path) -> Path:
        """Write the JSON document to `path` atomically; the baseline's path becomes `path`."""
        self.path = write_text(path, json_text(self.document))
        return self.path

    @property
    def options(self) -> MetricOptions:
        """The metric options to re-score with: the recorded ones, n and seed included."""
        recorded = self.provenance.get("options") or {}
        bootstrap = (self.provenance.get("bootstrap") or {}).get("resamples", 0)
        return MetricOptions.from_values({**recorded, "n": self.n, "seed": self.seed, "bootstrap": bootstrap})

    @property
    def n(self) -> int:
        """The `n` cap to score with: recorded, or max(counts), which reproduces both sides' counts."""
        if self.block.get("n") is not None:
            return int(self.block["n"])
        return max(int(self.provenance["generated"]["count"]), int(self.provenance["reference"]["count"]))

    @property
    def generated_count(self) -> int:
        return int(self.provenance["generated"]["count"])

    @property
    def seed(self) -> int:
        return int(self.provenance.get("seed", MetricOptions().seed))

    @property
    def precision(self) -> str:
        """The extractor's precision the baseline was scored at (recorded when not fp32): check's default."""
        return str(self.provenance.get("precision", "fp32"))


@dataclass
class CheckReport:
    """The outcome of `check`: one MetricDecision per metric, the settings compared and the candidate's scores."""

    baseline: str
    candidate: str
    decisions: list[MetricDecision]
    alpha: float
    seed: int
    settings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    result: object = None  # the candidate's scoring.Result
    missing_modes: dict = field(
        default_factory=dict
    )  # "baseline", "candidate": names of the modes not covered, or None

    @property
    def regressions(self) -> list[MetricDecision]:
        return [c for c in self.decisions if c.verdict == REGRESSED]

    @property
    def passed(self) -> bool:
        return not self.regressions

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> dict:
        return {
            "passed": self.passed,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "alpha": self.alpha,
            "seed": self.seed,
            "comparisons": [c.to_dict() for c in self.decisions],
            "settings": self.settings,
            "notes": self.notes,
            "missing_modes": self.missing_modes,
        }

    def table(self) -> str:
        """The text table with the reasons and the verdict line, for a terminal or CI log."""
        return formats.text_table(self)

    def markdown(self) -> str:
        """A Markdown section for a pull-request comment."""
        return formats.markdown(self)

    def junit(self) -> str:
        """JUnit XML: one test case per metric; regressions are failures, skipped metrics skipped."""
        return formats.junit(self)

    def github_annotations(self) -> str:
        """GitHub Actions workflow commands: an ::error per regressed metric, then a summary."""
        return formats.github_annotations(self)

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def write_markdown(self, output) -> Path:
        """The Markdown section to the file `output`, atomically."""
        return write_text(output, self.markdown())

    def write_junit(self, output) -> Path:
        """The JUnit XML to the file `output`, atomically."""
        return write_text(output, self.junit())

    def write_json(self, output) -> Path:
        """The report as JSON (to_dict) to the file `output`, atomically."""
        return write_text(output, self.to_json())


# ---------------------------------------------------------------- reference identity


def reference_identity(reference) -> dict:
    """What the reference is, by content (independent of paths, mtimes and the machine):
    bundled sets by name and draw seed; statistics files by their stored features; folders by
    their files' relative paths and bytes; array files by their array (`Source.identity`)."""
    return resolve_source(reference, "reference").identity()


# ---------------------------------------------------------------- settings


def _settings(provenance: dict, metrics: list[str], identity: dict | None) -> dict:
    """Everything that changes the numbers, flattened for comparison."""
    reference = provenance.get("reference", {})
    settings = {
        "extractor": provenance.get("extractor"),
        "weights_sha256": provenance.get("weights_sha256"),
        "code_sha256": provenance.get("code_sha256"),  # your own extractor's source (ganeval.features.custom)
        "preprocessing": provenance.get("preprocessing"),
        "resize": provenance.get("resize"),  # inception's, recorded when not legacy-tf (ganeval.features.resize)
        "image_conversion": provenance.get("image_conversion"),
        "modes_from": provenance.get("modes_from"),
        "precision": provenance.get(
            "precision", "fp32"
        ),  # the extractor records it when not fp32; the device is not compared
        "reference kind": reference.get("kind"),
        "reference count": reference.get("count"),
        "reference draw seed": reference.get("draw_seed"),
        "generated count": provenance.get("generated", {}).get("count"),
        "bootstrap": provenance.get("bootstrap"),
        "metrics": sorted(metrics),
    }
    modes = any(get_metric(name).family == "modes" for name in metrics)
    for key, value in (provenance.get("options") or {}).items():
        if key != "mode_reference" or modes:  # recorded only where a mode metric was computed (once: always)
            settings[key] = value
    if identity is not None:
        settings["reference content"] = identity
    return settings


def _mismatches(baseline: dict, candidate: dict) -> list[str]:
    rows = []
    for key in dict.fromkeys([*baseline, *candidate]):
        if key == "reference content" and (key not in baseline or key not in candidate):
            continue  # a plain score JSON has no content hash: name and count still compared
        if baseline.get(key) != candidate.get(key):
            rows.append(f"{key}: baseline {baseline.get(key)!r}, candidate {candidate.get(key)!r}")
    return rows


# ---------------------------------------------------------------- baselines


def load_baseline(path) -> Baseline:
    """Read and validate a baseline JSON file.

    A baseline is data from outside: it is checked against the schema (gate/schema.py) before `check`
    trusts any of its numbers or settings.

    Args:
        path (str | Path): a file from `ganeval baseline` or `ganeval score --json`.

    Returns:
        The baseline, with `path` set.

    Raises:
        GanevalError: the file does not exist, is not readable JSON, lacks the 'metrics' and 'provenance'
            objects or the provenance's extractor, generated and reference counts, or breaks the schema.
    """
    path = Path(path)
    how = (
        "make one with `ganeval baseline CANDIDATE --ref REF -o baseline.json` "
        "(or `ganeval score ... --json baseline.json`)"
    )
    try:
        payload = json.loads(path.read_text())
    except FileNotFoundError:
        raise GanevalError(f"baseline {path} does not exist; {how}.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise GanevalError(f"baseline {path} is not readable JSON ({type(error).__name__}: {error}); {how}.") from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("metrics"), dict)
        or not isinstance(payload.get("provenance"), dict)
    ):
        raise GanevalError(
            f"baseline {path} lacks the 'metrics' and 'provenance' objects of a ganeval score result; {how}."
        )
    provenance = payload["provenance"]
    missing = [key for key in ("extractor", "generated", "reference") if key not in provenance]
    missing += [
        f"{side}.count"
        for side in ("generated", "reference")
        if not isinstance(provenance.get(side), dict) or "count" not in provenance[side]
    ]
    if missing:
        raise GanevalError(
            f"baseline {path}: the provenance lacks {', '.join(missing)}; it was not written by ganeval score, "
            f"or was edited. {how[0].upper() + how[1:]}."
        )
    validate(payload, path)
    return Baseline.from_dict(payload, path)


def _missing_names(entry) -> list[str] | None:
    """The names in a score JSON's "missing_modes" ({"names": [...], ...}); None when absent or not a list of names
    (informative only: what the table shows, never what the gate decides)."""
    names = entry.get("names") if isinstance(entry, dict) else None
    return [str(name) for name in names] if isinstance(names, list) else None


def _resolve_reference(baseline: Baseline, reference):
    """The reference to score against: the override (a path, a name, or an array in memory, as given), else the
    baseline's, as given or beside the baseline file."""
    if reference is not None:
        return str(reference) if isinstance(reference, Path) else reference
    source = str(baseline.provenance["reference"]["source"])
    if source in BUNDLED or Path(source).exists():
        return source
    beside = baseline.path.parent / source
    if beside.exists():
        return str(beside)
    raise GanevalError(
        f"the reference of baseline {baseline.path}, {source!r}, is not found "
        "(neither from here nor beside the baseline); pass --ref PATH to the same reference (its content is checked)."
    )


def _is_generator(candidate, trust_code: bool = False) -> bool:
    return trust_code or is_import_spec(candidate) or generator_candidate(candidate)


def _candidate_samples(candidate, *, n: int, seed: int, nz, value_range, label: str, trust_code: bool = False):
    """(what to score: a path or in-memory samples, description) for any candidate; code is loaded only from
    a 'package.module:attribute' string or, with trust_code, a path (candidate.load_generator)."""
    if is_import_spec(candidate) or trust_code and isinstance(candidate, (str, Path)):
        candidate_object = load_generator(candidate)
    elif isinstance(candidate, (str, Path)) and generator_candidate(candidate):
        candidate_object = load_path(Path(candidate))
    elif isinstance(candidate, (str, Path)):
        return str(candidate), {"samples": str(candidate)}, None
    elif generator_candidate(candidate):
        candidate_object = candidate
    else:
        return candidate, {"samples": "<array>"}, None
    drawer = as_drawer(candidate_object, label, nz, value_range)
    samples = drawer.sample(n, seed)
    # a conditional run's classes asked for, for intra_fid and cas (None: unconditional)
    return samples, {**drawer.description, "n": n, "seed": seed}, asked_classes(candidate_object, len(samples))


def _score(
    candidate,
    reference,
    *,
    label: str,
    metrics,
    extractor,
    options: MetricOptions,
    generated_n,
    nz,
    value_range,
    extraction: Extraction,
    trust_code=False,
):
    """(the score of `candidate`, its description): what make_baseline and check score alike."""
    seed = options.seed
    samples, description, labels = _candidate_samples(
        candidate, n=generated_n, seed=seed, nz=nz, value_range=value_range, label=label, trust_code=trust_code
    )
    if (
        generated_n is not None and not isinstance(samples, str) and len(samples) > generated_n
    ):  # arrays in memory: a seeded subsample, as score does
        pick = subsample(len(samples), generated_n, seed)
        samples, labels = samples[pick], None if labels is None else labels[pick]
    result = score(
        samples,
        reference,
        extractor,
        metrics,
        options=options,
        generated_labels=labels,
        extraction=extraction,
    )
    return result, description


def make_baseline(
    candidate,
    reference,
    output=None,
    *,
    options: MetricOptions = MetricOptions(),
    extractor: str | None = None,
    metrics: Sequence[str] | None = None,
    nz: int | None = None,
    value_range: tuple[float, float] = DEFAULT_VALUE_RANGE,
    repeats: int | None = None,
    extraction: Extraction | None = None,
    trust_code: bool = False,
    **keywords,
) -> Baseline:
    """Score `candidate` against `reference` and return (and with `output`, write atomically) a baseline.

    The baseline is what `check` compares later candidates with: the values, their intervals and
    seed-to-seed spread, and every setting needed to re-score exactly. Metrics without a finite value,
    or with a seed spread too large to gate on (gate/schema.py), are left out and named under
    "not_gated" with the reason; the file follows the schema in gate/schema.py.

    Args:
        candidate (Any): anything `check` takes (samples or a generator; see ganeval.gate.candidate). A
            generator draws options.n samples (default 2000) from noise seeded with options.seed.
        reference (str | Path | array): what `score` takes as a reference.
        output (str | Path | None): where to write the baseline JSON (atomically); None: not written.
        options: the metric settings, as for `score`; recorded, and `check` re-scores with them.
        extractor: as for `score`.
        metrics: as for `score`.
        nz: the length of a generator's noise vector, for one called on noise z of shape (n, nz).
        value_range: (low, high) of a generator's float image outputs: (-1, 1) for tanh, (0, 1) for sigmoid.
        repeats: re-score with the seeds seed+1 .. seed+repeats (values only, no bootstrap) and record each
            metric's seed-to-seed standard deviation, which `check` uses as the noise floor of its test.
            0 or at least 2; None: 10 for generators, 0 for fixed samples (a new seed then only re-draws a
            subsample).
        extraction: how features are extracted, as for `score` (None: the defaults). Its weights, resize and
            precision are recorded, and `check` refuses others; its device is recorded only (a baseline made
            on a GPU checks on the CPU).
        trust_code: a path candidate is a TorchScript generator file, loaded and run (the CLI's
            --generator FILE); without it a path is data, and a TorchScript file is refused.
        **keywords (Any): the extraction settings as loose keywords (weights=, device=, ...): deprecated, with a
            DeprecationWarning; pass `extraction=` instead.

    Returns:
        The baseline (its `path` is None until written).

    Raises:
        GanevalError: `repeats` is 1 or not a whole number >= 0, `value_range` is not (low, high), the
            candidate is neither samples nor a generator (or needs `nz`), or `score` refuses the inputs.

    Examples:
        >>> from ganeval import MetricOptions, make_baseline
        >>> from ganeval.data import RING8
        >>> from ganeval.options import Extraction
        >>> points, _ = RING8.sample(300, seed=1)
        >>> options, quiet = MetricOptions(bootstrap=0), Extraction(cache=False, progress=False)
        >>> baseline = make_baseline(points, "ring8", options=options, metrics=["fid"], extraction=quiet)
        >>> baseline.metrics["fid"]["value"] < 0.1, baseline.to_dict()["baseline"]["metrics"]
        (True, ['fid'])
    """
    extraction = Extraction.merged(extraction, "make_baseline", keywords).resolved()  # the device, resolved once
    reference = resolve_source(reference, "reference")  # once: a folder is hashed once for its scores and identity
    label = str(candidate) if isinstance(candidate, (str, Path)) else f"<{type(candidate).__name__}>"
    is_generator = _is_generator(candidate, trust_code)
    if is_generator and options.n is None:
        options = options.replace(n=DEFAULT_GENERATOR_N)
    n, seed = options.n, options.seed
    repeats = (10 if is_generator else 0) if repeats is None else repeats
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 0 or repeats == 1:
        raise GanevalError(
            "--repeats (repeats) is the number of extra seeds to measure the seed-to-seed spread, "
            f"0 or at least 2; got {repeats!r}.",
            argument="repeats",
        )
    range_ = check_value_range(value_range)
    common = dict(label=label, extractor=extractor, nz=nz, value_range=range_, trust_code=trust_code)
    result, description = _score(
        candidate, reference, metrics=metrics, generated_n=n, options=options, extraction=extraction, **common
    )
    payload = result.to_dict()
    not_gated = {
        name: "its value is not finite (for mode_kl: mass on a mode the reference lacks), so nothing to compare with"
        for name, entry in payload["metrics"].items()
        if entry["value"] is None
    }
    for name, entry in payload["metrics"].items():
        if name not in not_gated and entry["ci"] is not None:
            entry["ci"], problem = recordable_interval(name, entry["value"], entry["ci"])
            if problem:
                not_gated[name] = problem
    names = [name for name in result.metrics if name not in not_gated]
    generated_n = int(result.provenance["generated"]["count"])
    series: dict[str, list] = {name: [] for name in names}
    shown = extraction.progress and distributed.world().main  # a bar on a terminal (tqdm's disable=None), rank 0's only
    bar = tqdm(range(1, repeats + 1), desc="seed-to-seed spread", unit="seed", disable=None if shown else True)
    for offset in bar:
        again, _ = _score(
            candidate,
            reference,
            metrics=names,
            generated_n=generated_n,
            options=options.replace(seed=seed + offset, bootstrap=0),
            extraction=extraction.replace(progress=False),
            **common,
        )
        for name in names:
            series[name].append(again.metrics[name].value)
        bar.set_postfix_str(f"seed {seed + offset}: " + ", ".join(f"{n} {again.metrics[n].value:.3g}" for n in names))
    spread = None
    if repeats:  # the first draw (seed) and the repeats (seed + 1 .. seed + repeats)
        draws = {name: [result.metrics[name].value, *values] for name, values in series.items()}
        spread = {
            "repeats": repeats,
            "draws": repeats + 1,
            "seeds": [seed, seed + repeats],
            "mean": {name: _finite_mean(values) for name, values in draws.items()},
            "sd": {name: _finite_sd(values) for name, values in draws.items()},
            "values": {name: [v if math.isfinite(v) else None for v in values] for name, values in draws.items()},
        }
        for name in names:
            problem = spread_problem(name, payload["metrics"][name], spread["sd"][name], spread["mean"][name])
            if problem:
                not_gated[name] = f"its seed-to-seed spread {problem}"
        for table in ("mean", "sd", "values"):
            spread[table] = {name: spread[table][name] for name in names if name not in not_gated}
    gated = [name for name in names if name not in not_gated]
    if not gated:
        raise GanevalError(
            f"no metric of {label} can be gated: "
            + "; ".join(f"{name}: {why}" for name, why in not_gated.items())
            + "."
        )
    payload["metrics"] = {name: payload["metrics"][name] for name in gated}
    payload["baseline"] = {
        "format": BASELINE_FORMAT,
        "metrics": gated,
        "n": n,
        "candidate": description,
        "reference_content": reference_identity(reference),
        "made_with": f"ganeval {__version__}",
    }
    if not_gated:
        payload["baseline"]["not_gated"] = not_gated
    if spread is not None:
        payload["baseline"]["spread"] = spread
    document = json.loads(json.dumps(payload, default=str))
    validate(document, output or "being made")  # what check will read back
    baseline = Baseline.from_dict(document)
    if output is not None and distributed.world().main:  # under torchrun every rank has the baseline; rank 0 writes it
        baseline.write(output)
    return baseline


def check(
    candidate,
    baseline,
    *,
    options: MetricOptions | None = None,
    tolerances: Mapping[str, float | str] | None = None,
    alpha: float = DEFAULT_ALPHA,
    reference=None,
    extractor: str | None = None,
    nz: int | None = None,
    value_range: tuple[float, float] | None = None,
    extraction: Extraction | None = None,
    trust_code: bool = False,
    **keywords,
) -> CheckReport:
    """Re-score `candidate` with the baseline's settings and decide, per metric, pass / improved / regressed.

    What `ganeval check` runs in CI: a metric regresses only when it is worse than the baseline by more
    than its tolerance and by more than the baseline's noise allows (a test at family-wise level `alpha`).
    Anything that would change the numbers (extractor, weights, resize, precision, metric options) must
    match the baseline, so that only the generator is compared. The extraction's device, batch size and
    workers may differ: they change no number beyond floating-point rounding.

    Args:
        candidate (Any): a folder of images, an .npz/.npy array, a reference_models run folder or checkpoint
            (read as data), 'package.module:attribute', or an object (nn.Module, callable on z, or
            .sample(n, seed)); a TorchScript file with trust_code=True only (its code runs), or as
            `ganeval.load_generator(path)`.
        baseline (Baseline | str | Path): a `Baseline` or the path of its JSON file.
        options: default the baseline's (`Baseline.options`), which reproduces the baseline exactly for an
            unchanged generator; `baseline.options.replace(seed=...)` draws anew. Options that change the
            numbers (k, KID and IS settings, bootstrap, n) must match the baseline's.
        tolerances: {metric: absolute float, or "P%" of the baseline value}; the rest use
            DEFAULT_TOLERANCES.
        alpha: the chance that a check of an unchanged generator, at a new seed, fails (family-wise,
            over the metrics compared).
        reference (str | Path | array | None): the reference to score against; None: the baseline's, as
            given or beside the baseline file.
        extractor: default the baseline's; another one is refused.
        nz: as for `make_baseline`.
        value_range: (low, high) of a generator's float image outputs (default: the baseline's).
        extraction: how features are extracted, as for `score`; None: the defaults without progress bars, at
            the baseline's precision. Its weights (None: the baseline's) must be the baseline's file, its resize
            (None: the baseline's) and precision the baseline's, since the features differ otherwise; its
            device is any (not a feature setting).
        trust_code: as for `make_baseline`.
        **keywords (Any): the extraction settings as loose keywords (weights=, precision=, ...; None: the
            baseline's): deprecated, with a DeprecationWarning; pass `extraction=` instead.

    Returns:
        One decision per metric (`report.passed`, `report.decisions`), the settings compared and the
            candidate's scores.

    Raises:
        GanevalError: the baseline cannot be read, a tolerance is malformed, or a setting that changes the
            numbers (extractor, weights, resize, precision, options) differs from the baseline's.

    Examples:
        >>> from ganeval import MetricOptions, check, make_baseline
        >>> from ganeval.data import RING8
        >>> from ganeval.options import Extraction
        >>> options, quiet = MetricOptions(bootstrap=0), Extraction(cache=False, progress=False)
        >>> points = RING8.sample(300, seed=1)[0]
        >>> baseline = make_baseline(points, "ring8", options=options, metrics=["fid"], extraction=quiet)
        >>> report = check(RING8.sample(300, seed=2)[0], baseline, tolerances={"fid": 0.5}, extraction=quiet)
        >>> report.passed, [d.verdict for d in report.decisions]
        (True, ['pass'])
    """
    base = baseline if isinstance(baseline, Baseline) else load_baseline(baseline)
    keywords = {name: value for name, value in keywords.items() if value is not None}  # None: the baseline's
    extraction = Extraction.merged(extraction, "check", keywords, progress=False, precision=base.precision)
    weights, precision = extraction.weights, extraction.precision
    given = dict(check_tolerances(tolerances or {}))
    options = base.options if options is None else options
    seed = options.seed
    recorded_extractor = base.provenance.get("extractor")
    if extractor is not None and extractor != recorded_extractor:
        raise GanevalError(
            f"baseline {base.path} was scored with the {recorded_extractor} extractor; "
            f"--extractor {extractor} would compare different features. "
            f"Check with the baseline's extractor, or re-make the baseline with --extractor {extractor}.",
            argument="extractor",
        )
    if weights is not None:
        digest = sha256_of_file(weights)
        if digest != base.provenance.get("weights_sha256"):
            raise GanevalError(
                f"--weights {weights} (sha256 {digest[:12]}...) are not the weights of baseline {base.path} "
                f"(sha256 {str(base.provenance.get('weights_sha256'))[:12]}...); pass the same weights file."
            )
    elif recorded_extractor in ("digits", "points"):  # cheap to build: refuse other weights before scoring
        built = get_extractor(recorded_extractor).provenance()
        if built.get("weights_sha256") != base.provenance.get("weights_sha256"):
            raise GanevalError(
                f"baseline {base.path} was scored with {recorded_extractor} weights of sha256 "
                f"{str(base.provenance.get('weights_sha256'))[:12]}..., "
                f"but this ganeval's {recorded_extractor} weights are {str(built.get('weights_sha256'))[:12]}...: "
                "the features differ. Pass the baseline's weights with --weights, "
                "or re-make the baseline with these weights."
            )
    recorded_precision = base.precision
    if precision != recorded_precision:
        raise GanevalError(
            f"baseline {base.path} was scored at {recorded_precision} precision; a candidate scored at {precision} "
            f"has other features, so their metrics cannot be compared. Check with --precision {recorded_precision}, "
            f"or re-make the baseline with --precision {precision}.",
            argument="precision",
        )
    recorded_resize = base.provenance.get("resize")  # recorded when not the extractor's default
    baseline_resize = recorded_resize or (DEFAULT_RESIZE if recorded_extractor == "inception" else None)
    resize = extraction.resize
    if resize is not None and baseline_resize is not None and resize != baseline_resize:
        raise GanevalError(
            f"baseline {base.path} was scored with --resize {baseline_resize}; a candidate resized with {resize} "
            f"has other features, so their metrics cannot be compared. Check with --resize {baseline_resize}, "
            f"or re-make the baseline with --resize {resize}.",
            argument="resize",
        )
    extraction = extraction.replace(resize=recorded_resize if resize is None else resize).resolved()
    reference = _resolve_reference(base, reference)
    reference = resolve_source(reference, "reference")  # once: a folder is hashed once for its score and identity
    identity = reference.identity() if base.block.get("reference_content") else None
    recorded = base.block.get("candidate") or {}
    nz = recorded.get("nz") if nz is None else nz
    range_ = (
        check_value_range(value_range)
        if value_range is not None
        else tuple(recorded.get("value_range", DEFAULT_VALUE_RANGE))
    )
    names = list(base.metrics)
    label = str(candidate) if isinstance(candidate, (str, Path)) else f"<{type(candidate).__name__}>"
    result, description = _score(
        candidate,
        reference,
        label=label,
        metrics=names,
        extractor=recorded_extractor,
        options=options,
        generated_n=base.generated_count,
        nz=nz,
        value_range=range_,
        extraction=extraction,
        trust_code=trust_code,
    )
    before = _settings(base.provenance, names, base.block.get("reference_content"))
    after = _settings(result.provenance, list(result.metrics), identity)
    differences = _mismatches(before, after)
    if differences:
        raise GanevalError(
            f"{label} cannot be compared with baseline {base.path}: settings that change the numbers differ ("
            + "; ".join(differences)
            + "). No comparison of apples and oranges: check with the baseline's settings, "
            "or re-make the baseline under the new ones (ganeval baseline ... -o baseline.json)."
        )
    candidate_dict = result.to_dict()["metrics"]
    spread = base.block.get("spread") or {}
    decisions = []
    draws = int(spread.get("draws", spread.get("repeats", 0)))
    for name in names:
        old, new = base.metrics[name], candidate_dict[name]
        sd = (spread.get("sd") or {}).get(name)
        mean = (spread.get("mean") or {}).get(name)
        value = _number(old.get("value"), name) if mean is None or sd is None else float(mean)
        z_crit = z_critical(alpha, len(names), None if sd is None else draws - 1)
        decisions.append(
            decide_metric(
                name,
                get_metric(name).higher_is_better,
                value,
                _ci(old.get("ci")),
                _number(new.get("value"), name, candidate=True),
                _ci(new.get("ci")),
                resolve_tolerance(name, given, value),
                z_crit,
                sd,
                draws if mean is not None and sd is not None else 1,
                z_critical(alpha, len(names)),
            )
        )
    notes = []
    made = base.provenance.get("ganeval_version")
    if made != __version__:
        notes.append(
            f"the baseline was made with ganeval {made}, this is {__version__}: metric implementations may differ"
        )
    devices = [(p.get("device") or {}).get("device") for p in (base.provenance, result.provenance)]
    if None not in devices and devices[0] != devices[1]:  # not a feature setting: compared, and said
        notes.append(
            f"the baseline's features were extracted on {devices[0]}, the candidate's on {devices[1]}: "
            "they differ by floating-point rounding only (about 1e-6 relative in fp32)"
        )
    if spread.get("mean"):
        notes.append(
            f"baseline values are means over {draws} seeded draws (seeds {spread['seeds'][0]}..{spread['seeds'][1]}), "
            "their intervals +-1.96 standard errors of the mean"
        )
    if any(c.verdict == SKIPPED for c in decisions):
        notes.append("skipped metrics had no finite baseline value")
    missing = {"baseline": base.missing_modes, "candidate": None if result.modes is None else result.modes.names}
    return CheckReport(
        str(base.path), label, decisions, alpha, seed, {**after, "candidate": description}, notes, result, missing
    )


def _finite_mean(values: list[float]) -> float | None:
    array = np.asarray(values, dtype=float)
    return float(array.mean()) if np.isfinite(array).all() else None


def _finite_sd(values: list[float]) -> float | None:
    """Sample standard deviation over seeds; None when a value is not finite (mode_kl can be infinite)."""
    array = np.asarray(values, dtype=float)
    return float(array.std(ddof=1)) if len(array) > 1 and np.isfinite(array).all() else None


def _number(value, name: str, candidate: bool = False) -> float | None:
    """JSON null back to a float: for mode_kl null means infinite (mass on a mode the reference lacks)."""
    if value is None:
        return math.inf if name == "mode_kl" and candidate else None
    return float(value)


def _ci(ci) -> tuple[float, float] | None:
    if not ci:
        return None
    low, high = ci
    return (-math.inf if low is None else float(low), math.inf if high is None else float(high))
