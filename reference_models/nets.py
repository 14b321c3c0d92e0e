"""Small networks sized for a CPU."""

from __future__ import annotations

from torch import nn


def mlp(inputs: int, hidden: int, outputs: int, layers: int = 3, leaky: bool = False) -> nn.Sequential:
    """`layers` hidden layers of width `hidden`; ReLU (generator) or LeakyReLU(0.2) (discriminator)."""
    modules, width = [], inputs
    for _ in range(layers):
        modules += [nn.Linear(width, hidden), nn.LeakyReLU(0.2) if leaky else nn.ReLU()]
        width = hidden
    modules.append(nn.Linear(width, outputs))
    return nn.Sequential(*modules)
