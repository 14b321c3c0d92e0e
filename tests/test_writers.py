"""TrainingLogger's writers (issue 26): TensorBoard, W&B and MLflow get every scalar, the diagnosis as text and
the samples' picture; the CSVs stay the source of truth; a failing writer warns once and training goes on."""

import sys
import types
import warnings

import numpy as np
import pandas as pd
import pytest

from ganeval.cli import main
from ganeval.data.mixtures import RING8
from ganeval.diagnostics import load_log
from ganeval.errors import GanevalError
from ganeval.options import MetricOptions
from ganeval.scoring import ReferenceScorer
from ganeval.training import TrainingLogger
from ganeval.training.writers import points_image


@pytest.fixture
def scorer(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    return ReferenceScorer.of("ring8", options=MetricOptions(n=500))


def log_run(run_dir, scorer, writers, steps=20, every=10):
    """A small run: losses every step, an evaluation of ring8 samples every `every` steps."""
    logger = TrainingLogger(run_dir, scorer, options=MetricOptions(n=500), writers=writers)
    rng = np.random.default_rng(0)
    for step in range(steps):
        logger.step(step, loss_d=1.0 + 0.01 * step, loss_g=0.7, d_real=0.6, d_fake=0.4)
        if (step + 1) % every == 0:
            fake, _ = RING8.sample(500, seed=step)
            logger.evaluate(step + 1, fake=fake, d_real=rng.uniform(0.5, 1, 200), d_fake=rng.uniform(0, 0.5, 200))
    logger.close()
    return logger


class Recorder:
    """A writer that records its calls (and fails on `fail_on`)."""

    name = "recorder"

    def __init__(self, fail_on=None):
        self.calls, self.fail_on = [], fail_on

    def _record(self, method, *args):
        if method == self.fail_on:
            raise OSError("the disk is full")
        self.calls.append((method, *args))

    def scalars(self, step, values):
        self._record("scalars", step, values)

    def text(self, step, tag, text):
        self._record("text", step, tag, text)

    def image(self, step, tag, image):
        self._record("image", step, tag, image)

    def close(self):
        self._record("close")


def test_tensorboard_events_hold_every_scalar_of_the_csvs(tmp_path, scorer):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tmp_path / "run"
    log_run(run, scorer, ["tensorboard"])
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    events.Reload()
    steps, evals = pd.read_csv(run / "steps.csv"), pd.read_csv(run / "evals.csv")
    expected = {f"train/{c}": steps[["step", c]] for c in steps.columns if c not in ("step", "time")}
    numeric = [c for c in evals.columns if c != "step" and pd.api.types.is_numeric_dtype(evals[c])]
    expected.update({f"eval/{c}": evals[["step", c]] for c in numeric})
    assert {"eval/fid", "eval/modes_covered", "eval/d_auc", "train/loss_d"} <= set(expected)
    assert set(events.Tags()["scalars"]) == set(expected)
    for tag, frame in expected.items():
        logged = events.Scalars(tag)
        assert [e.step for e in logged] == frame["step"].tolist(), tag
        np.testing.assert_allclose([e.value for e in logged], frame.iloc[:, 1].to_numpy(), rtol=1e-6, err_msg=tag)
    assert [e.step for e in events.Images("samples")] == [10, 20]
    assert [e.step for e in events.Tensors("diagnosis/text_summary")] == [10, 20, 20]  # each evaluation, and close


def test_report_reads_a_run_folder_with_tensorboard_events(tmp_path, scorer, capsys):
    run = tmp_path / "run"
    log_run(run, scorer, ["tensorboard"])
    assert main(["report", str(run), "--out", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "report.html").exists()


def test_writers_get_scalars_text_and_images(tmp_path, scorer):
    recorder = Recorder()
    log_run(tmp_path / "run", scorer, [recorder])
    scalars = [c for c in recorder.calls if c[0] == "scalars"]
    assert len(scalars) == 20 + 2  # every step and every evaluation
    assert scalars[0][1:] == (0, {"train/loss_d": 1.0, "train/loss_g": 0.7, "train/d_real": 0.6, "train/d_fake": 0.4})
    evals = pd.read_csv(tmp_path / "run" / "evals.csv")
    fid_logged = [values["eval/fid"] for _, _, values in scalars if "eval/fid" in values]
    assert fid_logged == pytest.approx(evals.fid.tolist())
    (text, *_), images = [c for c in recorder.calls if c[0] == "text"], [c for c in recorder.calls if c[0] == "image"]
    from ganeval.diagnostics.findings import VERDICTS

    assert text[1:3] == (10, "diagnosis") and text[3].split(":")[0] in VERDICTS
    assert [(step, tag, image.shape, image.dtype) for _, step, tag, image in images] == [
        (10, "samples", (256, 256, 3), np.uint8),
        (20, "samples", (256, 256, 3), np.uint8),
    ]
    assert recorder.calls[-1] == ("close",)


def test_a_failing_writer_warns_once_and_logging_goes_on(tmp_path, scorer):
    broken, healthy = Recorder(fail_on="scalars"), Recorder()
    with pytest.warns(RuntimeWarning, match=r"the recorder writer failed \(OSError: the disk is full\)") as caught:
        log_run(tmp_path / "run", scorer, [broken, healthy])
    assert len([w for w in caught if "writer failed" in str(w.message)]) == 1
    assert broken.calls == []  # switched off after its first failure
    assert len([c for c in healthy.calls if c[0] == "scalars"]) == 22
    steps, evals, _ = load_log(tmp_path / "run")
    assert len(steps) == 20 and evals.step.tolist() == [10, 20]


def test_no_writers_no_warnings_and_the_same_csvs(tmp_path, scorer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_run(tmp_path / "plain", scorer, [])
        log_run(tmp_path / "written", scorer, [Recorder()])
    for name in ("evals.csv",):
        assert (tmp_path / "plain" / name).read_text() == (tmp_path / "written" / name).read_text()
    plain, written = pd.read_csv(tmp_path / "plain" / "steps.csv"), pd.read_csv(tmp_path / "written" / "steps.csv")
    pd.testing.assert_frame_equal(plain.drop(columns="time"), written.drop(columns="time"))


def test_wandb_writer_logs_into_the_active_run(tmp_path, scorer, monkeypatch):
    logged = []
    run = types.SimpleNamespace(log=lambda values, step: logged.append((step, values)))
    fake = types.SimpleNamespace(
        run=run, init=None, Html=lambda html: ("html", html), Image=lambda array: ("image", array.shape)
    )
    monkeypatch.setitem(sys.modules, "wandb", fake)
    log_run(tmp_path / "run", scorer, ["wandb"])
    assert logged[0] == (0, {"train/loss_d": 1.0, "train/loss_g": 0.7, "train/d_real": 0.6, "train/d_fake": 0.4})
    assert (20, {"samples": ("image", (256, 256, 3))}) in logged
    texts = [values["diagnosis"] for _, values in logged if "diagnosis" in values]
    assert len(texts) == 3 and texts[0][0] == "html" and texts[0][1].startswith("<pre>")


def test_wandb_writer_starts_a_run_when_none_is_active(tmp_path, scorer, monkeypatch):
    started = []
    run = types.SimpleNamespace(log=lambda values, step: None)
    fake = types.SimpleNamespace(run=None, init=lambda **kw: started.append(kw) or run, Html=str, Image=str)
    monkeypatch.setitem(sys.modules, "wandb", fake)
    TrainingLogger(tmp_path / "run", writers=["wandb"])
    assert started == [{}]


def test_mlflow_writer_logs_metrics_text_and_images(tmp_path, scorer, monkeypatch):
    calls = []
    fake = types.SimpleNamespace(
        active_run=lambda: None,
        start_run=lambda **kw: calls.append(("start_run", kw)),
        log_metrics=lambda values, step: calls.append(("metrics", step, values)),
        log_text=lambda text, path: calls.append(("text", path)),
        log_image=lambda image, path: calls.append(("image", path, image.shape)),
    )
    monkeypatch.setitem(sys.modules, "mlflow", fake)
    log_run(tmp_path / "run", scorer, ["mlflow"])
    assert calls[0] == ("start_run", {})
    first_step = {"train/loss_d": 1.0, "train/loss_g": 0.7, "train/d_real": 0.6, "train/d_fake": 0.4}
    assert calls[1] == ("metrics", 0, first_step)
    assert ("image", "samples/step_000010.png", (256, 256, 3)) in calls
    assert ("text", "diagnosis/step_000020.txt") in calls
    assert any(c[0] == "metrics" and c[1] == 20 and "eval/fid" in c[2] for c in calls)


@pytest.mark.parametrize(
    "writers, match",
    [
        (["wandb"], r"the wandb writer needs the wandb package, which is not installed; pip install wandb"),
        (["neptune"], r"unknown writer 'neptune'; choose from 'tensorboard', 'wandb', 'mlflow'"),
        ([object()], r"has no scalars\(\) method"),
    ],
)
def test_unusable_writers_are_refused_before_training(tmp_path, monkeypatch, writers, match):
    monkeypatch.setitem(sys.modules, "wandb", None)  # not installed
    with pytest.raises(GanevalError, match=match):
        TrainingLogger(tmp_path / "run", writers=writers)


def test_points_image_shows_the_reference_red_and_the_samples_green():
    reference, _ = RING8.sample(2000, seed=0)
    one_mode = np.repeat(RING8.centres[[0]], 100, axis=0)
    image = points_image(one_mode, reference)
    assert image.shape == (256, 256, 3) and image.dtype == np.uint8
    assert image[..., 0].astype(bool).sum() > 8 * image[..., 1].astype(bool).sum() > 0  # one green spot
    row, col = np.argwhere(image[..., 1] == 255)[0]
    x = RING8.centres[0, 0]
    low, high = reference[:, 0].min(), reference[:, 0].max()
    assert abs(col - (x - low + 0.1 * (high - low)) / (1.2 * (high - low)) * 256) <= 1.5
