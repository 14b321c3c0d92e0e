"""Several processes and machines through torch.distributed: each rank extracts its shard, rank 0 computes.

    torchrun --nproc-per-node 4 -m ganeval score fakes/ --ref reals/          # one machine, 4 processes
    torchrun --nnodes 2 --nproc-per-node 8 --rdzv-backend c10d --rdzv-endpoint HOST:29500 -m ganeval score ...

`python -m ganeval` (ganeval/__main__.py) opens a `session` when torchrun launched it (WORLD_SIZE,
RANK and LOCAL_RANK in the environment): NCCL when CUDA is available (each process on the GPU of
its LOCAL_RANK), gloo otherwise; GANEVAL_DIST_BACKEND overrides the choice. Python code under
torchrun opens the session itself (`with ganeval.distributed.session(): ganeval.score(...)`), or
initialises the process group its own way: ganeval uses whatever group is initialised.

What each rank does:
- Shards: the samples a side selects (files in their sorted order, array rows, a bundled draw) are
  cut into contiguous runs of whole batches, `World.shard`: rank 0 the first run, rank 1 the next,
  and so on. Every batch a rank runs is one a single process would run, so the features are the
  very same numbers where the threads per process are equal (see Equality below), and concatenating
  the ranks' rows in rank order is file order. Contiguous
  rather than strided: gathering is then a concatenation, and a run of whole batches is what a
  single process would feed the network.
- Combining: FID's float64 `GaussianStats` sums are all-reduced (`all_reduce_stats`); the features
  KID, PRDC, IS and the modes need are gathered to rank 0 in file order (`send_rows`), so the
  result does not depend on the number of ranks.
- Rank 0 reads and writes the reference cache, computes the metrics and writes every file; the
  result reaches the other ranks (`computed_on_main`), which print nothing and exit 0.

Agreement: before a side is extracted, every rank's inputs (the count and a digest of the files' names
and sizes, or of the array, it selected), extractor (name, weights hash, preprocessing, precision) and
settings are compared with rank 0's (`same_everywhere`); any difference is a GanevalError on every rank
(exit 2) naming the ranks and what differs, before anything is merged. A file whose bytes differ on one
machine at the same size is not seen there (each rank would have to read every file twice); rank 0's
reference cache key hashes the bytes.

Failures: an exception on one rank inside `each_rank` or `computed_on_main` is sent to all the others,
which raise it too (a GanevalError with the failing rank's message, exit 2; anything else as a
RuntimeError with its traceback, exit 3), so no rank waits for a peer that has given up. A rank
that dies outright (killed, out of memory) is seen by torchrun, which stops the others. A rank that
stops answering (hung, or slower than the others by more than GANEVAL_DIST_TIMEOUT seconds, default
1800) ends the job at that timeout: the first collective that waits for it raises `RankLost` (a
GanevalError, exit 2), which names the rank where gloo's monitored barrier can tell, and no further
collective is tried (torchrun then stops the rest).

Equality: the ranks' result is equal to one process's to the bit (FID's all-reduced sums within a
float64 round-off per rank) when every process runs the same threads (torchrun sets OMP_NUM_THREADS=1
unless it is set). With other thread counts the CPU's convolutions round differently: the features
agree to float32 round-off and FID within about 1e-7 relative.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import numpy as np
import torch
import torch.distributed as dist

from ganeval.errors import GanevalError
from ganeval.metrics import GaussianStats

T = TypeVar("T")
Outputs = dict[str, np.ndarray]

TIMEOUT_SECONDS = 1800  # a collective waits this long for the slowest rank (GANEVAL_DIST_TIMEOUT overrides)
LAUNCH_VARIABLES = ("WORLD_SIZE", "RANK", "LOCAL_RANK")  # what torchrun (and srun + torchrun) set
BACKENDS = ("gloo", "nccl")


@dataclass(frozen=True)
class World:
    """The processes of a job: this one's rank among `size`, and its rank on its machine."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Rank 0: the one that computes, prints and writes."""
        return self.rank == 0

    def shard(self, count: int, batch_size: int) -> slice:
        """This rank's rows of `count`: a contiguous run of whole batches of `batch_size` (the batches
        split as evenly as they go, the first ranks taking one more); empty when there are more ranks than batches."""
        batches = math.ceil(count / batch_size)
        per_rank, extra = divmod(batches, self.size)
        first = self.rank * per_rank + min(self.rank, extra)
        last = first + per_rank + (self.rank < extra)
        return slice(min(first * batch_size, count), min(last * batch_size, count))


ALONE = World()
_local_only = False  # inside `alone()`: every process works by itself


def world() -> World:
    """The current job: the initialised process group's ranks, else a single process."""
    if _local_only or not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return ALONE
    return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def launched() -> bool:
    """Whether torchrun (or another launcher setting its variables) started this process as one of several."""
    return all(name in os.environ for name in LAUNCH_VARIABLES) and int(os.environ["WORLD_SIZE"]) > 1


@contextlib.contextmanager
def alone() -> Iterator[None]:
    """Work in this process alone, whatever the process group (a training loop's reference, read whole by each rank)."""
    global _local_only
    previous, _local_only = _local_only, True
    try:
        yield
    finally:
        _local_only = previous


def _timeout() -> timedelta:
    text = os.environ.get("GANEVAL_DIST_TIMEOUT", str(TIMEOUT_SECONDS))
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise GanevalError(f"GANEVAL_DIST_TIMEOUT must be a positive number of seconds; got {text!r}.")
    return timedelta(seconds=seconds)


def _backend() -> str:
    backend = os.environ.get("GANEVAL_DIST_BACKEND") or ("nccl" if torch.cuda.is_available() else "gloo")
    if backend not in BACKENDS:
        raise GanevalError(f"GANEVAL_DIST_BACKEND must be one of {', '.join(BACKENDS)}; got {backend!r}.")
    if backend == "nccl":
        local_rank, gpus = int(os.environ.get("LOCAL_RANK", "0")), torch.cuda.device_count()
        if local_rank >= gpus:
            raise GanevalError(
                f"process {local_rank} of this machine has no GPU of its own ({gpus} here): start at most {gpus} "
                "processes per machine (--nproc-per-node), or set GANEVAL_DIST_BACKEND=gloo (and --device cpu)."
            )
        torch.cuda.set_device(local_rank)  # "cuda" and --device auto mean this process's GPU from here on
    return backend


@contextlib.contextmanager
def session() -> Iterator[World]:
    """The process group of a torchrun job for the block, then torn down; a single process when not
    launched as one of several, or when the group is already initialised (then left as it is)."""
    if not launched() or dist.is_initialized():
        yield world()
        return
    dist.init_process_group(_backend(), timeout=_timeout())
    try:
        yield world()
    finally:
        dist.destroy_process_group()


class RankLost(GanevalError):
    """A collective waited past the timeout for a rank that stopped answering: exit 2, and no further
    collective (each would wait out the timeout again for the same rank)."""


_MISSING = re.compile(r"Ranks? ([\d, ]+) failed to pass monitoredBarrier")
_LOST_SIGNS = ("timed out", "timeout", "monitoredbarrier", "connection closed", "connection reset")


def _lost(error: RuntimeError) -> RankLost:
    """The RankLost that a collective's timeout (or a vanished peer) means, naming the missing ranks where
    gloo's monitored barrier names them."""
    here, text = world(), str(error)
    missing = _MISSING.search(text)
    if missing:
        ranks = [int(rank) for rank in re.findall(r"\d+", missing.group(1))]
        who = f"rank{'s' if len(ranks) > 1 else ''} {', '.join(map(str, ranks))} of {here.size} stopped answering"
    elif "monitoredBarrier" in text:  # a rank other than 0: rank 0 gathers the barrier and names the missing
        who = f"rank {here.rank} waited in vain for rank 0, which names the rank that stopped answering"
    else:
        who = f"rank {here.rank} waited in vain for another rank, which stopped answering"
    return RankLost(
        f"{who} within GANEVAL_DIST_TIMEOUT ({_timeout().total_seconds():g} s): it hangs or is that much slower "
        "than the others (a stalled file system, a busy device). Find out why, or raise GANEVAL_DIST_TIMEOUT "
        "if its shard needs longer."
    )


@contextlib.contextmanager
def _collective() -> Iterator[None]:
    """A collective call: a timeout or a peer gone becomes RankLost; other errors pass as they are."""
    try:
        yield
    except RuntimeError as error:  # gloo's "Timed out waiting", NCCL's DistBackendError (a RuntimeError)
        lost = isinstance(error, dist.DistError) or any(sign in str(error).lower() for sign in _LOST_SIGNS)
        if lost:
            raise _lost(error) from error
        raise


def _wait_for_all() -> None:
    """Under gloo, a monitored barrier: after the timeout, rank 0's error names the ranks that did not come."""
    if dist.get_backend() == "gloo":
        with _collective():
            dist.monitored_barrier(timeout=_timeout(), wait_all_ranks=True)  # its default is 30 minutes


def _device() -> torch.device:
    """Where tensors go for a collective: this process's GPU under NCCL, else the CPU."""
    return torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")


def _all_gather(value):
    values = [None] * dist.get_world_size()
    with _collective():
        dist.all_gather_object(values, value)
    return values


def _failure(error: BaseException) -> tuple[str, str, str | None]:
    if isinstance(error, GanevalError):
        return "user", str(error), error.argument
    return "bug", "".join(traceback.format_exception(error)), None


def _raise_first(failures: list, own: BaseException | None) -> None:
    """Raise the lowest failing rank's error on every rank (this rank's own exception where it failed)."""
    for rank, failure in enumerate(failures):
        if failure is None:
            continue
        if own is not None:
            raise own
        kind, message, argument = failure
        if kind == "user":
            raise GanevalError(f"rank {rank}: {message}", argument=argument)
        raise RuntimeError(f"rank {rank} of {len(failures)} failed:\n{message}")


def each_rank(work: Callable[[], T]) -> T:
    """work() on every rank; if it fails on any rank, every rank raises (the lowest failing rank's error).
    Where the ranks wait for the slowest one (gloo: a monitored barrier names a rank that never comes)."""
    if world().size == 1:
        return work()
    try:
        value, own = work(), None
    except RankLost:
        raise  # a collective inside timed out: another one would wait out the timeout again
    except Exception as error:  # noqa: BLE001 (sent to the other ranks, then raised here too)
        value, own = None, error
    _wait_for_all()
    _raise_first(_all_gather(None if own is None else _failure(own)), own)
    return value


def computed_on_main(function: Callable[..., T]) -> Callable[..., T]:
    """`function` as usual on rank 0, its value (or its failure) then sent to every rank: the other
    ranks run it through the collective extraction and return (None) once their shards are sent, and get
    rank 0's value in its place. In a single process, `function` itself."""

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        if world().size == 1:
            return function(*args, **kwargs)
        own, message = None, None
        try:
            value = function(*args, **kwargs)  # on the other ranks: None, returned once their part is done
            message = ("value", value)
        except RankLost:
            raise  # no rank is left to answer a broadcast
        except Exception as error:  # noqa: BLE001 (rank 0's goes to the other ranks; all raise)
            own, message = error, ("failure", _failure(error))
        box = [message if world().main else None]
        with _collective():
            dist.broadcast_object_list(box, src=0)
        kind, payload = box[0]
        if kind == "failure":
            _raise_first([payload], own)
        return payload

    return wrapped


def agree(value: T) -> T:
    """Rank 0's value on every rank (a decision only rank 0 can make, such as a cache hit)."""
    if world().size == 1:
        return value
    box = [value if world().main else None]
    with _collective():
        dist.broadcast_object_list(box, src=0)
    return box[0]


def same_everywhere(what: str, facts: Callable[[], dict[str, dict]]) -> None:
    """Refuse, on every rank, to go on unless every rank's `facts()` equal rank 0's: what each rank sees and
    was asked to do ({"inputs": {...}, "settings": {...}, ...}, small and picklable), compared before anything
    is merged, so ranks that read different files or run different settings never add up to one made-up
    result. `what` names the subject ("the reference"). A failure of facts() on one rank is raised on every rank."""
    if world().size == 1:
        return
    every = _all_gather(each_rank(facts))
    differing = [
        f"rank {rank} ({', '.join(found)})" for rank, found in enumerate(_differences(every), start=1) if found
    ]
    if differing:
        raise GanevalError(
            f"the ranks of this job do not agree on {what}, so their shards cannot be merged: "
            f"{'; '.join(differing)}. Start every rank with the same command and the same files "
            "(a shared file system, or identical copies on each machine)."
        )


def _differences(every: list[dict[str, dict]]) -> list[list[str]]:
    """For each rank after 0, what differs from rank 0's facts: "GROUP KEY: VALUE on rank 0, VALUE on rank R"."""
    first = every[0]
    found = []
    for rank, theirs in enumerate(every[1:], start=1):
        found.append(
            [
                f"{group} {key}: {first.get(group, {}).get(key)!r} on rank 0, "
                f"{theirs.get(group, {}).get(key)!r} on rank {rank}"
                for group in sorted(first.keys() | theirs.keys())
                for key in sorted(first.get(group, {}).keys() | theirs.get(group, {}).keys())
                if first.get(group, {}).get(key) != theirs.get(group, {}).get(key)
            ]
        )
    return found


def all_reduce_stats(stats: GaussianStats | None, dim: int | None = None) -> GaussianStats:
    """Every rank's GaussianStats summed (float64), on every rank. A rank without samples passes None
    (then `dim`, or the width another rank reports, sizes its zeros)."""
    if world().size == 1:
        return stats
    dims = {d for d in _all_gather(None if stats is None else stats.dim) if d is not None} or ({dim} if dim else set())
    if len(dims) != 1:
        raise GanevalError(
            f"the ranks' features have different widths ({sorted(dims)}); they must come from one extractor."
        )
    width = dims.pop()
    stats = GaussianStats.empty(width) if stats is None else stats
    device = _device()
    flat = torch.from_numpy(np.concatenate([[float(stats.count)], stats.total, stats.outer.ravel()])).to(device)
    with _collective():
        dist.all_reduce(flat)  # float64 sums: exact for the count, round-off of one addition per rank for the rest
    summed = flat.cpu().numpy()
    return GaussianStats(
        int(round(summed[0])), summed[1 : 1 + width].copy(), summed[1 + width :].reshape(width, width).copy()
    )


def gather_objects(value: T) -> list[T] | None:
    """Every rank's (small, picklable) value in rank order on rank 0; None elsewhere."""
    values = _all_gather(value)
    return values if world().main else None


def send_rows(outputs: Outputs, receive: Callable[[Outputs], None]) -> None:
    """Every other rank's outputs to rank 0, one rank at a time in rank order: rank 0 calls
    `receive` with rank 1's rows, then rank 2's, ... (its own come first, from the caller); the
    other ranks send theirs. Ranks without rows send nothing."""
    layouts = _all_gather({key: (np.asarray(array).dtype.str, np.shape(array)) for key, array in outputs.items()})
    device = _device()
    if not world().main:
        for array in outputs.values():
            array = np.ascontiguousarray(array)
            tensor = torch.from_numpy(array.view(np.uint8) if array.dtype == np.bool_ else array)
            with _collective():
                dist.send(tensor.to(device), dst=0)
        return
    failure = None
    for rank, layout in enumerate(layouts[1:], start=1):
        if not layout:
            continue
        part = {}
        for key, (dtype, shape) in layout.items():
            dtype = np.dtype(dtype)
            wire = np.dtype(np.uint8) if dtype == np.bool_ else dtype
            buffer = torch.empty(shape, dtype=torch.from_numpy(np.empty(0, wire)).dtype, device=device)
            with _collective():
                dist.recv(buffer, src=rank)
            array = buffer.cpu().numpy()
            part[key] = array.astype(np.bool_) if dtype == np.bool_ else array
        if failure is None:
            try:
                receive(part)
            except Exception as error:  # noqa: BLE001 (raised once every rank has sent: none is left waiting)
                failure = error
    if failure is not None:
        raise failure


def silenced() -> contextlib.AbstractContextManager:
    """stdout and stderr to /dev/null: what ranks other than 0 print (progress bars, warnings, messages)."""
    sink = open(os.devnull, "w")  # noqa: SIM115 (closed by the ExitStack)
    stack = contextlib.ExitStack()
    stack.enter_context(sink)
    stack.enter_context(contextlib.redirect_stdout(sink))
    stack.enter_context(contextlib.redirect_stderr(sink))
    return stack


__all__ = [
    "World",
    "agree",
    "all_reduce_stats",
    "alone",
    "computed_on_main",
    "each_rank",
    "gather_objects",
    "launched",
    "RankLost",
    "same_everywhere",
    "send_rows",
    "session",
    "silenced",
    "world",
]
