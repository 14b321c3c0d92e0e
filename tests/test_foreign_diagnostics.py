"""Diagnostics on the logs people train (issue 21, item 2): frames in the vocabulary of
`ganeval.diagnostics.log.columns`, built by hand as the StyleGAN, TensorBoard and table readers give
them. Broken metric logs, D's logits, ADA's r_t and p, sparse evaluations and kimg time axes; each
broken case beside the nothing-wrong case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganeval.diagnostics import VERDICTS, diagnose
from ganeval.diagnostics.findings import in_unit
from ganeval.diagnostics.trends import metric_series
from ganeval.diagnostics.validity import broken_mask, detect_broken_metrics
from ganeval.render import figures
from ganeval.render.blocks import Image, Text, write_blocks
from ganeval.report.sections import RunLog, run_blocks

STYLEGAN = {"log_format": "stylegan", "step_unit": "kimg", "d_output": "logit", "ada_target": 0.6}
TICK_KIMG, EVAL_KIMG = 4, 200  # a tick every 4 kimg, FID every 50 ticks (StyleGAN's defaults)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def stylegan_run(kimg: int = 4000, seed: int = 0, rt=None, fid=None):
    """steps and evals as the StyleGAN reader gives them: kimg in `step`, D's logits and their sigmoid,
    r_t hovering at its 0.6 target and p settling at 0.3 (healthy ADA), FID falling from 200 to 8."""
    rng = np.random.default_rng(seed)
    step = np.arange(TICK_KIMG, kimg + 1, TICK_KIMG)
    n = len(step)
    real, fake = 0.4 + rng.normal(0, 0.15, n), -0.4 + rng.normal(0, 0.15, n)
    p = np.clip(0.3 * np.minimum(step / (0.3 * kimg), 1) + rng.normal(0, 0.005, n), 0, None)
    steps = pd.DataFrame(
        {
            "step": step,
            "loss_d": 1.1 + rng.normal(0, 0.05, n),
            "loss_g": 1.0 + rng.normal(0, 0.05, n),
            "d_real_logit": real,
            "d_fake_logit": fake,
            "d_real": sigmoid(real),
            "d_fake": sigmoid(fake),
            "ada_rt": 0.6 + rng.normal(0, 0.03, n) if rt is None else rt(step, rng),
            "ada_p": p,
        }
    )
    at = np.arange(0, kimg + 1, EVAL_KIMG)
    values = 8 + 192 * np.exp(-at / 600) * np.exp(rng.normal(0, 0.03, len(at))) if fid is None else fid(at)
    return steps, pd.DataFrame({"step": at, "fid": values}), dict(STYLEGAN)


def alarms(diagnosis):
    return [(f.kind, f.severity) for f in diagnosis.findings if f.rank >= 1]


def test_healthy_stylegan_run_with_ada_raises_no_alarm():
    for seed in range(5):
        diagnosis = diagnose(*stylegan_run(seed=seed))
        assert diagnosis.verdict == "healthy" and alarms(diagnosis) == [], diagnosis.explanation
        assert abs(diagnosis.summary["ada_rt_end"] - 0.6) < 0.05 and diagnosis.summary["ada_target"] == 0.6
        assert 0.25 < diagnosis.summary["ada_p_end"] < 0.35


def test_broken_fid_is_its_own_finding_never_healthy_and_never_a_divergence():
    steps, evals, manifest = stylegan_run()
    evals.loc[evals.step == 2400, "fid"] = 1e57
    evals.loc[evals.step == 2800, "fid"] = -3e68
    evals.loc[evals.step == 3200, "fid"] = np.inf
    diagnosis = diagnose(steps, evals, manifest)
    (broken,) = diagnosis.of_kind("broken_metric")
    assert broken.evidence["steps"] == [2400, 2800, 3200] and broken.start_step == 2400
    assert "the metric computation is broken, not the generator" in broken.explanation
    assert "2400 kimg" in broken.explanation and "1e+57" in broken.explanation
    assert diagnosis.verdict == "unreliable-metrics" and "unreliable-metrics" in VERDICTS
    assert diagnosis.of_kind("divergence") == [] and diagnosis.of_kind("still_improving") == []
    # the summary and the trends use the valid values only
    assert diagnosis.summary["fid_end"] < 20 and diagnosis.summary["fid_best"] > 0
    assert len(metric_series(evals, "fid")) == len(evals) - 3


def test_broken_values_of_every_checked_metric_and_valid_edges():
    assert broken_mask("fid", [0.0, -1e-9, 5.0, 9.9e4, np.nan]).tolist() == [False] * 5
    assert broken_mask("fid", [1.5e5, -0.1, np.inf, -np.inf]).all()
    assert broken_mask("kid", [-0.002, 0.5]).tolist() == [False, False]  # its unbiased estimate dips below 0
    assert broken_mask("kid", [-3e68, 2e3]).all()
    assert broken_mask("precision", [0.0, 1.0, 1.2, -0.3]).tolist() == [False, False, True, True]
    assert broken_mask("inception_score", [1.0, 9.5, 0.5]).tolist() == [False, False, True]
    evals = pd.DataFrame({"step": [10, 20, 30], "recall": [0.5, 1.7, 0.6], "fid": [3.0, 2.0, 1.0]})
    (finding,) = detect_broken_metrics(evals)
    assert finding.evidence["steps"] == [20] and finding.end_step == 20 and "recall" in finding.explanation
    assert detect_broken_metrics(evals.assign(recall=[0.5, 0.55, 0.6])) == []


def test_our_own_log_with_a_broken_fid_is_not_healthy(tmp_path):
    from ganeval.diagnostics import diagnose_run
    from ganeval.training import TrainingLogger

    logger = TrainingLogger(tmp_path / "run")
    rng = np.random.default_rng(0)
    for step in range(1, 401):
        logger.step(step, loss_d=1.3 + rng.normal(0, 0.03), loss_g=0.8 + rng.normal(0, 0.03))
        if step % 20 == 0:
            logger.evaluate(step, fid=float("inf") if step == 200 else 5 + rng.normal(0, 0.05))
    logger.close()
    diagnosis = diagnose_run(tmp_path / "run")
    assert diagnosis.verdict == "unreliable-metrics" and diagnosis.of_kind("broken_metric")[0].start_step == 200
    assert diagnosis.of_kind("divergence") == []


def test_r_t_held_high_while_fid_rises_is_d_overfitting_from_its_onset():
    def rt(step, rng):
        return np.where(step >= 1600, 0.92, 0.6) + rng.normal(0, 0.03, len(step))

    def fid(at):
        return np.where(at < 1600, 8 + 192 * np.exp(-at / 300), 9 + 6 * (at - 1600) / 2400)

    diagnosis = diagnose(*stylegan_run(rt=rt, fid=fid))
    (finding,) = diagnosis.of_kind("d_overfitting")
    assert abs(finding.start_step - 1600) <= 40 and finding.end_step is None and finding.severity == "high"
    assert diagnosis.verdict == "D-overfitting" and "kimg" in finding.explanation
    assert finding.evidence["fid_last"] > finding.evidence["fid_first"]


def test_p_saturating_while_fid_stalls_is_d_overfitting_and_r_t_high_while_fid_falls_is_not():
    steps, evals, manifest = stylegan_run(fid=lambda at: np.where(at < 1200, 8 + 192 * np.exp(-at / 200), 12.0))
    steps["ada_p"] = np.where(steps.step >= 1200, 0.9, 0.3)
    assert diagnose(steps, evals, manifest).of_kind("d_overfitting")[0].evidence["signal"] == "p"
    # r_t high (augmentation off) but FID still falling for good: D is not holding G back
    steps, evals, manifest = stylegan_run(rt=lambda step, rng: 0.95 + rng.normal(0, 0.02, len(step)))
    diagnosis = diagnose(steps.drop(columns="ada_p"), evals, manifest)
    assert diagnosis.of_kind("d_overfitting") == [] and diagnosis.summary["ada_rt_high_share"] > 0.9


@pytest.mark.parametrize("count", [1, 2])
def test_one_or_two_evaluations_are_never_collapsed_or_diverged(count):
    rng = np.random.default_rng(1)
    steps = pd.DataFrame({"step": np.arange(1, 201), "loss_d": 1.3 + rng.normal(0, 0.03, 200)})
    # the generator's starting state, hitting 2 of 8 modes and FID rising 100x
    evals = pd.DataFrame(
        {
            "step": [100, 200][:count],
            "fid": [1.0, 100.0][:count],
            "modes_covered": [2, 2][:count],
            "precision": [0.8, 0.8][:count],
            "recall": [0.9, 0.1][:count],
        }
    )
    diagnosis = diagnose(steps, evals, {"data": "ring8"})
    assert diagnosis.verdict not in ("collapsed", "diverged"), diagnosis.explanation
    assert [f.severity for f in diagnosis.of_kind("collapse")] in ([], ["low"])
    assert f"collapse ({count} of 3 needed)" in diagnosis.explanation
    assert "Too few evaluations to judge" in diagnosis.explanation
    assert f"a divergence of FID ({count} of 5 needed)" in diagnosis.explanation


def test_enough_evaluations_say_nothing_of_too_few():
    diagnosis = diagnose(*stylegan_run())
    assert "too_few_evaluations" not in diagnosis.summary and "Too few" not in diagnosis.explanation


def test_onsets_are_in_the_logs_unit():
    assert in_unit("rising from step 1200 over steps 400-800, a period of 40 steps", "kimg") == (
        "rising from 1200 kimg over 400-800 kimg, a period of 40 kimg"
    )
    assert in_unit("from step 1200", "step") == "from step 1200"
    steps, evals, manifest = stylegan_run()
    evals.loc[evals.step == 2400, "fid"] = np.inf
    explanation = diagnose(steps, evals, manifest).explanation
    assert "2400 kimg" in explanation and "step 2400" not in explanation
    assert "at step 2400" in diagnose(steps, evals, {**manifest, "step_unit": "step"}).explanation


def test_logits_only_are_turned_into_probabilities_for_the_detectors():
    steps, evals, manifest = stylegan_run()
    steps = steps.drop(columns=["d_real", "d_fake"])
    diagnosis = diagnose(steps, evals, manifest)
    assert 0.55 < diagnosis.summary["d_real_end"] < 0.65 and diagnosis.verdict == "healthy"
    # logits of a dominating D: probabilities near 1 and 0 -> D dominance, judged as probabilities
    steps["d_real_logit"], steps["d_fake_logit"] = 5.0, -5.0
    assert diagnose(steps, evals, manifest).of_kind("d_dominance")


def _report_run(steps, evals, manifest, name="stylegan-run"):
    return RunLog(name, None, steps, evals, manifest, diagnose(steps, evals, manifest, run=name))


def test_foreign_report_leads_with_the_verdict_and_names_what_it_cannot_draw():
    blocks = run_blocks(_report_run(*stylegan_run()), 1)
    texts = [b.text for b in blocks if isinstance(b, Text)]
    assert texts[0].startswith("**Verdict:** Healthy") and blocks[1].lead
    not_drawn = [t for t in texts if t.startswith("Not drawn:")]
    assert len(not_drawn) == 1
    for what in ("D calibration (no held-out D outputs)", "mode coverage", "gradient norms", "samples"):
        assert what in not_drawn[0]
    names = [b.name for b in blocks if isinstance(b, Image)]
    assert names == ["run1-stylegan-run-losses.png", "run1-stylegan-run-d-outputs.png", "run1-stylegan-run-ada.png"] + [
        "run1-stylegan-run-metrics.png"
    ]
    assert any(t.startswith("ADA: r_t") and "target 0.60" in t for t in texts)


def test_our_own_full_log_draws_everything_it_has():
    rng = np.random.default_rng(3)
    n = 300
    steps = pd.DataFrame(
        {
            "step": np.arange(1, n + 1),
            "loss_d": 1.3 + rng.normal(0, 0.03, n),
            "loss_g": 0.8 + rng.normal(0, 0.03, n),
            "grad_norm_d": np.exp(rng.normal(0, 0.2, n)),
            "grad_norm_g": np.exp(rng.normal(0, 0.2, n)),
        }
    )
    blocks = run_blocks(_report_run(steps, pd.DataFrame(), {}), 1)
    (line,) = [b.text for b in blocks if isinstance(b, Text) and b.text.startswith("Not drawn:")]
    assert "D outputs" in line and "the log has no evaluations" in line and "losses" not in line
    assert "ADA" not in line  # a run that never used ADA is not told it lacks its signals


def test_figure_axes_say_kimg_and_sigmoid_of_logits():
    steps, evals, manifest = stylegan_run()
    figure = figures.relabel_time(figures.d_output_figure(steps.assign(run="r"), True, d_output="logit"), "kimg")
    (ax,) = figure.axes
    assert "kimg" in ax.get_xlabel() and ax.get_ylabel() == "D output: sigmoid of the logged logits"
    assert figures.loss_figure(steps.drop(columns=["loss_d", "loss_g"]).assign(run="r")) is None
    assert len(figures.loss_figure(steps.drop(columns=["loss_g"]).assign(run="r")).axes) == 1
    ada = figures.ada_figure(steps.assign(run="r"), 0.6)
    assert [a.get_title() for a in ada.axes] == ["ADA's overfitting heuristic r_t", "augmentation strength"]
    saturated = steps.assign(run="r", ada_p=steps["ada_p"] * 0 + 1.7)  # StyleGAN's p passes 1: the axis shows it
    assert figures.ada_figure(saturated, 0.6).axes[1].get_ylim()[1] >= 1.7
    evals.loc[evals.step == 2400, "fid"] = 1e57
    figure, _ = figures.metric_figure(evals.assign(run="r"))
    (ax,) = [a for a in figure.axes if a.get_visible()]
    top = max(line.get_ydata().max() for line in ax.lines if len(line.get_xdata()) > 2)
    assert top < 300  # 1e57 is marked by a line, not drawn


def test_report_page_of_a_broken_stylegan_run(tmp_path):
    steps, evals, manifest = stylegan_run()
    evals.loc[evals.step == 2400, "fid"] = 1e57
    run = _report_run(steps, evals, manifest)
    paths = write_blocks(tmp_path / "out", run_blocks(run, 1), "GAN training report")
    page = paths["html"].read_text()
    assert run.diagnosis.verdict == "unreliable-metrics" and page.count("Not drawn:") == 1
    assert '<p class="lead"><strong>Verdict:</strong> Unreliable metrics: FID is 1e+57 at 2400 kimg' in page
    assert (paths["figures"] / "run1-stylegan-run-ada.png").exists()


def test_absurd_d_metrics_are_broken_values_not_d_evidence():
    """D's accuracy, AUC, Brier score and ECE lie in [0, 1]: an AUC of 1e308 or an ECE of -3 is a broken
    computation, reported as one, and neither D dominance, miscalibration nor the summary reads it."""
    from pathlib import Path

    evals = pd.read_csv(Path(__file__).parent / "fixtures" / "real-evals" / "healthy-own-ring8-4000-s3.csv")
    clean = diagnose(None, evals, {"data": "ring8"})
    step = int(evals.step.iloc[-1])
    evals.loc[evals.index[-1], ["d_auc", "d_ece"]] = [1e308, -3.0]
    evals.loc[evals.index[5], "d_accuracy"] = 7.0
    assert broken_mask("d_auc", [0.0, 1.0, 0.5, 1e308, -0.2]).tolist() == [False, False, False, True, True]
    diagnosis = diagnose(None, evals, {"data": "ring8"})
    (broken,) = diagnosis.of_kind("broken_metric")
    assert set(broken.evidence["metrics"]) == {"d_auc", "d_ece", "d_accuracy"} and step in broken.evidence["steps"]
    assert "d_auc is 1e+308" in broken.explanation and "valid: 0 to 1" in broken.explanation
    assert diagnosis.verdict == "unreliable-metrics"
    assert 0.0 <= diagnosis.summary["d_auc_end"] <= 1.0
    kinds = lambda d: sorted({f.kind for f in d.findings if f.kind != "broken_metric"})  # noqa: E731
    assert kinds(diagnosis) == kinds(clean)
