"""torch.distributed (issue 11, part 2): shards, and a 2-process gloo job on the CPU that scores, writes
statistics and a baseline, and fails together, against the same work in one process. Issue 23: ranks
that see different files or settings are refused, a rank that stops answering ends the job at the
timeout, and the one-process side runs the workers' threads (WORKER_THREADS) where bits are compared:
CPU convolutions round differently with other thread counts (then FID agrees within 1e-7 relative)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.distributed.run import get_args_parser
from torchrun_job import launch

import ganeval
from ganeval import distributed
from ganeval.cache.statsfile import load_outputs
from ganeval.cli import build_parser
from ganeval.data import get_bundled
from ganeval.data.export import write_samples
from ganeval.distributed import World
from ganeval.errors import GanevalError
from ganeval.metrics import GaussianStats
from ganeval.options import Extraction, MetricOptions

WORKER = Path(__file__).resolve().parent / "distributed_worker.py"
BATCH = 16  # small batches, so each side spans several on each rank
WORKER_THREADS = 1  # each worker's OMP_NUM_THREADS (torchrun's own default); one process runs as many to compare bits


@contextlib.contextmanager
def _threads(count: int):
    """torch's intra-op threads at `count` for the block (the one-process side of a comparison)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("count", [1, 15, 16, 17, 100, 160])
@pytest.mark.parametrize("size", [1, 2, 3, 8])
def test_shards_are_whole_batches_in_rank_order(count, size):
    shards = [World(rank, size).shard(count, BATCH) for rank in range(size)]
    assert [i for part in shards for i in range(count)[part]] == list(range(count))  # every row once, in order
    assert all(
        part.start % BATCH == 0 for part in shards if part.stop > part.start
    )  # each starts a batch a single process would run
    assert shards[0].stop > 0  # rank 0 always has rows
    batches = [-(-(part.stop - part.start) // BATCH) for part in shards]
    assert max(batches) - min(batches) <= 1  # batches split as evenly as they go


def test_single_process_is_left_alone():
    assert distributed.world() == World() and distributed.world().main
    stats = GaussianStats.from_features(np.eye(3))
    assert distributed.all_reduce_stats(stats) is stats
    assert distributed.agree(7) == 7 and distributed.each_rank(lambda: 3) == 3
    assert distributed.computed_on_main(lambda x: x + 1)(1) == 2


def test_python_m_ganeval_runs_the_cli(capsys):
    from ganeval.__main__ import run

    assert run([]) == 0
    assert "ganeval: evaluate and diagnose GANs" in capsys.readouterr().out


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """Digits images as PNG folders, and one 2-process gloo job running five commands on them."""
    root = tmp_path_factory.mktemp("distributed")
    digits = get_bundled("digits")
    write_samples(digits.sample(120, 5)[0], root / "generated")
    write_samples(digits.sample(160, 6)[0], root / "reference")
    write_samples(digits.sample(120, 5)[0], root / "broken")
    (root / "broken" / "zzz.png").write_bytes(b"not an image")  # last in file order: rank 1's shard
    write_samples(digits.sample(BATCH, 7)[0], root / "half")  # rank 0's batch decodes, rank 1's does not
    for index in range(BATCH):
        (root / "half" / f"z{index:02d}.png").write_bytes(b"not an image")
    shutil.copytree(root / "generated", root / "copy")  # the same files elsewhere, as on another machine
    shutil.copytree(root / "generated", root / "fewer")
    min((root / "fewer").iterdir()).unlink()  # a copy that lost a file
    record = root / "record"
    record.mkdir()
    common = ["--extractor", "digits", "--batch-size", str(BATCH), "--quiet"]
    commands = [
        [
            "score",
            str(root / "generated"),
            "--ref",
            str(root / "reference"),
            "--bootstrap",
            "20",
            "--json",
            str(root / "all.json"),
            *common,
        ],
        [
            "score",
            str(root / "generated"),
            "--ref",
            str(root / "reference"),
            "--metrics",
            "fid",
            "--bootstrap",
            "0",
            "--no-cache",
            "--json",
            str(root / "fid.json"),
            *common,
        ],
        ["stats", str(root / "reference"), "-o", str(root / "stats.npz"), *common],
        [
            "baseline",
            str(root / "generated"),
            "--ref",
            str(root / "reference"),
            "--bootstrap",
            "0",
            "-o",
            str(root / "baseline.json"),
            *common,
        ],
        ["score", str(root / "broken"), "--ref", str(root / "reference"), *common],
        [
            "score",
            str(root / "half"),
            "--ref",
            str(root / "reference"),
            "--metrics",
            "fid",
            "--bootstrap",
            "0",
            "--skip-bad",
            "--json",
            str(root / "half.json"),
            *common,
        ],
    ]
    fid_only = ["--metrics", "fid", "--bootstrap", "0", "--no-cache", *common]
    mine = lambda folder, *more: ["score", str(root / folder), "--ref", str(root / "reference"), *more, *fid_only]  # noqa: E731
    commands += [  # each rank its own command: 6 and 7 are refused, 8 is fine
        {"0": mine("generated"), "1": mine("fewer")},
        {"0": mine("generated", "--k", "5"), "1": mine("generated", "--k", "3")},
        {"0": mine("generated", "--json", str(root / "copy.json")), "1": mine("copy", "--json", str(root / "x.json"))},
    ]
    spec = root / "spec.json"
    spec.write_text(json.dumps({"commands": commands, "record": str(record)}))
    env = {
        **os.environ,
        "GANEVAL_CACHE_DIR": str(root / "cache"),
        "OMP_NUM_THREADS": str(WORKER_THREADS),
        "GANEVAL_DIST_TIMEOUT": "120",
    }
    finished = launch([str(WORKER), str(spec)], env, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return root, record, finished


def _single(root: Path, threads: int = WORKER_THREADS, cache: bool = True, **settings):
    """One process's score of the job's generated folder, at the workers' threads unless told otherwise."""
    with _threads(threads):
        return ganeval.score(
            root / "generated",
            root / "reference",
            "digits",
            **settings,
            extraction=Extraction(batch_size=BATCH, progress=False, cache=cache),
        )


def test_two_ranks_score_as_one_process(job):
    root, record, _ = job
    codes = [json.loads((record / f"codes-{rank}.json").read_text()) for rank in (0, 1)]
    assert codes[0][:4] == [0, 0, 0, 0] and codes[1][:4] == [0, 0, 0, 0]
    together = json.loads((root / "all.json").read_text())
    alone = _single(root, options=MetricOptions(bootstrap=20), cache=False).to_dict()
    fid = alone["metrics"].pop("fid")
    assert together["metrics"].pop("fid")["value"] == pytest.approx(fid["value"], rel=1e-9)
    assert together["metrics"] == alone["metrics"]  # KID, IS, PRDC, modes and their intervals: exactly
    assert {"kid", "inception_score", "precision", "recall", "density", "coverage"} <= set(alone["metrics"])
    assert together["provenance"]["generated"]["count"] == 120 and together["provenance"]["reference"]["count"] == 160


def test_fid_alone_all_reduces_the_sums(job):
    root, record, _ = job
    together = json.loads((root / "fid.json").read_text())["metrics"]["fid"]["value"]
    alone = _single(root, metrics=["fid"], options=MetricOptions(bootstrap=0), cache=False).metrics["fid"].value
    assert together == pytest.approx(alone, rel=1e-9)
    for rank in (0, 1):  # the all-reduced float64 sums are every row's
        reduced = json.loads((record / f"stats-{rank}.json").read_text())
        assert reduced["count"] == 10 and reduced["error"] < 1e-12


def test_stats_and_baseline_written_once_by_rank_0(job):
    root, record, _ = job
    outputs, _ = load_outputs(root / "stats.npz")
    with _threads(WORKER_THREADS):
        ganeval.stats(
            root / "reference", root / "single.npz", "digits", extraction=Extraction(batch_size=BATCH, progress=False)
        )
    single, _ = load_outputs(root / "single.npz")
    assert all(np.array_equal(outputs[key], single[key]) for key in single)
    assert json.loads((root / "baseline.json").read_text())["baseline"]["metrics"]
    written = [
        (record / f"writes-{rank}.txt").read_text().split() if (record / f"writes-{rank}.txt").exists() else []
        for rank in (0, 1)
    ]
    assert written[1] == []  # rank 1 writes nothing: no cache entry, JSON, statistics or baseline
    names = [Path(path).name for path in written[0]]
    for output in ("all.json", "fid.json", "stats.npz", "baseline.json"):
        assert names.count(output) == 1
    entries = list((root / "cache").iterdir())
    assert len([path for path in written[0] if Path(path).parent == root / "cache"]) == 1 and len(entries) == 1


def test_an_error_on_one_rank_stops_both(job):
    _, record, finished = job
    codes = [json.loads((record / f"codes-{rank}.json").read_text()) for rank in (0, 1)]
    assert codes[0][4] == 2 and codes[1][4] == 2  # rank 1 met the bad file; neither waits for the other
    assert "rank 1: " in finished.stderr and "zzz.png" in finished.stderr
    lines = finished.stdout.splitlines()  # rank 0 alone prints: the summaries, stats' and baseline's lines
    assert len(lines) == 6 and lines[2].startswith("wrote ") and lines[3].startswith("wrote baseline"), lines


def test_skip_bad_with_a_shard_of_bad_files_only(job):
    root, record, _ = job
    assert [json.loads((record / f"codes-{rank}.json").read_text())[5] for rank in (0, 1)] == [0, 0]
    together = json.loads((root / "half.json").read_text())
    assert (
        together["provenance"]["generated"]["count"] == BATCH
        and together["provenance"]["generated"]["skipped"] == BATCH
    )
    options = MetricOptions(bootstrap=0)
    with _threads(WORKER_THREADS):
        alone = ganeval.score(
            root / "half",
            root / "reference",
            "digits",
            ["fid"],
            options=options,
            extraction=Extraction(batch_size=BATCH, skip_bad=True, cache=False, progress=False),
        )
    # 16 samples of 92-d features: a singular covariance, ill-conditioned enough to turn the reference's sums,
    # added in another order, from 1e-16 into 1e-9 relative differences
    assert together["metrics"]["fid"]["value"] == pytest.approx(alone.metrics["fid"].value, rel=1e-7)


def test_samples_is_the_spelling_of_n_that_torchrun_lets_through(capsys):
    """torchrun's parser refuses `--n` (an abbreviation of its --nnodes, --nproc-per-node, ...) but passes
    `--samples` to the command, where it is the same setting as `--n`."""
    command = ["--nproc-per-node", "2", "-m", "ganeval", "score", "ring8", "--ref", "ring8"]
    with pytest.raises(SystemExit):
        get_args_parser().parse_args([*command, "--n", "300"])
    assert "ambiguous option: --n" in capsys.readouterr().err
    passed = get_args_parser().parse_args([*command, "--samples", "300"]).training_script_args
    assert passed[-2:] == ["--samples", "300"]

    spelled = [build_parser().parse_args([*passed[:4], flag, "300"]).n for flag in ("--n", "--samples")]
    assert spelled == [300, 300]


def test_other_thread_counts_agree_within_the_contract(job):
    """Two threads in one process against one per worker: the CPU's convolutions may round otherwise (on some
    machines they do), so FID agrees within 1e-7 relative and the features to float32 round-off, not to the bit."""
    root, _, _ = job
    together = json.loads((root / "fid.json").read_text())["metrics"]["fid"]["value"]
    options = MetricOptions(bootstrap=0)
    alone = _single(root, threads=2, metrics=["fid"], options=options, cache=False).metrics["fid"].value
    assert together == pytest.approx(alone, rel=1e-7)
    with _threads(2):
        ganeval.stats(
            root / "reference", root / "two.npz", "digits", extraction=Extraction(batch_size=BATCH, progress=False)
        )
    outputs, _ = load_outputs(root / "stats.npz")
    np.testing.assert_allclose(load_outputs(root / "two.npz")[0]["features"], outputs["features"], rtol=1e-5, atol=1e-5)


def test_ranks_that_see_different_files_are_refused(job):
    _, record, finished = job
    assert [json.loads((record / f"codes-{rank}.json").read_text())[6] for rank in (0, 1)] == [2, 2]
    assert "do not agree on the generated samples" in finished.stderr
    assert "rank 1 (inputs files: 120 on rank 0, 119 on rank 1, inputs names_and_sizes_blake2b: " in finished.stderr


def test_ranks_with_different_settings_are_refused(job):
    _, record, finished = job
    assert [json.loads((record / f"codes-{rank}.json").read_text())[7] for rank in (0, 1)] == [2, 2]
    assert "do not agree on the score's settings" in finished.stderr
    assert "rank 1 (options k: 5 on rank 0, 3 on rank 1)" in finished.stderr


def test_identical_copies_in_other_places_are_accepted(job):
    """No false refusal: rank 1 reads the same files from another folder (its machine's copy)."""
    root, record, _ = job
    assert [json.loads((record / f"codes-{rank}.json").read_text())[8] for rank in (0, 1)] == [0, 0]
    copy = json.loads((root / "copy.json").read_text())["metrics"]["fid"]["value"]
    assert copy == json.loads((root / "fid.json").read_text())["metrics"]["fid"]["value"]


def test_a_rank_that_stops_answering_ends_the_job_naming_it(tmp_path):
    """Rank 1 sleeps far past a 5 s timeout before its first shard: rank 0 gives up at the timeout with exit 2,
    naming rank 1 (gloo's monitored barrier), not after three timeouts with a traceback (exit 3)."""
    digits = get_bundled("digits")
    write_samples(digits.sample(2 * BATCH, 5)[0], tmp_path / "generated")
    write_samples(digits.sample(2 * BATCH, 6)[0], tmp_path / "reference")
    record = tmp_path / "record"
    record.mkdir()
    argv = ["score", str(tmp_path / "generated"), "--ref", str(tmp_path / "reference"), "--metrics", "fid"]
    argv += ["--bootstrap", "0", "--no-cache", "--extractor", "digits", "--batch-size", str(BATCH), "--quiet"]
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps({"commands": [argv], "record": str(record), "sleep": {"rank": 1, "seconds": 120}, "no_check": True})
    )
    env = {**os.environ, "OMP_NUM_THREADS": str(WORKER_THREADS), "GANEVAL_DIST_TIMEOUT": "5"}
    finished = launch([str(WORKER), str(spec)], env, timeout=90)  # the sleeper would hold it for 120 s
    assert json.loads((record / "codes-0.json").read_text()) == [2]
    assert "ganeval: error: rank 1 of 2 stopped answering within GANEVAL_DIST_TIMEOUT (5 s)" in finished.stderr
    assert "bug in ganeval" not in finished.stderr
    assert not (record / "codes-1.json").exists()  # torchrun stopped the sleeper


class _Pair:
    """Rank `rank` of a 2-rank world whose collectives are stand-ins (no process group)."""

    def __init__(self, monkeypatch, gathered=None):
        self.calls = []
        monkeypatch.setattr(distributed, "world", lambda: World(0, 2))
        monkeypatch.setattr(distributed, "_wait_for_all", lambda: self.calls.append("barrier"))
        monkeypatch.setattr(distributed, "_all_gather", self._gather)
        self.gathered = gathered or []

    def _gather(self, value):
        self.calls.append("gather")
        return self.gathered.pop(0) if self.gathered else [value, value]


def test_a_lost_rank_is_not_waited_for_again(monkeypatch):
    """A collective that timed out inside each_rank's work is raised at once: another collective would wait out
    the timeout again (three times in all for score's nested each_rank and computed_on_main)."""
    pair = _Pair(monkeypatch)

    def lost():
        raise distributed.RankLost("rank 1 of 2 stopped answering")

    with pytest.raises(distributed.RankLost):
        distributed.each_rank(lost)
    with pytest.raises(distributed.RankLost):
        distributed.computed_on_main(lost)()
    assert pair.calls == []
    assert distributed.each_rank(lambda: 3) == 3 and pair.calls == ["barrier", "gather"]  # as before otherwise


def test_timeouts_become_rank_lost_naming_the_rank(monkeypatch):
    monkeypatch.setattr(distributed, "world", lambda: World(0, 3))
    monkeypatch.setenv("GANEVAL_DIST_TIMEOUT", "7")
    named = r"^ranks 1, 2 of 3 stopped answering within GANEVAL_DIST_TIMEOUT \(7 s\)"
    with pytest.raises(distributed.RankLost, match=named):
        with distributed._collective():
            raise RuntimeError("[Rank 0]: Ranks 1, 2 failed to pass monitoredBarrier in 7000 ms")
    with pytest.raises(distributed.RankLost, match="^rank 0 waited in vain for another rank"):
        with distributed._collective():
            raise RuntimeError("[../gloo/transport/tcp/unbound_buffer.cc:129] Timed out waiting 7000ms for recv")
    with pytest.raises(RuntimeError, match="^Tensors must be contiguous$"):  # not every RuntimeError is a lost rank
        with distributed._collective():
            raise RuntimeError("Tensors must be contiguous")


def test_same_everywhere_names_what_differs(monkeypatch):
    facts = {"inputs": {"files": 120}, "settings": {"n": None, "seed": 0}}
    pair = _Pair(monkeypatch)
    distributed.same_everywhere("the reference", lambda: facts)  # equal facts: no refusal
    other = {"inputs": {"files": 119}, "settings": {"n": None, "seed": 0}}
    pair.gathered = [[None, None], [facts, other]]  # each_rank's failures (none), then the facts
    differing = r"on the reference, .*: rank 1 \(inputs files: 120 on rank 0, 119 on rank 1\)\."
    with pytest.raises(GanevalError, match=differing):
        distributed.same_everywhere("the reference", lambda: facts)
