"""Bounded reading (issue 23, item 7) and compare's arms (item 8): what a hostile input costs is capped
before it is read, and legitimate inputs of the same kinds pass.

- .npy/.npz arrays over MAX_ARRAY_BYTES by their headers are refused before anything is inflated;
- image files too large to be images are counted and refused before their bytes are hashed;
- covariances that are not positive semi-definite are refused with their smallest eigenvalue;
- empty paths are refused; dangling links stop the run, or are skipped and counted with --skip-bad;
- a full disk during `train` is exit 2 naming the file, and leaves a run that --resume (or a rerun) accepts;
- compare's runs of one variant trained with other settings are arms, named by folder or --label.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from ganeval.cache.statsfile import load_gaussian
from ganeval.cli import main
from ganeval.data import arrays, images
from ganeval.data.arrays import load_array_file
from ganeval.errors import GanevalError
from ganeval.metrics import gaussian_stats
from ganeval.metrics.fid import fid_infinity, frechet_distance
from ganeval.sources import resolve_source

TINY = ["--set", "batch_size=16", "--set", "eval_every=2", "--set", "eval_n=50", "--set", "checkpoint_every=2"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def cli(argv, capsys) -> tuple[int, str]:
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err


# --- arrays: sizes from the headers, before anything is inflated -------------------------------------------


def test_an_npz_that_inflates_past_the_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(arrays, "MAX_ARRAY_BYTES", 2**20)  # 1 MiB, so that the bomb stays small
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, images=np.zeros((64, 64, 64, 3), dtype=np.uint8))  # 786 KiB
    assert load_array_file(path).shape == (64, 64, 64, 3)  # under the cap: read
    np.savez_compressed(path, images=np.zeros((128, 64, 64, 3), dtype=np.uint8))  # 1.5 MiB, a few KB on disk
    assert path.stat().st_size < 20_000
    loads = []
    monkeypatch.setattr(np, "load", lambda *a, **k: loads.append(a))
    with pytest.raises(GanevalError, match=r"bomb.npz \(array 'images'\) holds 0.0 GiB once read, more than the 0 GiB"):
        load_array_file(path)
    assert loads == []  # refused from the header: numpy never opened it


def test_a_header_declaring_a_huge_array_is_refused_whatever_the_zip_records(tmp_path):
    header = np.lib.format
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w") as archive, archive.open("points.npy", "w") as member:
        header.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 2)})
        member.write(b"\0" * 64)
    with pytest.raises(GanevalError, match=r"liar.npz \(array 'points'\) holds 14901.2 GiB once read"):
        load_array_file(path)
    npy = tmp_path / "liar.npy"  # a bare .npy file too
    with open(npy, "wb") as stream:
        header.write_array_header_1_0(stream, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 2)})
    with pytest.raises(GanevalError, match=r"liar.npy holds 14901.2 GiB once read"):
        load_array_file(npy)


def test_normal_arrays_and_statistics_files_load_as_before(tmp_path):
    points = np.random.default_rng(0).normal(size=(500, 2))
    for name, save in (("a.npz", np.savez), ("b.npz", np.savez_compressed)):
        save(tmp_path / name, points=points)
        assert np.array_equal(load_array_file(tmp_path / name), points)
    np.save(tmp_path / "c.npy", points)
    assert np.array_equal(load_array_file(tmp_path / "c.npy"), points)
    mu, sigma = gaussian_stats(np.random.default_rng(1).normal(size=(300, 16)))
    np.savez(tmp_path / "stats.npz", mu=mu, sigma=sigma)
    loaded = load_gaussian(tmp_path / "stats.npz")
    assert np.array_equal(loaded["sigma"], sigma)


# --- covariances -------------------------------------------------------------------------------------------


INDEFINITE = np.array([[1.0, 2.0], [2.0, 1.0]])  # symmetric, non-negative variances, eigenvalues 3 and -1


def test_a_covariance_that_is_not_positive_semi_definite_is_refused_with_its_smallest_eigenvalue(tmp_path):
    with pytest.raises(GanevalError, match=r"sigma2 is not positive semi-definite: its smallest eigenvalue is -1 "):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), INDEFINITE)
    with pytest.raises(GanevalError, match=r"sigma1 is not positive semi-definite: its smallest eigenvalue is -1 "):
        frechet_distance(np.zeros(2), INDEFINITE, np.zeros(2), np.eye(2))
    with pytest.raises(GanevalError, match="reference's sigma is not positive semi-definite"):
        fid_infinity((np.zeros(2), INDEFINITE), np.random.default_rng(0).normal(size=(40, 2)))
    np.savez(tmp_path / "forged.npz", mu=np.zeros(2), sigma=INDEFINITE)
    with pytest.raises(GanevalError, match=r"forged.npz holds mu and sigma .* smallest eigenvalue is -1 "):
        load_gaussian(tmp_path / "forged.npz")


@pytest.mark.filterwarnings("ignore::ganeval.metrics.fid.SingularCovarianceWarning")
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")  # the float32 file's magnitude check
def test_legitimate_covariances_pass_singular_and_float32_ones_included(tmp_path):
    rng = np.random.default_rng(0)
    few = rng.normal(size=(30, 64)) + 3  # fewer samples than dimensions: singular, eigenvalues of 0 +- round-off
    for features in (rng.normal(size=(500, 64)), few):
        mu, sigma = gaussian_stats(features)
        assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-6)
        np.savez(tmp_path / "stats.npz", mu=mu.astype(np.float32), sigma=sigma.astype(np.float32))
        assert load_gaussian(tmp_path / "stats.npz")["sigma"].shape == (64, 64)
    assert frechet_distance(np.zeros(3), np.zeros((3, 3)), np.ones(3), np.eye(3)) == pytest.approx(6.0)


# --- empty paths -------------------------------------------------------------------------------------------


def test_an_empty_path_is_refused_not_read_as_the_current_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (8, 8)).save(tmp_path / "x.png")  # the current folder would score
    with pytest.raises(GanevalError, match="the generated is an empty path"):
        resolve_source("", "generated")
    for argv in (
        ["score", "", "--ref", "ring8"],
        ["score", "ring8", "--ref", " "],
        ["report", "", "--out", "r"],
        ["compare", "a", "", "--out", "r"],
        ["check", "", "--baseline", "b.json"],
    ):
        code, err = cli(argv, capsys)
        assert code == 2 and "is an empty path; pass a file or folder (use . for the current folder)" in err, argv
    assert not (tmp_path / "r").exists()


# --- image folders: sizes before hashing, dangling links -----------------------------------------------------


def _folder(tmp_path: Path, n: int = 12) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(folder / f"{i:02d}.png")
    return folder


def test_files_too_large_to_be_images_are_counted_and_refused_before_hashing(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    for name in ("huge.png", "huge2.png"):
        with open(folder / name, "wb") as stream:  # sparse: 2 GiB on paper, nothing on disk
            stream.truncate(2 * 2**30)
    monkeypatch.setattr("ganeval.cache.keys._file_digest", lambda path: pytest.fail(f"hashed {path}"))
    with pytest.raises(
        GanevalError,
        match=r"images: 2 file\(s\) are too large to be images, the first .*huge.png "
        r"\(2.0 GiB\)",
    ):
        resolve_source(str(folder), "reference")


def test_a_large_file_whose_header_is_no_image_or_too_small_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "HEADER_CHECK_BYTES", 10_000)
    folder = _folder(tmp_path)
    assert len(images.find_images(folder)) == 12  # small PNGs: no header read at all
    big = np.random.default_rng(1).integers(0, 256, (100, 100, 3), dtype=np.uint8)
    Image.fromarray(big).save(folder / "big.png")  # a real image over the threshold: its size fits its pixels
    assert len(images.find_images(folder)) == 13
    (folder / "fake.png").write_bytes(b"\0" * 20_000)
    with pytest.raises(
        GanevalError,
        match=r"1 file\(s\) are too large to be images, the first .*fake.png \(0 MiB, "
        r"and no image header\)",
    ):
        images.find_images(folder)
    (folder / "fake.png").unlink()
    with open(folder / "padded.png", "wb") as stream:  # a 1 x 1 image followed by megabytes
        Image.new("L", (1, 1)).save(stream, format="png")
        stream.write(b"\0" * (2 * 2**20))
    with pytest.raises(GanevalError, match=r"padded.png \(2 MiB for 1 x 1 pixels\)"):
        images.find_images(folder)


def test_a_dangling_link_stops_the_run_naming_it_or_is_skipped_and_counted(tmp_path, capsys):
    folder = _folder(tmp_path)
    os.symlink(tmp_path / "gone.png", folder / "05b.png")
    os.symlink(folder / "00.png", folder / "00b.png")  # a link to a real image inside the folder: an image
    code, err = cli(["score", folder, "--ref", "digits", "--quiet", "--no-cache"], capsys)
    assert code == 2 and "05b.png is a symbolic link to" in err and "which does not exist" in err
    code, err = cli(
        ["score", folder, "--ref", "digits", "--quiet", "--no-cache", "--skip-bad", "--json", tmp_path / "s.json"],
        capsys,
    )
    assert code == 0, err
    result = json.loads((tmp_path / "s.json").read_text())
    generated = result["provenance"]["generated"]
    assert generated["count"] == 13 and generated["skipped"] == 1, generated  # 12 images and the good link


# --- a full disk during train ---------------------------------------------------------------------------------


def _failing_save(monkeypatch, on_call: int) -> None:
    import torch

    real, calls = torch.save, []

    def save(obj, stream, *args, **kwargs):
        calls.append(1)
        if len(calls) == on_call:  # as torch reports ENOSPC from its zip writer
            raise RuntimeError(
                "[enforce fail at inline_container.cc:778] . PytorchStreamWriter failed writing file "
                "data/3: file write failed"
            )
        return real(obj, stream, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save)


@pytest.mark.parametrize("on_call,then", [(2, "continue it with --resume"), (1, "run the same command again")])
def test_a_full_disk_is_exit_2_naming_the_file_and_leaves_a_run_that_goes_on(
    tmp_path, capsys, monkeypatch, on_call, then
):
    out = tmp_path / "run"
    argv = ["train", "gan", "--data", "ring8", "--steps", "4", "--out", out, *TINY]
    with monkeypatch.context() as patched:
        _failing_save(patched, on_call)
        code, err = cli(argv, capsys)
    assert code == 2, err
    assert f"cannot write {out / 'checkpoint.pt'}" in err and "is the disk full?" in err and then in err
    code, err = cli(argv + (["--resume"] if on_call == 2 else []), capsys)
    assert code == 0, err
    assert pd.read_csv(out / "steps.csv").step.tolist() == [0, 1, 2, 3]


# --- compare: runs of one variant with other settings are arms ---------------------------------------------------


def _logged_run(folder: Path, seed: int, lr: float, fid: float) -> Path:
    folder.mkdir(parents=True)
    pd.DataFrame({"step": range(4), "loss_d": 1.0, "loss_g": 1.0}).to_csv(folder / "steps.csv", index=False)
    pd.DataFrame({"step": [2, 4], "fid": [fid + 1, fid]}).to_csv(folder / "evals.csv", index=False)
    manifest = {"variant": "gan", "data": "ring8", "config": {"seed": seed, "lr_d": lr}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_compare_keeps_runs_of_one_variant_with_other_settings_apart(tmp_path):
    from ganeval.compare import compare_runs

    base = [_logged_run(tmp_path / f"base{s}", s, 1e-4, 10.0 + s) for s in range(2)]
    fast = [_logged_run(tmp_path / f"fast{s}", s, 1e-3, 20.0 + s) for s in range(2)]
    seeds = compare_runs(base)  # one variant, one setting: its seeds
    assert seeds.summary.variant.unique().tolist() == ["gan"]
    assert seeds.summary.set_index("metric").loc["fid", "seeds"] == 2
    arms = compare_runs(base + fast)
    assert sorted(arms.summary.variant.unique()) == ["base0", "base1", "fast0", "fast1"]
    labelled = compare_runs(base + fast, labels=["base", "base", "lr 1e-3", "lr 1e-3"])
    fid = labelled.summary.set_index(["metric", "variant"]).loc["fid"]
    assert fid["seeds"].to_dict() == {"base": 2, "lr 1e-3": 2}
    assert fid["mean"].to_dict() == {"base": 10.5, "lr 1e-3": 20.5}
    with pytest.raises(GanevalError, match="3 --label for 4 runs"):
        compare_runs(base + fast, labels=["a", "b", "c"])


def test_compare_takes_label_on_the_command_line(tmp_path, capsys):
    runs = [_logged_run(tmp_path / f"r{s}", s, 1e-4 * (s + 1), 10.0 + s) for s in range(2)]
    code, err = cli(["compare", *runs, "--label", "slow", "--label", "fast", "--json", tmp_path / "c.json"], capsys)
    assert code == 0, err
    assert [run["variant"] for run in json.loads((tmp_path / "c.json").read_text())["runs"]] == ["slow", "fast"]
    code, err = cli(["compare", *runs, "--label", "one"], capsys)
    assert code == 2 and "--label" in err
