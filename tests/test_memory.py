"""Bounded memory (issue 11, part 3): cache entries of memory-mapped .npy files, FID from sums alone,
and an interrupted extraction that leaves nothing a later run would read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ganeval.features.extract
import ganeval.metrics._checks
import ganeval.metrics.fid
import ganeval.metrics.kid
import ganeval.metrics.progress
from ganeval.atomic import DEAD_OWNER_AFTER_SECONDS
from ganeval.cache.entries import EntryWriter, read_entry
from ganeval.data import get_bundled
from ganeval.metrics import GaussianStats, fid_from_features, gaussian_stats, kernel_inception_distance
from ganeval.metrics.kid import KernelSubsets
from ganeval.metrics.prdc import knn_radii, prdc_per_sample
from ganeval.metrics.reference import prepare_reference
from ganeval.options import Extraction, MetricOptions
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
    common = dict(extractor="digits", options=options, extraction=Extraction(progress=False))
    memory = score(fake, real, **{**common, "extraction": Extraction(progress=False, cache=False)})
    written = score(fake, real, **common)  # extracted into the cache entry, then read back through its memory maps
    hit = score(fake, real, **common)
    assert (written.provenance["reference"]["cache"], hit.provenance["reference"]["cache"]) == ("written", "hit")
    assert set(memory.metrics) >= {
        "fid",
        "kid",
        "inception_score",
        "precision",
        "recall",
        "density",
        "coverage",
        "modes_covered",
    }
    assert written.to_dict()["metrics"] == memory.to_dict()["metrics"] == hit.to_dict()["metrics"]
    [entry] = entries(tmp_path / "cache")
    outputs, meta = read_entry(entry)
    assert (
        isinstance(outputs["features"], np.memmap) and outputs["features"].dtype == np.float32
    )  # float32 network outputs
    assert meta["read"]["count"] == 150 and outputs["gaussian"].count == 150


def test_fid_alone_keeps_only_the_sums_and_agrees_with_the_features(tmp_path, monkeypatch):
    points, _ = get_bundled("ring8").sample(3000, 5)
    common = dict(metrics=["fid"], options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False))
    kept = []
    monkeypatch.setattr(
        ganeval.features.extract.Sums, "result", lambda self: kept.append(self.kept) or {"gaussian": self.gaussian}
    )
    streamed = (
        score(points, "ring8", **{**common, "extraction": Extraction(progress=False, cache=False)}).metrics["fid"].value
    )
    assert kept == [None, None]  # neither side held its features (3000 and 10000 points of dimension 2)
    monkeypatch.undo()
    full = score(
        points,
        "ring8",
        metrics=["fid", "kid"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(cache=False, progress=False),
    )
    assert streamed == pytest.approx(full.metrics["fid"].value, rel=1e-9)
    assert (
        score(points, "ring8", **common).metrics["fid"].value == streamed
    )  # written: the sums read back from the entry
    hit = score(points, "ring8", **common)
    assert hit.provenance["reference"]["cache"] == "hit" and hit.metrics["fid"].value == streamed


def test_fid_alone_on_fewer_samples_than_dimensions_equals_the_full_computation(tmp_path):
    fake, real = write_digits(tmp_path / "fake", 30, seed=3), write_digits(tmp_path / "real", 40, seed=4)
    alone = score(
        fake, real, "digits", ["fid"], options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False)
    )
    full = score(
        fake,
        real,
        "digits",
        ["fid", "kid"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(progress=False, cache=False),
    )
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
    assert outputs["features"].dtype == np.float64 and np.array_equal(
        outputs["features"], np.concatenate([*narrow, wide])
    )
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
    command = [
        sys.executable,
        "-m",
        "ganeval.cli",
        "score",
        str(fake),
        "--ref",
        str(real),
        "--extractor",
        "digits",
        "--metrics",
        "fid,kid",
        "--bootstrap",
        "0",
        "--batch-size",
        "16",
        "--workers",
        "0",
        "--quiet",
    ]
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
    resumed = score(fake, real, "digits", ["fid", "kid"], options=options, extraction=Extraction(progress=False))
    assert resumed.provenance["reference"]["cache"] == "written" and resumed.provenance["reference"]["count"] == 1700
    fresh = score(
        fake, real, "digits", ["fid", "kid"], options=options, extraction=Extraction(progress=False, cache=False)
    )
    assert resumed.to_dict()["metrics"] == fresh.to_dict()["metrics"]
    assert [path.name for path in cache.iterdir()] == [entries(cache)[0].name]  # the killed writer's folder is gone


def memory_mapped(tmp_path: Path, name: str, array: np.ndarray) -> np.memmap:
    np.save(tmp_path / f"{name}.npy", array.astype(np.float32))
    return np.load(tmp_path / f"{name}.npy", mmap_mode="r")


@pytest.fixture
def small_chunks(monkeypatch):
    """FID fitted a chunk of rows at a time and checks done in chunks, at sizes a test can afford."""
    monkeypatch.setattr(ganeval.metrics._checks, "CHUNK_BYTES", 64 * 1024)
    monkeypatch.setattr(ganeval.metrics.fid, "WHOLE_FIT_BYTES", 256 * 1024)


@pytest.mark.parametrize("dim", [2, 6, 40])
@pytest.mark.parametrize("chunked", [False, True])
def test_memory_mapped_float32_features_give_their_float64_copys_values_exactly(tmp_path, monkeypatch, dim, chunked):
    """Every metric on a float32 memory map equals the same metric on its float64 copy, bit for bit: the
    tiles, subsets and chunks widened where they are used hold the values the whole copy holds. dim 2: the
    KD-tree and KID's explicit map; 6: the KD-tree and KID's kernel matrices; 40: PRDC's tiles and (with no
    room for kernel matrices) KID's per-subset kernels."""
    if chunked:
        monkeypatch.setattr(ganeval.metrics._checks, "CHUNK_BYTES", 4096)
        monkeypatch.setattr(ganeval.metrics.fid, "WHOLE_FIT_BYTES", 4096)
    if dim == 40:
        monkeypatch.setattr(ganeval.metrics.kid, "KERNEL_CACHE_BYTES", 0)
    rng = np.random.default_rng(dim)
    real32 = memory_mapped(tmp_path, "real", rng.normal(size=(700, dim)))
    fake32 = memory_mapped(tmp_path, "fake", rng.normal(0.2, 1.1, size=(600, dim)))
    real64, fake64 = np.array(real32, dtype=np.float64), np.array(fake32, dtype=np.float64)
    kernels = KernelSubsets(real32, fake32, 3, None, 1.0)
    assert kernels.mode == {2: "explicit", 6: "gram", 40: "direct"}[dim]

    def every_metric(real, fake, prepared=None):
        kid = kernel_inception_distance(real, fake, 10, 100, prepared=prepared)
        per = prdc_per_sample(real, fake, 5, tile=256, prepared=prepared)
        return (
            fid_from_features(real, fake, prepared=prepared),
            [stat.tolist() for stat in gaussian_stats(fake)],
            kid,
            per.summary(5),
            [array.tolist() for array in per],
            knn_radii(fake, 3, tile=128).tolist(),
        )

    expected = every_metric(real64, fake64)
    assert every_metric(real32, fake32) == expected
    assert every_metric(real32, fake32, prepare_reference(real32)) == expected
    sums = [GaussianStats.from_features(features) for features in (fake32, fake64)]
    assert [(stats.total.tolist(), stats.outer.tolist()) for stats in sums] == [
        (sums[1].total.tolist(), sums[1].outer.tolist())
    ] * 2


def test_kid_reference_pieces_are_computed_once_per_reference(monkeypatch):
    rng = np.random.default_rng(3)
    real, fake, other = rng.normal(size=(500, 30)), rng.normal(size=(400, 30)), rng.normal(0.1, size=(400, 30))
    monkeypatch.setattr(ganeval.metrics.kid, "KERNEL_CACHE_BYTES", 0)  # per-subset kernels
    prepared = prepare_reference(real)
    calls = []
    within = ganeval.metrics.kid.DirectKernels.within_real
    monkeypatch.setattr(
        ganeval.metrics.kid.DirectKernels, "within_real", lambda self, r: calls.append(1) or within(self, r)
    )
    for generated in (fake, other):
        assert kernel_inception_distance(real, generated, 20, 100, prepared=prepared) == kernel_inception_distance(
            real, generated, 20, 100
        )
    assert len(calls) == 20 + 20 + 20  # once for the prepared reference, once each without it
    monkeypatch.undo()
    gram = prepare_reference(real)
    first = kernel_inception_distance(real, fake, 20, 100, prepared=gram)
    k_rr = gram.kernels_for(gram.features, 3, 1 / 30, 1).gram
    assert (
        kernel_inception_distance(real, fake, 20, 100, prepared=gram)
        == first
        == kernel_inception_distance(real, fake, 20, 100)
    )
    assert gram.kernels_for(gram.features, 3, 1 / 30, 1).gram is k_rr  # the reference's kernel matrix, kept


def test_prdc_and_kid_make_no_n_by_d_float64_copy_of_a_memory_map(tmp_path, small_chunks, monkeypatch):
    """Peak traced memory of PRDC, KID and FID on float32 memory maps stays below half of one side's N x D
    float64 copy: tiles, subsets and chunks are widened one at a time."""
    monkeypatch.setattr(ganeval.metrics.kid, "KERNEL_CACHE_BYTES", 0)  # per-subset kernels, as at large N
    rng = np.random.default_rng(4)
    n, dim = 8000, 128
    real = memory_mapped(tmp_path, "real", rng.normal(size=(n, dim)))
    fake = memory_mapped(tmp_path, "fake", rng.normal(0.1, size=(n, dim)))
    copy = n * dim * 8  # 8 MB
    for metric in (
        lambda: prdc_per_sample(real, fake, 5, tile=256),
        lambda: kernel_inception_distance(real, fake, 5, 200),
        lambda: fid_from_features(real, fake),
    ):
        tracemalloc.start()
        try:
            metric()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < copy / 2, f"peak {peak / 2**20:.1f} MiB against an N x D float64 copy of {copy / 2**20:.1f} MiB"


class RecordedBar:
    """Stands in for tqdm: records what each bar was asked to show."""

    made: list = []

    def __init__(self, total, desc, unit, unit_scale, leave, disable):
        self.total, self.desc, self.disable, self.done = total, desc, disable, 0.0
        RecordedBar.made.append(self)

    def update(self, amount):
        self.done += amount

    def __enter__(self):
        return self

    def __exit__(self, *error):
        return None


def test_progress_bars_of_prdc_and_kid_at_large_n_only_and_off_with_progress_false(monkeypatch):
    monkeypatch.setattr(ganeval.metrics.progress, "tqdm", RecordedBar)
    monkeypatch.setattr(ganeval.metrics.progress, "LARGE_N", 250)
    monkeypatch.setattr(ganeval.metrics.kid, "KERNEL_CACHE_BYTES", 0)
    rng = np.random.default_rng(5)
    real, fake, small = rng.normal(size=(300, 12)), rng.normal(size=(280, 12)), rng.normal(size=(200, 12))
    RecordedBar.made = []
    prdc_per_sample(real, fake, 5, tile=64)
    kernel_inception_distance(real, fake, 4, 50)
    assert [bar.desc for bar in RecordedBar.made] == [
        "k-NN radii of real",
        "k-NN radii of fake",
        "PRDC memberships (real rows)",
        "KID subsets",
    ]
    assert all(bar.disable is None for bar in RecordedBar.made)  # shown (on a terminal: tqdm decides)
    assert [bar.done for bar in RecordedBar.made] == pytest.approx([bar.total for bar in RecordedBar.made])
    RecordedBar.made = []
    prdc_per_sample(small, small, 5, tile=64)
    with ganeval.metrics.progress.reporting(False):
        prdc_per_sample(real, fake, 5, tile=64)
        kernel_inception_distance(real, fake, 4, 50)
    assert RecordedBar.made and all(bar.disable is True for bar in RecordedBar.made)
