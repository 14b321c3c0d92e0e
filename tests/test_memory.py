"""Bounded memory (issue 11, part 3): cache entries of memory-mapped .npy files, FID from sums alone,
and an interrupted extraction that leaves nothing a later run would read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ganeval.features.extract
from ganeval.atomic import DEAD_OWNER_AFTER_SECONDS
from ganeval.data import get_bundled
from ganeval.features.store import EntryWriter, read_entry
from ganeval.options import MetricOptions
from ganeval.scoring import score


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def write_digits(folder: Path, n: int, seed: int) -> Path:
    """n (at most 1797) bundled digits as 8 x 8 grayscale PNGs (resized by the extractor), with a little noise."""
    folder.mkdir(parents=True, exist_ok=True)
    images, _ = get_bundled("digits").sample(n, seed)
    noise = np.random.default_rng(seed).integers(0, 16, images.shape, dtype=np.uint8)
    for i, image in enumerate(np.clip(images.astype(int) + noise, 0, 255).astype(np.uint8)):
        Image.fromarray(image[0]).save(folder / f"{i:05d}.png")
    return folder


def entries(cache: Path) -> list[Path]:
    return [path for path in cache.iterdir() if not path.name.startswith(".")]


def test_memory_mapped_results_equal_in_memory_results_exactly(tmp_path):
    fake, real = write_digits(tmp_path / "fake", 150, seed=1), write_digits(tmp_path / "real", 150, seed=2)
    options = MetricOptions(bootstrap=5, kid_subset_size=50, is_splits=5)
    common = dict(extractor="digits", options=options, progress=False)
    memory = score(fake, real, cache=False, **common)
    written = score(fake, real, **common)  # extracted into the cache entry, then read back through its memory maps
    hit = score(fake, real, **common)
    assert (written.provenance["reference"]["cache"], hit.provenance["reference"]["cache"]) == ("written", "hit")
    assert set(memory.metrics) >= {"fid", "kid", "inception_score", "precision", "recall", "density", "coverage", "modes_covered"}
    assert written.to_dict()["metrics"] == memory.to_dict()["metrics"] == hit.to_dict()["metrics"]
    [entry] = entries(tmp_path / "cache")
    outputs, meta = read_entry(entry)
    assert isinstance(outputs["features"], np.memmap) and outputs["features"].dtype == np.float32  # float32 network outputs
    assert meta["read"]["count"] == 150 and outputs["gaussian"].count == 150


def test_fid_alone_keeps_only_the_sums_and_agrees_with_the_features(tmp_path, monkeypatch):
    points, _ = get_bundled("ring8").sample(3000, 5)
    common = dict(metrics=["fid"], options=MetricOptions(bootstrap=0), progress=False)
    kept = []
    monkeypatch.setattr(ganeval.features.extract.Sums, "result", lambda self: kept.append(self.kept) or {"gaussian": self.gaussian})
    streamed = score(points, "ring8", cache=False, **common).metrics["fid"].value
    assert kept == [None, None]  # neither side held its features (3000 and 10000 points of dimension 2)
    monkeypatch.undo()
    full = score(points, "ring8", metrics=["fid", "kid"], options=MetricOptions(bootstrap=0), cache=False, progress=False)
    assert streamed == pytest.approx(full.metrics["fid"].value, rel=1e-9)
    assert score(points, "ring8", **common).metrics["fid"].value == streamed  # written: the sums read back from the entry
    hit = score(points, "ring8", **common)
    assert hit.provenance["reference"]["cache"] == "hit" and hit.metrics["fid"].value == streamed


def test_fid_alone_on_fewer_samples_than_dimensions_equals_the_full_computation(tmp_path):
    fake, real = write_digits(tmp_path / "fake", 30, seed=3), write_digits(tmp_path / "real", 40, seed=4)
    alone = score(fake, real, "digits", ["fid"], options=MetricOptions(bootstrap=0), progress=False)
    full = score(fake, real, "digits", ["fid", "kid"], options=MetricOptions(bootstrap=0), progress=False, cache=False)
    assert alone.metrics["fid"].value == full.metrics["fid"].value  # N <= D: both from the features, bit for bit


def test_entry_writer_widens_to_float64_when_values_are_not_float32(tmp_path):
    rng = np.random.default_rng(0)
    narrow = [rng.normal(size=(4, 3)).astype(np.float32).astype(np.float64) for _ in range(2)]
    wide = rng.normal(size=(4, 3))  # not representable in float32
    with EntryWriter(tmp_path / "entry") as writer:
        for batch in [*narrow, wide]:
            writer.add({"features": batch, "modes": np.arange(4)})
        writer.finish({"read": {}})
    outputs, _ = read_entry(tmp_path / "entry")
    assert outputs["features"].dtype == np.float64 and np.array_equal(outputs["features"], np.concatenate([*narrow, wide]))
    assert list(outputs["modes"]) == [0, 1, 2, 3] * 3


def test_a_failed_extraction_leaves_no_entry(tmp_path):
    with pytest.raises(RuntimeError):
        with EntryWriter(tmp_path / "entry") as writer:
            writer.add({"features": np.ones((3, 2))})
            raise RuntimeError("the extractor failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_kill_9_mid_write_then_resume_reuses_no_half_written_rows(tmp_path):
    fake, real = write_digits(tmp_path / "fake", 20, seed=5), write_digits(tmp_path / "real", 1700, seed=6)
    cache = tmp_path / "cache"
    env = {**os.environ, "GANEVAL_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "ganeval.cli", "score", str(fake), "--ref", str(real), "--extractor", "digits",
               "--metrics", "fid,kid", "--bootstrap", "0", "--batch-size", "16", "--workers", "0", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:  # until rows are streaming into a staging folder
        staged = list(cache.glob(".*.tmp/features.npy")) if cache.is_dir() else []
        if staged and staged[0].stat().st_size > 64 * 1024:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the scorer finished before it could be killed mid-write"
    process.send_signal(signal.SIGKILL)
    process.wait()
    [staging] = [path for path in cache.iterdir() if path.name.startswith(".")]
    assert entries(cache) == []  # no entry: a half-written one is never in place
    old = time.time() - DEAD_OWNER_AFTER_SECONDS - 1
    os.utime(staging, (old, old))  # a minute later, its owner dead
    options = MetricOptions(bootstrap=0, kid_subset_size=20)
    resumed = score(fake, real, "digits", ["fid", "kid"], options=options, progress=False)
    assert resumed.provenance["reference"]["cache"] == "written" and resumed.provenance["reference"]["count"] == 1700
    fresh = score(fake, real, "digits", ["fid", "kid"], options=options, progress=False, cache=False)
    assert resumed.to_dict()["metrics"] == fresh.to_dict()["metrics"]
    assert [path.name for path in cache.iterdir()] == [entries(cache)[0].name]  # the killed writer's folder is gone
