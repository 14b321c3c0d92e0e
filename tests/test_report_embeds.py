"""A report embeds only what it means to: the sample files of a run folder that are regular files inside
it, of their format and under the size cap (`ganeval.report.embed`); and text from names is drawn
literally, never as mathtext."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from test_diagnostics import synthetic_log

from ganeval.cli import main
from ganeval.diagnostics.collapse import mode_histogram
from ganeval.render import figures
from ganeval.report import embed
from ganeval.report.embed import MAX_EMBED_BYTES, PNG_MAGIC, EmbedWarning, read_embedded

SECRET = b"TOPSECRET=hunter2"


@pytest.fixture(autouse=True)
def no_hang():
    """A read that blocks (a FIFO, /dev/zero) fails the test instead of hanging the suite."""

    def stop(*_):
        raise TimeoutError("the report blocked on a file it should not have opened")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(300)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def png(path: Path, value: int = 0) -> bytes:
    PILImage.fromarray(np.full((8, 8), value, np.uint8)).save(path)
    return path.read_bytes()


def run_folder(root: Path, name: str = "run", steps: int = 200) -> Path:
    """A synthetic log (no events) with an empty samples/ folder."""
    log, evals, manifest = synthetic_log(n=steps)
    folder = root / name
    (folder / "samples").mkdir(parents=True)
    log.to_csv(folder / "steps.csv", index=False)
    evals.to_csv(folder / "evals.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def secret(root: Path) -> Path:
    """A private file outside every run folder, which even starts like a PNG."""
    path = root / "private" / "secret.png"
    path.parent.mkdir()
    path.write_bytes(PNG_MAGIC + SECRET)
    return path


def embedded(out: Path) -> list[bytes]:
    """Every image of the report: the HTML's data URIs and the files in figures/."""
    html = (out / "report.html").read_text()
    found = [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]*)"', html)]
    return found + [path.read_bytes() for path in (out / "figures").iterdir()]


def read_quietly(path, folder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning where nothing is wrong
        return read_embedded(path, folder, PNG_MAGIC)


def refused(path, folder, why: str) -> None:
    with pytest.warns(EmbedWarning, match=rf"{re.escape(str(path))}: not embedded in the report: {why}"):
        assert read_embedded(path, folder, PNG_MAGIC) is None


def test_a_png_of_the_run_folder_is_read_whole(tmp_path):
    folder = run_folder(tmp_path)
    data = png(folder / "samples" / "step_000010.png", 7)
    assert read_quietly(folder / "samples" / "step_000010.png", folder) == data


def test_a_link_inside_the_run_folder_to_a_png_there_is_read(tmp_path):
    folder = run_folder(tmp_path)
    data = png(folder / "grid.png", 9)
    os.symlink("../grid.png", folder / "samples" / "step_000010.png")
    assert read_quietly(folder / "samples" / "step_000010.png", folder) == data
    linked = tmp_path / "latest"  # the run folder itself reached through a link
    os.symlink(folder, linked)
    assert read_quietly(linked / "samples" / "step_000010.png", linked) == data


@pytest.mark.parametrize("target", ["secret", "/proc/self/environ", "/dev/zero", "/etc/passwd"])
def test_a_link_out_of_the_run_folder_is_not_read(tmp_path, target):
    folder = run_folder(tmp_path)
    target = secret(tmp_path) if target == "secret" else Path(target)
    link = folder / "samples" / "step_000010.png"
    os.symlink(target, link)
    refused(link, folder, f"it is a symbolic link to {re.escape(os.path.realpath(target))}, outside the run folder")


def test_a_fifo_in_the_run_folder_is_not_opened(tmp_path):
    folder = run_folder(tmp_path)
    os.mkfifo(folder / "samples" / "step_000010.png")
    refused(folder / "samples" / "step_000010.png", folder, r"it is not a regular file \(a device, FIFO")


def test_a_file_that_is_not_a_png_is_not_embedded(tmp_path):
    folder = run_folder(tmp_path)
    (folder / "samples" / "step_000010.png").write_bytes(b"GIF89a" + b"\0" * 100)
    refused(folder / "samples" / "step_000010.png", folder, "its first bytes are not those of a PNG image")
    (folder / "samples" / "step_000020.png").write_bytes(b"")
    refused(folder / "samples" / "step_000020.png", folder, "its first bytes are not those of a PNG image")


def test_a_file_over_the_cap_is_not_read(tmp_path):
    folder = run_folder(tmp_path)
    path = folder / "samples" / "step_000010.png"
    with path.open("wb") as stream:  # sparse: no disk space, and never read
        stream.write(PNG_MAGIC)
        stream.truncate(MAX_EMBED_BYTES + 1)
    refused(path, folder, f"it holds {MAX_EMBED_BYTES + 1:,} bytes, over the cap of {MAX_EMBED_BYTES:,} bytes")
    with path.open("r+b") as stream:  # at the cap: read
        stream.truncate(MAX_EMBED_BYTES)
    assert len(read_quietly(path, folder)) == MAX_EMBED_BYTES


def test_a_link_swapped_in_after_the_check_is_not_followed(tmp_path, monkeypatch):
    """The file is opened without following a link: a link that appears after the path was resolved
    (here: resolving is made to miss it) is refused, not read."""
    folder = run_folder(tmp_path)
    link = folder / "samples" / "step_000010.png"
    os.symlink(secret(tmp_path), link)
    monkeypatch.setattr(embed.os.path, "realpath", lambda path: os.path.abspath(path))
    refused(link, folder, "it cannot be read")


def report(runs, out: Path, capsys) -> tuple[int, str]:
    code = main(["report", *map(str, runs), "--out", str(out)])
    return code, capsys.readouterr().err


def test_report_skips_hostile_samples_and_embeds_the_real_one(tmp_path, capsys):
    """An outside link (to a private file) and a FIFO: the report finishes, embeds neither, warns about
    each by name, and still shows the real sample grid."""
    folder = run_folder(tmp_path)
    samples = folder / "samples"
    os.symlink(secret(tmp_path), samples / "step_000000.png")
    os.mkfifo(samples / "step_000100.png")
    real = png(samples / "step_000199.png", 200)
    code, err = report([folder], tmp_path / "out", capsys)
    assert code == 0
    images = embedded(tmp_path / "out")
    assert images.count(real) == 2  # in the HTML and in figures/
    assert not any(SECRET in image for image in images)
    assert sorted(path.name for path in (tmp_path / "out" / "figures").glob("*samples*")) == [
        "run1-run-samples-000199.png"
    ]
    for name in ("step_000000.png", "step_000100.png"):
        assert f"ganeval: warning: {samples / name}: not embedded in the report" in err


def test_report_of_a_normal_run_embeds_every_sample_without_a_warning(tmp_path, capsys):
    folder = run_folder(tmp_path)
    samples = folder / "samples"
    grids = [png(samples / "step_000000.png", 10), png(samples / "step_000100.png", 20)]
    grids.append(png(folder / "last.png", 30))
    os.symlink("../last.png", samples / "step_000199.png")  # a link inside the run folder is fine
    code, err = report([folder], tmp_path / "out", capsys)
    assert code == 0 and "warning" not in err
    figures_dir = tmp_path / "out" / "figures"
    assert [(figures_dir / f"run1-run-samples-{step:06d}.png").read_bytes() for step in (0, 100, 199)] == grids
    assert all(embedded(tmp_path / "out").count(grid) == 2 for grid in grids)


def test_saved_points_are_read_as_data_and_hostile_ones_skipped(tmp_path, capsys):
    """samples/step_*.npy (the scatter of a 2-D run): a link out of the folder (to /dev/zero) and an array
    of the wrong shape are skipped with a warning; the real points are drawn."""
    folder = run_folder(tmp_path)
    samples = folder / "samples"
    os.symlink("/dev/zero", samples / "step_000000.npy")
    np.save(samples / "step_000100.npy", np.zeros((5, 3)))
    np.save(samples / "step_000199.npy", np.random.default_rng(0).normal(size=(50, 2)))
    code, err = report([folder], tmp_path / "out", capsys)
    assert code == 0 and (tmp_path / "out" / "figures" / "run1-run-scatter.png").exists()
    assert f"{samples / 'step_000000.npy'}: not embedded in the report: it is a symbolic link to /dev/zero" in err
    assert f"{samples / 'step_000100.npy'}: not shown in the report: an array of shape (5, 3)" in err


NAMES = ["$\\alpha$_{x}^", "a$^$b", "cost $5 \\$6", "plain-run"]


def drawn(text) -> str:
    """What matplotlib draws for a Text artist, and that it draws it as plain text (not mathtext)."""
    shown, math = text._preprocess_math(text.get_text())
    assert math is False
    return shown


def test_names_are_drawn_literally_in_legends_and_titles():
    steps = figures.stack({name: synthetic_log(n=200, seed=i)[0] for i, name in enumerate(NAMES)})
    figure = figures.loss_figure(steps)
    assert [drawn(text) for text in figure.legends[0].get_texts()] == NAMES
    assert figures.png_bytes(figure)[:8] == PNG_MAGIC
    evals = synthetic_log(n=200)[1]
    histogram = mode_histogram(evals)
    for name in NAMES:
        heatmap = figures.mode_heatmap(histogram, name)
        assert drawn(heatmap.axes[0].title).startswith(f"samples per mode ({name}); uniform")
        assert figures.png_bytes(heatmap)[:8] == PNG_MAGIC
    panels = figures.samples_figure({name: np.zeros((10, 2)) for name in NAMES})
    assert [drawn(ax.title) for ax in panels.axes[: len(NAMES)]] == NAMES
    assert figures.png_bytes(panels)[:8] == PNG_MAGIC


def test_report_of_a_run_named_like_mathtext(tmp_path, capsys):
    code, err = report([run_folder(tmp_path, NAMES[0] + NAMES[1])], tmp_path / "out", capsys)
    assert code == 0, err
    assert len(list((tmp_path / "out" / "figures").glob("*.png"))) >= 8
