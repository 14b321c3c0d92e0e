"""Evidence for a reading (issue 24, (a), (b) and (d)): a low-quality run still improving over its
second half is undertrained, not never-learned; a still-improving reading on thin evidence (one
evaluation before the window) needs precision or coverage to agree; an FID rise while the samples
come closer to the data (precision rising) is no divergence."""

import numpy as np
import pandas as pd
from test_diagnostics import kinds, synthetic_log

from ganeval.diagnostics import diagnose


def _evals(steps, precision, fid, recall, seed=0):
    rng = np.random.default_rng(seed)
    n = len(steps)
    return pd.DataFrame(
        {
            "step": steps,
            "fid": np.asarray(fid, dtype=float) * np.exp(rng.normal(0, 0.02, n)),
            "precision": np.clip(np.asarray(precision, dtype=float) + rng.normal(0, 0.004, n), 0, 1),
            "recall": np.clip(np.asarray(recall, dtype=float) + rng.normal(0, 0.01, n), 0, 1),
        }
    )


def _steps(n):
    steps, _, manifest = synthetic_log(n=n)
    return steps, manifest


def test_a_low_quality_run_improving_over_its_second_half_is_undertrained_not_never_learned():
    steps, manifest = _steps(2000)
    at = np.arange(100, 2001, 100)
    half = at > 1000
    # precision 0.005 for the first half, then 0.01 -> 0.09: below never-learned's 0.1 throughout
    precision = np.where(half, 0.01 + 0.08 * (at - 1100) / 900, 0.005)
    evals = _evals(at, precision, np.full(len(at), 0.5), np.full(len(at), 0.5))
    diagnosis = diagnose(steps, evals, manifest)
    assert diagnosis.verdict == "undertrained", diagnosis.explanation
    [improving] = kinds(diagnosis, "still_improving")
    assert improving.evidence["metric"] == "precision" and improving.start_step >= 1000


def test_a_low_quality_run_that_levelled_off_after_improving_is_still_never_learned():
    steps, manifest = _steps(2000)
    at = np.arange(100, 2001, 100)
    # rose 0.005 -> 0.06 in one step at 1100, flat after it: no improvement goes on to the end
    precision = np.where(at > 1000, 0.06, 0.005)
    evals = _evals(at, precision, np.full(len(at), 0.5), np.full(len(at), 0.5))
    diagnosis = diagnose(steps, evals, manifest)
    assert diagnosis.verdict == "never-learned", diagnosis.explanation
    assert kinds(diagnosis, "still_improving") == []


def test_thin_evidence_of_improvement_needs_precision_or_coverage_to_agree():
    steps, manifest = _steps(1500)
    at = np.arange(250, 1501, 250)  # 6 evaluations: the 5-evaluation window has one before it
    fid = np.geomspace(15, 2, len(at))
    recall = np.linspace(0.0, 0.9, len(at))
    blur = diagnose(steps, _evals(at, np.full(len(at), 0.02), fid, recall), manifest)
    assert blur.verdict == "never-learned", blur.explanation  # FID and recall alone: a blur spreading
    assert kinds(blur, "still_improving") == []
    learning = diagnose(steps, _evals(at, np.linspace(0.005, 0.4, len(at)), fid, recall), manifest)
    assert learning.verdict == "undertrained", learning.explanation


def test_an_fid_rise_while_precision_rises_is_no_divergence():
    steps, evals, manifest = synthetic_log(fid_rise_at=500)
    assert diagnose(steps, evals, manifest).verdict == "diverged"  # precision flat: the rise decides
    later = evals.step > 500
    evals.loc[later, "precision"] = 0.8 + 0.15 * (evals.step[later] - 500) / 500
    diagnosis = diagnose(steps, evals, manifest)
    assert diagnosis.verdict != "diverged", diagnosis.explanation
    [rise] = kinds(diagnosis, "divergence")
    assert rise.severity == "low" and rise.evidence["closer_to_data"]["metric"] == "precision"
    assert "the samples came closer to the data" in rise.explanation
