"""The trainer never loses or mixes runs, and answers bad requests with exit 2 and a message.

- `train --out EXISTING` refuses (offering --resume or --overwrite); --overwrite removes the old
  run's files first, so no stale sample plot survives.
- `--resume` refuses any difference from the run (variant, data, seed, --set values) except --steps.
- Bad settings, sample counts, foreign and damaged checkpoints: exit 2 naming the key or the file.
- kill -9 in the middle of `train` leaves a run that `--resume` finishes exactly as if never stopped.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

import reference_models
from ganeval.cli import main
from reference_models import checkpoint

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--set", "batch_size=16", "--set", "eval_every=2", "--set", "eval_n=50", "--set", "checkpoint_every=2"]
TINY_SETTINGS = dict(batch_size=16, eval_every=2, eval_n=50, checkpoint_every=2)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def made_run(tmp_path_factory):
    """A finished 4-step gan run on ring8, seed 0 (copy it before changing it)."""
    out = tmp_path_factory.mktemp("made") / "run"
    return reference_models.train("gan", "ring8", out=out, steps=4, seed=0, **TINY_SETTINGS)


@pytest.fixture
def run(made_run, tmp_path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(made_run, copy)
    return copy


def cli(argv, capsys) -> tuple[int, str]:
    """Exit code and stderr of `ganeval ARGV` (argparse's own refusals exit through SystemExit)."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def plain_log(run: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(run / name).drop(columns="time", errors="ignore")


# --- an existing run is never replaced by accident ---------------------------------------------


def test_training_into_an_existing_run_is_refused_and_changes_nothing(run, capsys):
    before = snapshot(run)
    code, err = cli(["train", "gan", "--data", "ring8", "--out", run, "--steps", "2", *TINY], capsys)
    assert code == 2
    assert f"{run} already holds a training run" in err and "--resume" in err and "--overwrite" in err
    assert snapshot(run) == before
    with pytest.raises(ValueError, match="already holds a training run"):
        reference_models.train("gan", "ring8", out=run, steps=2, **TINY_SETTINGS)
    assert snapshot(run) == before


def test_overwrite_removes_the_old_runs_files_and_keeps_the_users(run, capsys):
    (run / "samples" / "step_000999.png").write_bytes(b"stale plot")  # an earlier, longer run's plot
    (run / "final.json").write_text("{}")  # compare's scores of the old checkpoint
    (run / ".checkpoint.pt.abc123.tmp").write_bytes(b"half")  # a kill during a write
    (run / "notes.txt").write_text("mine")
    code, err = cli(["train", "wgan", "--data", "ring8", "--out", run, "--steps", "2", "--overwrite", *TINY], capsys)
    assert code == 0, err
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_000002.npy", "step_000002.png"]
    assert not (run / "final.json").exists() and not (run / ".checkpoint.pt.abc123.tmp").exists()
    assert (run / "notes.txt").read_text() == "mine"
    assert json.loads((run / "manifest.json").read_text())["variant"] == "wgan"
    assert pd.read_csv(run / "steps.csv").step.tolist() == [0, 1]


def test_overwrite_checks_the_request_before_deleting(run, capsys):
    before = snapshot(run)
    assert (
        cli(["train", "gan", "--data", "digits", "--out", run, "--overwrite", "--steps", "2"], capsys)[0] == 2
    )  # gan cannot train on images
    assert cli(["train", "gan", "--data", "ring8", "--out", run, "--overwrite", "--set", "lr_d=abc"], capsys)[0] == 2
    assert snapshot(run) == before


def test_resume_and_overwrite_together_are_refused(run):
    with pytest.raises(ValueError, match="give one of them"):
        reference_models.train("gan", "ring8", out=run, resume=True, overwrite=True)


# --- --resume continues the same run only ------------------------------------------------------


def test_resume_refuses_every_difference_and_lists_them(run, capsys):
    before = snapshot(run)
    code, err = cli(
        ["train", "wgan", "--data", "grid25", "--out", run, "--resume", "--seed", "1", "--set", "lr_d=1e-3"], capsys
    )
    assert code == 2
    for difference in (
        "variant is 'gan' in the run, 'wgan' asked for now",
        "data is 'ring8' in the run, 'grid25' asked for now",
        "seed is 0 in the run, 1 asked for now",
        "lr_d is 0.0001 in the run, 0.001 asked for now",
    ):
        assert difference in err, err
    assert "only --steps may change" in err
    code, err = cli(
        ["train", "gan", "--data", "ring8", "--out", run, "--resume", "--set", "hidden=64"], capsys
    )  # other network sizes
    assert code == 2 and "hidden is 128 in the run, 64 asked for now" in err and "Traceback" not in err
    assert snapshot(run) == before


def test_resume_takes_the_runs_settings_and_may_extend_it(run, capsys):
    code, err = cli(
        ["train", "gan", "--data", "ring8", "--out", run, "--resume", "--steps", "6"], capsys
    )  # no --set: the run's
    assert code == 0, err
    assert pd.read_csv(run / "steps.csv").step.tolist() == list(range(6))
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["config"]["steps"] == 6 and manifest["config"]["batch_size"] == 16 and manifest["finished"] is True
    code, err = cli(["train", "gan", "--data", "ring8", "--out", run, "--resume", "--steps", "3"], capsys)
    assert code == 2 and "its checkpoint is at step 6 already; pass --steps 6 or more" in err


def test_resume_refuses_a_log_from_another_run(run, capsys):
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(
        json.dumps({**manifest, "variant": "wgan-gp"})
    )  # as if another run wrote the log
    code, err = cli(["train", "gan", "--data", "ring8", "--out", run, "--resume", "--steps", "6"], capsys)
    assert code == 2 and "variant is 'gan' in checkpoint.pt, 'wgan-gp' in manifest.json" in err


def test_resume_drops_sample_plots_past_the_checkpoint(run, tmp_path):
    at_two = tmp_path / "at-two.pt"
    reference_models.train("gan", "ring8", out=tmp_path / "longer", steps=2, **TINY_SETTINGS)
    shutil.copy(tmp_path / "longer" / "checkpoint.pt", at_two)
    shutil.copy(
        at_two, run / "checkpoint.pt"
    )  # the run was killed after its evaluation at 4, before the checkpoint at 4
    assert (run / "samples" / "step_000004.png").exists()
    reference_models.train("gan", "ring8", out=run, steps=2, resume=True)
    assert sorted(p.name for p in (run / "samples").glob("*.png")) == ["step_000002.png"]
    assert pd.read_csv(run / "evals.csv").step.tolist() == [2]


def test_resume_without_a_checkpoint_says_what_to_do(run, capsys):
    (run / "checkpoint.pt").unlink()  # stopped before its first checkpoint
    code, err = cli(["train", "gan", "--data", "ring8", "--out", run, "--resume"], capsys)
    assert code == 2 and "stopped before its first checkpoint" in err and "--overwrite" in err


# --- bad settings and counts: exit 2 with the key, the value and the range ---------------------


@pytest.mark.parametrize(
    "setting,message",
    [
        (
            "batch_size=0",
            "training setting batch_size must be a whole number from 1 to 65536 (samples per batch); got 0.",
        ),
        (
            "lr_d=abc",
            "training setting lr_d must be a number > 0 and <= 1 (the discriminator's learning rate); got 'abc'.",
        ),
        ("lr_g=NaN", "training setting lr_g must be a number > 0 and <= 1"),
        ("n_critic=1.5", "training setting n_critic must be a whole number from 1 to 100"),
        (
            "eval_n=true",
            "training setting eval_n must be a whole number from 10 to 100000 "
            "(generated samples per evaluation); got True.",
        ),
        ("betas=[0.5,1.5]", "training setting betas must be two numbers >= 0 and < 1"),
        ("seed=3", "--set seed=3: give seed with --seed 3, not --set."),
    ],
)
def test_bad_settings_are_explained(setting, message, tmp_path, capsys):
    code, err = cli(["train", "gan", "--data", "ring8", "--out", tmp_path / "x", "--set", setting], capsys)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert not (tmp_path / "x").exists()


def test_zero_steps_is_refused_not_claimed(tmp_path, capsys):
    code, err = cli(["train", "gan", "--data", "ring8", "--out", tmp_path / "x", "--steps", "0"], capsys)
    assert code == 2 and "--steps" in err and "trained" not in err
    with pytest.raises(ValueError, match="training setting steps must be a whole number from 1"):
        reference_models.train("gan", "ring8", out=tmp_path / "y", steps=0)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.mark.parametrize(
    "n,message",
    [
        ("-5", "--n"),
        ("1e11", "--n"),
        ("0", "--n"),
        ("100000000000", "must be a whole number from 1 to 1,000,000 for this run's points"),
    ],
)
def test_sample_counts_are_checked(made_run, tmp_path, capsys, n, message):
    code, err = cli(["sample", made_run, "--n", n, "-o", tmp_path / "s.npy"], capsys)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert not (tmp_path / "s.npy").exists()


def test_image_sample_counts_are_bounded():
    generator = reference_models.load(ROOT / "ci" / "dcgan-digits")
    with pytest.raises(ValueError, match="from 1 to 50,000 for this run's images; got 50001"):
        generator.sample(50_001)


@pytest.mark.parametrize(
    "name,n,message",
    [
        ("stacked-digits", "100000000000", "from 1 to 100,000 for stacked-digits"),
        ("ring8", "100000000000", "from 1 to 1,000,000 for ring8"),
        ("ring8", "1e11", "--n"),
        ("ring8", "-1", "--n"),
    ],
)
def test_export_counts_are_checked(tmp_path, capsys, name, n, message):
    code, err = cli(["export", name, tmp_path / "out", "--n", n], capsys)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists()


# --- foreign and damaged checkpoints -----------------------------------------------------------


def test_a_foreign_checkpoint_is_named_and_explained(run, capsys):
    torch.save({"model": torch.zeros(3), "epoch": 7}, run / "checkpoint.pt")  # someone else's training script
    code, err = cli(["sample", run, "--n", "5", "-o", run / "s.npy"], capsys)
    assert code == 2 and "Traceback" not in err
    assert (
        f"{run / 'checkpoint.pt'} is not a ganeval reference_models checkpoint: it holds the keys model, epoch" in err
    )
    assert "generator, variant, data, config, step" in err


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda s: {**s, "variant": "vae"}, "unknown variant 'vae'"),
        (
            lambda s: {**s, "config": {**s["config"], "hidden": 64}},
            "the generator in this reference_models checkpoint does not fit",
        ),
        (lambda s: {**s, "config": {**s["config"], "batch_size": -1}}, "training setting batch_size must be"),
        (lambda s: {**s, "step": "4"}, "damaged reference_models checkpoint: step has the wrong type"),
    ],
)
def test_an_edited_checkpoint_is_named_and_explained(run, capsys, edit, message):
    path = run / "checkpoint.pt"
    torch.save(edit(checkpoint.read(path)), path)
    code, err = cli(["sample", run, "--n", "5", "-o", run / "s.npy"], capsys)
    assert code == 2 and message in err and str(path) in err and "Traceback" not in err, err


def test_a_sampling_only_checkpoint_cannot_be_resumed(tmp_path, capsys):
    run = tmp_path / "ci-run"
    shutil.copytree(ROOT / "ci" / "dcgan-digits", run)
    code, err = cli(["train", "dcgan", "--data", "digits", "--out", run, "--resume"], capsys)
    assert code == 2 and "holds the generator's weights only" in err


def test_truncated_and_damaged_checkpoints_are_named(run, capsys):
    path = run / "checkpoint.pt"
    data = path.read_bytes()
    for cut in (0, 1, 9, 60, 500, len(data) // 2, len(data) - 1):  # [Errno 22] came from the short ones
        path.write_bytes(data[:cut])
        code, err = cli(["sample", run, "--n", "5", "-o", run / "s.npy"], capsys)
        assert code == 2 and f"{path} cannot be loaded" in err and "Errno" not in err and "Traceback" not in err, (
            cut,
            err,
        )
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(flipped))
    code, err = cli(["sample", run, "--n", "5", "-o", run / "s.npy"], capsys)
    assert code in (0, 2) and "Traceback" not in err, err  # a flip inside tensor data may still load


# --- kill -9 during training -------------------------------------------------------------------


def train_command(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ganeval.cli",
        "train",
        "gan-ns",
        "--data",
        "ring8",
        "--out",
        str(out),
        "--seed",
        "2",
        *extra,
    ]


KILL_SETTINGS = [
    "--steps",
    "300",
    "--set",
    "batch_size=16",
    "--set",
    "eval_every=50",
    "--set",
    "eval_n=50",
    "--set",
    "checkpoint_every=20",
]


@pytest.mark.slow
def test_kill_9_mid_training_then_resume_gives_the_uninterrupted_run(tmp_path):
    environment = {**os.environ, "GANEVAL_CACHE_DIR": str(tmp_path / "cache")}
    whole = tmp_path / "whole"
    subprocess.run(train_command(whole, *KILL_SETTINGS), check=True, env=environment, capture_output=True, timeout=600)

    killed = tmp_path / "killed"
    process = subprocess.Popen(
        train_command(killed, *KILL_SETTINGS), env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while not (killed / "checkpoint.pt").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.Random().uniform(0, 1.0))  # somewhere after the first checkpoint
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)

    state = checkpoint.read(killed / "checkpoint.pt", for_resume=True)  # whole, never half-written
    assert 20 <= state["step"] <= 300
    json.loads((killed / "manifest.json").read_text())
    resumed = subprocess.run(
        train_command(killed, "--resume"), env=environment, capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stderr
    assert not list(killed.glob(".*.tmp")) and not list((killed / "samples").glob(".*.tmp"))
    for name in ("steps.csv", "evals.csv"):
        pd.testing.assert_frame_equal(plain_log(killed, name), plain_log(whole, name))
    assert sorted(p.name for p in (killed / "samples").iterdir()) == sorted(
        p.name for p in (whole / "samples").iterdir()
    )
    ours, theirs = checkpoint.read(killed / "checkpoint.pt"), checkpoint.read(whole / "checkpoint.pt")
    for key, value in theirs["generator"].items():
        assert torch.equal(ours["generator"][key], value), key
