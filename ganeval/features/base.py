"""The feature-extractor interface: one pass over the images feeds every metric.

An extractor turns a batch of samples into named per-sample outputs:
  "features": N x D float64   (FID, KID, precision/recall/density/coverage)
  "logits":   N x C float64   (Inception Score), optional
  "modes":    N int64         (mode coverage), optional
  "high_quality": N bool      (2-D mixtures: within 3 std of the mode centre), optional
  "spatial":  N x S float64   (sFID: inception's mixed_6/conv features), optional, when asked for
Image extractors take uint8 tensors N x C x H x W with C == `channels` (the loaders convert
grayscale, RGBA, palette and 16-bit images first); the points extractor takes float N x 2.

An image extractor whose preprocessing is CPU work (PIL resizing) may split `extract` in two: `cpu_step`, a
picklable function from uint8 images to the network's input, which `extract_files` runs in its DataLoader
workers beside the decoding, and `extract_prepared`, the network on that input, in the main process.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ganeval.errors import GanevalError
from ganeval.options import Extraction

OUTPUTS = ("features", "logits", "modes", "high_quality", "spatial")


class Extractor(abc.ABC):
    """Base class; subclasses set the attributes below and implement `extract`."""

    name: str  # registry name, part of every cache key and of the provenance
    kind: str = "images"  # "images" (uint8 N x C x H x W) or "points" (float N x 2)
    channels: int = 3  # image channels the extractor takes: 1 (grayscale) or 3 (RGB)
    preprocessing: str = ""  # human-readable: conversions and resizing, shown in the provenance
    weights_sha256: str | None = None  # hash of the weights file; None for weight-free extractors
    code_sha256: str | None = None  # hash of the source of an extractor from outside ganeval (features/custom.py)
    n_modes: int | None = None  # number of distinct values "modes" can take, when it gives modes
    device: torch.device = torch.device("cpu")  # where its network runs (ganeval.device.resolve_device)
    precision: str = "fp32"  # "fp32", or "bf16" (torch.autocast on the forward): part of the cache key
    # uint8 N x C x H x W (one size) -> the network's input, run where the images are decoded; None: no such step.
    # Set on the instance (a class attribute would bind as a method), to a module-level function or a
    # functools.partial of one: it is pickled to every DataLoader worker, and a bound method would take the
    # whole extractor, network included, with it.
    cpu_step: Callable[[torch.Tensor], torch.Tensor] | None = None

    @abc.abstractmethod
    def extract(self, batch: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
        """Named outputs (see module docstring) for one batch, as numpy arrays. With a `cpu_step`, the same as
        `extract_prepared(cpu_step(batch))`."""

    def extract_prepared(self, inputs: torch.Tensor) -> dict[str, np.ndarray]:
        """Named outputs for what `cpu_step` made of a batch (images of any sizes, concatenated once prepared):
        the rest of `extract`. Only extractors with a `cpu_step` have it."""
        raise NotImplementedError(f"the {self.name} extractor has no cpu_step, so nothing to extract_prepared")

    def preprocessing_for(self, sizes) -> str:
        """The preprocessing that images of these (height, width) sizes go through: by default
        `preprocessing`, whatever the size. A pure function of the inputs: extracting never changes
        the extractor, so its provenance (and the cache keys built from it) stay put."""
        return self.preprocessing

    def provenance(self) -> dict[str, object]:
        """What made the features (the cache key's extractor part); the precision only when not fp32 and
        the code's hash only when there is one, so the keys and baselines of ganeval's own extractors at fp32
        stay as they were."""
        made = {
            "extractor": self.name,
            "weights_sha256": self.weights_sha256,
            "preprocessing": self.preprocessing,
        }
        if self.code_sha256 is not None:
            made["code_sha256"] = self.code_sha256
        return made if self.precision == "fp32" else {**made, "precision": self.precision}


def as_uint8_batch(batch, channels: int, extractor: str) -> torch.Tensor:
    """A uint8 tensor N x channels x H x W from a tensor or numpy array; ValueError saying what is wrong."""
    if isinstance(batch, np.ndarray):
        batch = torch.from_numpy(np.array(batch))  # a writable, contiguous copy (read-only and flipped views too)
    if not isinstance(batch, torch.Tensor):
        raise GanevalError(
            f"batch must be a uint8 torch tensor or numpy array N x {channels} x H x W; got {type(batch).__name__}."
        )
    if batch.dtype != torch.uint8:
        raise GanevalError(
            f"batch must have dtype uint8 (pixel values 0..255); got {batch.dtype}. "
            "Convert images in [0, 1] with (x.clamp(0, 1) * 255).round().to(torch.uint8)."
        )
    if batch.ndim != 4 or batch.shape[1] != channels:
        hint = (
            " (channels last? use batch.permute(0, 3, 1, 2))" if batch.ndim == 4 and batch.shape[-1] == channels else ""
        )
        raise GanevalError(
            f"batch must have shape N x {channels} x H x W for the {extractor} extractor; "
            f"got {tuple(batch.shape)}{hint}."
        )
    return batch


def weights_of(weights: str | Path | None, extraction: Extraction) -> str | Path | None:
    """The weights file an extractor is built with: `weights` when given, else the extraction's (None: looked up).
    Two different files are refused rather than one of them silently used."""
    if weights is None:
        return extraction.weights
    if extraction.weights is not None and str(weights) != extraction.weights:
        raise GanevalError(
            f"weights={str(weights)!r} and the extraction's weights {extraction.weights!r} are two files; give one.",
            argument="weights",
        )
    return weights


def refuse_resize(name: str, extraction: Extraction) -> None:
    """An extractor with one way to prepare its images refuses a chosen resize (inception's choice)."""
    if extraction.resize is not None:
        raise GanevalError(
            f"the {name} extractor has one way to prepare its images (it takes no resize); "
            f"drop --resize {extraction.resize}, which chooses inception's resizing.",
            argument="resize",
        )


def sha256_of_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
