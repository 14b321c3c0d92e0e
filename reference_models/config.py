"""Training settings: one frozen dataclass; each variant owns its defaults, users override keys."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from ganeval.errors import GanevalError


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

    def override(self, **changes) -> "TrainConfig":
        """A copy with some settings changed; unknown names raise ValueError listing the valid ones."""
        valid = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - valid)
        if unknown:
            raise GanevalError(f"unknown training setting(s) {', '.join(unknown)}; valid settings are: {', '.join(sorted(valid))}.")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict:
        return asdict(self)
