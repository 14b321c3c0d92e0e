"""Deterministic stand-in weights for DINOv2 (timm's architecture), for tests and benchmarks.

The real files (88 MB to 4.5 GB) cannot be downloaded in CI. timm's own random initialisation is
no substitute: its layer scales start at 1e-5, so every block adds almost nothing and the CLS
token comes out nearly the same for every image. These weights are drawn from a seeded
generator, with timm's scales (linear weights and position embedding N(0, 0.02), biases 0, norms
1 and 0) and one calibration: every layer scale is 1.0, as in Meta's torch.hub models before
training, so the CLS token mixes the image's patches through all blocks and different image sets
get clearly different features (a Frechet distance many times that between two halves of one set).
Drawing the tensors directly is also fast: timm's truncated-normal initialisation of ViT-L/14
takes about 15 s on two cores; this takes about 2.

The state is laid out as the released files are, on the 37 x 37 position grid of 518-pixel
training: `save_timm` writes timm's model.safetensors layout, `save_meta` Meta's
dinov2_<arch>_pretrain.pth (plus mask_token; ViT-g's SwiGLU as w12/w3).

    from dinov2_test_weights import make_test_state, save_meta, save_timm
    state = make_test_state("vits14", seed=0)
    save_meta(tmp_path / "dinov2_vits14_pretrain.pth", state)
"""

from __future__ import annotations

from pathlib import Path

import torch
from clip_test_weights import write_file

TRAINING_SIZE = 518  # the released weights' position grid: 518 / 14 = 37


def make_test_state(arch: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """A calibrated random state dict of timm's DINOv2 `arch` at 518 pixels (see the module docstring)."""
    import timm

    from ganeval.features.dinov2 import ARCHS

    with torch.device("meta"):
        shapes = timm.create_model(ARCHS[arch].timm, pretrained=False, num_classes=0, img_size=TRAINING_SIZE)
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, meta in shapes.state_dict().items():
        if key.endswith(".gamma"):
            value = torch.ones(meta.shape)  # the calibration: layer scale 1.0
        elif "norm" in key:
            value = torch.ones(meta.shape) if key.endswith("weight") else torch.zeros(meta.shape)
        elif key.endswith("bias"):
            value = torch.zeros(meta.shape)
        else:  # linear and patch weights, cls token, position embedding
            value = torch.randn(meta.shape, generator=generator) * 0.02
        state[key] = value.contiguous()
    return state


def meta_layout(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same tensors under Meta's keys: a mask_token, and ViT-g's SwiGLU fc1/fc2 as w12/w3."""
    if _swiglu(state):
        state = {key.replace(".mlp.fc1.", ".mlp.w12.").replace(".mlp.fc2.", ".mlp.w3."): v for key, v in state.items()}
    return {**state, "mask_token": torch.zeros(1, state["cls_token"].shape[-1])}


def _swiglu(state: dict[str, torch.Tensor]) -> bool:
    """ViT-g's packed SwiGLU: fc1 is twice as wide as fc2's input."""
    return state["blocks.0.mlp.fc1.weight"].shape[0] == 2 * state["blocks.0.mlp.fc2.weight"].shape[1]


def save_meta(path: str | Path, state: dict[str, torch.Tensor]) -> Path:
    """Meta's layout as a torch file (what torch.hub's dinov2 loads), written atomically."""
    return write_file(path, lambda stream: torch.save(meta_layout(state), stream))


def save_timm(path: str | Path, state: dict[str, torch.Tensor]) -> Path:
    """timm's layout as safetensors (what timm/vit_*_patch14_dinov2.lvd142m's model.safetensors holds)."""
    from safetensors.torch import save

    return write_file(path, lambda stream: stream.write(save(state)))
