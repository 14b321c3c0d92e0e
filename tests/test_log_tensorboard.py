"""The tensorboard log format: event files written here with torch's SummaryWriter (StyleGAN's tags,
common GAN tags, TF2 tensor scalars, add_scalars folders), read into the vocabulary; maps, bounded
and damaged files, the missing package, a real public event file, and `ganeval report` on a folder."""

import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from torch.utils.tensorboard import SummaryWriter  # noqa: E402

from ganeval.cli import main  # noqa: E402
from ganeval.diagnostics.log import read_log  # noqa: E402
from ganeval.diagnostics.log import tensorboard as tb  # noqa: E402
from ganeval.diagnostics.logfile import LogWarning  # noqa: E402
from ganeval.errors import GanevalError  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "logs" / "tensorboard"


def f32(value: float) -> float:
    """A value as TensorBoard stores it (float32)."""
    return float(np.float32(value))


def write(folder: Path, scalars: dict[str, list[tuple[int, float]]], **options) -> Path:
    """folder with one event file holding {tag: [(step, value), ...]}, written step by step."""
    writer = SummaryWriter(str(folder))
    events = sorted((step, tag, value) for tag, points in scalars.items() for step, value in points)
    for step, tag, value in events:
        writer.add_scalar(tag, value, step, **options)
    writer.close()
    return folder


def stylegan_run(folder: Path, fid=(300.0, 120.0, 60.0)) -> Path:
    """StyleGAN2-ADA's tags, as training_loop.py writes them: every tick at step int(kimg), the last
    metric value repeated at each tick until the next evaluation (every 2 ticks here)."""
    writer = SummaryWriter(str(folder))
    for tick in range(6):
        kimg = tick * 4
        tags = {
            "Progress/tick": tick,
            "Progress/kimg": kimg + 0.032,
            "Progress/augment": 0.01 * tick,
            "Loss/G/loss": 1.5 - 0.1 * tick,
            "Loss/D/loss": 0.75 + 0.05 * tick,
            "Loss/scores/real": 0.5 + 0.25 * tick,
            "Loss/scores/fake": -0.5 - 0.25 * tick,
            "Loss/signs/real": 0.125 * tick,
            "Loss/r1_penalty": 0.25,
            "Metrics/fid50k_full": fid[tick // 2],
        }
        for tag, value in tags.items():
            writer.add_scalar(tag, value, global_step=kimg)
    writer.close()
    return folder


def test_stylegan_tags_read_into_the_vocabulary(tmp_path):
    steps, evals, manifest = read_log(stylegan_run(tmp_path / "run"))
    assert manifest["log_format"] == "tensorboard" and manifest["step_unit"] == "kimg"
    assert manifest["d_output"] == "logit"
    assert manifest["source_files"] == [p.name for p in (tmp_path / "run").iterdir()]
    assert list(steps["step"]) == [0, 4, 8, 12, 16, 20]
    assert steps["loss_g"].tolist() == [f32(1.5 - 0.1 * t) for t in range(6)]
    assert steps["loss_d"].tolist() == [f32(0.75 + 0.05 * t) for t in range(6)]
    assert steps["ada_p"].tolist() == [f32(0.01 * t) for t in range(6)]
    assert steps["ada_rt"].tolist() == [0.125 * t for t in range(6)]
    logits = np.array([0.5 + 0.25 * t for t in range(6)])
    assert steps["d_real_logit"].tolist() == logits.tolist()
    assert np.allclose(steps["d_real"], 1 / (1 + np.exp(-logits)))
    assert np.allclose(steps["d_fake"], 1 / (1 + np.exp(logits)))
    assert steps["Loss/r1_penalty"].tolist() == [0.25] * 6  # an unknown tag keeps its name
    # one row per evaluation: the repeats between evaluations are not evaluations
    assert evals["step"].tolist() == [0, 8, 16] and evals["fid"].tolist() == [300.0, 120.0, 60.0]


def test_a_broken_metric_is_kept_as_read(tmp_path):
    """FID 1e57 is inf in float32 (as in the published StyleGAN run of issue 21), -3e68 is -inf: kept."""
    _, evals, _ = read_log(stylegan_run(tmp_path / "run", fid=(300.0, 1e57, -3e68)))
    assert evals["fid"].tolist() == [300.0, math.inf, -math.inf]


def test_common_gan_tags_are_probabilities(tmp_path):
    folder = write(
        tmp_path / "dcgan",
        {
            "Loss_D": [(i, 1.0 + i) for i in range(4)],
            "Loss_G": [(i, 2.0 + i) for i in range(4)],
            "D(x)": [(i, 0.75) for i in range(4)],
            "D(G(z))": [(i, 0.25) for i in range(4)],
            "FID": [(3, 42.5)],
            "IS": [(3, 2.5)],
        },
    )
    steps, evals, manifest = read_log(folder)
    assert manifest["d_output"] == "probability" and manifest["step_unit"] == "step"
    assert set(steps.columns) == {"step", "loss_d", "loss_g", "d_real", "d_fake"}
    assert steps["d_real"].tolist() == [0.75] * 4 and steps["d_fake"].tolist() == [0.25] * 4
    assert evals.to_dict("list") == {"step": [3], "fid": [42.5], "inception_score": [2.5]}


@pytest.mark.parametrize(
    "tag, column",
    [
        ("loss_D", "loss_d"),
        ("Loss/D", "loss_d"),
        ("errD", "loss_d"),
        ("d_loss", "loss_d"),
        ("Loss/Discriminator", "loss_d"),
        ("G_LOSS", "loss_g"),
        ("generator_loss", "loss_g"),
        ("D_x", "d_real"),
        ("D_G_z1", "d_fake"),
        ("Metrics/kid50k_full", "kid"),
        ("Metrics/pr50k3_full_precision", "precision"),
        ("Metrics/is50k_mean", "inception_score"),
        ("Metrics/ppl2_wend", "ppl"),
        ("fid", "fid"),
    ],
)
def test_tag_table(tag, column):
    assert tb.known_column(tag) == column


@pytest.mark.parametrize("tag", ["D_G_z2", "loss_G_recon", "Loss/r1_penalty", "accuracy", "Timing/total_sec"])
def test_tags_the_table_does_not_know(tag):
    assert tb.known_column(tag) is None


def test_tf2_tensor_scalars(tmp_path):
    """new_style writes a tensor summary of the scalars plugin (as tf.summary.scalar does), metadata once."""
    folder = write(tmp_path / "tf2", {"d_loss": [(0, 0.5), (1, 0.25)], "fid": [(1, 12.5)]}, new_style=True)
    steps, evals, _ = read_log(folder)
    assert steps.to_dict("list") == {"step": [0, 1], "loss_d": [0.5, 0.25]}
    assert evals.to_dict("list") == {"step": [1], "fid": [12.5]}


def test_unknown_tags_through_the_map(tmp_path):
    folder = write(tmp_path / "mine", {"critic/total": [(0, 3.0), (1, 2.0)], "quality/frechet": [(1, 9.0)]})
    steps, evals, _ = read_log(folder, column_map={"loss_d": "critic/total", "fid": "quality/frechet"})
    assert steps.to_dict("list") == {"step": [0, 1], "loss_d": [3.0, 2.0]}
    assert evals.to_dict("list") == {"step": [1], "fid": [9.0]}
    unmapped, _, _ = read_log(folder)
    assert "critic/total" in unmapped.columns and "loss_d" not in unmapped.columns


def test_the_map_overrides_the_table_and_resolves_a_conflict(tmp_path):
    folder = write(tmp_path / "two", {"loss_D": [(0, 1.0)], "Loss/D": [(0, 2.0)]})
    with pytest.raises(GanevalError, match=r"Loss/D, loss_D would each be read as loss_d.*--map loss_d=TAG"):
        read_log(folder)
    steps, _, _ = read_log(folder, column_map={"loss_d": "Loss/D"})
    assert steps["loss_d"].tolist() == [2.0] and steps["loss_D"].tolist() == [1.0]


def test_a_mapped_tag_the_log_lacks_is_named(tmp_path):
    folder = write(tmp_path / "run", {"loss_D": [(0, 1.0)]})
    with pytest.raises(GanevalError, match=r"--map fid=FID50k: .* no scalar tag of that name; its tags are: loss_D"):
        read_log(folder, column_map={"fid": "FID50k"})
    with pytest.raises(GanevalError, match="a TensorBoard scalar's step is its event's step"):
        read_log(folder, column_map={"step": "loss_D"})


def test_critic_scores_are_no_probabilities(tmp_path):
    folder = write(tmp_path / "wgan", {"D(x)": [(0, -3.0), (1, 5.0)], "loss_D": [(0, 1.0), (1, 1.0)]})
    with pytest.warns(LogWarning, match=r"D\(x\) holds values from -3 to 5, outside \[0, 1\]"):
        steps, _, manifest = read_log(folder)
    assert "d_real" not in steps.columns and steps["D(x)"].tolist() == [-3.0, 5.0]
    assert "d_output" not in manifest
    with pytest.raises(GanevalError, match=r"--map d_real=D\(x\): .* no probabilities; map logits with"):
        read_log(folder, column_map={"d_real": "D(x)"})
    steps, _, manifest = read_log(folder, column_map={"d_real_logit": "D(x)"})
    assert manifest["d_output"] == "logit" and np.allclose(steps["d_real"], 1 / (1 + np.exp([3.0, -5.0])))


def test_add_scalars_folders_are_part_of_the_run(tmp_path):
    writer = SummaryWriter(str(tmp_path / "run"))
    for step in range(3):
        writer.add_scalars("Loss", {"D": 1.0 + step, "G": 2.0 + step}, step)
        writer.add_scalar("D(x)", 0.5, step)
    writer.close()
    steps, _, manifest = read_log(tmp_path / "run")
    assert steps.to_dict("list") == {
        "step": [0, 1, 2],
        "d_real": [0.5] * 3,
        "loss_d": [1.0, 2.0, 3.0],
        "loss_g": [2.0, 3.0, 4.0],
    }
    assert sorted(name.split("/")[0] for name in manifest["source_files"] if "/" in name) == ["Loss_D", "Loss_G"]


def test_a_folder_above_one_run_reads_it_and_several_runs_are_refused(tmp_path):
    write(tmp_path / "runs" / "May06_host" / "version_0", {"loss_D": [(0, 1.0)]})
    assert tb.FORMAT.recognizes(tmp_path / "runs")
    steps, _, manifest = read_log(tmp_path / "runs")
    assert steps["loss_d"].tolist() == [1.0] and manifest["source_files"][0].startswith("May06_host/version_0/")
    write(tmp_path / "runs" / "May07_host", {"loss_D": [(0, 2.0)]})
    with pytest.raises(GanevalError, match=r"2 TensorBoard runs .*: May06_host/version_0, May07_host; point"):
        read_log(tmp_path / "runs")


def test_one_event_file_given_alone(tmp_path):
    folder = write(tmp_path / "run", {"errG": [(5, 1.0), (6, 0.5)]})
    (file,) = folder.iterdir()
    assert tb.FORMAT.recognizes(file)
    steps, evals, manifest = read_log(file)
    assert steps.to_dict("list") == {"step": [5, 6], "loss_g": [1.0, 0.5]} and evals.empty
    assert manifest["source_files"] == [file.name]


def test_what_is_not_tensorboard_is_not_recognized(tmp_path):
    (tmp_path / "steps.csv").write_text("step,loss_d\n0,1\n")
    (tmp_path / "events.txt").write_text("not an event file")
    assert not tb.FORMAT.recognizes(tmp_path)
    assert not tb.FORMAT.recognizes(tmp_path / "events.txt")
    assert not tb.FORMAT.recognizes(tmp_path / "absent")
    hidden = write(tmp_path / ".staging", {"loss_D": [(0, 1.0)]})
    assert hidden.exists() and not tb.FORMAT.recognizes(tmp_path)


def test_a_restarted_run_keeps_the_values_after_its_restart(tmp_path):
    """A second event file whose steps go back: TensorBoard's rule, the earlier values from there on go."""
    write(tmp_path / "run", {"loss_D": [(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)]}, walltime=1.0)
    os.rename(next((tmp_path / "run").iterdir()), tmp_path / "run" / (tb.PREFIX + "1000.host.1.0"))
    writer = SummaryWriter(str(tmp_path / "run"), filename_suffix=".1")
    for step in (2, 3, 4):
        writer.add_scalar("loss_D", 2.0, step)
    writer.close()
    with pytest.warns(LogWarning, match=r"goes back to step 2 \(a restarted run\); its 2 value\(s\) from step 2 on"):
        steps, _, _ = read_log(tmp_path / "run")
    assert steps.to_dict("list") == {"step": [0, 1, 2, 3, 4], "loss_d": [1.0, 1.0, 2.0, 2.0, 2.0]}


def test_a_torn_last_record_is_dropped_with_a_warning(tmp_path):
    folder = write(tmp_path / "run", {"loss_D": [(0, 1.0), (1, 2.0), (2, 3.0)]})
    (file,) = folder.iterdir()
    file.write_bytes(file.read_bytes()[:-7])
    with pytest.warns(LogWarning, match="the last record .* is incomplete"):
        steps, _, _ = read_log(folder)
    assert steps.to_dict("list") == {"step": [0, 1], "loss_d": [1.0, 2.0]}


def test_a_damaged_record_is_refused(tmp_path):
    folder = write(tmp_path / "run", {"loss_D": [(0, 1.0), (1, 2.0), (2, 3.0)]})
    (file,) = folder.iterdir()
    data = bytearray(file.read_bytes())
    data[-10] ^= 0x40  # a bit of the last value
    file.write_bytes(bytes(data))
    with pytest.raises(GanevalError, match=r"record 4 \(byte \d+\): its data fails its checksum; the file is damaged"):
        read_log(folder)
    file.write_bytes(b"\xff" * 40)
    with pytest.raises(GanevalError, match=r"record 1 \(byte 0\): its length fails its checksum"):
        read_log(folder)


def test_non_regular_and_oversize_files_are_refused_before_they_are_opened(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    folder.mkdir()
    os.mkfifo(folder / (tb.PREFIX + "1.host.1.0"))  # a reader would block on it forever
    with pytest.raises(GanevalError, match="is not a regular file"):
        read_log(folder, format="tensorboard")
    (folder / (tb.PREFIX + "1.host.1.0")).unlink()
    os.symlink("/dev/zero", folder / (tb.PREFIX + "2.host.1.0"))
    with pytest.raises(GanevalError, match="is not a regular file"):
        read_log(folder, format="tensorboard")
    (folder / (tb.PREFIX + "2.host.1.0")).unlink()
    write(folder, {"loss_D": [(0, 1.0)]})
    monkeypatch.setattr(tb, "MAX_EVENT_BYTES", 16)
    opened = []
    monkeypatch.setattr("builtins.open", lambda *args, **kwargs: opened.append(args) or pytest.fail("opened"))
    with pytest.raises(GanevalError, match=r"over the 16 bytes an event file may hold"):
        read_log(folder)
    assert not opened


def test_without_the_tensorboard_package_the_error_says_what_to_install(tmp_path, monkeypatch):
    folder = write(tmp_path / "run", {"loss_D": [(0, 1.0)]})
    for name in [name for name in sys.modules if name == "tensorboard" or name.startswith("tensorboard.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(GanevalError, match=r'needs the tensorboard package: pip install "ganeval\[tensorboard\]"'):
        read_log(folder)
    assert tb.FORMAT.recognizes(folder)  # recognised without the package, so the user learns what to install


def test_report_on_a_folder_of_event_files(tmp_path, capsys):
    folder = tmp_path / "runs" / "dcgan"
    writer = SummaryWriter(str(folder))
    rng = np.random.default_rng(0)
    for step in range(0, 400, 2):
        writer.add_scalar("loss_D", 1.2 + 0.05 * rng.standard_normal(), step)
        writer.add_scalar("loss_G", 0.9 + 0.05 * rng.standard_normal(), step)
        writer.add_scalar("D(x)", 0.55 + 0.02 * rng.standard_normal(), step)
        writer.add_scalar("D(G(z))", 0.45 + 0.02 * rng.standard_normal(), step)
        if step % 40 == 0:
            writer.add_scalar("FID", 200.0 / (1 + step / 40), step)
    writer.close()
    out = tmp_path / "report"
    assert main(["report", str(tmp_path / "runs"), "--out", str(out)]) == 0
    assert (out / "report.html").is_file() and (out / "report.md").is_file()
    assert "dcgan" in capsys.readouterr().out or "runs" in (out / "report.md").read_text()


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="no real TensorBoard fixture")
def test_real_event_files_read():
    """The real public event files (tests/fixtures/logs/tensorboard/*/README.md names each source and its truth)."""
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        steps, evals, manifest = read_log(folder)
        assert manifest["log_format"] == "tensorboard" and not steps.empty, folder.name


def test_real_cyclegan_event_file_with_a_map():
    """A real CycleGAN's event file (README beside it): its tags are the script's own, so --map names them;
    its truth is stable training with no evaluations, and the diagnosis raises no alarm."""
    from ganeval.diagnostics.diagnose import diagnose

    folder = FIXTURES / "cyclegan-gender-swap"
    steps, evals, manifest = read_log(folder, column_map={"loss_d": "loss_G_DIS", "loss_g": "loss_G_adv"})
    assert steps["step"].tolist() == list(range(244)) and evals.empty and manifest["step_unit"] == "step"
    assert {"loss_G_GAN", "loss_cycle", "loss_identity"} <= set(steps.columns)
    assert np.isfinite(steps.drop(columns="step").to_numpy()).all()
    assert round(steps["loss_d"].iloc[0], 4) == 0.3276 and round(steps["loss_d"].tail(25).median(), 3) == 0.118
    assert round(steps["loss_g"].iloc[0], 4) == 0.5352
    diagnosis = diagnose(steps, evals, manifest, run=folder.name)
    assert diagnosis.verdict == "healthy" and not diagnosis.findings
