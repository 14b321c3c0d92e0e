"""The reference cache and folder scanning (issue 12, items 7, 8, 12 and 13, and its load tests):
content keys, unusable cache folders, staging leftovers, run folders, concurrent and killed scorers."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganeval.cache.entries
import ganeval.sources.extraction
from ganeval.atomic import DEAD_OWNER_AFTER_SECONDS, STALE_AFTER_SECONDS, atomic_folder
from ganeval.cache.entries import array_digest, read_entry
from ganeval.cache.keys import CacheWarning, content_digest
from ganeval.cache.statsfile import FORMAT, save_outputs
from ganeval.cli import main
from ganeval.data.images import find_images
from ganeval.errors import GanevalError
from ganeval.features import get_extractor
from ganeval.gate import reference_identity
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def write_bmps(folder: Path, n: int, seed: int) -> Path:
    """n 16 x 16 grayscale BMPs: uncompressed, so rewritten content keeps the file size."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(folder / f"{i:03d}.bmp")
    return folder


def fid(generated, reference, metrics=("fid",), **settings) -> tuple[float, str | None]:
    extraction = Extraction(progress=False, **settings)
    result = score(generated, reference, "digits", metrics, options=MetricOptions(bootstrap=0), extraction=extraction)
    return result.metrics["fid"].value, result.provenance["reference"].get("cache")


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    return write_bmps(tmp_path / "fake", 12, seed=1), write_bmps(tmp_path / "real", 12, seed=2)


# ---------------------------------------------------------------- item 7: content keys


def test_changed_content_with_restored_mtime_misses_the_cache(folders):
    fake, real = folders
    assert fid(fake, real)[1] == "written"
    assert fid(fake, real)[1] == "hit"
    victim = real / "000.bmp"
    stat = victim.stat()
    Image.fromarray(np.full((16, 16), 255, np.uint8)).save(victim)  # same size, other pixels
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert victim.stat().st_size == stat.st_size and victim.stat().st_mtime_ns == stat.st_mtime_ns
    value, cache = fid(fake, real)
    assert cache == "written" and value == pytest.approx(fid(fake, real, cache=False)[0], rel=1e-9)


def test_touching_files_keeps_the_cache(folders):
    fake, real = folders
    fid(fake, real)
    for path in real.iterdir():
        os.utime(path, (1e9, 1e9))
    assert fid(fake, real)[1] == "hit"


def test_entries_under_the_old_size_and_mtime_key_are_not_hit(folders, tmp_path):
    fake, real = folders
    extractor = get_extractor("digits")
    files = find_images(real)
    rows = [
        [str(p.relative_to(real)), p.stat().st_size, p.stat().st_mtime_ns] for p in files
    ]  # the key of ganeval <= 0.x
    source = {"folder": str(real.resolve()), "files": rows}
    text = json.dumps(
        {"format": FORMAT, "source": source, "extractor": extractor.provenance()}, sort_keys=True, default=str
    )
    stale = tmp_path / "cache" / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.npz"
    planted = extractor.extract(
        torch.zeros((12, 1, 16, 16), dtype=torch.uint8)
    )  # blank images: features far from these
    save_outputs(stale, planted, {"source": source, **extractor.provenance(), "read": {"count": 12}})
    value, cache = fid(fake, real)
    assert cache == "written" and value == pytest.approx(fid(fake, real, cache=False)[0], rel=1e-9)


def test_baseline_identity_uses_the_cache_digest(folders):
    _, real = folders
    identity = reference_identity(str(real))
    assert identity == {"kind": "folder", "files": 12, "content_blake2b": content_digest(find_images(real), real)}
    digest = hashlib.blake2b()
    for path in sorted(real.iterdir()):  # the documented recipe, computed independently
        digest.update(path.name.encode() + b"\0" + hashlib.blake2b(path.read_bytes()).digest())
    assert identity["content_blake2b"] == digest.hexdigest()
    (real / "000.bmp").write_bytes((real / "001.bmp").read_bytes())
    assert reference_identity(str(real))["content_blake2b"] != identity["content_blake2b"]


# ---------------------------------------------------------------- item 8: unusable cache folders


def test_cache_folder_that_is_a_file_falls_back_with_one_warning(folders, tmp_path, monkeypatch):
    fake, real = folders
    expected = fid(fake, real, cache=False)[0]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(blocker))
    with pytest.warns(
        CacheWarning, match="not-a-folder is not usable \\(it is a file\\); scoring without caching"
    ) as caught:
        value, cache = fid(fake, real)
    assert (value, cache) == (pytest.approx(expected, rel=1e-9), "off")
    assert len([w for w in caught if w.category is CacheWarning]) == 1


def test_failed_cache_write_keeps_the_result(folders, monkeypatch):
    fake, real = folders
    expected = fid(fake, real, cache=False)[0]

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ganeval.cache.entries._Column, "append", disk_full)  # the disk fills while features stream in
    with pytest.warns(CacheWarning, match="No space left on device"):
        assert fid(fake, real) == (pytest.approx(expected, rel=1e-9), "off")


def test_cli_with_unusable_cache_exits_0_and_warns(folders, tmp_path, monkeypatch, capsys):
    fake, real = folders
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "file"))
    assert (
        main(
            [
                "score",
                str(fake),
                "--ref",
                str(real),
                "--extractor",
                "digits",
                "--metrics",
                "fid",
                "--bootstrap",
                "0",
                "--quiet",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "fid" in captured.out.lower() and captured.err.count("ganeval: warning: the reference cache") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_cache_folder_falls_back(folders, tmp_path, monkeypatch):
    fake, real = folders
    cache = tmp_path / "read-only"
    cache.mkdir()
    cache.chmod(0o555)
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(cache))
    try:
        with pytest.warns(CacheWarning):
            assert fid(fake, real)[1] == "off"
    finally:
        cache.chmod(0o755)


# ---------------------------------------------------------------- item 12: hidden and stale staging folders


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_scans_skip_hidden_files_and_staging_folders(tmp_path):
    folder = write_bmps(tmp_path / "samples", 2, seed=0)
    write_bmps(folder / f".out.{dead_pid()}.abcdefgh.tmp", 3, seed=1)  # what kill -9 during `sample` leaves
    write_bmps(folder / ".thumbnails", 1, seed=2)
    (folder / "._000.bmp").write_bytes(b"AppleDouble")
    write_bmps(folder / "nested", 1, seed=3)
    assert [p.relative_to(folder).as_posix() for p in find_images(folder)] == ["000.bmp", "001.bmp", "nested/000.bmp"]


def test_new_staging_folder_removes_stale_ones_only(tmp_path):
    dead = tmp_path / f".out.{dead_pid()}.abcdefgh.tmp"
    old = tmp_path / f".out.{os.getpid()}.ijklmnop.tmp"
    live = tmp_path / f".out.{os.getpid()}.qrstuvwx.tmp"
    dead_file = tmp_path / f".out.{dead_pid()}.yz012345.tmp"
    user = tmp_path / ".out.backup"
    for folder in (dead, old, live, user):
        write_bmps(folder, 1, seed=0)
    dead_file.write_bytes(b"half")
    fresh_dead = tmp_path / f".out.{dead_pid()}.freshdea.tmp"  # its owner may live in another container
    fresh_dead.mkdir()
    hours_ago, minutes_ago = time.time() - STALE_AFTER_SECONDS - 60, time.time() - DEAD_OWNER_AFTER_SECONDS - 60
    os.utime(old, (hours_ago, hours_ago))
    for path in (dead, dead_file):
        os.utime(path, (minutes_ago, minutes_ago))
    with atomic_folder(tmp_path / "out") as staging:
        (staging / "a.txt").write_text("a")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, user.name, fresh_dead.name, "out"])


# ---------------------------------------------------------------- item 13: run folders


def test_scoring_a_run_folder_says_sample_it_first(tmp_path, capsys):
    run = tmp_path / "run"
    write_bmps(run / "samples", 2, seed=0)  # stands for samples/step_*.png grids
    (run / "manifest.json").write_text("{}")
    assert main(["score", str(run), "--ref", "digits", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert (
        f"{run} is a training run folder (it holds manifest.json)" in error and f"ganeval sample {run} -o DIR" in error
    )
    with pytest.raises(GanevalError, match="checkpoint.pt"):
        score(ROOT / "ci" / "dcgan-digits", "digits", extraction=Extraction(progress=False))


# ---------------------------------------------------------------- load: concurrent and killed scorers


# Imports ganeval once, then forks the scorers before torch has run (so no thread pool is forked):
# four processes racing on one empty cache, without paying four interpreter start-ups.
FORK_SCORERS = """
import os, sys
import torch
import ganeval.scoring
from ganeval.cli import main
torch.set_num_threads(1)  # four scorers on a few cores
children = []
for out in sys.argv[3:]:
    pid = os.fork()
    if pid == 0:
        os._exit(main(["score", sys.argv[1], "--ref", sys.argv[2], "--extractor", "digits", "--metrics", "fid",
                       "--bootstrap", "0", "--quiet", "--json", out]))
    children.append(pid)
sys.exit(max(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children))
"""


def test_four_concurrent_scorers_agree_and_leave_one_valid_entry(folders, tmp_path):
    fake, real = folders
    env = {**os.environ, "GANEVAL_CACHE_DIR": str(tmp_path / "cache")}
    outputs = [tmp_path / f"result-{i}.json" for i in range(4)]
    run = subprocess.run(
        [sys.executable, "-c", FORK_SCORERS, str(fake), str(real), *map(str, outputs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(out.read_text()) for out in outputs]
    assert len({r["metrics"]["fid"]["value"] for r in results}) == 1
    assert {r["provenance"]["reference"]["cache"] for r in results} <= {"written", "hit"}
    entries = list((tmp_path / "cache").iterdir())
    assert (
        len(entries) == 1 and entries[0].is_dir() and not entries[0].name.startswith(".")
    )  # one entry, no staging left
    cached, meta = read_entry(entries[0])
    assert len(cached["features"]) == 12 and meta["source"]["content_blake2b"]
    assert fid(fake, real) == (pytest.approx(results[0]["metrics"]["fid"]["value"], rel=1e-12), "hit")


def test_torn_cache_entries_and_temporary_files_are_never_read(folders, tmp_path):
    fake, real = folders
    expected, _ = fid(fake, real)
    [entry] = (tmp_path / "cache").iterdir()
    features = entry / "features.npy"
    torn = features.read_bytes()[: features.stat().st_size // 2]
    (entry / "torn.npy").write_bytes(torn)  # as if a writer without atomic rename had been killed (a new file: one
    (entry / "torn.npy").replace(features)  # truncated in place would fault a live memory map of it)
    leftover = (
        tmp_path / "cache" / f".{entry.name}.{dead_pid()}.abcdefgh.tmp"
    )  # a killed atomic writer's staging folder
    leftover.mkdir()
    (leftover / "features.npy").write_bytes(torn)
    os.utime(leftover, (time.time() - DEAD_OWNER_AFTER_SECONDS - 1,) * 2)
    assert fid(fake, real, metrics=["fid", "kid"]) == (
        pytest.approx(expected, rel=1e-9),
        "written",
    )  # reads the features
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [entry.name]  # the dead writer's folder is gone
    assert len(read_entry(entry)[0]["features"]) == 12


@pytest.mark.slow
def test_kill_9_during_score_and_sample_leaves_nothing_half_written(folders, tmp_path):
    fake, real = folders
    env = {**os.environ, "GANEVAL_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "ganeval.cli"]
    for delay in (1.0, 2.5, 4.0):  # wherever the kill lands, what is left must read back right
        process = subprocess.Popen(
            [*command, "score", str(fake), "--ref", str(real), "--metrics", "fid", "--quiet"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for path in (tmp_path / "cache").glob("[!.]*"):  # entries; staging folders are hidden
            assert len(read_entry(path)[0]["features"]) == 12
    assert fid(fake, real)[0] == pytest.approx(fid(fake, real, cache=False)[0], rel=1e-9)

    parent = tmp_path / "drawn"
    process = subprocess.Popen(
        [*command, "sample", str(ROOT / "ci" / "dcgan-digits"), "--n", "20000", "-o", str(parent / "out")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not any(parent.glob(".out.*/*.png")) and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert any(parent.glob(".out.*.tmp")) and not (parent / "out").exists()
    with pytest.raises(GanevalError, match="holds no images"):
        find_images(parent)  # the partial PNGs are hidden from scans
    for staging in parent.glob(".out.*.tmp"):  # a minute later
        os.utime(staging, (time.time() - DEAD_OWNER_AFTER_SECONDS - 1,) * 2)
    assert main(["sample", str(ROOT / "ci" / "dcgan-digits"), "--n", "10", "-o", str(parent / "out")]) == 0
    assert sorted(p.name for p in parent.iterdir()) == ["out"] and len(find_images(parent)) == 10


# ---------------------------------------------------------------- issue 23, item 6: verified entries, no links followed


def scores(generated, reference, metrics=("fid", "kid"), **settings) -> tuple[dict[str, float], str | None]:
    extraction = Extraction(progress=False, **settings)
    result = score(
        generated, reference, "digits", list(metrics), options=MetricOptions(bootstrap=0), extraction=extraction
    )
    return {name: result.metrics[name].value for name in metrics}, result.provenance["reference"].get("cache")


def only_entry(cache: Path) -> Path:
    [entry] = [path for path in cache.iterdir() if not path.name.startswith(".")]
    return entry


def test_a_cache_hit_reads_the_entry_without_extracting_or_warning(folders, monkeypatch):
    fake, real = folders
    expected, cache = scores(fake, real)
    assert cache == "written"
    extractions = []
    extract_to = ganeval.sources.extraction._extract_to
    monkeypatch.setattr(
        ganeval.sources.extraction,
        "_extract_to",
        lambda source, *args: extractions.append(source.kind) or extract_to(source, *args),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        assert scores(fake, real) == (expected, "hit")  # features read and checked (KID)
        assert scores(fake, real, metrics=["fid"]) == ({"fid": expected["fid"]}, "hit")  # the sums alone
    assert extractions == ["folder", "folder"]  # the generated side each time; the reference never


def test_an_edited_gaussian_npz_is_recomputed_with_a_warning(folders, tmp_path):
    fake, real = folders
    expected = fid(fake, real, cache=False)[0]
    assert fid(fake, real)[1] == "written"
    entry = only_entry(tmp_path / "cache")
    with np.load(entry / "gaussian.npz") as sums:
        edited = {name: sums[name] for name in sums.files}
    edited["total"] = edited["total"] * 3  # the shift that took FID from 35 to 715
    np.savez(entry / "gaussian.npz", **edited)
    with pytest.warns(CacheWarning, match=f"cache entry {entry} is not used \\(gaussian.npz's 'total' does not match"):
        assert fid(fake, real) == (pytest.approx(expected, rel=1e-9), "written")
    assert fid(fake, real) == (pytest.approx(expected, rel=1e-9), "hit")  # the fresh entry is whole


def test_an_edited_feature_file_is_recomputed_with_a_warning(folders, tmp_path):
    fake, real = folders
    expected = scores(fake, real, cache=False)[0]
    scores(fake, real)
    features = np.load(only_entry(tmp_path / "cache") / "features.npy", mmap_mode="r+")
    features[0] += 1.0  # one sample moved, in place, the header and the sums untouched
    features.flush()
    del features
    with pytest.warns(CacheWarning, match="features.npy does not match the digest recorded when it was written"):
        values, cache = scores(fake, real)
    assert cache == "written" and values == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("bare array", "gaussian.npz is a single array"),
        ("compressed", "gaussian.npz holds compressed arrays"),
        ("digest", "'outer' does not match"),
    ],
)
def test_a_gaussian_npz_of_another_shape_is_recomputed(folders, tmp_path, damage, reason):
    fake, real = folders
    expected = fid(fake, real)[0]
    entry = only_entry(tmp_path / "cache")
    with np.load(entry / "gaussian.npz") as sums:
        arrays = {name: sums[name] for name in sums.files}
    if damage == "bare array":
        with open(entry / "gaussian.npz", "wb") as stream:
            np.save(stream, arrays["outer"])
    elif damage == "compressed":  # as a zip bomb would be: its size on disk no longer bounds what is read
        np.savez_compressed(entry / "gaussian.npz", **arrays)
    else:
        meta = json.loads((entry / "meta.json").read_text())
        meta["digests"]["outer"] = "0" * 64
        (entry / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(CacheWarning, match=reason):
        assert fid(fake, real) == (pytest.approx(expected, rel=1e-9), "written")


def test_entries_without_digests_are_recomputed_once(folders, tmp_path):
    fake, real = folders
    expected = fid(fake, real)[0]
    meta_path = only_entry(tmp_path / "cache") / "meta.json"
    meta = json.loads(meta_path.read_text())
    del meta["digests"]
    meta_path.write_text(json.dumps({**meta, "format": "ganeval-entry-1"}))  # as ganeval wrote them before
    with pytest.warns(CacheWarning, match="its format is 'ganeval-entry-1'.*records no digests"):
        assert fid(fake, real) == (pytest.approx(expected, rel=1e-9), "written")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        assert fid(fake, real) == (pytest.approx(expected, rel=1e-9), "hit")


def test_a_link_planted_as_an_entry_is_never_followed(folders, tmp_path):
    fake, real = folders
    expected = scores(fake, real)[0]
    cache = tmp_path / "cache"
    entry = only_entry(cache)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(entry, elsewhere / "valid")  # a whole, valid entry, outside the cache
    for planted in (elsewhere / "absent" / "entry", elsewhere / "valid"):  # dangling, then to a valid entry
        before = sorted(p.relative_to(elsewhere) for p in elsewhere.rglob("*"))
        entry.symlink_to(planted, target_is_directory=True)
        with pytest.warns(CacheWarning, match=f"cache entry {entry} is not used \\(it is a symbolic link"):
            values, state = scores(fake, real)
        assert state == "written" and values == pytest.approx(expected, rel=1e-9)
        assert not entry.is_symlink() and read_entry(entry) is not None  # a fresh entry, in the cache itself
        assert sorted(p.relative_to(elsewhere) for p in elsewhere.rglob("*")) == before  # nothing created there
        shutil.rmtree(entry)


@pytest.mark.parametrize("plant", ["dangling link", "link to a valid copy", "fifo"])
@pytest.mark.parametrize("name", ["features.npy", "gaussian.npz"])
def test_links_and_fifos_inside_an_entry_are_never_followed(folders, tmp_path, plant, name):
    fake, real = folders
    expected = scores(fake, real)[0]
    entry = only_entry(tmp_path / "cache")
    copy = tmp_path / "copy" / name
    copy.parent.mkdir()
    shutil.move(entry / name, copy)  # the very bytes the digest was made of
    if plant == "fifo":
        os.mkfifo(entry / name)
    else:
        (entry / name).symlink_to(copy if plant == "link to a valid copy" else tmp_path / "absent")
    reason = "not a regular file" if plant == "fifo" else "a symbolic link"
    with pytest.warns(CacheWarning, match=f"{name} is {reason}"):
        values, state = scores(fake, real)
    assert state == "written" and values == pytest.approx(expected, rel=1e-9)
    assert not (tmp_path / "absent").exists() and read_entry(entry) is not None


def test_a_cache_root_that_is_the_users_own_link_is_followed(folders, tmp_path, monkeypatch):
    fake, real = folders
    (tmp_path / "real-cache").mkdir()
    (tmp_path / "cache-link").symlink_to(tmp_path / "real-cache", target_is_directory=True)
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache-link"))
    first = fid(fake, real)
    assert first[1] == "written" and fid(fake, real) == first[:1] + ("hit",)
    assert read_entry(only_entry(tmp_path / "real-cache")) is not None


def test_array_digest_covers_dtype_shape_and_values_in_any_layout(monkeypatch):
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    digest = array_digest(values)
    assert array_digest(np.asfortranarray(values)) == digest  # the values, not their memory layout
    assert array_digest(values.reshape(4, 3)) != digest and array_digest(values.view(np.int32)) != digest
    monkeypatch.setattr(ganeval.cache.entries, "DIGEST_BYTES", 8)  # hashed a row at a time: the same digest
    assert array_digest(values) == digest and array_digest(np.float64(2.5)) != array_digest(np.float64(2.0))


def test_atomic_folder_without_following_links_refuses_one(tmp_path):
    target = tmp_path / "elsewhere"
    (tmp_path / "entry").symlink_to(target, target_is_directory=True)
    with pytest.raises(OSError, match="a symbolic link is in the way"):
        with atomic_folder(tmp_path / "entry", follow_links=False) as staging:
            (staging / "a.txt").write_text("a")
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["entry"]  # no staging left
    target.mkdir()
    with atomic_folder(tmp_path / "entry") as staging:  # links are followed where a user made them (-o)
        (staging / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a"
