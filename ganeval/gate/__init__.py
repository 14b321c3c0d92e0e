"""A CI regression gate on generator quality: `ganeval baseline` records, `ganeval check` decides.

    from ganeval.gate import make_baseline, check
    make_baseline("runs/dcgan-digits", "digits", "baseline.json")
    report = check("runs/dcgan-digits", "baseline.json", tolerances={"fid": 15.0})
    report.passed, report.exit_code, print(report.table())

Modules: `decision` (the per-metric test, pure), `candidate` (generators drawn in memory),
`core` (baselines, settings checks, `check`), `formats` (table, JUnit, Markdown, GitHub annotations).
"""

from ganeval.gate.candidate import DEFAULT_VALUE_RANGE, check_value_range, load_generator, parse_value_range
from ganeval.gate.core import (
    BASELINE_FORMAT,
    Baseline,
    CheckReport,
    check,
    load_baseline,
    make_baseline,
    reference_identity,
)
from ganeval.gate.decision import (
    DEFAULT_ALPHA,
    DEFAULT_TOLERANCES,
    MetricDecision,
    check_tolerances,
    decide_metric,
    parse_tolerances,
)

__all__ = [
    "BASELINE_FORMAT",
    "DEFAULT_ALPHA",
    "DEFAULT_TOLERANCES",
    "DEFAULT_VALUE_RANGE",
    "Baseline",
    "CheckReport",
    "MetricDecision",
    "check",
    "check_tolerances",
    "check_value_range",
    "decide_metric",
    "load_baseline",
    "load_generator",
    "make_baseline",
    "parse_tolerances",
    "parse_value_range",
    "reference_identity",
]
