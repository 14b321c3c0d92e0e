"""The one training loop every variant shares: k discriminator steps, then one generator step.

Every random draw (initial weights, data batches, noise, the losses' own draws) comes from seeded
torch generators that the loop makes and passes; torch's global generator and the caller's random
state are left alone. Their states go into each checkpoint, so a run resumed from a checkpoint
continues exactly as the uninterrupted run would have: the same seed gives the same weights and the
same log (bar the wall time column) on the CPU. The networks and their optimisers train on the
device asked for; the draws stay on the CPU and are moved there (reference_models.placement), so a
GPU run makes the same draws, and checkpoints hold CPU tensors, so a run resumes on any device.
Sample plots are drawn with matplotlib's Figure API, so training never switches a notebook's
plotting backend.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from matplotlib.figure import Figure
from PIL import Image
from torch import nn
from tqdm.auto import tqdm

from ganeval.atomic import atomic_write
from ganeval.data.images import tile
from ganeval.device import resolve_device
from ganeval.diagnostics.log.columns import EVAL_METRICS
from ganeval.errors import GanevalError, printable
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import ReferenceScorer
from ganeval.training import TrainingLogger
from reference_models import checkpoint
from reference_models.checkpoint import CHECKPOINT
from reference_models.config import TrainConfig
from reference_models.data import TrainingData, to_uint8
from reference_models.placement import to_cpu, to_device
from reference_models.runfolder import clear_run, prepare_new_run, tidy_for_resume
from reference_models.variant import Variant


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the log up to that step is kept."""


def grad_norm(module: nn.Module) -> float:
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0


def fit(
    variant: Variant,
    data: TrainingData,
    config: TrainConfig,
    run_dir: Path,
    resumed: dict | None = None,
    overwrite: bool = False,
    manifest: dict | None = None,
    device="cpu",
    progress: bool = True,
    writers=(),
) -> Path:
    """Train `variant` on `data` (2-D points or images), writing the log, checkpoints and sample plots into run_dir.

    resumed: a checkpoint read by `checkpoint.read(..., for_resume=True)` to continue from (its settings
    checked against `config` by the caller); None starts a new run, which refuses to replace a run
    already in run_dir unless `overwrite` (then the old run's files are deleted first).
    device: where the networks, their optimisers and the evaluations' extractor run ("auto": CUDA when
    available); the draws are made on the CPU either way, and the manifest records the device.
    progress: a bar on stderr (steps/s, time left, the last evaluation), shown on a terminal only.
    writers: the logger's writers (`TrainingLogger(writers=...)`): TensorBoard, W&B, MLflow."""
    device = resolve_device(device)
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        return _fit(variant, data, config, Path(run_dir), resumed, overwrite, manifest, device, progress, writers)
    finally:
        torch.set_num_threads(threads)


def _fit(
    variant: Variant,
    data: TrainingData,
    config: TrainConfig,
    run_dir: Path,
    resumed: dict | None,
    overwrite: bool,
    manifest: dict | None,
    device: torch.device,
    progress: bool,
    writers=(),
) -> Path:
    # a variant that cannot train on data stops here, before any file changes
    generator, discriminator, loss_draws = variant.build_seeded(data, config)  # on the CPU: the seed's weights
    generator, discriminator = generator.to(device), discriminator.to(device)
    opt_d, opt_g = variant.optimizers(generator, discriminator, config)
    draws = torch.Generator().manual_seed(config.seed + 1)  # data batches and noise
    checkpoint_path = run_dir / CHECKPOINT
    if resumed is None:
        prepare_new_run(run_dir, overwrite)
        start = 0
    else:
        restore(resumed, checkpoint_path, generator, discriminator, opt_d, opt_g, draws, loss_draws)
        start = resumed["step"]
        tidy_for_resume(run_dir, start)
    run_dir.mkdir(parents=True, exist_ok=True)
    options = MetricOptions(n=config.eval_n, seed=config.seed)  # the reference's subsample and the metrics' draws
    extraction = Extraction(device=device, workers=0, progress=False)
    scorer = ReferenceScorer.of(data.reference, options=options, extraction=extraction)
    # the device is where this session trains, not a setting of the run: a resumed run may move
    run_manifest = {
        **(manifest or {}),
        "variant": variant.name,
        "data": data.name,
        "config": config.to_dict(),
        "device": str(device),
    }
    resume = resumed is not None
    logger = TrainingLogger(run_dir, scorer, options=options, manifest=run_manifest, resume=resume, writers=writers)
    logger.truncate(start)

    def save_checkpoint(step: int) -> None:
        networks = {
            "generator": generator.state_dict(),
            "discriminator": discriminator.state_dict(),
            "opt_d": opt_d.state_dict(),
            "opt_g": opt_g.state_dict(),
        }
        draws_and_step = {"draws": draws.get_state(), "torch_rng": loss_draws.get_state(), "step": step}
        run = {"variant": variant.name, "data": data.name, "config": config.to_dict()}
        # the log first: a log ahead of the checkpoint is cut back on resume (logger.truncate), one behind is not
        logger.flush()
        # CPU tensors, so that a run resumes (and samples) on any device
        checkpoint.save({**to_cpu(networks), **draws_and_step, **run}, checkpoint_path)

    bar = progress_bar(f"{variant.name} on {data.name}", config.steps, start, progress)
    with _full_disk(run_dir, checkpoint_path), bar:
        for step in range(start, config.steps):
            for _ in range(config.n_critic):
                real, real_extras = to_device(variant.real_batch(data, config.batch_size, draws), device)
                with torch.no_grad():
                    fake, fake_extras = variant.generate(generator, data, config.batch_size, draws, config)
                loss_d, out_real, out_fake = variant.d_loss(
                    discriminator, real, fake, *real_extras, *fake_extras, draws=loss_draws
                )
                opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                norm_d = grad_norm(discriminator)
                opt_d.step()
                variant.after_d_step(discriminator)
            fake, fake_extras = variant.generate(generator, data, config.batch_size, draws, config)
            loss_g = variant.g_loss(discriminator, fake, *fake_extras)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            norm_g = grad_norm(generator)
            opt_g.step()
            logger.step(
                step,
                loss_d=loss_d,
                loss_g=loss_g,
                d_real=variant.as_logged(out_real),
                d_fake=variant.as_logged(out_fake),
                grad_norm_d=norm_d,
                grad_norm_g=norm_g,
                lr_d=opt_d.param_groups[0]["lr"],
                lr_g=opt_g.param_groups[0]["lr"],
            )
            if not (math.isfinite(loss_d.item()) and math.isfinite(loss_g.item())):
                logger.close(finished=False)
                raise TrainingDiverged(
                    f"{variant.name} on {data.name}: "
                    f"the {'discriminator' if not math.isfinite(loss_d.item()) else 'generator'} "
                    f"loss became {loss_d.item() if not math.isfinite(loss_d.item()) else loss_g.item()} "
                    f"at step {step}; "
                    f"the log up to that step is in {run_dir}. "
                    "Lower the learning rates (--set lr_d=..., lr_g=...) or change the seed."
                )
            done = step + 1
            bar.update()
            if done % config.eval_every == 0 or done == config.steps:
                row = evaluate(variant, generator, discriminator, data, config, logger, done)
                bar.set_postfix_str(evaluation_line(row), refresh=False)
            if done % config.checkpoint_every == 0 or done == config.steps:
                save_checkpoint(done)
        logger.close()
    return run_dir


def progress_bar(desc: str, total: int, start: int, shown: bool, file=None) -> tqdm:
    """The training's bar: steps done of `total` (from `start` when resumed), steps/s and the time left; on
    stderr (`file`), where a terminal shows it (tqdm's disable=None), and never when not `shown` (--quiet)."""
    return tqdm(total=total, initial=start, desc=desc, unit="step", file=file, disable=None if shown else True)


def evaluation_line(row: dict) -> str:
    """The last evaluation as the bar shows it: 'step 500: fid 12.3, precision 0.81, recall 0.9', the
    logged metrics (three significant digits) in the log's order; the log keeps them at full precision."""
    shown = [f"{name} {value:.3g}" for name, value in row.items() if name in EVAL_METRICS and _finite(value)]
    return f"step {row['step']}: {', '.join(shown) or 'no metrics'}"


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


@contextmanager
def _full_disk(run_dir: Path, checkpoint_path: Path) -> Iterator[None]:
    """A write that fails (a full disk, a folder made read-only) is a GanevalError naming the file, and
    leaves a run folder that a rerun accepts: the last checkpoint and the log up to it (`--resume`
    continues), or, before the first checkpoint, nothing of this run (the same command starts it again)."""
    try:
        yield
    except OSError as error:
        where = printable(str(error.filename or run_dir))
        if checkpoint_path.exists():
            then = f"free some space, then continue it with --resume (from its {CHECKPOINT})"
        else:
            clear_run(run_dir)  # nothing to resume from: what this run wrote would only block a new start
            then = "free some space, then run the same command again (no checkpoint had been written yet)"
        raise GanevalError(f"training stopped: cannot write {where} ({error.strerror or error}); {then}.") from None


def restore(
    state: dict, path: Path, generator, discriminator, opt_d, opt_g, draws: torch.Generator, loss_draws: torch.Generator
) -> None:
    """Networks, optimisers and random generators as the checkpoint left them (a mismatch names the file).

    The losses' generator is stored as "torch_rng": it continues the stream of torch's global generator,
    which earlier versions drew from and saved under that name, so their checkpoints resume exactly."""
    for part, target in (
        ("generator", generator),
        ("discriminator", discriminator),
        ("opt_d", opt_d),
        ("opt_g", opt_g),
    ):
        with checkpoint.restoring(path, part):
            target.load_state_dict(state[part])
    with checkpoint.restoring(path, "draws"):
        draws.set_state(state["draws"])
    with checkpoint.restoring(path, "torch_rng"):
        loss_draws.set_state(state["torch_rng"])  # the losses' draws (WGAN-GP's interpolation weights)


@torch.no_grad()
def evaluate(variant, generator, discriminator, data, config, logger, step) -> dict:
    """Log the variant's evaluation (metrics of G's samples on a fixed batch, D's calibration on
    held-out real vs fresh fake samples, its extra scalars) and save a sample plot. The networks run
    in eval mode (BatchNorm uses its running statistics, as `sample` does); their outputs come back to the CPU.
    Returns the logged row."""
    generator.eval()
    discriminator.eval()
    result = variant.evaluation(generator, discriminator, data, config, step)
    fake = result.fake.cpu()
    samples = to_uint8(fake) if data.kind == "images" else fake.numpy().astype("float64")
    row = logger.evaluate(
        step,
        fake=samples,
        d_real=variant.as_logged(result.d_real),
        d_fake=variant.as_logged(result.d_fake),
        **result.extra,
    )
    path, title = logger.run_dir / "samples" / f"step_{step:06d}.png", f"{variant.name} on {data.name}, step {step}"
    if data.kind == "images":
        save_grid(samples[:64].numpy(), path)
    else:
        plot_points(fake.numpy(), data, path, title)
    generator.train()
    discriminator.train()
    return row


def save_grid(images, path: Path, columns: int = 8, pad: int = 2) -> None:
    """uint8 N x C x H x W images tiled into one PNG (rows of `columns`, `pad` black pixels apart)."""
    with atomic_write(path) as stream:
        Image.fromarray(tile(images, columns, pad)).save(stream, format="png")


def plot_points(points, data, path: Path, title: str) -> None:
    """Scatter of generated points over the true mixture centres (a Figure of its own: no pyplot state)."""
    figure = Figure(figsize=(4, 4), dpi=100)
    axes = figure.subplots()
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, label="generated")
    axes.scatter(
        data.mixture.centres[:, 0], data.mixture.centres[:, 1], s=30, marker="x", color="black", label="true modes"
    )
    axes.set(title=title, xlabel="x", ylabel="y", aspect="equal")
    axes.legend(loc="upper right", fontsize=7)
    figure.tight_layout()
    with atomic_write(path) as stream:
        figure.savefig(stream, format="png")
