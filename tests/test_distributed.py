"""torch.distributed (issue 11, part 2): shards, and a 2-process gloo job on the CPU that scores, writes
statistics and a baseline, and fails together, against the same work in one process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from torch.distributed.run import get_args_parser

import ganeval
from ganeval import distributed
from ganeval.cli import build_parser
from ganeval.data import get_bundled
from ganeval.data.export import write_samples
from ganeval.distributed import World
from ganeval.features.cache import load_outputs
from ganeval.metrics import GaussianStats
from ganeval.options import MetricOptions

WORKER = Path(__file__).resolve().parent / "distributed_worker.py"
BATCH = 16  # small batches, so each side spans several on each rank


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
    distributed.leave_to_main()  # a single process is rank 0: it goes on
    assert distributed.computed_on_main(lambda x: x + 1)(1) == 2


def test_python_m_ganeval_runs_the_cli(capsys):
    from ganeval.__main__ import run

    assert run([]) == 0
    assert "ganeval: evaluate and diagnose GANs" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    spec = root / "spec.json"
    spec.write_text(json.dumps({"commands": commands, "record": str(record)}))
    env = {
        **os.environ,
        "GANEVAL_CACHE_DIR": str(root / "cache"),
        "OMP_NUM_THREADS": "1",
        "GANEVAL_DIST_TIMEOUT": "120",
    }
    launch = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-port",
        str(_free_port()),
    ]
    finished = subprocess.run([*launch, str(WORKER), str(spec)], env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return root, record, finished


def _single(root: Path, **settings):
    return ganeval.score(root / "generated", root / "reference", "digits", batch_size=BATCH, progress=False, **settings)


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
    ganeval.stats(root / "reference", root / "single.npz", "digits", batch_size=BATCH, progress=False)
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
    assert len(lines) == 5 and lines[2].startswith("wrote ") and lines[3].startswith("wrote baseline"), lines


def test_skip_bad_with_a_shard_of_bad_files_only(job):
    root, record, _ = job
    assert [json.loads((record / f"codes-{rank}.json").read_text())[5] for rank in (0, 1)] == [0, 0]
    together = json.loads((root / "half.json").read_text())
    assert (
        together["provenance"]["generated"]["count"] == BATCH
        and together["provenance"]["generated"]["skipped"] == BATCH
    )
    options = MetricOptions(bootstrap=0)
    alone = ganeval.score(
        root / "half",
        root / "reference",
        "digits",
        ["fid"],
        options=options,
        batch_size=BATCH,
        skip_bad=True,
        cache=False,
        progress=False,
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
