"""Where the reference networks train: on any device, with every random draw still made on the CPU.

The seeded torch.Generators that draw batches, noise and the losses' random numbers live on the CPU,
so a seed gives the same draws on every device; `to_device` moves what they drew to the networks
(`device_of`), without waiting for the copy (non_blocking). Checkpoints hold CPU tensors only
(`to_cpu`), so a run trained on a GPU resumes or samples on the CPU and the other way round. On
the CPU both are no-ops that return the very tensors they are given: a CPU run is bit for bit the
run it was before networks could move.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def device_of(module: nn.Module) -> torch.device:
    """The device of the module's weights (the CPU for a module without parameters)."""
    first = next(module.parameters(), None)
    return torch.device("cpu") if first is None else first.device


def to_device(value: Any, device: torch.device) -> Any:
    """Tensors in `value` (a tensor, or tuples, named tuples, lists and dicts of them) on `device`;
    anything else as it is. A tensor already there is returned itself."""
    return _map(value, lambda tensor: tensor.to(device, non_blocking=True))


def to_cpu(value: Any) -> Any:
    """Tensors in `value` (state dicts, optimiser states: nested dicts, lists and tuples) on the CPU,
    what checkpoints hold. A CPU tensor is returned itself."""
    return _map(value, lambda tensor: tensor.cpu())


def _map(value: Any, move) -> Any:
    if isinstance(value, torch.Tensor):
        return move(value)
    if isinstance(value, dict):
        moved = type(value)((key, _map(item, move)) for key, item in value.items())
        if hasattr(value, "_metadata"):  # a state dict's layer versions, which load_state_dict reads
            moved._metadata = value._metadata
        return moved
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple (cyclegan's Translation)
        return type(value)(*(_map(item, move) for item in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_map(item, move) for item in value)
    return value
