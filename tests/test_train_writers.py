"""`ganeval train --writers` (issue 26's writers for the reference trainers): the run's scalars, diagnosis and
samples also go to TensorBoard (W&B, MLflow); a writer that cannot work is refused before any file changes;
--overwrite removes the old run's event files with the rest of it; train()'s own arguments are no --set keys."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from ganeval.cli import main

pytest.importorskip("tensorboard")

FAST = ["--steps", "10", "--quiet"]
FAST += [f"--set={pair}" for pair in ("batch_size=64", "eval_every=5", "eval_n=200", "checkpoint_every=5")]


def train(out, *more) -> int:
    return main(["train", "gan", "--data", "ring8", "--out", str(out), *FAST, *more])


def scalars(folder) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_tensorboard_writer_gets_every_scalar_of_the_log(tmp_path):
    run = tmp_path / "run"
    assert train(run, "--writers", "tensorboard") == 0
    steps, evals = pd.read_csv(run / "steps.csv"), pd.read_csv(run / "evals.csv")
    logged = scalars(run / "tensorboard")
    numeric = [c for c in evals.columns if c != "step" and pd.api.types.is_numeric_dtype(evals[c])]
    expected = {f"train/{c}": steps[["step", c]] for c in steps.columns if c not in ("step", "time")}
    expected |= {f"eval/{c}": evals[["step", c]] for c in numeric}
    assert {"train/loss_d", "train/grad_norm_g", "eval/fid", "eval/modes_covered"} <= set(logged)
    assert set(logged) == set(expected)
    for tag, frame in expected.items():
        assert [step for step, _ in logged[tag]] == frame["step"].tolist(), tag
        assert [value for _, value in logged[tag]] == pytest.approx(frame.iloc[:, 1].tolist(), rel=1e-6), tag
    assert evals["step"].tolist() == [5, 10]


def test_without_writers_no_events_and_overwrite_clears_the_old_runs(tmp_path):
    run = tmp_path / "run"
    assert train(run) == 0
    assert not (run / "tensorboard").exists()  # nothing but the CSV log unless asked
    assert train(run, "--writers", "tensorboard,tensorboard", "--overwrite") == 0  # a name twice is one writer
    assert len(list((run / "tensorboard").iterdir())) == 1
    (run / "tensorboard" / "notes.txt").write_text("mine")  # not the trainer's: left alone
    assert train(run, "--overwrite") == 0
    assert [path.name for path in (run / "tensorboard").iterdir()] == ["notes.txt"]  # the old curves are gone


def _exit_code(*arguments) -> int:
    """main's exit code, argparse's usage errors (SystemExit) included."""
    try:
        return train(*arguments)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize(
    "writers, message",
    [
        ("neptune", "argument --writers: 'neptune' names the unknown writer 'neptune'; choose from tensorboard, "),
        (",", "argument --writers: ',' names no writer"),
        ("wandb", "the wandb writer needs the wandb package, which is not installed; pip install wandb, or leave "
         "'wandb' out of --writers."),
    ],
)  # fmt: skip
def test_a_writer_that_cannot_work_is_refused_before_any_file_changes(tmp_path, capsys, monkeypatch, writers, message):
    monkeypatch.setitem(sys.modules, "wandb", None)  # not installed
    run = tmp_path / "run"
    assert _exit_code(run, "--writers", writers) == 2
    assert message in capsys.readouterr().err
    assert not run.exists()


@pytest.mark.parametrize(
    "pair, flag",
    [("writers=tensorboard", "--writers"), ("device=cpu", "--device"), ("progress=0", "--quiet")],
)
def test_trains_own_arguments_are_no_settings(tmp_path, capsys, pair, flag):
    assert train(tmp_path / "run", "--set", pair) == 2  # was a TypeError for writers and device: exit 3
    assert f"--set {pair}: {pair.partition('=')[0]} is no training setting; {flag}" in capsys.readouterr().err
