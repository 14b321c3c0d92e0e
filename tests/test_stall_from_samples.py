"""A stall judged from how the samples change, at the evaluation's size (issue 24, item 3).

Real runs taught two things the metric trends alone missed: a generator frozen after it had learned
(its learning rate set to 0 at step 700, evaluated on the same noise) repeats every metric exactly,
yet was called never-learned because its precision was still 0.03; and a healthy loop at 2e-3 whose
precision swings 0.3-0.7 at 500 samples per evaluation, six times its binomial noise, was called
stalled because its trend was flat. Each case below beside the one it must not be confused with."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
from test_diagnostics import synthetic_log

from ganeval.diagnostics import diagnose
from ganeval.diagnostics.stability import STALL_JITTER

N = 500  # samples per evaluation
EVERY = 50


def _log(shares: np.ndarray, seed: int = 0):
    """steps (normal gradients, healthy losses: nothing there shows a stall) and evaluations every 50
    steps whose precision and high-quality share are `shares`, with FID, recall and coverage that move
    with them and 500 samples spread over the 8 modes."""
    rng = np.random.default_rng(seed)
    steps, _, manifest = synthetic_log(n=len(shares) * EVERY, seed=seed)
    counts = [json.dumps(rng.multinomial(N, np.full(8, 1 / 8)).tolist()) for _ in shares]
    evals = pd.DataFrame(
        {
            "step": np.arange(1, len(shares) + 1) * EVERY,
            "precision": shares,
            "high_quality_fraction": shares * 0.8,
            "recall": np.minimum(1.0, 0.4 + 10 * shares),
            "coverage": np.minimum(1.0, 4 * shares),
            "fid": 0.05 / np.maximum(shares, 0.005),
            "mode_counts": counts,
        }
    )
    return steps, evals, manifest


def _frozen_from(shares: np.ndarray, index: int) -> np.ndarray:
    """The same evaluations, repeating evaluation `index` exactly from there on (the same samples)."""
    out = shares.copy()
    out[index:] = shares[index]
    return out


def _binomial(p: np.ndarray, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).binomial(N, np.clip(p, 0, 1)) / N


def test_a_generator_frozen_after_it_learned_is_stalled_even_at_low_precision():
    rising = _binomial(np.linspace(0.002, 0.035, 26), seed=1)  # learning, still at precision 0.035
    rising[14] = 0.035  # where it froze: 4 sd of sampling noise above its start
    diagnosis = diagnose(*_log(_frozen_from(rising, 14)))
    assert diagnosis.verdict == "stalled", diagnosis.explanation
    (stall,) = diagnosis.of_kind("stall")
    assert stall.start_step == 15 * EVERY  # the first evaluation of the repeats
    assert min(stall.evidence["learned_before"].values()) >= 3
    assert "G had been learning" in diagnosis.explanation


def test_a_generator_frozen_without_having_learned_is_never_learned():
    flat = _binomial(np.full(26, 0.004), seed=2)  # never rose beyond noise
    diagnosis = diagnose(*_log(_frozen_from(flat, 14)))
    assert diagnosis.verdict == "never-learned", diagnosis.explanation
    assert all("learned_before" not in f.evidence for f in diagnosis.of_kind("stall"))


def test_low_precision_that_only_scatters_at_its_sampling_noise_is_not_proven_frozen():
    """Fresh noise each evaluation: frozen and converged-blurred look alike, so never-learned stands."""
    shares = np.concatenate([np.linspace(0.002, 0.035, 14), np.full(12, 0.035)])
    diagnosis = diagnose(*_log(_binomial(shares, seed=3)))
    assert diagnosis.verdict == "never-learned", diagnosis.explanation


def test_a_frozen_generator_on_fresh_noise_above_never_learned_is_stalled():
    """Binomial scatter alone (about 1x its sd) does not refute a stall at precision 0.3."""
    shares = np.concatenate([np.linspace(0.02, 0.3, 12), np.full(14, 0.3)])
    diagnosis = diagnose(*_log(_binomial(shares, seed=4)))
    assert diagnosis.verdict == "stalled", diagnosis.explanation
    assert "learned_before" not in diagnosis.of_kind("stall")[0].evidence


def test_a_generator_still_moving_at_many_times_its_sampling_noise_is_not_stalled():
    """Precision swinging 0.3-0.65 with no trend (a healthy loop at a high learning rate)."""
    rng = np.random.default_rng(5)
    shares = np.concatenate([np.linspace(0.02, 0.45, 12), 0.47 + rng.uniform(-0.17, 0.18, 14)])
    sd = np.sqrt(0.47 * 0.53 / N)
    assert np.std(np.diff(shares[12:])) / np.sqrt(2) > STALL_JITTER * sd  # the premise
    diagnosis = diagnose(*_log(shares))
    assert diagnosis.of_kind("stall") == [], diagnosis.explanation
    assert diagnosis.verdict != "stalled"


def test_one_sample_per_evaluation_gives_no_sampling_noise_to_divide_by():
    """mode_counts totalling 1: a share has no binomial spread; the stall rules judge without it."""
    steps, evals, manifest = _log(np.concatenate([np.linspace(0.02, 0.3, 12), np.full(14, 0.3)]))
    evals["mode_counts"] = json.dumps([1] + [0] * 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0 / 0 in the scatter would warn
        diagnosis = diagnose(steps, evals, manifest)
    assert diagnosis.verdict == "stalled", diagnosis.explanation
