"""`python -m ganeval ...`, the same as `ganeval ...`; and the entry point torchrun runs:

    torchrun --nproc-per-node 4 -m ganeval score fakes/ --ref reals/

Under torchrun every process joins the process group (ganeval.distributed.session) and runs the
command on its shard; rank 0 prints and writes, the others print nothing and exit with rank 0's
outcome (0 on success).
"""

from __future__ import annotations

import sys

from ganeval.distributed import session, silenced
from ganeval.errors import GanevalError
from ganeval.launch import main


def run(argv: list[str] | None = None) -> int:
    """The command line, in a torchrun job's process group when launched as one of several."""
    try:
        with session() as world:
            if world.main:
                return main(argv)
            with silenced():
                return main(argv)
    except GanevalError as error:  # the process group could not be formed (backend, GPUs, timeout setting)
        print(f"ganeval: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(run())
