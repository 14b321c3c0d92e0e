"""One rank of the 2-process gloo job of tests/test_evaluator.py: rank 0 updates an Evaluator with the
first two batches of the test's digits, rank 1 with the third; each writes its Results' metrics, and
rank 0 also one process's (`alone`) fed all three, at the same threads; then the ranks ask for other
metrics, which both refuse.

    python -m torch.distributed.run --nproc-per-node 2 tests/evaluator_worker.py FOLDER
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ganeval.options import Extraction

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(folder: str) -> int:
    from test_evaluator import WORKER_JOBS, N, _batches  # the test's jobs and batches

    import ganeval
    from ganeval.data import get_bundled
    from ganeval.distributed import alone, session, world
    from ganeval.errors import GanevalError

    images = get_bundled("digits").sample(N, 3)[0]
    batches = _batches(images)
    written = {}
    with session():
        mine = batches[:2] if world().rank == 0 else batches[2:]
        for name, metrics, options in WORKER_JOBS:
            evaluator = ganeval.Evaluator("digits", metrics, options=options, extraction=Extraction(device="cpu"))
            for batch in mine:
                evaluator.update(batch)
            written[name] = evaluator.compute().to_dict()["metrics"]
            if world().main:  # one process fed every batch, at the same threads (numpy's BLAS rounds by them)
                with alone():
                    single = ganeval.Evaluator("digits", metrics, options=options, extraction=Extraction(device="cpu"))
                    for batch in batches:
                        single.update(batch)
                    written[f"{name}-single"] = single.compute().to_dict()["metrics"]
        for name, metrics, options in WORKER_JOBS:  # rank 1 without batches: nothing to add, nothing refused
            evaluator = ganeval.Evaluator("digits", metrics, options=options, extraction=Extraction(device="cpu"))
            for batch in batches if world().main else []:
                evaluator.update(batch)
            written[f"{name}-rank-0-only"] = evaluator.compute().to_dict()["metrics"]
        try:  # ranks asked for other metrics: refused on both, naming what differs
            other = ganeval.Evaluator(
                "digits", ["fid"] if world().main else ["fid", "precision"], extraction=Extraction(device="cpu")
            )
            other.update(mine[0])
            other.compute()
        except GanevalError as error:
            written["refused"] = str(error)
    Path(folder, f"result-{os.environ['RANK']}.json").write_text(json.dumps(written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
