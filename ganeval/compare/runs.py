"""The training side of `ganeval compare`: one run per (variant, seed), in parallel processes,
reusing finished runs and resuming interrupted ones; then each run's final scores.

The variants' trainers and run folders come from plug-ins (`ganeval.plugins`: the reference
trainers register both). Work folder layout: WORK/<variant>-<data>-seed<seed>/ is a trainer's run
folder (log, checkpoint, samples) plus final.json, its final scores (written atomically once, then reused).
"""

from __future__ import annotations

import json
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ganeval.atomic import atomic_write
from ganeval.data import get_bundled
from ganeval.data.export import asked_classes
from ganeval.errors import printable
from ganeval.options import Extraction, MetricOptions
from ganeval.plugins import load_run, run_format, trainer_for
from ganeval.scoring import score

FINAL = "final.json"
FINAL_METRICS = ("fid", "precision", "recall", "density", "coverage", "modes_covered", "mode_kl")
# What a conditional run (cgan) is also scored by, its samples labelled with the classes asked for; an unconditional
# run's samples have no class, so these are n/a for it (NOT_CONDITIONAL).
CONDITIONAL_METRICS = ("intra_fid", "cas")
NOT_CONDITIONAL = (
    "unconditional: its samples are drawn for no class, and intra-FID and CAS compare each class's samples with "
    "the real ones of that class"
)
MIN_PER_CLASS = 10  # final samples per class below which a per-class FID says nothing (stacked digits: 2 of 1,000)
FINAL_SAMPLES = {
    "points": 10_000,
    "images": 2_000,
}  # scored per run at the end (the digits sets hold about 1,800 images)
# The final scores' settings: seed 1 draws the final samples' noise and every metric's random step, the same
# for every run; 100 resamples behind each value's 95% interval; n None: FINAL_SAMPLES by the data's kind.
FINAL_OPTIONS = MetricOptions(seed=1, bootstrap=100)
SAMPLES_SHOWN = {"points": 2000, "images": 32}  # per variant in the report, from its first run's final checkpoint
SHOWN_SEED = 1  # noise seed of the samples shown


@dataclass
class ShownSamples:
    """What the report shows side by side: each variant's final samples, and the true modes of a mixture."""

    panels: dict[str, np.ndarray]  # variant -> N x 2 points or uint8 N x C x H x W images
    kind: str  # "points" or "images"
    centres: np.ndarray | None  # the mixture's centres (points on a bundled mixture), else None


@dataclass(frozen=True)
class Planned:
    variant: str
    data: str
    seed: int
    run_dir: Path


def plan(variants: list[str], data: str, seeds: int, work: Path) -> tuple[list[Planned], dict[str, str]]:
    """The runs to have, and the variants that cannot train on `data` with the reason why."""
    planned, skipped = [], {}
    for name in variants:
        why = trainer_for(name).unsupported(name, data)  # unknown names raise GanevalError listing the valid ones
        if why is not None:
            skipped[name] = why
            continue
        planned += [Planned(name, data, seed, work / f"{name}-{data}-seed{seed}") for seed in range(seeds)]
    return planned, skipped


def is_finished(run: Planned, steps: int) -> bool:
    """A run folder that already holds this run, trained to the end with the same steps and seed."""
    manifest_path = run.run_dir / "manifest.json"
    if not manifest_path.exists():
        return False
    manifest = json.loads(manifest_path.read_text())
    config = manifest.get("config", {})
    return (
        manifest.get("finished") is True
        and manifest.get("variant") == run.variant
        and config.get("seed") == run.seed
        and config.get("steps") == steps
    )


def train_one(run: Planned, steps: int, eval_every: int, device="cpu") -> str:
    """Train (or resume) one run in this process, on `device`; returns 'trained', 'resumed' or 'diverged: ...'."""
    trainer = trainer_for(run.variant)
    return trainer.train(
        run.variant, run.data, run.run_dir, steps=steps, seed=run.seed, eval_every=eval_every, device=device
    )


def train_all(
    planned: list[Planned], steps: int, jobs: int, evaluations: int = 10, progress: bool = True, device="cpu"
) -> dict[Path, str]:
    """Train every planned run not finished yet, `jobs` at a time in separate processes, each with
    `steps` generator steps and `evaluations` evaluations spread evenly over them, on `device` (its
    networks and its evaluations' extractor; the jobs share a GPU)."""
    todo = [run for run in planned if not is_finished(run, steps)]
    status = {run.run_dir: "reused" for run in planned if run not in todo}
    if jobs <= 1:  # in this process: no start-up cost, and a traceback that points at the run
        bar = tqdm(todo, desc="training", unit="run", disable=not progress)
        for run in bar:
            bar.set_postfix_str(f"{printable(run.run_dir.name)}: {steps} steps")
            status[run.run_dir] = train_one(run, steps, max(1, steps // evaluations), device)
        return status
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no forked torch state
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        futures = {pool.submit(train_one, run, steps, max(1, steps // evaluations), str(device)): run for run in todo}
        bar = tqdm(as_completed(futures), total=len(futures), desc="training", unit="run", disable=not progress)
        for future in bar:
            run_dir = futures[future].run_dir
            status[run_dir] = future.result()
            bar.set_postfix_str(f"{printable(run_dir.name)}: {status[run_dir].split(':')[0]}")
    return status


def final_scores(run_dir: Path, options: MetricOptions | None = None, extraction: Extraction | None = None) -> dict:
    """The run's final scores: options.n samples of its last checkpoint (default: FINAL_SAMPLES by kind;
    noise seed options.seed) against its reference, FINAL_METRICS with 95% bootstrap intervals, and for a
    conditional run CONDITIONAL_METRICS (its samples labelled with the classes asked for; "not_applicable"
    says why an unconditional run has none).
    options: default FINAL_OPTIONS. extraction: how the samples are scored (None: the defaults), without progress
    bars; its device is where the samples are drawn too (their noise drawn on the CPU from the seed). Cached in
    final.json, reused while it holds the same step scored alike (on any device: another one changes the scores by
    floating-point rounding only)."""
    options = FINAL_OPTIONS if options is None else options
    extraction = (extraction or Extraction()).replace(progress=False).resolved()
    path = Path(run_dir) / FINAL
    trained = load_run(run_dir)
    # cyclegan: each unseen digit once
    n = min(options.n or FINAL_SAMPLES[trained.kind], trained.distinct_samples or math.inf)
    options = options.replace(n=n)
    if path.exists():
        payload = json.loads(path.read_text())
        scored = set(payload.get("metrics") or ()) | set(payload.get("not_applicable") or ())
        if scored_alike(payload, trained.step, options) and set(CONDITIONAL_METRICS) <= scored:
            return payload
    samples = trained.sample(n, seed=options.seed, device=extraction.device)
    generated = torch.from_numpy(samples) if samples.ndim == 4 else samples
    labels = asked_classes(trained, n)  # a conditional run's classes asked for: intra_fid and cas apply
    why = NOT_CONDITIONAL if labels is None else _too_few_per_class(labels)
    metrics = [*FINAL_METRICS, *(CONDITIONAL_METRICS if why is None else ())]
    result = score(
        generated,
        trained.reference,
        metrics=metrics,
        options=options,
        generated_labels=labels,
        extraction=extraction,
    )
    payload = {**result.to_dict(), "step": trained.step}
    if why is not None:
        payload["not_applicable"] = dict.fromkeys(CONDITIONAL_METRICS, why)
    with atomic_write(path, "w") as stream:
        stream.write(json.dumps(payload, indent=2, default=str, allow_nan=False) + "\n")
    return payload


def _too_few_per_class(labels) -> str | None:
    """Why a conditional run's final samples are too few per class for intra-FID and CAS, or None."""
    classes = len(np.unique(labels))
    if len(labels) >= MIN_PER_CLASS * classes:
        return None
    return (
        f"{len(labels)} final samples over {classes} classes are {len(labels) // classes} per class, fewer than the "
        f"{MIN_PER_CLASS} a per-class FID needs"
    )


def scored_alike(payload: dict, step: int, options: MetricOptions) -> bool:
    """Whether final scores read from final.json are those `final_scores` would compute now: the same
    checkpoint step, sample count, seed, bootstrap resamples and k (from their provenance)."""
    provenance = payload.get("provenance") or {}
    count = (provenance.get("generated") or {}).get("count")
    resamples = (provenance.get("bootstrap") or {}).get("resamples", 0)
    recorded = (
        payload.get("step"),
        count,
        provenance.get("seed"),
        resamples,
        (provenance.get("options") or {}).get("k"),
    )
    return recorded == (step, options.n, options.seed, options.bootstrap, options.k)


def shown_samples(entries) -> ShownSamples | None:
    """SAMPLES_SHOWN samples (noise seed SHOWN_SEED) of each variant's first run that a run format reads;
    None when no entry is such a run (score results, TrainingLogger runs without a checkpoint)."""
    firsts = {}
    for entry in entries:
        if entry.run_dir is not None and run_format(entry.run_dir) is not None:
            firsts.setdefault(entry.variant, entry)
    if not firsts:
        return None
    trained = {variant: load_run(entry.run_dir) for variant, entry in firsts.items()}
    kind = next(iter(trained.values())).kind
    panels = {variant: run.sample(SAMPLES_SHOWN[kind], seed=SHOWN_SEED) for variant, run in trained.items()}
    return ShownSamples(panels, kind, mixture_centres(next(iter(trained.values())).reference))


def mixture_centres(reference) -> np.ndarray | None:
    """The centres of the bundled mixture named `reference` (None: not a bundled mixture)."""
    try:
        mixture = get_bundled(str(reference)).mixture
    except ValueError:
        return None
    return None if mixture is None else mixture.centres
