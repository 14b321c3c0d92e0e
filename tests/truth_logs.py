"""Synthetic training logs with planted events, written through `TrainingLogger`: the truth suite's data.

`plans()` lists every log: its truth (the verdict it must get), the planted event, the finding kind
that must report it and the step where it starts. `write_log(plan, folder)` writes one run folder
(steps.csv, evals.csv, manifest.json) the way a training loop would. Reusable for figures:

    from truth_logs import plans, write_log      # with tests/ on sys.path, as pytest puts it
    run = write_log(next(p for p in plans() if p.name == "collapse-abrupt"), "runs/truth")

A healthy log learns quickly (quality 1 - exp(-t / 8% of the run)), then sits on a plateau with
realistic noise: autocorrelated wobble and slow drift in the losses, log-normal FID noise (more than
10x between evaluations when FID sits at 1e-4..1e-2, as on 2-D data), binomial noise in the shares
and the samples per mode. Events are planted on top of that. Per-mode counts (`modes`: each mode's
share of all samples) and per-mode quality (`mode_quality`: the high-quality share of each mode's
samples, relative to the run's) are planted separately, so a blur (every mode keeps its share, its
samples lose quality) and a collapse (modes lose their share) look as they do in real runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganeval.metrics.modes import covered_modes
from ganeval.training import TrainingLogger

N_MODES = 8
EVAL_SAMPLES = 2000  # generated samples per evaluation (mode counts)
LEARNING_TIME = 0.08  # healthy runs learn with this time constant, as a share of the run


@dataclass(frozen=True)
class Plan:
    """One synthetic log: what is planted, and what the diagnosis must say about it."""

    name: str
    truth: str  # the verdict the log must get
    event: str | None = None  # what is planted (see `_plant`)
    kind: str | None = None  # the finding kind that must report it
    onset: int | None = None  # the step where the planted event starts
    end: int | None = None  # the step where it ends (recovering events)
    steps: int = 1000
    eval_every: int = 25
    seed: int = 0
    fid_scale: float = 1.0  # the FID a converged generator reaches
    noise: float = 1.0  # noise multiplier
    outputs: str = "probability"  # D's outputs: "probability" (BCE) or "score" (a WGAN critic)
    period: int = 0  # oscillation period in steps
    eval_samples: int = EVAL_SAMPLES  # generated samples per evaluation
    hq_level: float = 0.8  # the high-quality share a converged generator reaches
    irregular: bool = False  # evaluations at irregular steps, and step rows at irregular intervals


def _ar(rng, n: int, scale: float, phi: float = 0.95) -> np.ndarray:
    """Autocorrelated (AR(1)) noise with standard deviation `scale`."""
    e = rng.standard_normal(n) * scale * np.sqrt(1 - phi**2)
    out = np.empty(n)
    out[0] = rng.standard_normal() * scale
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


def _ramp(x: np.ndarray, start: float, length: float) -> np.ndarray:
    """0 before start, rising linearly to 1 over `length`."""
    return np.clip((x - start) / max(length, 1e-9), 0.0, 1.0)


def _signals(plan: Plan) -> tuple[dict, dict]:
    """Per-step signals and per-evaluation values (arrays over steps / evaluation steps)."""
    rng = np.random.default_rng(plan.seed)
    n, a = plan.steps, plan.noise
    step = np.arange(1, n + 1)
    t = step / n
    tau = 0.5 if plan.event == "undertrained" else LEARNING_TIME
    quality = 1 - np.exp(-t / tau)
    phase = rng.uniform(0, 2 * np.pi)
    drift = 0.04 * np.sin(2 * np.pi * 0.7 * t + phase)
    if plan.outputs == "probability":
        loss_d = 1.30 + 0.10 * (1 - quality) + drift + _ar(rng, n, 0.04 * a) + rng.standard_normal(n) * 0.03 * a
        loss_g = 0.80 - 0.05 * (1 - quality) - drift + _ar(rng, n, 0.04 * a) + rng.standard_normal(n) * 0.03 * a
        d_real = 0.55 + _ar(rng, n, 0.015 * a) + rng.standard_normal(n) * 0.01 * a
        d_fake = 0.45 + _ar(rng, n, 0.015 * a) + rng.standard_normal(n) * 0.01 * a
    else:
        loss_d = -(0.4 + 0.3 * quality) + drift + _ar(rng, n, 0.05 * a) + rng.standard_normal(n) * 0.05 * a
        loss_g = 0.2 + drift + _ar(rng, n, 0.1 * a) + rng.standard_normal(n) * 0.05 * a
        d_real = 0.6 + _ar(rng, n, 0.05 * a) + rng.standard_normal(n) * 0.05 * a
        d_fake = 0.1 + _ar(rng, n, 0.05 * a) + rng.standard_normal(n) * 0.05 * a
    grad_d = np.exp(rng.normal(0.0, 0.25 * a, n) + _ar(rng, n, 0.1))
    grad_g = np.exp(rng.normal(0.5, 0.25 * a, n) + _ar(rng, n, 0.1))
    per_step = {
        "loss_d": loss_d,
        "loss_g": loss_g,
        "d_real": d_real,
        "d_fake": d_fake,
        "grad_norm_d": grad_d,
        "grad_norm_g": grad_g,
    }

    e_step = np.arange(plan.eval_every, n + 1, plan.eval_every)
    if plan.irregular:  # each evaluation 0.3-1.7 eval_every after the last: an uneven schedule
        gaps = rng.uniform(0.3, 1.7, 2 * len(e_step)) * plan.eval_every
        e_step = np.unique(np.cumsum(gaps).astype(int) + 1)
        e_step = e_step[e_step <= n]
    k = len(e_step)
    q = quality[e_step - 1]
    fid_sigma = (1.0 if plan.fid_scale < 0.05 else 0.06) * a  # natural-log sd of one evaluation's FID
    per_eval = {
        "step": e_step,
        "quality": q.copy(),
        "fid_factor": np.exp(rng.normal(0, fid_sigma, k)),
        "recall_scale": np.ones(k),
        "diversity": 0.3 + 0.7 * q + rng.normal(0, 0.02 * a, k),
        "d_accuracy": 0.58 + rng.normal(0, 0.02 * a, k),
        "d_auc": 0.62 + rng.normal(0, 0.02 * a, k),
        "d_ece": 0.04 + np.abs(rng.normal(0, 0.01, k)),
        "modes": np.tile(np.full(N_MODES, 1 / N_MODES), (k, 1)),
        "mode_quality": np.ones((k, N_MODES)),
        "fid_boost": np.ones(k),
        "precision_drop": np.zeros(k),
        "soft": np.zeros(k),  # the share of unsharp samples precision still counts (k-NN radii pass some)
    }
    _plant(plan, rng, step, per_step, per_eval)
    return per_step, per_eval


def _plant(plan: Plan, rng, step: np.ndarray, s: dict, e: dict) -> None:
    """Plant plan.event into the signals (in place)."""
    if plan.event is None:
        return
    n, on = plan.steps, plan.onset or 0
    es = e["step"]
    if plan.event == "spike":
        s["grad_norm_d"][on - 1] *= 50
    elif plan.event == "nan":
        pass  # the log stops at the onset (see write_log)
    elif plan.event == "explode":  # numbers broken: past 1e5 within a few dozen steps
        grow = 10 ** np.clip((step - on) / 8, 0, 10)
        for name in ("loss_d", "loss_g", "grad_norm_d", "grad_norm_g"):
            s[name] = s[name] * grow
    elif plan.event == "critic_explode":  # a WGAN critic's scores running away, 10-1000x
        grow = np.exp(np.clip((step - on) / (0.04 * n), 0, 7))
        s["loss_d"], s["loss_g"] = s["loss_d"] * grow, s["loss_g"] * grow
        s["d_real"], s["d_fake"] = s["d_real"] * grow, s["d_fake"] * grow
    elif plan.event == "fid_rise":  # quality falling apart for good: FID up 20x, precision down
        level = _ramp(es, on, 0.1 * n)
        e["fid_boost"] = 20.0**level
        e["precision_drop"] = 0.4 * level
    elif plan.event in ("collapse", "collapse_gradual", "collapse_recovers"):
        length = 0.1 * n if plan.event == "collapse_gradual" else 1
        level = _ramp(es, on, length)
        if plan.end is not None:
            level = np.where(es >= plan.end, 0.0, level)
        kept = np.zeros(N_MODES)
        kept[[3, 4]] = 0.5
        e["modes"] = (1 - level)[:, None] * e["modes"] + level[:, None] * kept
        e["recall_scale"] = 1 - 0.65 * level
        e["diversity"] = e["diversity"] - 0.6 * level
        e["fid_boost"] = 1 + 2 * level
    elif plan.event in ("dominate", "dominate_early"):
        until = plan.end if plan.end is not None else n + 1
        ramp = _ramp(step, on, 20) * (step < until)
        s["d_real"] = s["d_real"] * (1 - ramp) + (0.97 + rng.standard_normal(n) * 0.005) * ramp
        s["d_fake"] = s["d_fake"] * (1 - ramp) + (0.03 + rng.standard_normal(n) * 0.005) * ramp
        s["loss_d"] = s["loss_d"] * (1 - ramp) + (0.06 + rng.standard_normal(n) * 0.01) * ramp
        s["loss_g"] = s["loss_g"] * (1 - ramp) + (4.5 + rng.standard_normal(n) * 0.3) * ramp
        s["grad_norm_g"] = s["grad_norm_g"] * (1 - 0.9 * ramp)
        dominated = (es >= on + 20) & (es < until)
        e["d_accuracy"] = np.where(dominated, 0.99, e["d_accuracy"])
        e["d_auc"] = np.where(dominated, 0.999, e["d_auc"])
    elif plan.event == "dominate_auc":  # D separates (AUC 0.98) with outputs shifted below 0.5
        ramp = _ramp(step, on, 20)
        s["d_real"] = s["d_real"] * (1 - ramp) + (0.30 + rng.standard_normal(n) * 0.01) * ramp
        s["d_fake"] = s["d_fake"] * (1 - ramp) + (0.08 + rng.standard_normal(n) * 0.01) * ramp
        dominated = es >= on + 20
        e["d_accuracy"] = np.where(dominated, 0.55 + rng.normal(0, 0.01, len(es)), e["d_accuracy"])
        e["d_auc"] = np.where(dominated, np.minimum(0.98 + rng.normal(0, 0.003, len(es)), 1.0), e["d_auc"])
    elif plan.event == "dominate_dips":  # a dcgan on digits: D separates (AUC 0.99) to the end, with dips
        ramp = _ramp(step, on, 50)  # its outputs drift only to 0.8 and 0.2, short of the 0.9 / 0.1 lines
        s["d_real"] = s["d_real"] * (1 - ramp) + (0.8 + _ar(rng, n, 0.04)) * ramp
        s["d_fake"] = s["d_fake"] * (1 - ramp) + (0.2 + _ar(rng, n, 0.04)) * ramp
        dominated = es >= on + 50
        k = len(es)
        dips = np.zeros(k, dtype=bool)
        dips[[k - 3, k - 2]] = True  # two evaluations just below the line, just before the last
        if k >= 15:
            dips[(np.searchsorted(es, on) + k) // 2] = True  # and one in the middle
        auc = np.minimum(np.where(dips, 0.93, 0.99) + rng.normal(0, 0.003, k), 1.0)  # an AUC is at most 1
        e["d_auc"] = np.where(dominated, auc, e["d_auc"])
        e["d_accuracy"] = np.where(dominated, 0.78 + rng.normal(0, 0.02, k), e["d_accuracy"])
    elif plan.event == "oscillate":
        wave = np.where(step >= on, np.sin(2 * np.pi * (step - on) / plan.period), 0.0)
        s["loss_d"], s["loss_g"] = s["loss_d"] + 0.3 * wave, s["loss_g"] - 0.3 * wave
        s["d_real"], s["d_fake"] = s["d_real"] + 0.08 * wave, s["d_fake"] + 0.08 * wave
    elif plan.event == "never":
        e["quality"] = np.full(len(es), 0.02)
        e["diversity"] = 1.4 + rng.normal(0, 0.05, len(es))  # a broad blob: spread, but off the data
    elif plan.event == "stall":  # G's gradients vanish; its samples freeze where they were
        drop = 10 ** (-4 * _ramp(step, on, 0.05 * n))
        s["grad_norm_g"] = s["grad_norm_g"] * drop
        frozen = float(e["quality"][np.searchsorted(es, on)])
        e["quality"] = np.where(es >= on, frozen, e["quality"])
    elif plan.event == "freeze":  # learning rate 0 from the onset: samples frozen, gradients as before
        frozen = float(e["quality"][np.searchsorted(es, on)])
        e["quality"] = np.where(es >= on, frozen, e["quality"])
    elif plan.event == "converge":  # at the data's level, G's gradients shrink 1000x: converged, healthy
        s["grad_norm_g"] = s["grad_norm_g"] * 10 ** (-3 * _ramp(step, on, 0.05 * n))
    elif plan.event == "undertrained":
        pass  # the slow learning is set in _signals
    elif plan.event == "broken_metric":  # the metric code broke at three evaluations: FID 1e57, -3e68, inf
        first = int(np.searchsorted(es, on))
        e["fid_boost"][first : first + 3] = [1e60, -1e70, np.inf][: len(es) - first]
    elif plan.event in ("ada_healthy", "d_overfit"):  # ADA's r_t and p (StyleGAN's Loss/signs/real, Progress/augment)
        held = _ramp(step, on, 0.03 * n) if plan.event == "d_overfit" else np.zeros(n)
        s["ada_rt"] = 0.6 + 0.3 * held + _ar(rng, n, 0.02) + rng.standard_normal(n) * 0.02
        s["ada_p"] = np.clip(0.3 * _ramp(step, 0, 0.3 * n) + 0.5 * held + _ar(rng, n, 0.01), 0, None)
        if plan.event == "d_overfit":  # FID stops improving and creeps up (under 2x: not a divergence)
            e["fid_boost"] = 1 + 0.5 * _ramp(es, on, 0.2 * n)
    elif plan.event == "blur_never":  # every mode found (shares and recall kept), no sample sharp enough
        e["mode_quality"] = np.tile(np.linspace(0.02, 0.1, N_MODES), (len(es), 1))
        e["soft"][:] = 0.25  # precision about 0.25, the high-quality share about 0.05
        e["diversity"] = e["diversity"] + 0.25  # spread wider than the data (1.1-1.3 of the real set's)
    elif plan.event == "blur_partial":  # from the onset three modes' samples blur; every mode keeps its share
        blurred = es >= on
        e["mode_quality"][np.ix_(blurred, [1, 4, 6])] = 0.15
        e["soft"] = np.where(blurred, 0.3, 0.0)
        e["recall_scale"] = np.where(blurred, 0.85, 1.0)  # recall falls a little: not the spread's 90%
        e["diversity"] = e["diversity"] + 0.1 * blurred
    elif plan.event == "drift":  # the samples drift off the data: quality and recall go, FID 30x
        level = _ramp(es, on, 0.08 * n)
        e["mode_quality"] = (1 - level)[:, None] * e["mode_quality"] + level[:, None] * 0.03
        near = np.array([3, 2, 1.5, 1, 0.5, 0.5, 1, 1.5])  # shares shift towards the side it drifts to
        e["modes"] = (1 - level)[:, None] * e["modes"] + level[:, None] * near / near.sum()
        e["precision_drop"] = 0.75 * level
        e["recall_scale"] = 1 - 0.8 * level
        e["fid_boost"] = (30.0 if plan.fid_scale >= 1 else 1000.0) ** level  # off a 2-D mixture FID soars
    elif plan.event == "skipped_step":  # mixed precision skipped one step: its gradient norm is inf
        s["grad_norm_g"][on - 1] = np.inf
    elif plan.event == "resume":  # a crash at onset, resumed from the checkpoint 50 steps before it
        after = step >= on + 50
        transient = np.exp(-np.clip(step - on - 50, 0, None) / 15.0) * after  # fresh optimizer state
        s["loss_g"] = s["loss_g"] * (1 + 0.6 * transient)
        s["grad_norm_g"] = s["grad_norm_g"] * (1 + 3 * transient)
    elif plan.event == "mode_hop":  # D and G chase each other: the samples hop between pairs of modes
        wave = np.where(step >= on, np.sin(2 * np.pi * (step - on) / plan.period), 0.0)
        s["loss_d"], s["loss_g"] = s["loss_d"] + 0.3 * wave, s["loss_g"] - 0.3 * wave
        s["d_real"], s["d_fake"] = s["d_real"] + 0.08 * wave, s["d_fake"] + 0.08 * wave
        for i, at in enumerate(es):
            if at >= on:
                first = 3 * int((at - on) // (plan.period / 2)) % N_MODES
                kept = np.zeros(N_MODES)
                kept[[first, (first + 1) % N_MODES]] = 0.5
                e["modes"][i] = 0.1 / N_MODES + 0.9 * kept
        hopping = es >= on
        e["recall_scale"] = np.where(hopping, 0.4, 1.0)
        e["diversity"] = np.where(hopping, e["diversity"] - 0.55, e["diversity"])
        e["fid_boost"] = np.where(hopping, 3.0, 1.0)
    else:
        raise ValueError(f"unknown event {plan.event!r}")


def write_log(plan: Plan, folder) -> Path:
    """Write the plan's log through TrainingLogger into folder/plan.name; returns the run folder."""
    per_step, e = _signals(plan)
    rng = np.random.default_rng(plan.seed + 10_000)
    run = Path(folder) / plan.name
    logger = TrainingLogger(
        run, manifest={"variant": "synthetic", "truth": plan.truth, "event": plan.event, "onset": plan.onset}
    )
    stop = plan.onset if plan.event == "nan" else plan.steps + 1
    lost = range(plan.onset, plan.onset + 50) if plan.event == "resume" else range(0)  # logged, then lost
    logged = rng.random(plan.steps) < 0.4 if plan.irregular else np.ones(plan.steps, dtype=bool)
    logged[[0, -1]] = True
    last = min(stop, plan.steps)
    probability = plan.outputs == "probability"
    # The logger rewrites its files at every evaluation (so a crash keeps the log); a synthetic log
    # needs them written once, by the logger's own flush at close.
    logger.flush = lambda: None
    for i, step in enumerate(int(s) for s in e["step"]):
        if step >= stop:
            break
        if step in lost:
            continue
        q = float(e["quality"][i])
        fid = plan.fid_scale * (1 + 30 * (1 - q)) * e["fid_factor"][i] * e["fid_boost"][i]
        hq_share = float(np.clip(plan.hq_level * q + rng.normal(0, 0.01 * plan.noise), 0, 1))
        counts = rng.multinomial(plan.eval_samples, e["modes"][i])
        hq_counts = rng.binomial(counts, np.clip(hq_share * e["mode_quality"][i], 0, 1))
        sharp = float(e["modes"][i] @ e["mode_quality"][i])  # the share of samples of a sharp mode
        sharp += (1 - sharp) * e["soft"][i]
        precision = np.clip(0.85 * q * sharp - e["precision_drop"][i] + rng.normal(0, 0.015 * plan.noise), 0, 1)
        recall = np.clip(0.9 * q * e["recall_scale"][i] + rng.normal(0, 0.015 * plan.noise), 0, 1)
        calibration = {
            "d_accuracy": float(np.clip(e["d_accuracy"][i], 0, 1)),
            "d_auc": float(np.clip(e["d_auc"][i], 0, 1)),
            "d_ece": float(e["d_ece"][i]) if probability else 0.01,
            "d_input": "probability" if probability else "score",
        }
        logger.evaluate(
            step,
            fid=fid,
            precision=precision,
            recall=recall,
            high_quality_fraction=hq_counts.sum() / plan.eval_samples,
            modes_covered=int(covered_modes(hq_counts, plan.eval_samples).sum()),
            mode_counts=json.dumps(counts.tolist()),
            hq_mode_counts=json.dumps(hq_counts.tolist()),
            diversity=float(e["diversity"][i]),
            **calibration,
        )
    for step in range(1, last + 1):
        if step in lost or not logged[step - 1]:
            continue
        values = {name: float(v[step - 1]) for name, v in per_step.items()}
        if step == stop:
            values.update(loss_d=float("nan"), loss_g=float("nan"))
        logger.step(step, **values)
    del logger.flush
    logger.close(finished=plan.event != "nan")
    return run


FID_SCALES = (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e3)


def healthy_plans() -> list[Plan]:
    """32 healthy logs: 8 FID scales x 4 (seed, noise level, length, D's outputs) combinations."""
    shapes = [
        (400, 10, 0.5, "probability"),
        (1000, 25, 1.0, "probability"),
        (2000, 50, 1.5, "score"),
        (1500, 30, 2.0, "probability"),
    ]
    out = []
    for i, scale in enumerate(FID_SCALES):
        for j, (steps, every, noise, outputs) in enumerate(shapes):
            out.append(
                Plan(
                    f"healthy-{i}-{j}",
                    "healthy",
                    steps=steps,
                    eval_every=every,
                    seed=100 + 4 * i + j,
                    fid_scale=scale,
                    noise=noise,
                    outputs=outputs,
                )
            )
    return out


def event_plans() -> list[Plan]:
    """Logs with one planted event each; every verdict at least twice, and events that leave a run healthy."""
    P = Plan
    return [
        P("nan-early", "diverged", "nan", "divergence", 300, seed=1),
        P("nan-late", "diverged", "nan", "divergence", 1700, steps=2000, eval_every=50, seed=2, fid_scale=10.0),
        P("explode", "diverged", "explode", "divergence", 600, seed=3, fid_scale=1e-3),
        P("critic-explode", "diverged", "critic_explode", "divergence", 500, seed=4, outputs="score"),
        P(
            "critic-explode-long",
            "diverged",
            "critic_explode",
            "divergence",
            1200,
            steps=2000,
            eval_every=50,
            seed=5,
            outputs="score",
            fid_scale=30.0,
        ),
        P("fid-rise", "diverged", "fid_rise", "divergence", 600, seed=6, fid_scale=1.0),
        P(
            "fid-rise-images",
            "diverged",
            "fid_rise",
            "divergence",
            900,
            steps=1500,
            eval_every=30,
            seed=7,
            fid_scale=30.0,
        ),
        P("collapse-abrupt", "collapsed", "collapse", "collapse", 500, seed=8, fid_scale=1e-3),
        P(
            "collapse-gradual",
            "collapsed",
            "collapse_gradual",
            "collapse",
            700,
            steps=1500,
            eval_every=30,
            seed=9,
            fid_scale=0.1,
        ),
        P(
            "collapse-late",
            "collapsed",
            "collapse",
            "collapse",
            1500,
            steps=2000,
            eval_every=40,
            seed=10,
            noise=1.5,
            fid_scale=10.0,
        ),
        P("dominate", "D-dominated", "dominate", "d_dominance", 400, seed=11),
        P(
            "dominate-late",
            "D-dominated",
            "dominate",
            "d_dominance",
            1100,
            steps=1500,
            eval_every=30,
            seed=12,
            noise=1.5,
        ),
        P("dominate-auc", "D-dominated", "dominate_auc", "d_dominance", 500, seed=13),
        # D dominance from early to the end with a few evaluations dipping under the line (a dcgan on digits)
        P("dominate-dips", "D-dominated", "dominate_dips", "d_dominance", 400, steps=1500, eval_every=150, seed=52),
        P("dominate-dips-2", "D-dominated", "dominate_dips", "d_dominance", 300, steps=1000, eval_every=50, seed=53),
        P(
            "dominate-auc-2",
            "D-dominated",
            "dominate_auc",
            "d_dominance",
            800,
            steps=2000,
            eval_every=50,
            seed=14,
            fid_scale=1e-2,
        ),
        P("oscillate-20", "oscillating", "oscillate", "oscillation", 300, seed=15, period=20),
        P(
            "oscillate-60",
            "oscillating",
            "oscillate",
            "oscillation",
            600,
            steps=2000,
            eval_every=50,
            seed=16,
            period=60,
            fid_scale=10.0,
        ),
        P("never-learned", "never-learned", "never", "low_quality", 25, seed=17, fid_scale=1.0),
        P(
            "never-learned-long",
            "never-learned",
            "never",
            "low_quality",
            50,
            steps=2000,
            eval_every=50,
            seed=18,
            fid_scale=100.0,
        ),
        # stalls freeze the samples short of the data (quality 0.46: precision 0.39, high-quality share
        # 0.37); frozen at the data's level (0.96-0.98, as these logs once planted) a run has converged
        P("stall", "stalled", "stall", "stall", 40, seed=19, fid_scale=0.1),
        P("stall-long", "stalled", "stall", "stall", 100, steps=2000, eval_every=50, seed=20, fid_scale=10.0),
        # a frozen generator (learning rate 0) whose gradient norm stays normal is a stall too
        P("stall-lr0", "stalled", "freeze", "stall", 40, seed=32, fid_scale=1.0),
        P("stall-lr0-long", "stalled", "freeze", "stall", 100, steps=2000, eval_every=50, seed=33, fid_scale=30.0),
        P("undertrained", "undertrained", "undertrained", "still_improving", 700, seed=21, fid_scale=1.0),
        P(
            "undertrained-images",
            "undertrained",
            "undertrained",
            "still_improving",
            1400,
            steps=2000,
            eval_every=40,
            seed=22,
            fid_scale=50.0,
        ),
        P("broken-fid", "unreliable-metrics", "broken_metric", "broken_metric", 500, seed=26, fid_scale=10.0),
        P(
            "broken-fid-2d",
            "unreliable-metrics",
            "broken_metric",
            "broken_metric",
            1200,
            steps=2000,
            eval_every=50,
            seed=27,
            fid_scale=1e-3,
        ),
        P("d-overfit", "D-overfitting", "d_overfit", "d_overfitting", 500, seed=28, fid_scale=10.0),
        P(
            "d-overfit-long",
            "D-overfitting",
            "d_overfit",
            "d_overfitting",
            900,
            steps=2000,
            eval_every=50,
            seed=29,
            fid_scale=1e-2,
        ),
        # events a healthy run can have: found, but the verdict stays healthy
        P("ada-healthy", "healthy", "ada_healthy", None, 0, seed=30, fid_scale=10.0),
        P("ada-healthy-2d", "healthy", "ada_healthy", None, 0, steps=2000, eval_every=50, seed=31, fid_scale=1e-3),
        P("spike", "healthy", "spike", "gradient_spike", 420, seed=23),
        P("dominate-early", "healthy", "dominate_early", "d_dominance", 1, end=900, steps=2500, eval_every=50, seed=24),
        P("collapse-recovers", "healthy", "collapse_recovers", "collapse", 400, end=700, seed=25, fid_scale=1e-2),
        # converged at the data's level while G's gradients shrink 1000x: healthy, not stalled
        P("converged-grad-shrinks", "healthy", "converge", None, 500, seed=34, fid_scale=0.1),
        P("converged-grad-shrinks-long", "healthy", "converge", None, 1000, steps=2000, eval_every=50, seed=35),
        # small evaluations (100 samples): a healthy generator loses no modes to chance
        # (high-quality share 0.6: the plain quarter rule lost two of 8 modes in 1 evaluation of 20)
        P("healthy-100-samples", "healthy", None, None, seed=36, eval_samples=100, hq_level=0.6),
        P("healthy-100-samples-long", "healthy", steps=2000, eval_every=20, seed=37, eval_samples=100, hq_level=0.6),
        # shapes real runs have (issue 24): few or small evaluations, uneven schedules, skipped steps,
        # resumes, blur (modes keep their share, samples lose quality), drift off the data, mode hopping
        P("few-evals-4", "healthy", seed=38, steps=600, eval_every=150, fid_scale=1.0),
        P("few-evals-3", "healthy", seed=39, steps=900, eval_every=300, fid_scale=1e-3),
        P("few-evals-collapse", "collapsed", "collapse", "collapse", 550, steps=1200, eval_every=200, seed=40),
        P("collapse-100-samples", "collapsed", "collapse", "collapse", 600, seed=41, eval_samples=100, hq_level=0.6),
        P("irregular-healthy", "healthy", seed=42, steps=1500, eval_every=40, irregular=True, fid_scale=10.0),
        P(
            "irregular-collapse",
            "collapsed",
            "collapse",
            "collapse",
            700,
            steps=1500,
            eval_every=40,
            seed=43,
            irregular=True,
        ),
        P("skipped-step", "healthy", "skipped_step", "gradient_spike", 640, seed=44, fid_scale=1e-2),
        P("resume", "healthy", "resume", None, 700, steps=1500, eval_every=50, seed=45),
        P("resume-collapse", "collapsed", "collapse", "collapse", 900, steps=1500, eval_every=50, seed=46),
        # Stalled, not never-learned (changed 2026-12-07): its precision climbs 0.06 -> 0.25 over the
        # first 8 evaluations and stays there while no sample sharpens; the real-run oracle's rule
        # for such a run (quality between never-learned's level and the data's, no longer rising) is
        # stalled. The low-quality finding (blur, from step 25) is its onset.
        P("blur-never-sharpens", "stalled", "blur_never", "low_quality", 25, seed=47, fid_scale=1.0),
        P("blur-three-modes", "healthy", "blur_partial", "low_quality", 600, steps=1500, eval_every=30, seed=48),
        P("drift", "diverged", "drift", "divergence", 600, seed=49, fid_scale=1e-2),
        P("drift-images", "diverged", "drift", "divergence", 1000, steps=2000, eval_every=40, seed=50, fid_scale=30.0),
        P("mode-hop", "oscillating", "mode_hop", "oscillation", 400, steps=1500, eval_every=25, seed=51, period=150),
    ]


def plans() -> list[Plan]:
    return healthy_plans() + event_plans()


@dataclass(frozen=True)
class RealCase:
    """A short real training pushed into a known failure with settings (`ganeval train ... --set`)."""

    name: str
    truth: str
    variant: str
    data: str
    steps: int
    settings: tuple = ()  # (key, value) pairs, as --set gives them
    why: str = ""  # how the truth was worked out, independently of the diagnostics


REAL_CASES = [
    RealCase(
        "gan-ns-ring8-2000",
        "healthy",
        "gan-ns",
        "ring8",
        2000,
        (),
        "the non-saturating GAN at its default settings covers 8 of 8 ring8 modes (benchmarks/README.md)",
    ),
    RealCase(
        "gan-ring8-lr_g-1e-6",
        "never-learned",
        "gan",
        "ring8",
        600,
        (("lr_d", 2e-3), ("lr_g", 1e-6)),
        "G's Adam steps of 1e-6 move it by under 1e-3 in 600 steps: its samples stay where they started, off the ring",
    ),
    RealCase(
        "wgan-grid25-1500",
        "never-learned",
        "wgan",
        "grid25",
        1500,
        (),
        "issue 14: 0 of 25 modes within 3 std over 5,000 samples, precision 0.02",
    ),
    RealCase(
        "gan-ns-ring8-lr-1",
        "diverged",
        "gan-ns",
        "ring8",
        300,
        (("lr_d", 1.0), ("lr_g", 1.0)),
        "Adam with learning rate 1 on both networks: the losses leave the numbers within a few hundred steps",
    ),
    RealCase(
        "gan-ring8-lr_d-2e-3",
        "collapsed",
        "gan",
        "ring8",
        1500,
        (("lr_d", 2e-3),),
        "minimax loss with D learning 10x faster than G: its samples gather on one of the 8 modes (looked at: "
        "1 of 8 with high quality from step 525 to the end) while D keeps accuracy 0.94",
    ),
]


def train_case(case: RealCase, folder) -> Path:
    """Train one real case into folder/case.name (a run stopped by a NaN keeps its log)."""
    import reference_models
    from reference_models import TrainingDiverged

    run = Path(folder) / case.name
    try:
        reference_models.train(
            case.variant,
            case.data,
            out=run,
            steps=case.steps,
            overwrite=True,
            eval_every=max(25, case.steps // 20),
            **dict(case.settings),
        )
    except TrainingDiverged:
        pass  # the log up to the NaN is what the diagnostics read
    return run
