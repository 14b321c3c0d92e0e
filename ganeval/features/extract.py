"""One pass of an extractor over image files or an in-memory array, batched, with a progress bar.

Files are decoded in DataLoader worker processes, which also run the extractor's `cpu_step` when it has one
(its PIL resizing: a few hundred images/s per core, which would otherwise cap a GPU's throughput); the network
runs in the main process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from ganeval.data.images import convert_channels, decode_image
from ganeval.errors import GanevalError
from ganeval.features.base import Extractor
from ganeval.metrics import GaussianStats
from ganeval.metrics._checks import positive_int
from ganeval.options import CPU_BATCH_SIZE, Extraction


class _ImageFiles(Dataset):
    """Decodes one file per item; a failure comes back as a message, so the caller decides."""

    def __init__(self, files: list[Path], channels: int):
        self.files, self.channels = files, channels

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int):
        try:
            return decode_image(self.files[index], self.channels), None
        except ValueError as error:
            return None, str(error)


class _Batch(NamedTuple):
    """One DataLoader batch, stacked in the worker that decoded it: runs of same-size images as uint8
    tensors (in file order), or with a cpu_step the network's input for all of them as one tensor; the
    (height, width) of the decoded images, the messages of the files that failed, and how many files it covers."""

    groups: list[torch.Tensor]
    sizes: set[tuple[int, int]]
    errors: list[str]
    files: int


def _stack(
    items: list[tuple[np.ndarray | None, str | None]], cpu_step: Callable[[torch.Tensor], torch.Tensor] | None = None
) -> _Batch:
    """The DataLoader's collate function: images of one size batch together (sizes may vary), so the
    main process only runs the network; with pin_memory the tensors come back page-locked. With the
    extractor's `cpu_step` (functools.partial), each run goes through it here, and the results, all of the
    network's input size, are joined into one tensor: the main process calls `extract_prepared` once."""
    images = [image for image, _ in items if image is not None]
    groups, start = [], 0
    while start < len(images):
        stop = start + 1
        while stop < len(images) and images[stop].shape == images[start].shape:
            stop += 1
        groups.append(torch.from_numpy(np.stack(images[start:stop])))
        start = stop
    sizes = {tuple(group.shape[-2:]) for group in groups}
    if cpu_step is not None and groups:
        prepared = [cpu_step(group) for group in groups]
        groups = [prepared[0] if len(prepared) == 1 else torch.cat(prepared)]
    return _Batch(groups, sizes, [message for _, message in items if message], len(items))


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not parts:
        return {}
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


class Sink(Protocol):
    """Where extraction sends each batch's outputs: held in memory (`Collected`), summed for FID alone
    (`Sums`), or streamed to a cache entry on disk (`ganeval.cache.entries.EntryWriter`)."""

    count: int

    def add(self, outputs: dict[str, np.ndarray]) -> None: ...

    def result(self) -> dict: ...


class Collected:
    """Every batch kept, joined at the end: the per-sample outputs as arrays."""

    def __init__(self):
        self.parts: list[dict[str, np.ndarray]] = []
        self.count = 0

    def add(self, outputs: dict[str, np.ndarray]) -> None:
        self.parts.append(outputs)
        self.count += len(outputs["features"])

    def result(self) -> dict[str, np.ndarray]:
        return _concat(self.parts)


class Sums:
    """The features' float64 sums alone (FID needs nothing else): memory O(D^2), whatever the number
    of samples. The result is {"gaussian": GaussianStats}, and "features" while they are no more
    than their dimension D (a singular covariance: FID then takes it from the features themselves,
    `metrics.fid_from_sums`), so the memory bound is N x D for N <= D, then D^2."""

    def __init__(self):
        self.gaussian: GaussianStats | None = None
        self.count = 0
        self.kept: list[np.ndarray] | None = []

    def add(self, outputs: dict[str, np.ndarray]) -> None:
        features = np.asarray(outputs["features"], dtype=np.float64)
        self.gaussian = GaussianStats.accumulate(self.gaussian, features)
        self.count += len(features)
        if self.kept is not None:
            if self.count <= self.gaussian.dim:
                self.kept.append(features)
            else:
                self.kept = None

    def result(self) -> dict:
        kept = {} if self.kept is None else {"features": np.concatenate(self.kept)}
        return {"gaussian": self.gaussian, **kept}


def _bar(total: int, progress: bool, desc: str):
    # disable=None lets tqdm switch itself off when the output is not a terminal
    return tqdm(total=total, disable=None if progress else True, unit="img", desc=desc, leave=False)


def _on_cuda(extractor: Extractor) -> bool:
    device = getattr(extractor, "device", None)
    return device is not None and torch.device(device).type == "cuda"


def host_batch(images: np.ndarray, extractor: Extractor) -> torch.Tensor:
    """A batch as the extractor takes it: in page-locked (pinned) memory when its network is on CUDA,
    so that its copy to the GPU (`non_blocking=True`) runs asynchronously at full bandwidth."""
    batch = torch.from_numpy(images)
    return batch.pin_memory() if _on_cuda(extractor) else batch


class NothingDecoded(GanevalError):
    """Not one of the files could be decoded (with skip_bad: all were skipped); `skipped` holds their messages."""

    def __init__(self, message: str, skipped: list[str]):
        super().__init__(message)
        self.skipped = skipped


def default_workers(n_files: int) -> int:
    """Decoding workers: none for small jobs (process start-up costs more than it saves)."""
    return 0 if n_files < 512 else min(4, os.cpu_count() or 1)


def extract_files(
    files: list[Path],
    extractor: Extractor,
    extraction: Extraction = Extraction(),
    *,
    desc: str = "features",
    sizes: set[tuple[int, int]] | None = None,
    sink: Sink | None = None,
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Extractor outputs for image files (rows in file order) and the messages of skipped files.

    extraction: its batch size (None: CPU_BATCH_SIZE), workers (None: `default_workers`), skip_bad and progress.
    sizes: a set the (height, width) of the decoded images are added to (for `preprocessing_for`).
    sink: where the batches go (default `Collected`: the outputs as arrays); the outputs are its result."""
    batch_size = extraction.batch_size or CPU_BATCH_SIZE
    workers = default_workers(len(files)) if extraction.workers is None else extraction.workers
    skip_bad, progress = extraction.skip_bad, extraction.progress
    pinned = _on_cuda(extractor)  # page-locked batches: the copy to the GPU runs asynchronously (non_blocking)
    dataset = _ImageFiles(files, extractor.channels)
    step = extractor.cpu_step  # picklable without the network: it travels to each worker
    collate = _stack if step is None else functools.partial(_stack, cpu_step=step)
    run = extractor.extract if step is None else extractor.extract_prepared
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, collate_fn=collate, pin_memory=pinned)
    sink, skipped = Collected() if sink is None else sink, []
    with _bar(len(files), progress, desc) as bar:
        for batch in loader:
            if batch.errors and not skip_bad:
                raise GanevalError(batch.errors[0])
            skipped += batch.errors
            for group in batch.groups:
                sink.add(run(group))
            if sizes is not None:
                sizes.update(batch.sizes)
            bar.update(batch.files)
    if not sink.count:
        raise NothingDecoded(
            f"none of the {len(files)} image files could be decoded; the first error was: {skipped[0]}", skipped
        )
    return sink.result(), skipped


def extract_array(
    samples: np.ndarray,
    kind: str,
    extractor: Extractor,
    batch_size: int = 64,
    progress: bool = True,
    desc: str = "features",
    sink: Sink | None = None,
) -> dict[str, np.ndarray]:
    """Extractor outputs for in-memory samples: uint8 images N x C x H x W, or points N x 2.

    sink: where the batches go (default `Collected`: the outputs as arrays); the outputs are its result."""
    if kind != extractor.kind:
        raise GanevalError(
            f"the {extractor.name} extractor takes {extractor.kind}, but these samples are {kind}; "
            f"use --extractor {'points' if kind == 'points' else 'digits or inception'}."
        )
    batch_size = positive_int(batch_size, "batch_size")
    if len(samples) == 0:
        raise GanevalError(f"no {kind} to extract features from; pass at least 2 samples.")
    sink = Collected() if sink is None else sink
    if kind == "points":
        sink.add(extractor.extract(samples))
        return sink.result()
    samples = convert_channels(samples, extractor.channels)
    with _bar(len(samples), progress, desc) as bar:
        for start in range(0, len(samples), batch_size):
            batch = samples[start : start + batch_size]
            sink.add(extractor.extract(host_batch(np.array(batch), extractor)))  # a writable copy
            bar.update(len(batch))
    return sink.result()
