"""The tests' torchrun launcher: a 2-process job of a worker script on the CPU (gloo), on a free port, so the
distributed tests (test_distributed.py, test_evaluator.py) start their jobs one way."""

from __future__ import annotations

import socket
import subprocess
import sys


def free_port() -> int:
    """A TCP port free on this machine now, for the job's rendezvous."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch(arguments: list[str], env: dict, timeout: float, processes: int = 2) -> subprocess.CompletedProcess:
    """`python -m torch.distributed.run --nproc-per-node PROCESSES --master-port FREE ARGUMENTS...`, its output
    captured as text; subprocess.TimeoutExpired past `timeout` seconds."""
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(processes)]
    command = [*launcher, "--master-port", str(free_port()), *arguments]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
