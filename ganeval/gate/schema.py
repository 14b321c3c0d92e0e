"""The baseline file's schema: what `ganeval check` may trust in a baseline, checked before it gates.

A baseline is data from a repository: edited by hand, merged badly, damaged. An entry that is
missing, null or of the wrong type must stop the check (GanevalError, exit 2, naming the key path),
never make it gate less: a metric set to null or removed would otherwise pass any candidate, and so
would a huge seed-to-seed spread.

Versions (the "format" of the "baseline" block):
- 1: `ganeval-baseline-1`, and a plain `ganeval score --json` file (no block). The metrics gated are
  those in "metrics" (and, when the seed spread was measured, every metric it lists).
- 2: `ganeval-baseline-2` adds "metrics" to the block: the list of metrics the baseline gates.
  Metrics without a finite value (mode_kl is infinite when the generator puts mass on a mode the
  reference lacks) are not gated, and listed with the reason under "not_gated".
"""

from __future__ import annotations

import math

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics import METRICS, canonical
from ganeval.scoring import MIN_INTERVAL_SAMPLES

FORMAT_1 = "ganeval-baseline-1"
FORMAT_2 = "ganeval-baseline-2"
READABLE_FORMATS = (FORMAT_1, FORMAT_2)

#: The largest credible seed-to-seed standard deviation, as a multiple of the metric's own scale (the
#: larger of |mean| and the bootstrap standard error of the value). The noisiest honest case, a
#: near-zero FID of 2-D points, is a chi-square-like variable with a coefficient of variation near
#: 1.4; a spread ten times the value measures noise, and would let any regression pass the test.
MAX_SPREAD_RATIO = 10.0
#: The widest credible bootstrap interval of a metric bounded below only (FID, IS, density, modes, mode KL),
#: as a multiple of its value: a standard error (width / 3.92) of MAX_SPREAD_RATIO times the value.
MAX_INTERVAL_RATIO = 2 * 1.959963984540054 * MAX_SPREAD_RATIO
#: Slack for values at a metric's bounds (float rounding of a distance of 0 or a share of 1).
BOUND_SLACK = 1e-9
#: Relative tolerance when the recorded mean and sd are recomputed from the recorded draws.
RECOMPUTE_RTOL = 1e-9
Z95 = 1.959963984540054
_MISSING = object()  # a key absent from the document (null is None)


def _is_int(value, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Checker:
    """Raises GanevalError naming the baseline file, the key path and the fix."""

    def __init__(self, path):
        self.path = path

    def fail(
        self,
        key: str,
        problem: str,
        fix: str = "re-make it with `ganeval baseline`, or restore it from version control",
    ):
        raise GanevalError(f"baseline {self.path}: {key} {problem}; {fix}.")

    def expect(self, ok: bool, key: str, value, wanted: str) -> None:
        if not ok:
            self.fail(key, f"is {'missing' if value is _MISSING else _short(value)}, but must be {wanted}")

    def get(self, parent: dict, key: str, prefix: str, wanted_type, required: bool = True, wanted: str = ""):
        value = parent.get(key, _MISSING)
        if (value is _MISSING or value is None) and not required:
            return None
        self.expect(isinstance(value, wanted_type) and not isinstance(value, bool), f"{prefix}{key}", value, wanted)
        return value

    def optional_int(self, parent: dict, key: str, prefix: str, minimum: int) -> None:
        value = parent.get(key)
        self.expect(
            value is None or _is_int(value, minimum), f"{prefix}{key}", value, f"null or an integer >= {minimum}"
        )


def _short(value) -> str:
    text = "null" if value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(payload, path) -> list[str]:
    """Check a baseline's JSON document against the schema (module docstring); return the metrics it gates."""
    check = _Checker(path)
    if not isinstance(payload, dict):
        check.fail("the file", f"holds a JSON {type(payload).__name__}, not the object of a ganeval score result")
    metrics = check.get(payload, "metrics", "", dict, wanted="an object of metric entries")
    provenance = check.get(payload, "provenance", "", dict, wanted="the provenance object of a ganeval score result")
    _check_provenance(check, provenance)
    block = check.get(payload, "baseline", "", dict, required=False, wanted="an object (the baseline block)") or {}
    if block and block.get("format") not in READABLE_FORMATS:
        check.fail(
            "'baseline.format'",
            f"is {_short(block.get('format'))}; this ganeval reads {', '.join(READABLE_FORMATS)}",
            "re-make the baseline with `ganeval baseline`",
        )
    if block:
        _check_block(check, block)
    if not metrics:
        check.fail("'metrics'", "is empty: the baseline gates nothing")
    for name, entry in metrics.items():
        _check_metric(check, name, entry)
    gated = _gated(check, block, metrics)
    spread = block.get("spread")
    if spread is not None:
        _check_spread(check, spread, metrics, gated)
        if _bootstrapped(provenance):
            for name in gated:
                if metrics[name].get("ci") is None:
                    check.fail(
                        f"metrics.{name}.ci",
                        "is null, but the baseline was bootstrapped (provenance.bootstrap): without its interval the "
                        "seed spread alone, which nothing in the file can vouch for, would set the noise",
                    )
    return gated


def _bootstrapped(provenance: dict) -> bool:
    """Whether score gave every metric an interval: resamples, and enough samples on each side."""
    counts = [provenance[side]["count"] for side in ("generated", "reference")]
    return (provenance.get("bootstrap") or {}).get("resamples", 0) > 0 and min(counts) >= MIN_INTERVAL_SAMPLES


def _check_provenance(check: _Checker, provenance: dict) -> None:
    p = "provenance."
    check.get(provenance, "extractor", p, str, wanted="the name of the extractor")
    for side in ("generated", "reference"):
        entry = check.get(provenance, side, p, dict, wanted="an object with the sample count")
        check.expect(
            _is_int(entry.get("count", _MISSING), 1),
            f"{p}{side}.count",
            entry.get("count", _MISSING),
            "an integer >= 1",
        )
    check.get(provenance["reference"], "source", f"{p}reference.", str, wanted="the reference's name or path")
    check.expect(_is_int(provenance.get("seed", 0), 0), f"{p}seed", provenance.get("seed"), "an integer >= 0")
    check.expect(
        provenance.get("weights_sha256") is None or isinstance(provenance["weights_sha256"], str),
        f"{p}weights_sha256",
        provenance.get("weights_sha256"),
        "null or a sha256 hex digest",
    )
    bootstrap = check.get(provenance, "bootstrap", p, dict, required=False, wanted="null or an object") or {}
    check.expect(
        _is_int(bootstrap.get("resamples", 0), 0),
        f"{p}bootstrap.resamples",
        bootstrap.get("resamples"),
        "an integer >= 0",
    )
    options = (
        check.get(provenance, "options", p, dict, required=False, wanted="null or an object of metric options") or {}
    )
    for key, minimum in (("k", 1), ("kid_subsets", 1), ("kid_subset_size", 1), ("is_splits", 1)):
        if key in options:
            check.expect(_is_int(options[key], minimum), f"{p}options.{key}", options[key], f"an integer >= {minimum}")


def _check_block(check: _Checker, block: dict) -> None:
    """The settings `check` re-scores with: the sample cap, the generator's noise length and value range."""
    p = "baseline."
    check.optional_int(block, "n", p, 1)
    check.get(
        block, "reference_content", p, dict, required=False, wanted="null or an object (the reference's identity)"
    )
    candidate = (
        check.get(block, "candidate", p, dict, required=False, wanted="null or an object (how the candidate was drawn)")
        or {}
    )
    check.optional_int(candidate, "nz", f"{p}candidate.", 1)
    value_range = candidate.get("value_range")
    check.expect(
        value_range is None
        or isinstance(value_range, list)
        and len(value_range) == 2
        and all(_is_number(x) for x in value_range)
        and value_range[0] < value_range[1],
        f"{p}candidate.value_range",
        value_range,
        "null or [low, high]",
    )


def _check_metric(check: _Checker, name: str, entry) -> None:
    if canonical(name) not in METRICS:
        check.fail(f"unknown metric {name!r} (valid: {', '.join(METRICS)}, fd_<extractor>)", "in 'metrics'")
    key = f"metrics.{name}"
    check.expect(isinstance(entry, dict) and "value" in entry, key, entry, '{"value": v, "ci": [low, high]}')
    value = entry["value"]
    if value is None:
        check.fail(
            f"{key}.value",
            "is null: a baseline needs a finite value for every metric it gates",
            "re-make it with `ganeval baseline` (which leaves out metrics without a finite value), "
            "or remove the metric from the file on purpose",
        )
    check.expect(_is_number(value), f"{key}.value", value, "a finite number")
    _check_bounds(check, name, f"{key}.value", value)
    ci = entry.get("ci")
    if ci is not None:
        check.expect(
            isinstance(ci, list) and len(ci) == 2 and all(x is None or _is_number(x) for x in ci),
            f"{key}.ci",
            ci,
            "null or [low, high] (finite numbers)",
        )
        check.expect(None not in ci, f"{key}.ci", ci, "finite at both ends (an infinite end would pass any candidate)")
        check.expect(ci[0] <= ci[1], f"{key}.ci", ci, "an interval with low <= high")
        problem = interval_problem(name, value, ci)
        if problem:
            check.fail(
                f"{key}.ci", problem, f"re-make the baseline with `ganeval baseline`, or without {name} (--metrics)"
            )


def _check_bounds(check: _Checker, name: str, key: str, value: float) -> None:
    spec = METRICS[canonical(name)]
    lower = -math.inf if spec.lower is None else spec.lower - BOUND_SLACK
    upper = math.inf if spec.upper is None else spec.upper + BOUND_SLACK
    check.expect(lower <= value <= upper, key, value, f"within {name}'s range [{spec.lower}, {spec.upper}]")


def interval_problem(name: str, value: float, ci: list) -> str | None:
    """Why a finite interval [low, high] cannot be the bootstrap interval of `value`, or None: an end outside
    the metric's range, the value outside it, or wider than MAX_INTERVAL_RATIO times the value for a metric
    bounded below only (the gate reads the half facing the candidate as noise; bounded metrics are held by
    their range, and every metric by the candidate's own interval, gate/decision.py)."""
    spec = METRICS[canonical(name)]
    lower = -math.inf if spec.lower is None else spec.lower - BOUND_SLACK
    upper = math.inf if spec.upper is None else spec.upper + BOUND_SLACK
    if not lower <= ci[0] <= ci[1] <= upper:
        return f"is {_short(ci)}, outside {name}'s range [{spec.lower}, {spec.upper}]"
    slack = BOUND_SLACK * max(1.0, abs(value))
    if not ci[0] - slack <= value <= ci[1] + slack:
        return f"is {_short(ci)}, which does not hold the value {value!r} (inside or at an edge)"
    if spec.lower is not None and spec.upper is None and ci[1] - ci[0] > MAX_INTERVAL_RATIO * abs(value):
        return (
            f"is {_short(ci)}, wider than {MAX_INTERVAL_RATIO:.3g} times the value {value:.4g}: such an interval "
            "measures noise and would let any regression pass"
        )
    return None


def recordable_interval(name: str, value: float, ci: list) -> tuple[list, str | None]:
    """The interval a new baseline records for `value`, and why the metric cannot be gated on it, or None.
    The interval is widened to hold its value (a bootstrap's percentiles can sit beside it); the gate reads
    the half facing the candidate, zero either way when the value lies beyond it."""
    if None in ci:
        return ci, f"its bootstrap interval {_short(ci)} has an infinite end, which would pass any candidate"
    ci = [min(ci[0], value), max(ci[1], value)]
    problem = interval_problem(name, value, ci)
    return ci, None if problem is None else f"its bootstrap interval {problem}"


def _gated(check: _Checker, block: dict, metrics: dict) -> list[str]:
    """The metrics the baseline gates; each must have its entry in 'metrics' (a removed one is an error)."""
    if block.get("format") == FORMAT_2:
        listed = check.get(block, "metrics", "baseline.", list, wanted="the list of the metrics the baseline gates")
        check.expect(
            all(isinstance(name, str) for name in listed) and listed,
            "baseline.metrics",
            listed,
            "a non-empty list of metric names",
        )
        where = "'baseline.metrics' (the metrics this baseline gates)"
    else:
        spread = block.get("spread")
        listed = list(spread["sd"]) if isinstance(spread, dict) and isinstance(spread.get("sd"), dict) else []
        where = "'baseline.spread.sd' (the metrics whose seed spread was measured)"
    for name in listed:
        if name not in metrics:
            check.fail(
                f"metric {name!r} is listed in {where} but",
                "missing from 'metrics': a removed metric would gate nothing",
                "restore its entry, or re-make the baseline without it (--metrics)",
            )
    return list(dict.fromkeys([*metrics, *listed]))


def _check_spread(check: _Checker, spread, metrics: dict, gated: list[str]) -> None:
    """The seed-to-seed spread: well-formed, its mean and sd those of its recorded draws, and credible."""
    p = "baseline.spread."
    check.expect(isinstance(spread, dict), "baseline.spread", spread, "null or an object")
    repeats = spread.get("repeats", _MISSING)
    check.expect(
        _is_int(repeats, 2), f"{p}repeats", repeats, "an integer >= 2 (re-make with `ganeval baseline --repeats R`)"
    )
    draws = spread.get("draws", repeats + 1)
    check.expect(draws == repeats + 1 and _is_int(draws, 3), f"{p}draws", draws, f"repeats + 1 = {repeats + 1}")
    seeds = spread.get("seeds", [0, repeats])
    check.expect(
        isinstance(seeds, list) and len(seeds) == 2 and all(_is_int(s, 0) for s in seeds),
        f"{p}seeds",
        seeds,
        "[first, last] seeds",
    )
    tables = {
        "sd": check.get(spread, "sd", p, dict, wanted="an object with each metric's seed-to-seed standard deviation")
    }
    for table in ("mean", "values"):
        tables[table] = check.get(
            spread, table, p, dict, required=False, wanted="null or an object with one entry per metric"
        )
    if tables["values"] is None:
        check.fail(f"'{p}values'", "is missing: the mean and sd of the seeded draws cannot be checked against them")
    for name in gated:
        _check_metric_spread(check, name, metrics[name], tables, draws)


def _check_metric_spread(check: _Checker, name: str, entry: dict, tables: dict, draws: int) -> None:
    p = "baseline.spread."
    sd = tables["sd"].get(name)
    mean = (tables["mean"] or {}).get(name)
    check.expect(sd is None or _is_number(sd) and sd >= 0, f"{p}sd.{name}", sd, "null or a finite number >= 0")
    check.expect(mean is None or _is_number(mean), f"{p}mean.{name}", mean, "null or a finite number")
    if mean is not None:
        _check_bounds(check, name, f"{p}mean.{name}", mean)
    if tables["values"] is not None and (sd is not None or mean is not None):
        values = tables["values"].get(name, _MISSING)
        check.expect(
            isinstance(values, list) and len(values) == draws and all(v is None or _is_number(v) for v in values),
            f"{p}values.{name}",
            values,
            f"a list of the {draws} seeded draws (numbers, null where not finite)",
        )
        for i, draw in enumerate(values):
            if draw is not None:
                _check_bounds(check, name, f"{p}values.{name}[{i}]", draw)
        check.expect(
            values[0] == entry["value"],
            f"{p}values.{name}[0]",
            values[0],
            f"the metric's value {entry['value']!r} (the first draw)",
        )
        _check_recomputed(check, f"{p}mean.{name}", mean, None if None in values else float(np.mean(values)))
        _check_recomputed(check, f"{p}sd.{name}", sd, None if None in values else float(np.std(values, ddof=1)))
    problem = spread_problem(name, entry, sd, mean)
    if problem:
        check.fail(f"{p}sd.{name}", problem, f"re-make the baseline with a larger --n, or without {name} (--metrics)")


def _check_recomputed(check: _Checker, key: str, recorded, recomputed) -> None:
    same = (
        recorded is None
        and recomputed is None
        or (
            recorded is not None
            and recomputed is not None
            and math.isclose(recorded, recomputed, rel_tol=RECOMPUTE_RTOL, abs_tol=1e-12)
        )
    )
    if not same:
        check.fail(key, f"is {_short(recorded)}, but the recorded draws give {_short(recomputed)}: the file was edited")


def spread_problem(name: str, entry: dict, sd, mean) -> str | None:
    """Why a seed-to-seed sd is not credible (MAX_SPREAD_RATIO), or None."""
    if sd is None:
        return None
    value = entry["value"] if mean is None else mean
    ci = entry.get("ci")
    bootstrap_se = (ci[1] - ci[0]) / (2 * Z95) if ci and None not in ci else 0.0
    scale = max(abs(value), bootstrap_se)
    if sd > MAX_SPREAD_RATIO * scale:
        return (
            f"is {sd:.4g}, over {MAX_SPREAD_RATIO:g} times the metric's scale {scale:.4g} (its value, or its bootstrap "
            "standard error): such a spread measures noise and would let any regression pass"
        )
    return None
