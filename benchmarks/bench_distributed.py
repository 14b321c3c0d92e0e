"""torch.distributed: the same `ganeval score` job in one process and in two gloo processes (torchrun).

Both folders (N 32 x 32 grayscale PNGs per side, digits upsampled with noise) are generated once under
--root, shared with bench_memory.py. The job: `ganeval.score(FAKE, REAL, "digits")` with no
intervals, no cache and no decoding workers (FID alone by default; --all for every metric), each
process with one thread (OMP_NUM_THREADS=1, torch.set_num_threads(1)), so two processes use two
cores and one process one. Each run times the job itself (from a barrier after start-up to the
result) and the whole command (interpreters and torchrun's start included), and each rank's CPU
time for the job. Prints both, the speedups (target >= 1.7x for the job), the CPU-time bound (one
process's CPU time over the busiest rank's: the speedup on two free cores, whatever else runs) and
the FID of each (they must agree).

Run from the repository root:
    python3 benchmarks/bench_distributed.py              # 10,000 images per side
    python3 benchmarks/bench_distributed.py --all        # every metric (rank 0 computes them alone)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, ForeignLoad
from bench_memory import make_folder

from ganeval.options import Extraction


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(launch: list[str], job: dict) -> tuple[float, dict]:
    """(wall seconds of the whole command, what the driver wrote: the job's own seconds and the FID) of one
    run with a fresh cache and one thread per process."""
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "result.json"
        env = {**os.environ, "GANEVAL_CACHE_DIR": scratch, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        subprocess.run([*launch, __file__, "--driver", json.dumps({**job, "output": str(output)})], env=env, check=True)
        seconds = time.perf_counter() - start
        return seconds, json.loads(output.read_text())


def drive(job: dict) -> None:
    """One process of a run: join the process group (torchrun) or not, then time `ganeval.score` alone
    (from a barrier after start-up to the result), so interpreter and torchrun start-up are left out."""
    import torch
    import torch.distributed as dist

    import ganeval
    from ganeval.distributed import gather_objects, session

    torch.set_num_threads(1)
    with session() as world:
        if world.size > 1:
            dist.barrier()
        start, cpu = time.perf_counter(), time.process_time()
        result = ganeval.score(
            job["fake"],
            job["real"],
            "digits",
            job["metrics"],
            options=ganeval.MetricOptions(bootstrap=0),
            extraction=Extraction(cache=False, workers=0, progress=False),
        )
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        cpus = gather_objects(cpu) if world.size > 1 else [cpu]
        if world.main:
            Path(job["output"]).write_text(
                json.dumps({"seconds": seconds, "cpu": cpus, "fid": result.metrics["fid"].value})
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "ganeval-bench-memory")
    parser.add_argument("--n", type=int, default=10_000, help="images per side")
    parser.add_argument("--all", action="store_true", help="every metric instead of FID alone")
    parser.add_argument("--driver", help=argparse.SUPPRESS)  # one process of a run (JSON job)
    args = parser.parse_args()
    if args.driver:
        return drive(json.loads(args.driver))
    fake, real = (
        make_folder(args.root / f"fake-{args.n}", args.n, seed=1),
        make_folder(args.root / f"real-{args.n}", args.n, seed=2),
    )
    job = {"fake": str(fake), "real": str(real), "metrics": None if args.all else ["fid"]}
    load = ForeignLoad()
    one_wall, one = timed([sys.executable], job)
    torchrun = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-port",
        str(_free_port()),
    ]
    two_wall, two = timed(torchrun, job)
    for name, wall, run in (
        ("1 process, 1 thread", one_wall, one),
        ("2 processes (gloo), 1 thread each", two_wall, two),
    ):
        print(
            f"{name:<36} job {run['seconds']:6.1f} s ({2 * args.n / run['seconds']:5.0f} images/s), "
            f"whole command {wall:6.1f} s, CPU s per rank {', '.join(f'{c:.1f}' for c in run['cpu'])}   "
            f"FID {run['fid']:.10g}"
        )
    difference = abs(two["fid"] / one["fid"] - 1)
    print(
        f"SUMMARY speedup {one['seconds'] / two['seconds']:.2f}x for the job (target >= 1.7x), "
        f"{one_wall / two_wall:.2f}x "
        f"for the whole command (start-up included); FID relative difference {difference:.1e}; "
        f"{'every metric' if args.all else 'FID alone'}, {args.n:,} images per side"
    )
    print(
        f"CPU-time bound (load-independent): one process's CPU s / the busiest rank's = "
        f"{one['cpu'][0] / max(two['cpu']):.2f}x, the speedup two free cores would give"
    )
    print(load.report())


if __name__ == "__main__":
    main()
