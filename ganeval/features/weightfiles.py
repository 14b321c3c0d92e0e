"""Finding and reading an encoder's weights file without downloading it and without running its code.

The encoders that come from other libraries (`dinov2` through timm, `clip` through open_clip) look
for their weights in one order: the `weights` argument (the CLI's --weights), an environment
variable, then the places their own libraries cache them. Nothing is downloaded: a missing file is
`WeightsNotFound` naming the file, where to get it and where to put it. Files are data: a
`.safetensors` file is read by safetensors (tensors only), anything else by `torch.load(weights_only=True)`
(`ganeval.torchfile`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ganeval.errors import GanevalError
from ganeval.torchfile import load_plain


class WeightsNotFound(GanevalError):
    """No weights file for an encoder: none given, none in its environment variable or caches."""


class WeightsInvalid(GanevalError):
    """A weights file exists but cannot be read as plain tensors, or does not fit the network."""


@dataclass(frozen=True)
class WeightsFile:
    """Where an encoder's weights come from and how to get them.

    what: the encoder, for messages ("DINOv2 ViT-L/14"); file: the file's usual name; url: where to
    download it; env: the environment variable that may name it; caches: the paths where libraries
    keep it (a glob pattern is allowed in the last parts, e.g. Hugging Face's snapshots/*/...)."""

    what: str
    file: str
    url: str
    env: str
    caches: tuple[Path, ...] = ()

    def how_to_get(self) -> str:
        # a Hugging Face snapshot folder may have any name: "main" is one the lookup finds
        first = Path(str(self.caches[0]).replace("*", "main")) if self.caches else Path("<any folder>") / self.file
        return (
            f"Download {self.file} from {self.url} and pass its path with --weights PATH, set {self.env}=PATH, "
            f"or put it at {first}."
        )

    def find(self, weights: str | Path | None = None) -> tuple[Path, str]:
        """(path, source): source is "argument", "environment" or "cache". A path given that does not
        exist is an error, never skipped; none found is WeightsNotFound with the instructions."""
        if weights is not None:
            return self._existing(weights, "the weights argument (--weights)"), "argument"
        if os.environ.get(self.env):
            return self._existing(os.environ[self.env], f"the environment variable {self.env}"), "environment"
        for pattern in self.caches:
            for path in sorted(_expand(pattern)):
                if path.is_file():
                    return path, "cache"
        looked = ", ".join(str(path) for path in self.caches) or "no cache"
        raise WeightsNotFound(
            f"{self.what} weights not found: no --weights, {self.env} is not set, and none of {looked} exists "
            f"(ganeval never downloads them). {self.how_to_get()}",
            argument="--weights",
        )

    def _existing(self, path: str | Path, source: str) -> Path:
        resolved = Path(path).expanduser()
        if not resolved.is_file():
            problem = "is a directory, not a file" if resolved.is_dir() else "does not exist"
            raise WeightsNotFound(
                f"{self.what} weights file {str(resolved)!r} (from {source}) {problem}. {self.how_to_get()}",
                argument="--weights",
            )
        return resolved

    def read(self, path: Path) -> dict:
        """The file's tensors as a flat state dict, read without running code; WeightsInvalid names the file."""
        fix = f"Replace it with {self.file} from {self.url}."
        if path.suffix == ".safetensors":
            from safetensors import SafetensorError
            from safetensors.torch import load_file

            try:
                return load_file(str(path), device="cpu")
            except (SafetensorError, OSError, ValueError) as error:
                raise WeightsInvalid(
                    f"{self.what} weights file {path} is not a readable safetensors file ({error}). {fix}",
                    argument="--weights",
                ) from None
        try:
            state = load_plain(path, f"{self.what} weights file", fix)
        except GanevalError as error:
            raise WeightsInvalid(str(error), argument="--weights") from None
        for key in ("state_dict", "model", "teacher"):  # checkpoints that nest the weights one level down
            if isinstance(state, dict) and isinstance(state.get(key), dict) and not _tensors(state):
                state = state[key]
        if not isinstance(state, dict) or not _tensors(state):
            raise WeightsInvalid(f"{self.what} weights file {path} holds no state dict of tensors. {fix}")
        return state

    def invalid(self, path: Path, error: Exception) -> WeightsInvalid:
        """The error for a file whose tensors do not fit the network (wrong keys or shapes)."""
        detail = " ".join(str(error).split())[:300]
        return WeightsInvalid(
            f"{self.what} weights file {str(path)!r} does not fit the network ({type(error).__name__}: {detail}). "
            f"Replace it with {self.file} from {self.url}.",
            argument="--weights",
        )


def _tensors(state: dict) -> bool:
    import torch

    return any(isinstance(value, torch.Tensor) for value in state.values())


def _expand(pattern: Path):
    """The paths a cache pattern names: itself, or its glob matches when it holds '*'."""
    text = str(pattern)
    if "*" not in text:
        return [pattern]
    anchor = Path(text[: text.index("*")]).parent
    return anchor.glob(str(Path(text).relative_to(anchor))) if anchor.is_dir() else []


def hub_cache() -> Path:
    """torch.hub's checkpoint folder (where torch.hub, dgm-eval and torch-fidelity keep downloads)."""
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints"


def hf_cache() -> Path:
    """The Hugging Face hub cache (where timm and open_clip keep downloads): $HF_HUB_CACHE, $HF_HOME/hub,
    else ~/.cache/huggingface/hub."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    return Path(home) / "hub"


def hf_snapshot(repo: str, file: str) -> Path:
    """The cache pattern of `file` of Hugging Face repository `repo` ("timm/vit_large_patch14_dinov2.lvd142m")."""
    return hf_cache() / f"models--{repo.replace('/', '--')}" / "snapshots" / "*" / file


def missing_library(package: str, extractor: str) -> GanevalError:
    """The error when an encoder's library is not installed."""
    return GanevalError(
        f"the {extractor} extractor needs the {package} package, which is not installed; "
        f'install it with: pip install "ganeval[encoders]" (or pip install {package}).',
        argument="--extractor",
    )
