"""Reference trainers: the log they write, determinism, resume, divergence, the CLI."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

import reference_models
from ganeval.cli import main
from ganeval.diagnostics import load_log
from reference_models import VARIANTS, TrainingDiverged

FAST = dict(batch_size=64, eval_every=10, eval_n=300, checkpoint_every=10)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize(
    "variant", [name for name in VARIANTS if name not in ("dcgan", "cgan", "cyclegan")]
)  # image variants: tests/test_trainers_images.py
def test_every_variant_writes_the_log_the_diagnostics_need(variant, tmp_path):
    run = reference_models.train(variant, "ring8", out=tmp_path / variant, steps=20, **FAST)
    steps, evals, manifest = load_log(run)
    assert steps.step.tolist() == list(range(20))
    for column in ("time", "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "lr_d", "lr_g"):
        assert steps[column].notna().all(), column
    assert evals.step.tolist() == [10, 20]
    for column in (
        "fid",
        "precision",
        "recall",
        "modes_covered",
        "mode_kl",
        "d_accuracy",
        "d_auc",
        "d_ece",
        "mode_counts",
    ):
        assert column in evals, column
    assert len(json.loads(evals.mode_counts.iloc[-1])) == 8
    assert manifest["variant"] == variant and manifest["finished"] is True and manifest["config"]["steps"] == 20
    assert (run / "samples" / "step_000020.png").exists() and (run / "checkpoint.pt").exists()
    expected_kind = "probability" if variant.startswith("gan") else "score"
    assert set(evals.d_input) == {expected_kind}


def _weights(run):
    return torch.load(run / "checkpoint.pt", weights_only=True)["generator"]


def _same_logs(a, b):
    for name in ("steps.csv", "evals.csv"):
        left, right = pd.read_csv(a / name), pd.read_csv(b / name)
        pd.testing.assert_frame_equal(
            left.drop(columns="time", errors="ignore"), right.drop(columns="time", errors="ignore")
        )


@pytest.mark.parametrize("variant", ["gan-ns", "wgan-gp"])
def test_same_seed_same_run_and_resume_continues_exactly(variant, tmp_path):
    whole = reference_models.train(variant, "grid25", out=tmp_path / "whole", steps=20, seed=3, **FAST)
    again = reference_models.train(variant, "grid25", out=tmp_path / "again", steps=20, seed=3, **FAST)
    _same_logs(whole, again)
    for key, value in _weights(whole).items():
        assert torch.equal(value, _weights(again)[key])
    # interrupted after 10 steps (a checkpoint), then resumed to 20
    reference_models.train(variant, "grid25", out=tmp_path / "split", steps=10, seed=3, **FAST)
    resumed = reference_models.train(variant, "grid25", out=tmp_path / "split", steps=20, seed=3, resume=True, **FAST)
    _same_logs(whole, resumed)
    for key, value in _weights(whole).items():
        assert torch.equal(value, _weights(resumed)[key])
    other = reference_models.train(variant, "grid25", out=tmp_path / "other", steps=20, seed=4, **FAST)
    assert not torch.equal(_weights(other)["0.weight"], _weights(whole)["0.weight"])


def test_nan_loss_stops_with_a_message_and_keeps_the_log(tmp_path, poison_generator_loss):
    poison_generator_loss("gan-ns", call=7)
    with pytest.raises(TrainingDiverged, match="generator loss became nan at step 6; the log up to that step is in"):
        reference_models.train("gan-ns", "ring8", out=tmp_path / "nan", steps=20, **FAST)
    steps, _, manifest = load_log(tmp_path / "nan")
    assert steps.step.max() == 6 and manifest["finished"] is False


def test_bad_requests_are_explained(tmp_path):
    with pytest.raises(
        ValueError, match="unknown variant 'vae'; the reference trainers are: gan, gan-ns, wgan, wgan-gp"
    ):
        reference_models.train("vae", "ring8", out=tmp_path / "x")
    with pytest.raises(ValueError, match="unknown training setting\\(s\\) learning_rate; valid settings are"):
        reference_models.train("gan", "ring8", out=tmp_path / "x", learning_rate=1.0)
    with pytest.raises(ValueError, match="has no checkpoint.pt to resume from"):
        reference_models.train("gan", "ring8", out=tmp_path / "empty", resume=True)


def test_cli_train_sample_score(tmp_path, capsys):
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "wgan",
                "--data",
                "ring8",
                "--out",
                str(run),
                "--steps",
                "20",
                "--set",
                "eval_every=10",
                "--set",
                "eval_n=200",
                "--set",
                "batch_size=64",
            ]
        )
        == 0
    )
    assert main(["sample", str(run), "--n", "500", "--seed", "1", "-o", str(tmp_path / "s.npy")]) == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (500, 2) and np.isfinite(samples).all()
    assert main(["score", str(tmp_path / "s.npy"), "--ref", "ring8", "--bootstrap", "0", "--quiet", "--n", "500"]) == 0
    assert main(["train", "gan", "--data", "digits", "--out", str(tmp_path / "d"), "--steps", "2"]) == 2
    assert "image variants" in capsys.readouterr().err
    assert main(["train", "gan", "--data", "ring8", "--out", str(tmp_path / "d"), "--set", "lr_d"]) == 2
