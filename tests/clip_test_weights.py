"""Deterministic stand-in weights for CLIP's image tower (open_clip's architecture), for tests and benchmarks.

The real files (600 MB to 1.7 GB) cannot be downloaded in CI. These tensors are drawn from a seeded
generator in open_clip's layout ("visual.*" keys of `CLIP.state_dict()`, the keys of open_clip's
open_clip_model.safetensors; the text tower, which image embeddings never use, is left out to keep the
files small). Scales: patch, attention and MLP weights, class and position embeddings N(0, 0.02), the
final projection N(0, width^-1/2) so embeddings come out near unit scale, biases 0, layer norms 1 and 0.
With these, different image sets get clearly different embeddings (see test_clip's calibration test).
Drawing the tensors directly is also faster than open_clip's random initialisation of the whole model.

    from clip_test_weights import make_test_state, save_safetensors, save_torch
    state = make_test_state("ViT-B-32", seed=0)
    save_safetensors(tmp_path / "open_clip_model.safetensors", state)
"""

from __future__ import annotations

from pathlib import Path

import torch

from ganeval.atomic import atomic_write


def make_test_state(arch: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """A seeded random state dict of open_clip's CLIP `arch` image tower ("visual.*" keys; module docstring)."""
    import open_clip

    config = {**open_clip.get_model_config(arch), "quick_gelu": True}
    with torch.device("meta"):
        shapes = open_clip.CLIP(**config).visual.state_dict()
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, meta in shapes.items():
        if key.startswith("ln_") or ".ln_" in key:
            value = torch.ones(meta.shape) if key.endswith("weight") else torch.zeros(meta.shape)
        elif key.endswith("bias"):
            value = torch.zeros(meta.shape)
        elif key == "proj":
            value = torch.randn(meta.shape, generator=generator) * meta.shape[0] ** -0.5
        else:  # patch, attention and MLP weights, class embedding, position embedding
            value = torch.randn(meta.shape, generator=generator) * 0.02
        state[f"visual.{key}"] = value.contiguous()
    return state


def save_safetensors(path: str | Path, state: dict[str, torch.Tensor]) -> Path:
    """open_clip's open_clip_model.safetensors layout, written atomically."""
    from safetensors.torch import save

    return write_file(path, lambda stream: stream.write(save(state)))


def save_torch(path: str | Path, state: dict[str, torch.Tensor]) -> Path:
    """open_clip's open_clip_pytorch_model.bin layout (a plain torch state dict), written atomically."""
    return write_file(path, lambda stream: torch.save(state, stream))


def write_file(path: str | Path, write) -> Path:
    """Write through `write(stream)` to `path`, atomically (ganeval.atomic): a test never reads half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as stream:
        write(stream)
    return path
