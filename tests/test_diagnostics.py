"""Diagnostics on synthetic training logs with planted events, and the logger's diversity and reliability columns."""

import json

import numpy as np
import pandas as pd
import pytest

from ganeval.data.mixtures import RING8
from ganeval.diagnostics import Finding, RunDiagnosis, diagnose, diagnose_run, load_log
from ganeval.diagnostics.calibration import calibration_over_time, chosen_steps, reliability_table
from ganeval.diagnostics.collapse import coverage_timeline, missing_modes, mode_histogram
from ganeval.diagnostics.stability import oscillation_windows, periodicity
from ganeval.options import MetricOptions
from ganeval.scoring import ReferenceScorer
from ganeval.training import TrainingLogger

N_MODES = 8


def synthetic_log(
    n=1000,
    eval_every=20,
    seed=0,
    collapse_at=None,
    collapse_to=(3, 4),
    recover_at=None,
    gradual=0,
    nan_at=None,
    explode_at=None,
    oscillate=None,
    dominate_at=None,
    fid_rise_at=None,
    ece=0.04,
    d_input="probability",
    spike_at=None,
    columns="all",
):
    """(steps, evals, manifest) of a healthy-looking run (noisy, autocorrelated losses; 8 of 8 modes),
    with the events asked for planted into it."""
    rng = np.random.default_rng(seed)
    step = np.arange(n)

    def ar_noise(scale, phi=0.9):
        e = rng.standard_normal(n) * scale * np.sqrt(1 - phi**2)
        out = np.empty(n)
        out[0] = e[0]
        for i in range(1, n):
            out[i] = phi * out[i - 1] + e[i]
        return out

    loss_d = 1.3 + 0.1 * np.exp(-step / 200) + ar_noise(0.05) + rng.standard_normal(n) * 0.03
    loss_g = 0.8 - 0.05 * np.exp(-step / 200) + ar_noise(0.05) + rng.standard_normal(n) * 0.03
    d_real = 0.55 + ar_noise(0.02) + rng.standard_normal(n) * 0.01
    d_fake = 0.45 + ar_noise(0.02) + rng.standard_normal(n) * 0.01
    grad_d = np.exp(rng.normal(0.0, 0.25, n))
    grad_g = np.exp(rng.normal(0.5, 0.25, n))
    if oscillate is not None:
        period, start = oscillate
        wave = np.where(step >= start, np.sin(2 * np.pi * (step - start) / period), 0.0)
        loss_d, loss_g = loss_d + 0.3 * wave, loss_g - 0.3 * wave
        d_real, d_fake = d_real + 0.08 * wave, d_fake + 0.08 * wave
    if dominate_at is not None:
        ramp = np.clip((step - dominate_at) / 20, 0, 1)
        d_real = d_real * (1 - ramp) + (0.97 + rng.standard_normal(n) * 0.005) * ramp
        d_fake = d_fake * (1 - ramp) + (0.03 + rng.standard_normal(n) * 0.005) * ramp
        loss_d = loss_d * (1 - ramp) + 0.06 * ramp
        loss_g = loss_g * (1 - ramp) + 3.5 * ramp
    if explode_at is not None:
        loss_d = loss_d * np.exp(np.clip(step - explode_at, 0, None) / 25)
    if spike_at is not None:
        grad_d[spike_at] *= 40
    steps = pd.DataFrame(
        {
            "step": step,
            "time": step * 0.01,
            "loss_d": loss_d,
            "loss_g": loss_g,
            "d_real": d_real,
            "d_fake": d_fake,
            "grad_norm_d": grad_d,
            "grad_norm_g": grad_g,
            "lr_d": 1e-4,
            "lr_g": 1e-4,
        }
    )
    if nan_at is not None:
        steps = steps[steps.step <= nan_at].copy()
        steps.loc[steps.step == nan_at, ["loss_d", "loss_g"]] = np.nan

    rows = []
    for s in range(eval_every, n + 1, eval_every):
        if nan_at is not None and s > nan_at:
            break
        # how far the collapse has gone at this step: 0 before collapse_at, 1 once complete
        level = 0.0
        if collapse_at is not None and s >= collapse_at and (recover_at is None or s < recover_at):
            level = 1.0 if gradual == 0 else min(1.0, (s - collapse_at + eval_every) / gradual)
        probs = np.full(N_MODES, 1 / N_MODES)
        if level > 0:
            kept = np.zeros(N_MODES)
            kept[list(collapse_to)] = 1 / len(collapse_to)
            probs = (1 - level) * probs + level * kept
        counts = rng.multinomial(2000, probs)
        fid = 0.5 * np.exp(-s / 150) + 0.02 + abs(rng.normal(0, 0.003)) + 0.3 * level
        if fid_rise_at is not None and s > fid_rise_at:
            fid += 0.02 * (s - fid_rise_at) / eval_every
        dominated = dominate_at is not None and s > dominate_at + 20
        accuracy = 0.99 if dominated else 0.6 + rng.normal(0, 0.02)
        row = {
            "step": s,
            "fid": fid,
            "precision": 0.8 + rng.normal(0, 0.01),
            "recall": 0.9 - 0.65 * level + rng.normal(0, 0.01),
            "modes_covered": int((counts >= 2000 / N_MODES / 4).sum()),
            "mode_kl": float(sum(c / 2000 * np.log(c / 2000 * N_MODES) for c in counts if c)),
            "mode_counts": json.dumps(counts.tolist()),
            "diversity": 1.0 - 0.75 * level + rng.normal(0, 0.02),
            "d_accuracy": accuracy,
            "d_auc": min(accuracy + 0.02, 1.0),  # an AUC past 1 is a broken value (validity)
            "d_brier": 0.24 if not dominated else 0.01,
            "d_ece": ece + abs(rng.normal(0, 0.01)),
            "d_mean_real": 0.55,
            "d_mean_fake": 0.45,
            "d_input": d_input,
        }
        rows.append(row)
    evals = pd.DataFrame(rows)
    if columns == "modes_covered_only":
        evals = evals.drop(columns=["mode_counts", "diversity"])
    elif columns == "recall_only":
        evals = evals.drop(columns=["mode_counts", "diversity", "modes_covered", "mode_kl"])
    manifest = {"variant": "synthetic", "data": "ring8", "finished": nan_at is None}
    return steps, evals, manifest


def kinds(diagnosis, kind):
    return [f for f in diagnosis.findings if f.kind == kind]


def test_healthy_run_raises_no_flags():
    for seed in range(3):
        diagnosis = diagnose(*synthetic_log(seed=seed))
        flagged = [
            f
            for f in diagnosis.findings
            if f.kind in ("collapse", "divergence", "d_dominance", "oscillation", "miscalibration")
        ]
        assert flagged == [], (seed, [f.explanation for f in flagged])
        assert diagnosis.verdict == "healthy"
        accuracy = f"accuracy {diagnosis.summary['d_accuracy_end']:.2f}"
        assert "8 of 8 modes hit" in diagnosis.explanation and accuracy in diagnosis.explanation
        assert diagnosis.summary["near_equilibrium"] is True and diagnosis.summary["modes_hit_end"] == 8


@pytest.mark.parametrize("gradual", [0, 100])
def test_collapse_planted_at_step_500_is_found_there(gradual):
    diagnosis = diagnose(*synthetic_log(collapse_at=500, gradual=gradual))
    (collapse,) = kinds(diagnosis, "collapse")
    assert abs(collapse.start_step - 500) <= 100, collapse
    assert collapse.end_step is None and collapse.evidence["recovered"] is False
    assert (
        collapse.evidence["modes_before"] == 8
        and collapse.evidence["modes_min"] == 2
        and collapse.evidence["modes_lost"] == 6
    )
    assert collapse.evidence["missing_modes"] == [0, 1, 2, 5, 6, 7]
    assert collapse.evidence["recall_min"] < 0.3 and collapse.evidence["precision_at_recall_min"] > 0.75
    assert collapse.severity == "high"
    assert diagnosis.verdict == "collapsed" and "from 8 to 2 of 8 modes" in diagnosis.explanation
    assert {f.evidence["cause"] for f in kinds(diagnosis, "divergence")} <= {
        "fid_rising"
    }  # the planted collapse raises FID


def test_abrupt_collapse_starts_at_the_first_collapsed_evaluation():
    (collapse,) = kinds(diagnose(*synthetic_log(collapse_at=500)), "collapse")
    assert collapse.start_step == 500


def test_collapse_that_recovers_is_reported_with_its_end_and_the_run_is_not_called_collapsed():
    diagnosis = diagnose(*synthetic_log(collapse_at=400, recover_at=700))
    (collapse,) = kinds(diagnosis, "collapse")
    assert collapse.start_step == 400 and collapse.end_step == 700 and collapse.evidence["recovered"] is True
    assert diagnosis.verdict == "healthy" and "collapse" in diagnosis.explanation


@pytest.mark.parametrize("columns", ["modes_covered_only", "recall_only"])
def test_collapse_found_without_mode_counts(columns):
    steps, evals, manifest = synthetic_log(collapse_at=500, columns=columns)
    (collapse,) = kinds(diagnose(steps, evals, manifest), "collapse")
    assert abs(collapse.start_step - 500) <= 100 and collapse.end_step is None


def test_coverage_timeline_histogram_and_missing_modes():
    _, evals, _ = synthetic_log(collapse_at=500)
    timeline = coverage_timeline(evals)
    assert (
        timeline.loc[timeline.step < 500, "modes_hit"].eq(8).all()
        and timeline.loc[timeline.step >= 500, "modes_hit"].eq(2).all()
    )
    assert timeline.collapsed.tolist() == (timeline.step >= 500).tolist()
    histogram = mode_histogram(evals)
    assert len(histogram) == len(evals) * N_MODES
    assert np.allclose(histogram.groupby("step").share.sum(), 1.0)
    assert missing_modes(evals) == [0, 1, 2, 5, 6, 7] and missing_modes(evals, 100) == []


def test_nan_loss_is_divergence_at_its_step():
    diagnosis = diagnose(*synthetic_log(nan_at=640))
    (divergence,) = kinds(diagnosis, "divergence")
    assert (
        divergence.start_step == 640 and divergence.evidence["cause"] == "non_finite" and divergence.severity == "high"
    )
    assert diagnosis.verdict == "diverged" and "step 640" in diagnosis.explanation


def test_exploding_loss_is_divergence_from_where_it_takes_off():
    diagnosis = diagnose(
        *synthetic_log(explode_at=700, d_input="score")
    )  # a critic: its losses have no probability bound
    (divergence,) = kinds(diagnosis, "divergence")
    assert divergence.evidence["cause"] == "exploding" and divergence.evidence["signal"] == "loss_d"
    assert 700 <= divergence.start_step <= 750 and divergence.evidence["ratio"] > 100
    assert diagnosis.verdict == "diverged"


def test_losses_exploding_from_the_first_steps_are_divergence():
    steps, evals, manifest = synthetic_log(n=200)
    steps.loc[steps.step >= 3, ["loss_d", "loss_g"]] *= 1e12  # a learning rate far too large: broken from step 3
    diagnosis = diagnose(steps, evals, manifest)
    (divergence,) = kinds(diagnosis, "divergence")
    assert divergence.start_step == 3 and divergence.evidence["signal"] == "loss_d" and diagnosis.verdict == "diverged"


def test_fid_rising_to_the_end_is_divergence():
    diagnosis = diagnose(*synthetic_log(fid_rise_at=600))
    (divergence,) = kinds(diagnosis, "divergence")
    assert divergence.evidence["cause"] == "fid_rising" and abs(divergence.start_step - 600) <= 60
    assert divergence.evidence["ratio"] >= 5 and diagnosis.verdict == "diverged"


@pytest.mark.parametrize("period", [20, 50, 120])  # 120: too long for quarter-run windows, found in half-run ones
def test_oscillation_with_a_known_period(period):
    diagnosis = diagnose(*synthetic_log(oscillate=(period, 300)))
    found = kinds(diagnosis, "oscillation")
    assert found, diagnosis.findings
    main = max(found, key=lambda f: f.evidence["strength"])
    assert abs(main.evidence["period_steps"] - period) <= 0.1 * period
    assert abs(main.start_step - 300) <= 50 and main.end_step is None
    assert {"loss_d", "loss_g"} <= set(main.evidence["signals"])
    assert (
        diagnosis.verdict == "oscillating"
        and f"period of about {main.evidence['period_steps']:.0f} steps" in diagnosis.explanation
    )


@pytest.mark.parametrize("until, severity", [(200, "low"), (700, "high")])
def test_an_oscillation_that_settles_early_is_a_transient(until, severity):
    """Over the first fifth of the run, then settled: the early game between G and D, low and never
    the verdict. Over 70% of it, ending before the last quarter: as strong a finding as ever."""
    steps, evals, manifest = synthetic_log()
    t = steps["step"].to_numpy()
    wave = np.where(t < until, np.sin(2 * np.pi * t / 25), 0.0)
    steps = steps.assign(loss_d=steps.loss_d + 0.3 * wave, loss_g=steps.loss_g - 0.3 * wave)
    steps = steps.assign(d_real=steps.d_real + 0.08 * wave, d_fake=steps.d_fake + 0.08 * wave)
    diagnosis = diagnose(steps, evals, manifest)
    [oscillation] = kinds(diagnosis, "oscillation")
    assert oscillation.end_step is not None and oscillation.end_step <= until + 250  # a window past it
    assert oscillation.severity == severity
    if severity == "low":
        assert diagnosis.verdict == "healthy", diagnosis.explanation


def test_periodicity_of_a_pure_sine_and_of_noise():
    t = np.arange(1000)
    period, strength, amplitude = periodicity(2.0 * np.sin(2 * np.pi * t / 37) + 5)
    assert abs(period - 37) < 1 and strength > 0.85 and abs(amplitude - 2.0) < 0.3
    assert periodicity(np.random.default_rng(0).standard_normal(400))[1] < 0.3
    windows = oscillation_windows(pd.DataFrame({"step": t, "loss_d": np.sin(2 * np.pi * t / 37)}))
    fine = windows[
        windows.window == 250
    ]  # quarter-run windows; the half-run ones defer to them for periods they can see
    assert len(fine) == 7 and fine.oscillating.all() and np.allclose(windows.period, 37, atol=1.5)
    assert not windows[windows.window == 500].oscillating.any()


def test_d_dominance_planted_at_step_300():
    diagnosis = diagnose(*synthetic_log(dominate_at=300))
    (dominance,) = kinds(diagnosis, "d_dominance")
    assert abs(dominance.start_step - 300) <= 100 and dominance.end_step is None
    assert (
        dominance.evidence["d_accuracy_mean"] > 0.95
        and dominance.evidence["d_real_mean"] > 0.9
        and dominance.evidence["d_fake_mean"] < 0.1
    )
    assert diagnosis.verdict == "D-dominated" and "accuracy 0.99" in diagnosis.explanation
    assert diagnosis.summary["near_equilibrium"] is False and diagnosis.summary["d_gap_end"] > 0.9


def test_miscalibration_flags_probabilities_not_platt_fitted_scores():
    diagnosis = diagnose(*synthetic_log(ece=0.3))
    (finding,) = kinds(diagnosis, "miscalibration")
    assert (
        finding.severity == "high"
        and finding.evidence["ece_mean"] >= 0.3
        and finding.start_step == 20
        and finding.end_step is None
    )
    assert diagnosis.verdict == "healthy"  # calibration informs, it does not decide the verdict
    assert not kinds(diagnose(*synthetic_log(ece=0.3, d_input="score")), "miscalibration")


def test_gradient_spike():
    (spike,) = kinds(diagnose(*synthetic_log(spike_at=420)), "gradient_spike")
    assert (
        spike.start_step == 420 and spike.evidence["signal"] == "grad_norm_d" and spike.evidence["ratio_to_median"] > 20
    )


def test_diagnosis_round_trips_through_json():
    diagnosis = diagnose(*synthetic_log(collapse_at=500, ece=0.3), run="runs/x")
    text = json.dumps(diagnosis.to_dict(), allow_nan=False)
    again = RunDiagnosis.from_dict(json.loads(text))
    assert again.verdict == diagnosis.verdict and again.run == "runs/x"
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in diagnosis.findings]
    with pytest.raises(ValueError, match="kind must be one of"):
        Finding("wobble", 0, None, "low", {}, "")


def test_folder_without_a_log_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=f"{tmp_path}.*no training log"):
        diagnose_run(tmp_path)
    with pytest.raises(ValueError, match="is not a folder"):
        diagnose_run(tmp_path / "absent")


def test_logger_records_diversity_reliability_and_points(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    logger = TrainingLogger(tmp_path / "run", ReferenceScorer.of("ring8", options=MetricOptions(n=1000)))
    spread, _ = RING8.sample(1000, seed=5)
    one_mode = RING8.centres[[2]] + np.random.default_rng(0).standard_normal((1000, 2)) * 0.02
    rng = np.random.default_rng(1)
    d_real, d_fake = rng.uniform(0.5, 1.0, 400), rng.uniform(0.0, 0.5, 400)
    for step, fake in ((10, spread), (20, one_mode)):
        logger.step(step, loss_d=1.0, loss_g=1.0)
        logger.evaluate(step, fake=fake, d_real=d_real, d_fake=d_fake)
    logger.close()
    steps, evals, manifest = load_log(tmp_path / "run")
    assert abs(evals.diversity.iloc[0] - 1.0) < 0.1 and evals.diversity.iloc[1] < 0.05
    table = reliability_table(evals)
    assert set(table.step) == {10, 20} and table.groupby("step")["count"].sum().eq(800).all()
    assert (
        calibration_over_time(evals).overconfidence < 0
    ).all()  # uniform outputs, perfectly separated: underconfident
    assert np.load(tmp_path / "run" / "samples" / "step_000020.npy").shape == (500, 2)
    (collapse,) = kinds(diagnose(steps, evals, manifest), "collapse")
    assert collapse.start_step == 20 and collapse.evidence["missing_modes"] == [0, 1, 3, 4, 5, 6, 7]


def test_chosen_steps_spread_over_training():
    assert chosen_steps([100, 200, 300, 400, 500], 3) == [100, 300, 500]
    assert chosen_steps([5, 10], 3) == [5, 10]


# ---------------------------------------------------------------------------------------------------
# Quality-aware modes: one definition (ganeval.metrics.modes.covered_modes) in the logger, the
# diagnostics and score


def test_covered_modes_counts_high_quality_samples_against_a_fair_share_of_all():
    from ganeval.metrics.modes import covered_modes

    # 800 samples, 8 modes: a quarter of the fair share is 25 high-quality samples
    np.testing.assert_array_equal(covered_modes([100, 25, 24, 0, 0, 0, 0, 0], 800), [True, True, False] + [False] * 5)
    # a broad blob: every mode has a few high-quality samples, none reaches 25 of 800
    assert not covered_modes([3] * 8, 800).any()
    # the reference's shares set the fair shares; a mode it lacks is never covered
    np.testing.assert_array_equal(covered_modes([10, 10, 10], 100, target=[8, 1, 0]), [False, True, False])


def test_confident_classifier_samples_are_high_quality():
    from ganeval.metrics.modes import CONFIDENT_PROBABILITY, confident

    logits = np.array(
        [[10.0, 0.0, 0.0], [1.0, 0.9, 0.8], [np.log(9.5), 0.0, -50.0], [np.log(8.5), 0.0, -50.0]]
    )  # p(top): ~1, 0.37, 0.905, 0.895
    np.testing.assert_array_equal(confident(logits), [True, False, True, False])
    assert CONFIDENT_PROBABILITY == 0.9


@pytest.mark.parametrize(
    "case,data,expected",
    [
        ("stuck at one point of the ring", "ring8", 1),
        ("stuck near the centre of the ring", "ring8", 0),
        ("a broad blob over the ring", "ring8", 0),
        ("far from the centres of grid25", "grid25", 0),
    ],
)
def test_logger_counts_modes_hit_only_by_high_quality_samples(case, data, expected, tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    from ganeval.data.mixtures import MIXTURES

    rng = np.random.default_rng(0)
    mixture = MIXTURES[data]
    fake = {
        "stuck at one point of the ring": lambda: mixture.centres[[2]] + rng.standard_normal((1000, 2)) * 1e-3,
        "stuck near the centre of the ring": lambda: rng.standard_normal((1000, 2)) * 0.05,
        "a broad blob over the ring": lambda: rng.standard_normal((1000, 2)) * 1.5,
        "far from the centres of grid25": lambda: (
            mixture.centres[rng.integers(0, 25, 1000)] + 1.0 + rng.standard_normal((1000, 2)) * 0.05
        ),
    }[case]()
    logger = TrainingLogger(tmp_path / "run", ReferenceScorer.of(data, options=MetricOptions(n=1000)))
    for step in (10, 20, 30):
        logger.step(step, loss_d=1.0, loss_g=1.0)
        logger.evaluate(step, fake=fake)
    logger.close()
    steps, evals, manifest = load_log(tmp_path / "run")
    timeline = coverage_timeline(evals)
    assert timeline.modes_hit.tolist() == [expected] * 3, case
    assert (
        evals.modes_covered.tolist() == [expected] * 3
    )  # score's definition (the registry) agrees with the diagnostics'
    assert (
        sum(json.loads(evals.mode_counts.iloc[-1])) == 1000 and sum(json.loads(evals.hq_mode_counts.iloc[-1])) <= 1000
    )
    diagnosis = diagnose(steps, evals, manifest)
    if expected == 0:  # samples off the data: the generator never learned, whatever their spread
        assert diagnosis.verdict == "never-learned" and diagnosis.summary["modes_hit_end"] == 0


def test_mode_histogram_counts_high_quality_samples_over_all_samples():
    evals = pd.DataFrame(
        {"step": [10], "mode_counts": [json.dumps([500, 500])], "hq_mode_counts": [json.dumps([400, 5])]}
    )
    histogram = mode_histogram(evals)
    assert histogram["count"].tolist() == [400, 5] and histogram["all_count"].tolist() == [500, 500]
    assert histogram["share"].tolist() == [0.4, 0.005]
    assert coverage_timeline(evals).modes_hit.tolist() == [1]  # 5 of 1,000 is under a quarter of the fair share (125)


# ---------------------------------------------------------------------------------------------------
# Noise-aware trends and the new verdicts (issue 14)


def test_fid_jumping_10x_at_the_bottom_of_its_scale_is_not_divergence():
    steps, evals, manifest = synthetic_log(seed=3)
    rng = np.random.default_rng(0)
    evals["fid"] = 1e-3 * np.exp(rng.normal(0, 1.2, len(evals)))  # 2-D data: same distribution, >10x jumps
    evals.loc[evals.index[-3:], "fid"] = [8e-3, 9e-3, 1.2e-2]  # the last three at the top of the noise band
    diagnosis = diagnose(steps, evals, manifest)
    assert not kinds(diagnosis, "divergence") and diagnosis.verdict == "healthy", diagnosis.explanation


def test_fid_rise_is_quoted_from_lower_to_higher():
    (divergence,) = kinds(diagnose(*synthetic_log(fid_rise_at=600)), "divergence")
    e = divergence.evidence
    assert (
        e["fid_end"] > 2 * e["fid_best"]
        and f"{e['fid_best']:.3g}" in divergence.explanation
        and "rose" in divergence.explanation
    )
    assert divergence.explanation.index(f"{e['fid_best']:.3g}") < divergence.explanation.index(f"{e['fid_end']:.3g}")


def test_d_dominance_with_its_losses_is_not_an_explosion():
    """D saturating a BCE run lifts loss_g 5x and sinks loss_d: D dominance,
    never '|loss_d| exploded from 1.4 to 1.4'."""
    steps, evals, manifest = synthetic_log(dominate_at=300)
    steps["loss_g"] = np.where(steps.step >= 320, 25.0, steps.loss_g)  # D(G(z)) ~ 1e-11: saturated
    diagnosis = diagnose(steps, evals, manifest)
    assert not kinds(diagnosis, "divergence") and diagnosis.verdict == "D-dominated"


def test_d_dominance_that_ends_is_not_divergence_and_the_run_is_healthy():
    steps, evals, manifest = synthetic_log(n=2000, dominate_at=0)
    late = steps.step >= 900
    healthy, _, _ = synthetic_log(n=2000, seed=1)
    for column in ("loss_d", "loss_g", "d_real", "d_fake"):
        steps.loc[late, column] = healthy.loc[late, column]
    evals.loc[evals.step >= 920, ["d_accuracy", "d_auc"]] = [0.6, 0.62]
    diagnosis = diagnose(steps, evals, manifest)
    (dominance,) = kinds(diagnosis, "d_dominance")
    assert dominance.end_step is not None and abs(dominance.end_step - 900) <= 60
    assert not kinds(diagnosis, "divergence") and diagnosis.verdict == "healthy", diagnosis.explanation


def test_d_dominance_by_auc_when_accuracy_looks_like_chance():
    steps, evals, manifest = synthetic_log()
    evals["d_accuracy"], evals["d_auc"] = 0.53, 0.97  # outputs shifted below 0.5: separable, not at the 0.5 threshold
    diagnosis = diagnose(steps, evals, manifest)
    (dominance,) = kinds(diagnosis, "d_dominance")
    assert dominance.evidence["d_auc_mean"] == pytest.approx(0.97) and "AUC 0.97" in dominance.explanation
    assert diagnosis.verdict == "D-dominated" and "0.5 is chance" not in diagnosis.explanation


def test_healthy_sentence_quotes_auc_and_accuracy():
    diagnosis = diagnose(*synthetic_log())
    s = diagnosis.summary
    assert f"AUC {s['d_auc_end']:.2f} and accuracy {s['d_accuracy_end']:.2f}" in diagnosis.explanation


def test_verdicts_and_kinds_include_the_new_ones_and_the_memorization_hook():
    from ganeval.diagnostics.findings import KINDS, MEMORIZATION, VERDICTS

    assert {"never-learned", "stalled", "undertrained"} <= set(VERDICTS)
    assert {"low_quality", "stall", "still_improving", MEMORIZATION} <= set(KINDS)
    hook = Finding(MEMORIZATION, 100, None, "medium", {}, "Samples copy training images.")
    assert RunDiagnosis.from_dict(RunDiagnosis("healthy", "", [hook]).to_dict()).findings == [hook]


def test_collapse_by_diversity_alone_does_not_say_the_modes_fell():
    steps, evals, manifest = synthetic_log()
    evals.loc[evals.step >= 500, "diversity"] = 0.3  # the samples bunch up inside every mode
    (collapse,) = kinds(diagnose(steps, evals, manifest), "collapse")
    assert "still hit 8 of 8 modes" in collapse.explanation and "fell from 8 to 8" not in collapse.explanation


def test_collapse_sentence_gives_the_modes_at_its_end_when_they_differ_from_the_worst():
    steps, evals, manifest = synthetic_log(collapse_at=500, collapse_to=(3,))
    counts = [json.loads(c) for c in evals.mode_counts]
    for i, step in enumerate(evals.step):
        if step >= 900:  # a second mode comes back, the run stays collapsed
            counts[i][5] = counts[i][3] // 2
    evals["mode_counts"] = [json.dumps(c) for c in counts]
    (collapse,) = kinds(diagnose(steps, evals, manifest), "collapse")
    assert collapse.evidence["modes_min"] == 1 and collapse.evidence["modes_end"] == 2
    assert (
        "from 8 to 1 of 8 modes hit" in collapse.explanation and "2 at the end of the collapse" in collapse.explanation
    )


def test_never_learned_sentence_quotes_the_best_and_the_end():
    steps, evals, manifest = synthetic_log()
    evals["precision"] = 0.02
    diagnosis = diagnose(steps, evals, manifest)
    assert (
        diagnosis.verdict == "never-learned"
        and "at most 0.020" in diagnosis.explanation
        and "0.020 at the end" in diagnosis.explanation
    )


@pytest.mark.parametrize("overconfident, severity", [(True, "medium"), (False, "low")])
def test_an_underconfident_d_is_advice_an_overconfident_one_an_alarm(overconfident, severity):
    """ECE 0.2 either way: only D claiming more certainty than it has raises a medium finding (healthy
    real runs show an underconfident D at ECE 0.2)."""
    from ganeval.diagnostics.calibration import detect_miscalibration, reliability_json
    from ganeval.metrics.calibration import discriminator_calibration

    rng = np.random.default_rng(0)
    if overconfident:  # says 0.95 / 0.05 but is right 75% of the time
        d_real = np.where(rng.random(1000) < 0.75, 0.95, 0.05)
        d_fake = np.where(rng.random(1000) < 0.75, 0.05, 0.95)
    else:  # says 0.6 / 0.4 but is always right
        d_real, d_fake = np.full(1000, 0.6), np.full(1000, 0.4)
    bins = reliability_json(discriminator_calibration(d_real, d_fake).reliability)
    evals = pd.DataFrame({"step": [100, 200, 300], "d_ece": [0.2, 0.2, 0.2], "d_reliability": [bins] * 3})
    (finding,) = detect_miscalibration(evals)
    assert finding.severity == severity
    assert ("overconfident" if overconfident else "underconfident") in finding.explanation
