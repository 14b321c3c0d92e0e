"""The one training loop every variant shares: k discriminator steps, then one generator step.

Every random draw (initial weights, data batches, noise) comes from seeded torch generators whose
states go into each checkpoint, so a run resumed from a checkpoint continues exactly as the
uninterrupted run would have: the same seed gives the same weights and the same log (bar the wall
time column) on the CPU.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ganeval.atomic import atomic_write
from ganeval.diagnostics import TrainingLogger
from reference_models.config import TrainConfig
from reference_models.data import to_uint8
from reference_models.variant import Variant

CHECKPOINT = "checkpoint.pt"


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the log up to that step is kept."""


def grad_norm(module: nn.Module) -> float:
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0


def save_atomically(state: dict, path: Path) -> None:
    with atomic_write(path) as stream:
        torch.save(state, stream)


def fit(variant: Variant, data, config: TrainConfig, run_dir: Path, resume: bool = False, manifest: dict | None = None) -> Path:
    """Train `variant` on `data` (2-D points or images), writing the log, checkpoints and sample plots into run_dir."""
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        return _fit(variant, data, config, Path(run_dir), resume, manifest)
    finally:
        torch.set_num_threads(threads)


def _fit(variant: Variant, data, config: TrainConfig, run_dir: Path, resume: bool, manifest: dict | None) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    generator, discriminator = variant.build(data, config)
    opt_d, opt_g = variant.optimizers(generator, discriminator, config)
    draws = torch.Generator().manual_seed(config.seed + 1)  # data batches and noise
    fixed_z = torch.randn(config.eval_n, config.z_dim, generator=torch.Generator().manual_seed(config.seed + 2))
    held_out = data.held_out(config.eval_n, with_labels=True) if variant.conditional else data.held_out(config.eval_n)
    start = 0
    checkpoint_path = run_dir / CHECKPOINT
    if resume:
        if not checkpoint_path.exists():
            raise ValueError(f"{run_dir} has no {CHECKPOINT} to resume from; start the run without --resume.")
        state = torch.load(checkpoint_path, weights_only=False)
        generator.load_state_dict(state["generator"])
        discriminator.load_state_dict(state["discriminator"])
        opt_d.load_state_dict(state["opt_d"])
        opt_g.load_state_dict(state["opt_g"])
        draws.set_state(state["draws"])
        torch.set_rng_state(state["torch_rng"])  # the global generator (WGAN-GP's interpolation weights)
        start = state["step"]
    logger = TrainingLogger(run_dir, reference=data.name, eval_n=config.eval_n, seed=config.seed, resume=resume,
                            manifest={**(manifest or {}), "variant": variant.name, "data": data.name, "config": config.to_dict()})  # fmt: skip
    logger.truncate(start)

    def checkpoint(step: int) -> None:
        save_atomically({"generator": generator.state_dict(), "discriminator": discriminator.state_dict(),
                         "opt_d": opt_d.state_dict(), "opt_g": opt_g.state_dict(), "draws": draws.get_state(),
                         "torch_rng": torch.get_rng_state(),
                         "step": step, "variant": variant.name, "data": data.name, "config": config.to_dict()},
                        checkpoint_path)  # fmt: skip
        logger.flush()

    # Conditional variants (cgan) also get labels: () or (labels,) goes after the samples in d_loss and g_loss.
    def real_batch(n: int) -> tuple[torch.Tensor, tuple]:
        """Training samples, and for conditional variants their own labels."""
        if not variant.conditional:
            return data.batch(n, draws), ()
        real, labels = data.batch(n, draws, with_labels=True)
        return real, (labels,)

    def generate(n: int) -> tuple[torch.Tensor, tuple]:
        """G's samples from fresh noise, and for conditional variants the uniform random labels asked for."""
        z = torch.randn(n, config.z_dim, generator=draws)
        if not variant.conditional:
            return generator(z), ()
        labels = torch.randint(0, data.n_classes, (n,), generator=draws)
        return generator(z, labels), (labels,)

    for step in range(start, config.steps):
        for _ in range(config.n_critic):
            real, real_labels = real_batch(config.batch_size)
            with torch.no_grad():
                fake, fake_labels = generate(config.batch_size)
            loss_d, out_real, out_fake = variant.d_loss(discriminator, real, fake, *real_labels, *fake_labels)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            norm_d = grad_norm(discriminator)
            opt_d.step()
            variant.after_d_step(discriminator)
        fake, fake_labels = generate(config.batch_size)
        loss_g = variant.g_loss(discriminator, fake, *fake_labels)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        norm_g = grad_norm(generator)
        opt_g.step()
        logger.step(step, loss_d=loss_d, loss_g=loss_g, d_real=variant.as_logged(out_real), d_fake=variant.as_logged(out_fake),
                    grad_norm_d=norm_d, grad_norm_g=norm_g, lr_d=opt_d.param_groups[0]["lr"], lr_g=opt_g.param_groups[0]["lr"])  # fmt: skip
        if not (math.isfinite(loss_d.item()) and math.isfinite(loss_g.item())):
            logger.close(finished=False)
            raise TrainingDiverged(
                f"{variant.name} on {data.name}: the {'discriminator' if not math.isfinite(loss_d.item()) else 'generator'} "
                f"loss became {loss_d.item() if not math.isfinite(loss_d.item()) else loss_g.item()} at step {step}; "
                f"the log up to that step is in {run_dir}. Lower the learning rates (--set lr_d=..., lr_g=...) or change the seed."
            )
        done = step + 1
        if done % config.eval_every == 0 or done == config.steps:
            evaluate(variant, generator, discriminator, data, config, logger, done, fixed_z, held_out)
        if done % config.checkpoint_every == 0 or done == config.steps:
            checkpoint(done)
    logger.close()
    return run_dir


@torch.no_grad()
def evaluate(variant, generator, discriminator, data, config, logger, step, fixed_z, held_out) -> None:
    """Metrics on a fixed noise batch, D on held-out real vs fresh fake samples, a sample plot.

    Conditional variants: the fixed and fresh noise get the labels 0, 1, ..., 9, 0, 1, ... (so each
    row of the sample grid counts 0 to 7, then 8, 9, 0, ...), D sees the held-out images with their
    own labels, and `class_accuracy` records the share of the fixed batch that the digits
    classifier labels with the class asked for.
    The networks run in eval mode (BatchNorm uses its running statistics, as `sample` does)."""
    generator.eval()
    discriminator.eval()
    fresh_z = torch.randn(config.eval_n, config.z_dim, generator=torch.Generator().manual_seed(config.seed + step))
    extra = {}
    if variant.conditional:
        labels = torch.arange(config.eval_n) % data.n_classes
        (real, real_labels), fake = held_out, generator(fixed_z, labels)
        d_real, d_fake = discriminator(real, real_labels), discriminator(generator(fresh_z, labels), labels)
        extra["class_accuracy"] = float((digits_classifier().extract(to_uint8(fake))["modes"] == labels.numpy()).mean())
    else:
        fake = generator(fixed_z)
        d_real, d_fake = discriminator(held_out), discriminator(generator(fresh_z))
    samples = to_uint8(fake) if data.kind == "images" else fake.numpy().astype("float64")
    logger.evaluate(step, fake=samples, d_real=variant.as_logged(d_real), d_fake=variant.as_logged(d_fake), **extra)
    path, title = logger.run_dir / "samples" / f"step_{step:06d}.png", f"{variant.name} on {data.name}, step {step}"
    if data.kind == "images":
        save_grid(samples[:64].numpy(), path)
    else:
        plot_points(fake.numpy(), data, path, title)
    generator.train()
    discriminator.train()


@functools.cache
def digits_classifier():
    """ganeval's digits CNN, which labels generated digits for the class accuracy of conditional runs."""
    from ganeval.features.digits import DigitsExtractor

    return DigitsExtractor()


def save_grid(images, path: Path, columns: int = 8, pad: int = 2) -> None:
    """uint8 N x C x H x W images tiled into one PNG (rows of `columns`, `pad` black pixels apart)."""
    from PIL import Image

    n, channels, height, width = images.shape
    rows = -(-n // columns)
    grid = np.zeros((rows * (height + pad) + pad, columns * (width + pad) + pad, channels), dtype=np.uint8)
    for i, image in enumerate(images):
        top, left = pad + (i // columns) * (height + pad), pad + (i % columns) * (width + pad)
        grid[top : top + height, left : left + width] = image.transpose(1, 2, 0)
    with atomic_write(path) as stream:
        Image.fromarray(grid[..., 0] if channels == 1 else grid).save(stream, format="png")


def plot_points(points, data, path: Path, title: str) -> None:
    """Scatter of generated points over the true mixture centres."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 4), dpi=100)
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, label="generated")
    axes.scatter(data.mixture.centres[:, 0], data.mixture.centres[:, 1], s=30, marker="x", color="black", label="true modes")
    axes.set(title=title, xlabel="x", ylabel="y", aspect="equal")
    axes.legend(loc="upper right", fontsize=7)
    figure.tight_layout()
    with atomic_write(path) as stream:
        figure.savefig(stream, format="png")
    plt.close(figure)
