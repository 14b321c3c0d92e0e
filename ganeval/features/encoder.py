"""Image encoders built from other libraries' architectures (`dinov2` on timm, `clip` on open_clip): one way to
load and run them.

A subclass says which library it needs, its sizes (`archs`: each with its feature width `dim`), how a size is
named, where its weights are found and how they become a network, and the module-level function that makes the
network's input from uint8 images (its `cpu_step`, run in the decoding workers by `extract_files`).
`EncoderExtractor` does the rest the same way for all: the device and precision are checked before the slow load,
the weights are found and read as data (never downloaded: `ganeval.features.weightfiles`), the file's
sha256 goes into the provenance and cache key, and the forward runs under `extraction_context` and returns float64.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from ganeval.device import check_precision, extraction_context, resolve_device
from ganeval.errors import GanevalError
from ganeval.features.base import Extractor, as_uint8_batch, refuse_resize, sha256_of_file, weights_of
from ganeval.features.weightfiles import WeightsFile, missing_library
from ganeval.options import Extraction


class EncoderExtractor(Extractor):
    """An image encoder of `arch`'s size with the weights in `weights` (None: the extraction's, else looked up), on
    the extraction's device at its precision (None: the CPU at fp32; a resize is refused: the preprocessing is the
    encoder's own). The loose keywords device= and precision= of the release before still work, with a
    DeprecationWarning. Raises WeightsNotFound (no file) or WeightsInvalid (unreadable, code, or not this size's
    tensors)."""

    kind = "images"
    channels = 3
    library: ClassVar[tuple[str, str]]  # (module imported, pip package named when it is missing)
    archs: ClassVar[Mapping[str, Any]]  # size -> its spec, which has `dim`
    default_arch: ClassVar[str]

    def __init__(
        self,
        weights: str | Path | None = None,
        *,
        extraction: Extraction | None = None,
        arch: str | None = None,
        **keywords,
    ):
        extraction = Extraction.merged(extraction, type(self).__name__, keywords, device="cpu")
        arch = self.default_arch if arch is None else arch
        if arch not in self.archs:
            raise GanevalError(f"arch must be one of {', '.join(self.archs)}; got {arch!r}.", argument="arch")
        self.arch = arch
        self.name = self.name_of(arch)
        refuse_resize(self.name, extraction)
        self.cpu_step = self.preprocessor(arch)
        self.device = resolve_device(extraction.device)  # a bad device fails before the slow load
        self.precision = check_precision(extraction.precision)
        module, package = self.library
        try:
            importlib.import_module(module)
        except ImportError:
            raise missing_library(package, self.name) from None
        source = self.weights_file(arch)
        self.weights_path, self.weights_source = source.find(weights_of(weights, extraction))
        self.check_file(self.weights_path, source)
        state = source.read(self.weights_path)
        try:
            network = self.build_network(arch, state)
        except Exception as error:  # noqa: BLE001 - wrong keys or shapes: the file holds other weights
            raise source.invalid(self.weights_path, error) from None
        self.weights_sha256 = sha256_of_file(self.weights_path)
        self.network = network.to(self.device)

    @property
    def dim(self) -> int:
        return self.archs[self.arch].dim

    def name_of(self, arch: str) -> str:
        """The registry name of a size."""
        raise NotImplementedError

    def weights_file(self, arch: str) -> WeightsFile:
        """Where the weights of a size come from."""
        raise NotImplementedError

    def check_file(self, path: Path, source: WeightsFile) -> None:
        """Refuse a file before it is read (clip: TorchScript archives); by default, nothing to refuse."""

    def build_network(self, arch: str, state: dict) -> torch.nn.Module:
        """The network of a size with the tensors of `state`, in eval mode; raises what loading raises on a misfit."""
        raise NotImplementedError

    def preprocessor(self, arch: str) -> Callable[[torch.Tensor], torch.Tensor]:
        """The `cpu_step` of a size: a module-level function (picklable without the network) from uint8 RGB
        images N x 3 x H x W to uint8 images of the network's input size (PIL's resizing and cropping). uint8
        keeps the batches the decoding workers send through shared memory a quarter of float32's size."""
        raise NotImplementedError

    def input_stats(self, arch: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The (mean, std) per channel the network's input is normalised with, after /255."""
        raise NotImplementedError

    def extract(self, batch: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
        """{"features": N x dim float64} for uint8 RGB images N x 3 x H x W of any size."""
        batch = as_uint8_batch(batch, 3, f"{self.name} (RGB)")
        if batch.shape[0] == 0:
            return {"features": np.zeros((0, self.dim))}
        return self.extract_prepared(self.cpu_step(batch))

    def extract_prepared(self, inputs: torch.Tensor) -> dict[str, np.ndarray]:
        """{"features": N x dim float64} for uint8 images as `cpu_step` makes them: normalised on the device
        (`normalise`: correctly rounded float32 operations, the same values on any device), then the network."""
        if inputs.shape[0] == 0:
            return {"features": np.zeros((0, self.dim))}
        inputs = inputs.to(self.device, non_blocking=True)  # non_blocking: from pinned memory
        inputs = normalise(inputs, *self.input_stats(self.arch))
        with extraction_context(self.device, self.precision):  # TF32 off; bf16 autocast when asked
            features = self.network(inputs)
        return {"features": features.float().cpu().numpy().astype(np.float64)}


def normalise(images: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
    """uint8 images N x C x H x W as float32: /255, then (x - mean) / std per channel, in that order (what
    torchvision's ToTensor and Normalize do, which dgm-eval and clean-fid use)."""
    scaled = images.to(torch.float32).div(255)
    mean_ = torch.tensor(mean, dtype=torch.float32, device=images.device).view(1, -1, 1, 1)
    std_ = torch.tensor(std, dtype=torch.float32, device=images.device).view(1, -1, 1, 1)
    return scaled.sub(mean_).div(std_)
