"""One process of a torchrun job for tests/test_distributed.py: runs several ganeval commands in one
process group, as `python -m ganeval` does (rank 0 prints, the others are silenced), and records
each command's exit code and every file this rank wrote (ganeval.atomic's writers).

    python -m torch.distributed.run --nproc-per-node 2 tests/distributed_worker.py SPEC.json

SPEC.json: {"commands": [[argv...], ...], "record": FOLDER}; FOLDER gets writes-RANK.txt (one path
a line) and codes-RANK.json (the exit codes), and stats-RANK.json (an all-reduced GaussianStats check).
A command may be {"RANK": [argv...], ...} instead (each rank its own, as ranks that see different
files or settings would). "sleep": {"rank": R, "seconds": S} makes rank R sleep S seconds before it
reads its first shard of images (a rank that stops answering); "no_check": true skips the stats check
and exits with the last command's code.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _logged(original, log: Path):
    def wrapper(path, *args, **kwargs):
        with log.open("a") as stream:
            stream.write(f"{path}\n")
        return original(path, *args, **kwargs)

    return wrapper


def _sleeping(original, seconds: float):
    def wrapper(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)

    return wrapper


def main(spec_file: str) -> int:
    spec = json.loads(Path(spec_file).read_text())
    record, rank = Path(spec["record"]), os.environ.get("RANK", "0")
    sleep = spec.get("sleep")
    if sleep and int(rank) == sleep["rank"]:
        from ganeval.sources import FolderSource

        FolderSource._read = _sleeping(FolderSource._read, sleep["seconds"])
    import ganeval.atomic as atomic  # patched before any other ganeval module imports its writers

    atomic.atomic_write = _logged(atomic.atomic_write, record / f"writes-{rank}.txt")
    atomic.atomic_folder = _logged(atomic.atomic_folder, record / f"writes-{rank}.txt")
    import numpy as np

    from ganeval.cli import main as command
    from ganeval.distributed import all_reduce_stats, session, silenced, world
    from ganeval.metrics import GaussianStats

    codes = []
    with session():
        for argv in spec["commands"]:
            argv = argv[rank] if isinstance(argv, dict) else argv
            if world().main:
                codes.append(command(argv))
            else:
                with silenced():
                    codes.append(command(argv))
        if spec.get("no_check"):  # exit as `python -m ganeval` does, so torchrun stops the other ranks on an error
            (record / f"codes-{rank}.json").write_text(json.dumps(codes))
            return codes[-1]
        rows = np.random.default_rng(7).standard_normal((10, 3))  # rank r holds rows r::size; the sum is every row's
        mine = rows[world().rank :: world().size]
        summed = all_reduce_stats(GaussianStats.from_features(mine))
        whole = GaussianStats.from_features(rows)
        error = float(max(np.abs(summed.outer - whole.outer).max(), np.abs(summed.total - whole.total).max()))
        (record / f"stats-{rank}.json").write_text(json.dumps({"count": summed.count, "error": error}))
    (record / f"codes-{rank}.json").write_text(json.dumps(codes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
