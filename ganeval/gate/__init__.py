"""A CI regression gate on generator quality: `ganeval baseline` records, `ganeval check` decides.

    from ganeval.gate import make_baseline, check
    make_baseline("runs/dcgan-digits", "digits", "baseline.json")
    report = check("runs/dcgan-digits", "baseline.json", tolerances="fid=15")
    report.passed, report.exit_code, print(report.table())

Modules: `decision` (the per-metric test, pure), `candidate` (generators drawn in memory),
`core` (baselines, settings checks, `check`), `formats` (table, JUnit, Markdown, GitHub annotations).
"""

from ganeval.gate.core import BASELINE_FORMAT, Baseline, CheckReport, check, load_baseline, make_baseline, reference_identity
from ganeval.gate.decision import DEFAULT_ALPHA, DEFAULT_TOLERANCES, Comparison, compare, parse_tolerances

__all__ = [
    "BASELINE_FORMAT", "Baseline", "CheckReport", "Comparison", "DEFAULT_ALPHA", "DEFAULT_TOLERANCES", "check",
    "compare", "load_baseline", "make_baseline", "parse_tolerances", "reference_identity",
]
