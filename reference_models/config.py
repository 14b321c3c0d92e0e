"""Training settings: one frozen dataclass; each variant owns its defaults, users override keys.

Every value is checked when a config is made (defaults, `--set`, a checkpoint's saved settings), so
a bad value stops before training with the key, the value and the allowed range, instead of a
traceback from deep inside torch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import NamedTuple

from ganeval.errors import GanevalError

MAX_STEPS = 10_000_000  # far beyond any CPU budget; a larger number is a typo
MAX_BATCH = 65_536  # samples per batch: more would not fit a CPU's memory with these networks
MAX_WIDTH = 4_096  # z_dim and hidden: layers wider than this are not "small nets sized for CPU"
MIN_EVAL_N, MAX_EVAL_N = 10, 100_000  # evaluation samples: k-NN metrics need a few; all are held in memory
MAX_SEED = 2**32 - 1  # numpy's seed range, which the metrics' subsampling shares


class Limit(NamedTuple):
    """The allowed values of one numeric setting: kind (int or float), low..high, and what it means."""

    kind: type
    low: float
    high: float
    meaning: str
    low_open: bool = False  # True: low itself is not allowed (learning rates must be > 0)

    def describe(self) -> str:
        if self.kind is int:
            return f"a whole number from {self.low} to {self.high} ({self.meaning})"
        return f"a number {'>' if self.low_open else '>='} {self.low:g} and <= {self.high:g} ({self.meaning})"


LIMITS = {
    "steps": Limit(int, 1, MAX_STEPS, "generator steps"),
    "batch_size": Limit(int, 1, MAX_BATCH, "samples per batch"),
    "n_critic": Limit(int, 1, 100, "discriminator steps per generator step"),
    "lr_d": Limit(float, 0, 1, "the discriminator's learning rate", low_open=True),
    "lr_g": Limit(float, 0, 1, "the generator's learning rate", low_open=True),
    "z_dim": Limit(int, 1, MAX_WIDTH, "length of the noise vector"),
    "hidden": Limit(int, 1, MAX_WIDTH, "width of the networks"),
    "eval_every": Limit(int, 1, MAX_STEPS, "steps between evaluations"),
    "eval_n": Limit(int, MIN_EVAL_N, MAX_EVAL_N, "generated samples per evaluation"),
    "checkpoint_every": Limit(int, 1, MAX_STEPS, "steps between checkpoints"),
    "seed": Limit(int, 0, MAX_SEED, "seed of every random draw"),
    "threads": Limit(int, 1, 1024, "torch CPU threads"),
}


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 5000  # generator steps
    batch_size: int = 256
    n_critic: int = 1  # discriminator (critic) steps per generator step
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    z_dim: int = 16
    hidden: int = 128  # width of the MLPs for 2-D data
    eval_every: int = 500  # steps between evaluations (metrics, D calibration, sample plot)
    eval_n: int = 2000  # generated samples per evaluation
    checkpoint_every: int = 1000
    seed: int = 0
    threads: int = 1  # torch CPU threads: small networks train fastest on one

    def __post_init__(self):
        for name, limit in LIMITS.items():
            object.__setattr__(self, name, checked(name, getattr(self, name), limit))
        object.__setattr__(self, "betas", checked_betas(self.betas))

    def override(self, **changes) -> TrainConfig:
        """A copy with some settings changed (None: keep); unknown names or bad values raise GanevalError."""
        valid = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - valid)
        if unknown:
            raise GanevalError(
                f"unknown training setting(s) {', '.join(unknown)}; valid settings are: {', '.join(sorted(valid))}."
            )
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict:
        """Plain values only (numbers and a tuple): what checkpoints and manifests store."""
        return asdict(self)


def checked(name: str, value, limit: Limit):
    """`value` as limit.kind if it is one and lies in the range; else a GanevalError naming the key."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and (isinstance(value, int) or limit.kind is float) and math.isfinite(value):
        typed = limit.kind(value)
        above_low = typed > limit.low if limit.low_open else typed >= limit.low
        if above_low and typed <= limit.high:
            return typed
    raise GanevalError(f"training setting {name} must be {limit.describe()}; got {value!r}.", argument=name)


def checked_betas(value) -> tuple[float, float]:
    """Adam's two decay rates, each >= 0 and < 1."""
    plain = isinstance(value, (tuple, list)) and len(value) == 2
    if plain and all(isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b < 1 for b in value):
        return (float(value[0]), float(value[1]))
    raise GanevalError(
        f"training setting betas must be two numbers >= 0 and < 1 (Adam's decay rates), e.g. "
        f"--set betas=[0.5,0.999]; got {value!r}.",
        argument="betas",
    )
