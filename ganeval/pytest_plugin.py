"""pytest plugin (entry point `pytest11`): the `ganeval_check` fixture, a quality gate in a test.

    def test_quality(ganeval_check):
        ganeval_check("runs/dcgan-digits", baseline="ci/dcgan-digits.baseline.json")

A TorchScript file runs only when named as code: `ganeval_check("generator.pt", baseline=..., nz=64,
trust_code=True)`, or `ganeval_check(ganeval.load_generator("generator.pt"), ...)`; a path alone is data.

The fixture re-scores the candidate with the baseline's settings (`ganeval.gate.check`) and fails
the test, with the comparison table, when a metric regressed. When the check cannot run (a bad
baseline, different settings, or generator code that raises or calls sys.exit) the test fails too,
saying so and why (with the generator's traceback): never a silent pass. Importing this module is
cheap: ganeval itself is imported only when the fixture is used.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def ganeval_check():
    """A function `(candidate, baseline, **options) -> CheckReport` that fails the test on a regression."""

    def run(candidate, baseline, **options):
        # imported when the fixture runs: pytest loads this plug-in in every session of the environment,
        # and the gate imports torch (seconds), which sessions that never use the fixture should not pay
        from ganeval.errors import GanevalError
        from ganeval.gate import check

        try:
            report = check(candidate, baseline, **options)
        except GanevalError as error:
            details = getattr(error, "user_traceback", None) or ""
            pytest.fail(f"{details}ganeval check could not run against {baseline}: {error}", pytrace=False)
        if not report.passed:
            pytest.fail(f"ganeval check: quality regressed against {baseline}\n{report.table()}", pytrace=False)
        return report

    return run
