"""What a person reads while and after a command runs: the progress of train, baseline and sample, what sample
wrote, train --help's defaults."""

import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

import reference_models
from ganeval.cli import main
from ganeval.data.digits import load_digits_images
from ganeval.data.export import write_samples
from ganeval.gate import make_baseline
from ganeval.options import Extraction, MetricOptions
from reference_models.loop import evaluation_line, progress_bar

FAST = dict(batch_size=32, eval_every=10, eval_n=100, checkpoint_every=10)


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr is in an interactive shell."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def test_evaluation_line_names_the_step_and_the_logged_metrics():
    row = {"step": 500, "fid": 12.3456, "precision": 0.80612, "recall": 0.9, "d_auc": 0.7, "mode_counts": "[1, 2]"}
    assert evaluation_line(row) == "step 500: fid 12.3, precision 0.806, recall 0.9"
    assert evaluation_line({"step": 10, "fid": float("nan")}) == "step 10: no metrics"


def test_the_bar_shows_on_a_terminal_only_and_never_when_quiet():
    for stream, shown, expected in ((Terminal(), True, True), (io.StringIO(), True, False), (Terminal(), False, False)):
        with progress_bar("gan on ring8", 20, 5, shown, file=stream) as bar:
            bar.update(5)
            bar.set_postfix_str("step 10: fid 3.2")
        assert ("gan on ring8: " in stream.getvalue() and "10/20" in stream.getvalue()) is expected


def test_training_shows_steps_per_second_and_the_last_evaluation(tmp_path, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    reference_models.train("gan", "ring8", out=tmp_path / "run", steps=20, **FAST)
    text = terminal.getvalue()
    assert "gan on ring8: 100%" in text and "20/20" in text and "step/s" in text
    assert re.search(r"step 20: fid [0-9.e+-]+, precision [0-9.]+, recall [0-9.]+", text), text


def test_quiet_training_prints_no_bar(tmp_path, monkeypatch, capsys):
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    out = str(tmp_path / "run")
    argv = ["train", "gan", "--data", "ring8", "--out", out, "--steps", "10", "--quiet"]
    assert main(argv + [f"--set={key}={value}" for key, value in FAST.items()]) == 0
    assert terminal.getvalue() == ""
    assert capsys.readouterr().out.startswith("trained gan on ring8")


def test_train_help_lists_every_setting_with_each_variants_default(capsys):
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    header = next(line for line in text.splitlines() if line.split()[:2] == ["gan", "gan-ns"])
    assert header.split() == list(reference_models.VARIANTS)
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if len(line.split()) == 8}
    assert rows["eval_every"] == ["500"] * 6 + ["250"]  # cyclegan evaluates every 250 steps
    assert rows["steps"][4] == "1500" and rows["lr_d"][2] == "5e-05" and rows["betas"][0] == "[0,0.9]"
    for name, variant in reference_models.VARIANTS.items():
        column = list(reference_models.VARIANTS).index(name)
        assert int(rows["eval_n"][column]) == variant.defaults.eval_n
    assert max(map(len, text.splitlines())) <= 120


def test_sample_says_what_it_wrote(tmp_path, capsys):
    run = reference_models.train("gan", "ring8", out=tmp_path / "run", steps=10, progress=False, **FAST)
    assert main(["sample", str(run), "--n", "50", "-o", str(tmp_path / "points.npy"), "--quiet"]) == 0
    assert capsys.readouterr().out == f"wrote 50 points to {tmp_path / 'points.npy'}\n"
    assert np.load(tmp_path / "points.npy").shape == (50, 2)


def test_writing_images_shows_a_bar_on_a_terminal_only():
    images = np.zeros((3, 1, 8, 8), dtype=np.uint8)
    for stream, shown, expected in ((Terminal(), True, True), (io.StringIO(), True, False), (Terminal(), False, False)):
        with tempfile.TemporaryDirectory() as folder:
            written = write_samples(images, Path(folder) / "out", progress=shown, file=stream)
            assert sorted(p.name for p in written.iterdir()) == ["0.png", "1.png", "2.png"]
        assert ("writing PNGs:" in stream.getvalue() and "/3 [" in stream.getvalue()) is expected


class Digits:
    """A generator that draws the bundled digits themselves (uint8 images)."""

    def sample(self, n: int, seed: int):
        images, _ = load_digits_images()
        return images[np.random.default_rng(seed).choice(len(images), n, replace=False)]


def test_baseline_shows_its_seed_to_seed_repeats(tmp_path, monkeypatch):
    options = MetricOptions(n=200, bootstrap=0)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    baseline = make_baseline(
        Digits(), "digits", options=options, metrics=["fid"], repeats=2, extraction=Extraction(cache=False)
    )
    text = terminal.getvalue()
    draws = baseline.block["spread"]["values"]["fid"]
    assert "seed-to-seed spread" in text and "2/2" in text and f"seed 2: fid {draws[2]:.3g}" in text
    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    make_baseline(
        Digits(),
        "digits",
        options=options,
        metrics=["fid"],
        repeats=2,
        extraction=Extraction(cache=False, progress=False),
    )
    assert quiet.getvalue() == ""


def test_compare_shows_one_bar_over_its_runs_and_none_per_training(tmp_path, monkeypatch):
    from ganeval.compare.runs import Planned, train_all
    from reference_models.plugin import TRAINER

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert TRAINER.train("gan", "ring8", tmp_path / "a", steps=10, seed=0, eval_every=10) == "trained"
    assert terminal.getvalue() == ""  # the trainer's own bar stays off: compare's bar is over runs
    planned = [Planned("gan", "ring8", seed, tmp_path / f"gan-ring8-seed{seed}") for seed in (0, 1)]
    status = train_all(planned, steps=10, jobs=1, evaluations=1)
    assert set(status.values()) == {"trained"}
    assert "training: 100%" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert "gan-ring8-seed1: 10 steps" in terminal.getvalue()
    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    train_all(planned, steps=20, jobs=1, evaluations=2, progress=False)  # resumed to 20 steps
    assert quiet.getvalue() == ""


def test_progress_is_no_training_setting(tmp_path, capsys):
    argv = ["train", "gan", "--data", "ring8", "--out", str(tmp_path / "run"), "--set", "progress=0"]
    assert main(argv) == 2  # not a bug (exit 3): train() takes progress as its own argument
    assert "--set progress=0: progress is no training setting; --quiet turns the bar off." in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
