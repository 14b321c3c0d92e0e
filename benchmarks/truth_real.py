"""The real-run truth suite's cases: short trainings pushed into each failure, with a fixed half.

Each `RealRun` is one training: a bundled variant (`ganeval train VARIANT --data D --steps N --set
k=v`), the same training resumed with more steps (`resume_from`: trained to that step, then
`--resume` to `steps`), or a GAN loop of our own (`own_loop`: our own MLPs, our own Adam, logging
through `ganeval.TrainingLogger` as a user's loop would). `intended` is the failure the settings push
toward; the truth is what benchmarks/truth_oracle.py reads from the run's samples and checkpoints,
and where the two disagree the oracle wins.

`half` was fixed when a run was added, balanced per intended truth, and never changes: rules are
designed and tuned on "design" and scored on a held-out set. A held-out set is fresh for one round of
tuning: "held-out" (18 runs, 2026-12-07) was scored before and after one round, then tuned on with
"design" in the next; "held-out-2" (2026-12-07, second session) is that round's fresh set, trained and
scored before any rule of that round was written, and once after; "held-out-3" the next round's,
"held-out-4" to "held-out-7" the rounds after, the same way (every earlier set is then design data);
"held-out-8" measures the last rules of its session once, with no round after it; "held-out-9"
(2026-12-07, fourth session) is the fresh set of that session's first round (the realism trend off the
data), written and committed before it was trained; "held-out-10" (the same session) measures that
session's last rules and oracle once, written and committed before it was trained; "held-out-11"
(fifth session) measures the same rules once more, on new seeds and settings, the same way; "held-out-12"
(sixth session) measures the same rules under the oracle's rule 1b (learned, then lost to the end:
diverged), written and committed before it was trained, and scored once; "held-out-13" (the same
session) measures them once more under rule 1b's "2 of the last 3", the same way. `pair` names runs
that are the same training evaluated on two schedules (every 50 and every 250 steps): they must get the
same verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DESIGN = "design"
# the design half, then the held-out sets in the order they were written (a new one takes the next number)
HALVES = (DESIGN, "held-out", *(f"held-out-{n}" for n in range(2, 14)))


@dataclass(frozen=True)
class RealRun:
    """One real training of the suite (see the module docstring)."""

    name: str
    half: str
    intended: str  # the verdict the settings push toward (the oracle decides the truth)
    variant: str  # a bundled variant, or "own" (own_loop)
    data: str
    steps: int
    settings: tuple = ()  # (key, value) pairs: --set for a bundled variant, own_loop's keywords for "own"
    seed: int = 0
    eval_every: int = 100
    eval_n: int = 500
    resume_from: int | None = None  # trained to this step first, then resumed to `steps`
    pair: str | None = None  # runs of the same training on other evaluation schedules share a pair name
    why: str = ""

    def command(self) -> str:
        """The command line that trains it (own_loop: the Python call)."""
        if self.variant == "own":
            keywords = "".join(f", {k}={v!r}" for k, v in (*self.settings, ("eval_every", self.eval_every)))
            return f"own_loop(RUN, {self.data!r}, steps={self.steps}, seed={self.seed}{keywords})"
        sets = " ".join(
            f"--set {k}={v}" for k, v in (*self.settings, ("eval_every", self.eval_every), ("eval_n", self.eval_n))
        )
        line = f"ganeval train {self.variant} --data {self.data} --steps {{}} --seed {self.seed} {sets}".strip()
        if self.resume_from is None:
            return line.format(self.steps)
        return f"{line.format(self.resume_from)}; then --resume --steps {self.steps}"


def _run(name, half, intended, variant, data, steps, *settings, **kw) -> RealRun:
    return RealRun(name, half, intended, variant, data, steps, tuple(settings), **kw)


D, H, H2, H3, H4, H5, H6, H7, H8, H9, H10, H11, H12, H13 = HALVES
# fmt: off
RUNS = [
    # healthy: converging runs of several variants, seeds, data and loops
    _run("healthy-gan-ns-ring8-s0", D, "healthy", "gan-ns", "ring8", 2000,
         why="gan-ns at its defaults reaches every ring8 mode"),
    _run("healthy-gan-ns-ring8-s1", D, "healthy", "gan-ns", "ring8", 2000, seed=1, why="the same, seed 1"),
    _run("healthy-own-ring8-s0", D, "healthy", "own", "ring8", 2000, why="our own loop, non-saturating, R1"),
    _run("healthy-own-ring8-s1", D, "healthy", "own", "ring8", 2000, seed=1, why="our own loop, seed 1"),
    _run("healthy-resumed-gan-ns-ring8-s3", D, "healthy", "gan-ns", "ring8", 2000, seed=3, resume_from=1000,
         why="trained to 1000 steps, then resumed to 2000"),
    _run("healthy-pair-e50", D, "healthy", "gan-ns", "ring8", 1500, seed=2, eval_every=50, pair="healthy-pair",
         why="gan-ns seed 2, evaluated every 50 steps"),
    _run("healthy-pair-e250", D, "healthy", "gan-ns", "ring8", 1500, seed=2, eval_every=250, pair="healthy-pair",
         why="the same training, evaluated every 250 steps"),
    # collapsed: the minimax GAN with a fast D sits on one mode
    _run("collapsed-pair-e50", D, "collapsed", "gan", "ring8", 1500, ("lr_d", 2e-3), eval_every=50,
         pair="collapsed-pair", why="minimax GAN, D at 20x its learning rate: samples on 1 of 8 modes"),
    _run("collapsed-pair-e250", D, "collapsed", "gan", "ring8", 1500, ("lr_d", 2e-3), eval_every=250,
         pair="collapsed-pair", why="the same training, evaluated every 250 steps"),
    _run("collapsed-gan-ring8-s1", D, "collapsed", "gan", "ring8", 1500, ("lr_d", 2e-3), seed=1,
         why="the same settings, seed 1"),
    _run("collapsed-gan-ring8-lrd3e-3-s2", D, "collapsed", "gan", "ring8", 1500, ("lr_d", 3e-3), seed=2,
         why="D at 30x, seed 2"),
    # diverged: learning rates far too high
    _run("diverged-gan-ns-lr1", D, "diverged", "gan-ns", "ring8", 300, ("lr_d", 1.0), ("lr_g", 1.0), eval_every=25,
         why="Adam at learning rate 1 on both networks"),
    _run("diverged-wgan-lr0.05", D, "diverged", "wgan", "ring8", 600, ("lr_d", 0.05), ("lr_g", 0.05), eval_every=50,
         why="weight-clipped critic, RMSprop at 0.05: G is thrown off the data"),
    _run("diverged-gan-ns-lr0.3-s1", D, "diverged", "gan-ns", "ring8", 400, ("lr_d", 0.3), ("lr_g", 0.3), seed=1,
         eval_every=25, why="Adam at 0.3"),
    _run("diverged-own-lr", D, "diverged", "own", "ring8", 600, ("lr_g", 0.2), ("lr_d", 0.2), seed=1,
         eval_every=50, why="our own loop with Adam at 0.2"),
    # never-learned: G cannot move
    _run("never-gan-ring8-lrg1e-6", D, "never-learned", "gan", "ring8", 600, ("lr_d", 2e-3), ("lr_g", 1e-6),
         eval_every=50, why="G's steps of 1e-6 cannot move it off its starting blob"),
    _run("never-wgan-grid25", D, "never-learned", "wgan", "grid25", 600, why="issue 14: wgan on grid25"),
    _run("never-gan-ns-ring8-lrg1e-7-s1", D, "never-learned", "gan-ns", "ring8", 600, ("lr_g", 1e-7), seed=1,
         eval_every=50, why="G at 1e-7"),
    _run("never-wgan-grid25-s1", D, "never-learned", "wgan", "grid25", 600, seed=1, why="wgan on grid25, seed 1"),
    # stalled: G stops changing before it reaches the data (our own loop: its learning rate drops to 0)
    _run("stalled-own-freeze700", D, "stalled", "own", "ring8", 1300, ("freeze_at", 700), eval_every=50,
         why="our own loop, G's learning rate 0 from step 700 (D keeps training)"),
    _run("stalled-own-grid25-freeze800", D, "stalled", "own", "grid25", 1300, ("freeze_at", 800), eval_every=50,
         why="our own loop on grid25, G frozen from step 800"),
    _run("stalled-own-freeze600-s1", D, "stalled", "own", "ring8", 1300, ("freeze_at", 600), seed=1, eval_every=50,
         why="our own loop, G frozen from step 600"),
    _run("stalled-own-decay-s2", D, "stalled", "own", "ring8", 1300, ("decay_from", 700), seed=2, eval_every=50,
         why="our own loop, G's learning rate halved every 25 steps from step 700"),
    # D-dominated: D far ahead of G (several D steps, a fast D, a slow G)
    _run("ddom-gan-ring8-ncritic5", D, "D-dominated", "gan", "ring8", 500, ("n_critic", 5), ("lr_d", 1e-3),
         eval_every=50, why="minimax GAN, 5 D steps per G step at 10x: D rejects every sample"),
    _run("ddom-gan-ring8-slowg", D, "D-dominated", "gan", "ring8", 800, ("lr_d", 1e-3), ("lr_g", 2e-5),
         eval_every=50, why="minimax GAN, D at 1e-3 and G at 2e-5"),
    _run("ddom-gan-ring8-ncritic5-s1", D, "D-dominated", "gan", "ring8", 500, ("n_critic", 5), ("lr_d", 1e-3), seed=1,
         eval_every=50, why="as ddom-gan-ring8-ncritic5, seed 1"),
    _run("ddom-own", D, "D-dominated", "own", "ring8", 800, ("d_steps", 5), ("lr_d", 5e-3), ("minimax", True), seed=1,
         eval_every=50, why="our own loop, minimax G loss, 5 D steps at 5x"),
    # oscillating: the unregularised GAN hopping between modes
    _run("oscillating-gan-ring8-lr1e-3", D, "oscillating", "gan", "ring8", 1500, ("lr_d", 1e-3), ("lr_g", 1e-3),
         eval_every=50, why="minimax GAN without R1 at 1e-3: the samples hop from mode to mode"),
    _run("oscillating-own-nor1-s1", D, "oscillating", "own", "ring8", 1500, ("r1", 0.0), ("lr_g", 2e-3), ("lr_d", 2e-3),
         seed=1, eval_every=50, why="our own loop without R1 at 2e-3"),
    # undertrained: stopped while still improving
    _run("undertrained-gan-ns-ring8-400", D, "undertrained", "gan-ns", "ring8", 400, eval_every=25,
         why="gan-ns stopped at 400 steps"),
    _run("undertrained-resumed-wgan-gp-ring8", D, "undertrained", "wgan-gp", "ring8", 600, resume_from=300,
         eval_every=50, why="wgan-gp trained to 300 steps, resumed to 600"),
    _run("undertrained-wgan-gp-ring8-500", D, "undertrained", "wgan-gp", "ring8", 500, seed=1, eval_every=50,
         why="wgan-gp stopped at 500 steps"),
    _run("undertrained-own-800", D, "undertrained", "own", "ring8", 800, seed=2, eval_every=50,
         why="our own loop stopped at 800 steps"),
    # added after the first 33 (their halves fixed then): runs long enough to converge, and D getting
    # ahead of a G that had learned (the D-dominated cases above never let G reach the data)
    _run("healthy-own-ring8-4000-s3", D, "healthy", "own", "ring8", 4000, seed=3, eval_every=200,
         why="our own loop, 4000 steps: quality reaches its plateau"),
    _run("healthy-own-ring8-4000-s4", D, "healthy", "own", "ring8", 4000, seed=4, eval_every=200,
         why="the same, seed 4"),
    _run("healthy-own-ring8-lr2e-3-s5", D, "healthy", "own", "ring8", 3000, ("lr_g", 2e-3), ("lr_d", 2e-3), ("r1", 0.2),
         seed=5, eval_every=150, why="our own loop at 2e-3, R1 0.2"),
    _run("healthy-own-ring8-lr2e-3-s6", D, "healthy", "own", "ring8", 3000, ("lr_g", 2e-3), ("lr_d", 2e-3), ("r1", 0.2),
         seed=6, eval_every=150, why="the same, seed 6"),
    _run("ddom-own-boost600-s7", D, "D-dominated", "own", "ring8", 1500, ("boost_from", 600), seed=7, eval_every=50,
         why="our own loop; from step 600 D takes 5 steps per G step at 10x, without R1"),
    _run("ddom-own-boost800-s8", D, "D-dominated", "own", "ring8", 1500, ("boost_from", 800), seed=8, eval_every=50,
         why="the same from step 800, seed 8"),
    _run("ddom-own-minimax-boost600-s9", D, "D-dominated", "own", "ring8", 1500, ("boost_from", 600), ("minimax", True),
         seed=9, eval_every=50, why="as ddom-own-boost600-s7, minimax G loss (it saturates against a strong D)"),
    _run("ddom-own-minimax-boost600-s10", D, "D-dominated", "own", "ring8", 1500, ("boost_from", 600),
         ("minimax", True), seed=10, eval_every=50, why="the same, seed 10"),
    # THE HELD-OUT HALF (added 2026-12-07, trained once and diagnosed only for the totals, before and
    # after the rules were tuned on all the runs above): other seeds, grid25, other settings of the
    # same failures, and the kinds the runs above lack in truth (oscillation, lasting D dominance, a
    # stall after learning, a point collapse). Our own loop throughout: short, and nothing of ours.
    _run("ho-healthy-own-ring8-3000-s21", H, "healthy", "own", "ring8", 3000, seed=21, eval_every=150,
         why="our own loop, 3000 steps"),
    _run("ho-healthy-own-ring8-lr2e-3-s22", H, "healthy", "own", "ring8", 2500, ("lr_g", 2e-3), ("lr_d", 2e-3),
         ("r1", 0.2), seed=22, eval_every=100, why="our own loop at 2e-3, R1 0.2"),
    _run("ho-healthy-own-grid25-w128-s23", H, "healthy", "own", "grid25", 3000, ("width", 128), seed=23,
         eval_every=150, why="our own loop on grid25, 128 units wide"),
    _run("ho-pair-e50", H, "healthy", "own", "ring8", 2500, ("eval_seed", 99), seed=24, eval_every=50,
         pair="ho-pair", why="our own loop, evaluated every 50 steps (evaluation noise apart)"),
    _run("ho-pair-e250", H, "healthy", "own", "ring8", 2500, ("eval_seed", 99), seed=24, eval_every=250,
         pair="ho-pair", why="the same training, evaluated every 250 steps"),
    _run("ho-undertrained-own-ring8-1000-s25", H, "undertrained", "own", "ring8", 1000, seed=25, eval_every=100,
         why="our own loop stopped at 1000 steps, 10 evaluations"),
    _run("ho-undertrained-own-grid25-1500-s26", H, "undertrained", "own", "grid25", 1500, ("width", 128), seed=26,
         eval_every=100, why="our own loop on grid25 stopped at 1500 steps"),
    _run("ho-oscillating-own-nor1-momentum-s27", H, "oscillating", "own", "ring8", 1500, ("r1", 0.0),
         ("lr_g", 5e-3), ("lr_d", 5e-3), ("betas", (0.9, 0.999)), seed=27, eval_every=50,
         why="our own loop without R1 at 5e-3, Adam's momentum 0.9"),
    _run("ho-oscillating-own-nor1-minimax-s28", H, "oscillating", "own", "ring8", 1500, ("r1", 0.0),
         ("lr_g", 3e-3), ("lr_d", 3e-3), ("betas", (0.9, 0.999)), ("minimax", True), seed=28, eval_every=50,
         why="the same at 3e-3 with the minimax G loss"),
    _run("ho-ddom-own-d10x-s29", H, "D-dominated", "own", "ring8", 1000, ("d_steps", 5), ("lr_d", 1e-2),
         ("r1", 0.0), ("minimax", True), seed=29, eval_every=50,
         why="our own loop: 5 D steps per G step at 10x, no R1, minimax G loss, from the start"),
    _run("ho-ddom-own-slowg-s30", H, "D-dominated", "own", "ring8", 1000, ("d_steps", 5), ("lr_d", 1e-2),
         ("lr_g", 1e-4), ("r1", 0.0), seed=30, eval_every=50, why="D 5 steps at 10x against G at 0.1x"),
    _run("ho-stalled-own-freeze500-s31", H, "stalled", "own", "ring8", 1300, ("freeze_at", 500), seed=31,
         eval_every=50, why="our own loop, G's learning rate 0 from step 500 (D keeps training)"),
    _run("ho-stalled-own-freeze1000-s32", H, "stalled", "own", "ring8", 2000, ("freeze_at", 1000), seed=32,
         eval_every=100, why="our own loop, G frozen from step 1000"),
    _run("ho-collapsed-own-minimax-nor1-s33", H, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 5e-3),
         ("minimax", True), seed=33, eval_every=50, why="our own loop, minimax G loss, D at 5x without R1"),
    _run("ho-collapsed-own-zscale-s34", H, "collapsed", "own", "ring8", 1000, ("z_scale", 0.01), seed=34,
         eval_every=50, why="G's noise scaled by 0.01 (a bug): G maps every input to about one point"),
    _run("ho-diverged-own-jump-s35", H, "diverged", "own", "ring8", 1200, ("jump_at", 700), seed=35, eval_every=50,
         why="our own loop; both learning rates 100x from step 700"),
    _run("ho-diverged-own-grid25-jump-s36", H, "diverged", "own", "grid25", 1000, ("jump_at", 500), ("width", 128),
         seed=36, eval_every=50, why="the same on grid25, from step 500"),
    _run("ho-never-own-lrg1e-6-s37", H, "never-learned", "own", "ring8", 800, ("lr_g", 1e-6), seed=37,
         eval_every=50, why="our own loop, G at 1e-6"),
    # THE SECOND HELD-OUT SET (added 2026-12-07 in the next session, before that session's rules were
    # written; trained and diagnosed for the totals only): new seeds and settings of every failure,
    # runs long enough to converge, a stall after learning at two points, two bundled variants.
    _run("h2-healthy-own-ring8-3000-s41", H2, "healthy", "own", "ring8", 3000, seed=41, eval_every=150,
         why="our own loop, 3000 steps"),
    _run("h2-healthy-own-ring8-w96-s42", H2, "healthy", "own", "ring8", 3000, ("width", 96), seed=42,
         eval_every=100, why="our own loop, 96 units wide"),
    _run("h2-healthy-own-grid25-w128-s43", H2, "healthy", "own", "grid25", 4000, ("width", 128), seed=43,
         eval_every=200, why="our own loop on grid25, 128 units wide, 4000 steps"),
    _run("h2-healthy-own-ring8-lr2e-3-s44", H2, "healthy", "own", "ring8", 3000, ("lr_g", 2e-3), ("lr_d", 2e-3),
         ("r1", 0.2), seed=44, eval_every=100, why="our own loop at 2e-3, R1 0.2"),
    _run("h2-pair-e50", H2, "healthy", "own", "ring8", 3000, ("eval_seed", 77), seed=45, eval_every=50,
         pair="h2-pair", why="our own loop, evaluated every 50 steps"),
    _run("h2-pair-e250", H2, "healthy", "own", "ring8", 3000, ("eval_seed", 77), seed=45, eval_every=250,
         pair="h2-pair", why="the same training, evaluated every 250 steps"),
    _run("h2-healthy-gan-ns-ring8-2500-s8", H2, "healthy", "gan-ns", "ring8", 2500, seed=8, why="gan-ns, 2500 steps"),
    _run("h2-undertrained-own-ring8-900-s46", H2, "undertrained", "own", "ring8", 900, seed=46, eval_every=100,
         why="our own loop stopped at 900 steps"),
    _run("h2-undertrained-own-grid25-1200-s47", H2, "undertrained", "own", "grid25", 1200, ("width", 128), seed=47,
         eval_every=100, why="our own loop on grid25 stopped at 1200 steps"),
    _run("h2-stalled-own-freeze1200-s48", H2, "stalled", "own", "ring8", 2000, ("freeze_at", 1200), seed=48,
         eval_every=100, why="our own loop, G's learning rate 0 from step 1200"),
    _run("h2-stalled-own-freeze800-s49", H2, "stalled", "own", "ring8", 1600, ("freeze_at", 800), seed=49,
         eval_every=50, why="our own loop, G frozen from step 800"),
    _run("h2-collapsed-own-zscale-s50", H2, "collapsed", "own", "ring8", 1000, ("z_scale", 0.02), seed=50,
         eval_every=50, why="G's noise scaled by 0.02 (a bug)"),
    _run("h2-collapsed-own-minimax-nor1-s51", H2, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 5e-3),
         ("minimax", True), seed=51, eval_every=50, why="minimax G loss, D at 5x without R1"),
    _run("h2-collapsed-gan-ring8-s5", H2, "collapsed", "gan", "ring8", 1500, ("lr_d", 2e-3), seed=5,
         why="minimax GAN, D at 20x its learning rate, seed 5"),
    _run("h2-diverged-own-jump-s52", H2, "diverged", "own", "ring8", 1400, ("jump_at", 1000), seed=52, eval_every=50,
         why="both learning rates 100x from step 1000"),
    _run("h2-diverged-own-lr0.3-s53", H2, "diverged", "own", "ring8", 500, ("lr_g", 0.3), ("lr_d", 0.3), seed=53,
         eval_every=25, why="Adam at 0.3 on both networks"),
    _run("h2-never-own-lrg1e-7-s54", H2, "never-learned", "own", "ring8", 800, ("lr_g", 1e-7), seed=54,
         eval_every=50, why="G at 1e-7"),
    _run("h2-oscillating-own-nor1-s55", H2, "oscillating", "own", "ring8", 1500, ("r1", 0.0), ("lr_g", 4e-3),
         ("lr_d", 4e-3), ("betas", (0.9, 0.999)), seed=55, eval_every=50, why="no R1 at 4e-3, momentum 0.9"),
    _run("h2-ddom-own-d5-s56", H2, "D-dominated", "own", "ring8", 1000, ("d_steps", 5), ("lr_d", 1e-2), ("r1", 0.0),
         seed=56, eval_every=50, why="5 D steps per G step at 10x, no R1, from the start"),
    _run("h2-ddom-own-boost1000-s57", H2, "D-dominated", "own", "ring8", 2000, ("boost_from", 1000), seed=57,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1000"),
    # THE THIRD HELD-OUT SET (added 2026-12-07, second session, after held-out-2 was scored and before
    # the next round's rules): other widths, noise sizes, batches, 200-sample evaluations, longer runs.
    _run("h3-healthy-own-ring8-4000-s61", H3, "healthy", "own", "ring8", 4000, seed=61, eval_every=200,
         why="our own loop, 4000 steps"),
    _run("h3-healthy-own-ring8-z4-s62", H3, "healthy", "own", "ring8", 3500, ("z_dim", 4), seed=62, eval_every=175,
         why="our own loop, 4-d noise"),
    _run("h3-healthy-own-grid25-w128-5000-s63", H3, "healthy", "own", "grid25", 5000, ("width", 128), seed=63,
         eval_every=250, why="our own loop on grid25, 128 units, 5000 steps"),
    _run("h3-healthy-own-ring8-b256-s64", H3, "healthy", "own", "ring8", 3000, ("batch", 256), seed=64,
         eval_every=150, why="our own loop, batch 256"),
    _run("h3-pair-e50", H3, "healthy", "own", "ring8", 4000, ("eval_seed", 55), seed=65, eval_every=50,
         pair="h3-pair", why="our own loop, 4000 steps, evaluated every 50 steps"),
    _run("h3-pair-e250", H3, "healthy", "own", "ring8", 4000, ("eval_seed", 55), seed=65, eval_every=250,
         pair="h3-pair", why="the same training, evaluated every 250 steps"),
    _run("h3-healthy-own-ring8-n200-s66", H3, "healthy", "own", "ring8", 3000, seed=66, eval_every=100, eval_n=200,
         why="our own loop, 200 samples per evaluation"),
    _run("h3-undertrained-own-ring8-1200-s67", H3, "undertrained", "own", "ring8", 1200, seed=67, eval_every=100,
         why="our own loop stopped at 1200 steps"),
    _run("h3-undertrained-own-ring8-lr5e-4-s68", H3, "undertrained", "own", "ring8", 1500, ("lr_g", 5e-4),
         ("lr_d", 5e-4), seed=68, eval_every=100, why="our own loop at 5e-4, stopped at 1500 steps"),
    _run("h3-undertrained-wgan-gp-ring8-800-s2", H3, "undertrained", "wgan-gp", "ring8", 800, seed=2, eval_every=50,
         why="wgan-gp stopped at 800 steps"),
    _run("h3-stalled-own-freeze1500-s69", H3, "stalled", "own", "ring8", 2500, ("freeze_at", 1500), seed=69,
         eval_every=100, why="our own loop, G's learning rate 0 from step 1500"),
    _run("h3-stalled-own-decay900-s70", H3, "stalled", "own", "ring8", 1800, ("decay_from", 900), seed=70,
         eval_every=100, why="our own loop, G's learning rate halved every 25 steps from step 900"),
    _run("h3-collapsed-own-minimax-nor1-s71", H3, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 5e-3),
         ("minimax", True), seed=71, eval_every=50, why="minimax G loss, D at 5x without R1"),
    _run("h3-collapsed-gan-ring8-s6", H3, "collapsed", "gan", "ring8", 1500, ("lr_d", 2e-3), seed=6,
         why="minimax GAN, D at 20x its learning rate, seed 6"),
    _run("h3-diverged-own-jump-s72", H3, "diverged", "own", "ring8", 2000, ("jump_at", 1500), seed=72, eval_every=100,
         why="both learning rates 100x from step 1500"),
    _run("h3-diverged-own-grid25-jump-s73", H3, "diverged", "own", "grid25", 1200, ("jump_at", 800), ("width", 128),
         seed=73, eval_every=50, why="the same on grid25 from step 800"),
    _run("h3-never-own-grid25-lrg1e-6-s74", H3, "never-learned", "own", "grid25", 800, ("lr_g", 1e-6), seed=74,
         eval_every=50, why="G at 1e-6 on grid25"),
    _run("h3-oscillating-own-nor1-s75", H3, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 3e-3),
         ("lr_d", 3e-3), ("betas", (0.9, 0.999)), seed=75, eval_every=50, why="no R1 at 3e-3, momentum 0.9"),
    _run("h3-ddom-own-d5-slowg-s76", H3, "D-dominated", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 1e-2),
         ("lr_g", 1e-4), seed=76, eval_every=50, why="5 D steps at 10x against G at 0.1x"),
    _run("h3-ddom-own-boost1500-s77", H3, "D-dominated", "own", "ring8", 2500, ("boost_from", 1500), seed=77,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1500"),
    # THE FOURTH HELD-OUT SET (added 2026-12-07, second session, after held-out-3 was scored and before
    # the round after it): new seeds of each failure, 300-sample evaluations, lr 1.5e-3, width 80.
    _run("h4-healthy-own-ring8-4000-s81", H4, "healthy", "own", "ring8", 4000, seed=81, eval_every=100,
         why="our own loop, 4000 steps, every 100"),
    _run("h4-healthy-own-ring8-w80-s82", H4, "healthy", "own", "ring8", 4000, ("width", 80), seed=82,
         eval_every=200, why="our own loop, 80 units wide"),
    _run("h4-healthy-own-ring8-lr1.5e-3-s83", H4, "healthy", "own", "ring8", 3000, ("lr_g", 1.5e-3),
         ("lr_d", 1.5e-3), seed=83, eval_every=100, eval_n=300, why="our own loop at 1.5e-3, 300-sample evaluations"),
    _run("h4-healthy-own-grid25-w128-s84", H4, "healthy", "own", "grid25", 5000, ("width", 128), seed=84,
         eval_every=200, why="our own loop on grid25, 128 units, 5000 steps"),
    _run("h4-pair-e50", H4, "healthy", "own", "ring8", 3500, ("eval_seed", 33), seed=85, eval_every=50,
         pair="h4-pair", why="our own loop, 3500 steps, evaluated every 50 steps"),
    _run("h4-pair-e250", H4, "healthy", "own", "ring8", 3500, ("eval_seed", 33), seed=85, eval_every=250,
         pair="h4-pair", why="the same training, evaluated every 250 steps"),
    _run("h4-undertrained-own-ring8-1000-s86", H4, "undertrained", "own", "ring8", 1000, seed=86, eval_every=50,
         why="our own loop stopped at 1000 steps"),
    _run("h4-undertrained-own-grid25-2000-s87", H4, "undertrained", "own", "grid25", 2000, ("width", 128), seed=87,
         eval_every=100, why="our own loop on grid25 stopped at 2000 steps"),
    _run("h4-stalled-own-freeze900-s88", H4, "stalled", "own", "ring8", 1800, ("freeze_at", 900), seed=88,
         eval_every=50, why="our own loop, G frozen from step 900"),
    _run("h4-stalled-own-decay1200-s89", H4, "stalled", "own", "ring8", 2200, ("decay_from", 1200), seed=89,
         eval_every=100, why="our own loop, G's learning rate halved every 25 steps from step 1200"),
    _run("h4-collapsed-own-minimax-nor1-s90", H4, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 4e-3),
         ("minimax", True), seed=90, eval_every=50, why="minimax G loss, D at 4x without R1"),
    _run("h4-collapsed-own-zscale-s91", H4, "collapsed", "own", "ring8", 1000, ("z_scale", 0.05), seed=91,
         eval_every=50, why="G's noise scaled by 0.05 (a bug)"),
    _run("h4-diverged-own-jump-s92", H4, "diverged", "own", "ring8", 1600, ("jump_at", 1200), seed=92, eval_every=50,
         why="both learning rates 100x from step 1200"),
    _run("h4-diverged-own-lr0.5-s93", H4, "diverged", "own", "ring8", 400, ("lr_g", 0.5), ("lr_d", 0.5), seed=93,
         eval_every=25, why="Adam at 0.5 on both networks"),
    _run("h4-never-own-lrg1e-7-s94", H4, "never-learned", "own", "ring8", 800, ("lr_g", 1e-7), seed=94,
         eval_every=50, why="G at 1e-7"),
    _run("h4-oscillating-own-nor1-s95", H4, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 5e-3),
         ("lr_d", 5e-3), ("betas", (0.9, 0.999)), seed=95, eval_every=50, why="no R1 at 5e-3, momentum 0.9"),
    _run("h4-ddom-own-d5-s96", H4, "D-dominated", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 1e-2), ("r1", 0.0),
         ("minimax", True), seed=96, eval_every=50, why="5 D steps at 10x, no R1, minimax G loss"),
    _run("h4-ddom-own-boost1200-s97", H4, "D-dominated", "own", "ring8", 2400, ("boost_from", 1200), seed=97,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1200"),
    # THE FIFTH HELD-OUT SET (added 2026-12-07, second session, after held-out-4 was scored and before
    # the round after it): new seeds; lr 1.2e-3 and 2.5e-3, width 112, 400-sample evaluations.
    _run("h5-healthy-own-ring8-3500-s101", H5, "healthy", "own", "ring8", 3500, seed=101, eval_every=100,
         why="our own loop, 3500 steps"),
    _run("h5-healthy-own-ring8-lr2.5e-3-s102", H5, "healthy", "own", "ring8", 3000, ("lr_g", 2.5e-3),
         ("lr_d", 2.5e-3), ("r1", 0.2), seed=102, eval_every=100, eval_n=400, why="our own loop at 2.5e-3, R1 0.2"),
    _run("h5-healthy-own-ring8-w112-s103", H5, "healthy", "own", "ring8", 4000, ("width", 112), seed=103,
         eval_every=200, why="our own loop, 112 units wide"),
    _run("h5-healthy-own-grid25-w128-s104", H5, "healthy", "own", "grid25", 5000, ("width", 128), ("lr_g", 1.2e-3),
         ("lr_d", 1.2e-3), seed=104, eval_every=250, why="our own loop on grid25 at 1.2e-3"),
    _run("h5-pair-e50", H5, "healthy", "own", "ring8", 3000, ("eval_seed", 11), seed=105, eval_every=50,
         pair="h5-pair", why="our own loop, evaluated every 50 steps"),
    _run("h5-pair-e250", H5, "healthy", "own", "ring8", 3000, ("eval_seed", 11), seed=105, eval_every=250,
         pair="h5-pair", why="the same training, evaluated every 250 steps"),
    _run("h5-undertrained-own-ring8-1100-s106", H5, "undertrained", "own", "ring8", 1100, seed=106, eval_every=100,
         why="our own loop stopped at 1100 steps"),
    _run("h5-stalled-own-freeze1100-s107", H5, "stalled", "own", "ring8", 2000, ("freeze_at", 1100), seed=107,
         eval_every=100, why="our own loop, G frozen from step 1100"),
    _run("h5-collapsed-own-minimax-nor1-s108", H5, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 6e-3),
         ("minimax", True), seed=108, eval_every=50, why="minimax G loss, D at 6x without R1"),
    _run("h5-diverged-own-jump-s109", H5, "diverged", "own", "ring8", 1500, ("jump_at", 900), seed=109, eval_every=50,
         why="both learning rates 100x from step 900"),
    _run("h5-never-own-lrg1e-6-s110", H5, "never-learned", "own", "ring8", 800, ("lr_g", 1e-6), seed=110,
         eval_every=50, why="G at 1e-6"),
    _run("h5-oscillating-own-nor1-s111", H5, "oscillating", "own", "ring8", 1800, ("r1", 0.0), ("lr_g", 4e-3),
         ("lr_d", 4e-3), ("betas", (0.9, 0.999)), seed=111, eval_every=50, why="no R1 at 4e-3, momentum 0.9"),
    _run("h5-ddom-own-boost1000-s112", H5, "D-dominated", "own", "ring8", 2000, ("boost_from", 1000), seed=112,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1000"),
    _run("h5-ddom-own-d5-s113", H5, "D-dominated", "own", "ring8", 1000, ("d_steps", 5), ("lr_d", 1e-2), ("r1", 0.0),
         seed=113, eval_every=50, why="5 D steps at 10x, no R1, from the start"),
    # THE SIXTH HELD-OUT SET (added 2026-12-07, third session, after the oracle's noise-scale and
    # 3-evaluation fixes and before any rule of that round): new seeds; batch 64, z_dim 16, width 96,
    # 300-sample evaluations every 150 steps, the bundled gan-ns and wgan-gp beside our own loop.
    _run("h6-healthy-own-ring8-3500-s121", H6, "healthy", "own", "ring8", 3500, seed=121, eval_every=100,
         why="our own loop, 3500 steps"),
    _run("h6-healthy-own-ring8-b64-s122", H6, "healthy", "own", "ring8", 4000, ("batch", 64), seed=122,
         eval_every=150, eval_n=300, why="our own loop, batch 64, 300-sample evaluations every 150 steps"),
    _run("h6-healthy-own-ring8-z16-w96-s123", H6, "healthy", "own", "ring8", 3500, ("z_dim", 16), ("width", 96),
         seed=123, eval_every=100, why="our own loop, 16-d noise, 96 units wide"),
    _run("h6-healthy-own-grid25-w128-lr2e-3-s124", H6, "healthy", "own", "grid25", 6000, ("width", 128),
         ("lr_g", 2e-3), ("lr_d", 2e-3), seed=124, eval_every=250, why="our own loop on grid25 at 2e-3, 6000 steps"),
    _run("h6-pair-e50", H6, "healthy", "own", "ring8", 3000, ("eval_seed", 66), seed=125, eval_every=50,
         pair="h6-pair", why="our own loop, evaluated every 50 steps"),
    _run("h6-pair-e250", H6, "healthy", "own", "ring8", 3000, ("eval_seed", 66), seed=125, eval_every=250,
         pair="h6-pair", why="the same training, evaluated every 250 steps"),
    _run("h6-undertrained-own-ring8-700-s126", H6, "undertrained", "own", "ring8", 700, seed=126, eval_every=50,
         why="our own loop stopped at 700 steps"),
    _run("h6-undertrained-gan-ns-ring8-600-s7", H6, "undertrained", "gan-ns", "ring8", 600, seed=7, eval_every=50,
         why="the bundled gan-ns stopped at 600 steps"),
    _run("h6-stalled-own-freeze1300-s127", H6, "stalled", "own", "ring8", 2400, ("freeze_at", 1300), seed=127,
         eval_every=100, why="our own loop, G frozen from step 1300"),
    _run("h6-stalled-own-decay1000-s128", H6, "stalled", "own", "ring8", 2000, ("decay_from", 1000), seed=128,
         eval_every=100, why="G's learning rate halved every 25 steps from step 1000"),
    _run("h6-collapsed-own-zscale-s129", H6, "collapsed", "own", "ring8", 1200, ("z_scale", 0.03), seed=129,
         eval_every=50, why="G's noise scaled by 0.03"),
    _run("h6-collapsed-own-minimax-nor1-s130", H6, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 5e-3),
         ("minimax", True), seed=130, eval_every=50, why="minimax G loss, D at 5x without R1"),
    _run("h6-diverged-own-jump-s131", H6, "diverged", "own", "ring8", 1800, ("jump_at", 1100), seed=131,
         eval_every=100, why="both learning rates 100x from step 1100"),
    _run("h6-diverged-own-lr0.4-s132", H6, "diverged", "own", "ring8", 500, ("lr_g", 0.4), ("lr_d", 0.4), seed=132,
         eval_every=25, why="both learning rates at 0.4"),
    _run("h6-never-own-lrg3e-7-s133", H6, "never-learned", "own", "ring8", 900, ("lr_g", 3e-7), seed=133,
         eval_every=50, why="G at 3e-7"),
    _run("h6-never-own-grid25-lrg1e-6-s134", H6, "never-learned", "own", "grid25", 1000, ("lr_g", 1e-6),
         ("width", 128), seed=134, eval_every=50, why="G at 1e-6 on grid25"),
    _run("h6-oscillating-own-nor1-b64-s135", H6, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 4e-3),
         ("lr_d", 4e-3), ("batch", 64), seed=135, eval_every=50, why="no R1 at 4e-3, batch 64"),
    _run("h6-oscillating-own-zscale-s136", H6, "oscillating", "own", "ring8", 1200, ("z_scale", 0.01), ("r1", 0.0),
         seed=136, eval_every=50, why="G's noise scaled by 0.01, no R1: a point that can hop between modes"),
    _run("h6-ddom-own-boost1300-s137", H6, "D-dominated", "own", "ring8", 2400, ("boost_from", 1300), seed=137,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1300"),
    _run("h6-ddom-own-d5-s138", H6, "D-dominated", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 8e-3), ("r1", 0.0),
         seed=138, eval_every=50, why="5 D steps at 8x, no R1, from the start"),
    # THE SEVENTH HELD-OUT SET (added 2026-12-07, third session, after held-out-6 was scored under the
    # round's rules and before any later rule): new seeds; longer healthy runs (4,000-7,000 steps),
    # lr 8e-4 and 1.5e-3, width 72 with 6-d noise, 350-step evaluations, the bundled gan and wgan-gp.
    _run("h7-healthy-own-ring8-5000-s141", H7, "healthy", "own", "ring8", 5000, seed=141, eval_every=200,
         why="our own loop, 5000 steps"),
    _run("h7-healthy-own-ring8-lr8e-4-s142", H7, "healthy", "own", "ring8", 4500, ("lr_g", 8e-4), ("lr_d", 8e-4),
         seed=142, eval_every=150, why="our own loop at 8e-4"),
    _run("h7-healthy-own-ring8-w72-z6-s143", H7, "healthy", "own", "ring8", 4000, ("width", 72), ("z_dim", 6),
         seed=143, eval_every=200, why="our own loop, 72 units wide, 6-d noise"),
    _run("h7-healthy-own-grid25-w128-lr1.5e-3-s144", H7, "healthy", "own", "grid25", 7000, ("width", 128),
         ("lr_g", 1.5e-3), ("lr_d", 1.5e-3), seed=144, eval_every=350, why="our own loop on grid25, 7000 steps"),
    _run("h7-pair-e50", H7, "healthy", "own", "ring8", 4000, ("eval_seed", 77), seed=145, eval_every=50,
         pair="h7-pair", why="our own loop, evaluated every 50 steps"),
    _run("h7-pair-e250", H7, "healthy", "own", "ring8", 4000, ("eval_seed", 77), seed=145, eval_every=250,
         pair="h7-pair", why="the same training, evaluated every 250 steps"),
    _run("h7-undertrained-own-ring8-900-s146", H7, "undertrained", "own", "ring8", 900, seed=146, eval_every=50,
         why="our own loop stopped at 900 steps"),
    _run("h7-undertrained-wgan-gp-ring8-600-s3", H7, "undertrained", "wgan-gp", "ring8", 600, seed=3,
         eval_every=50, why="wgan-gp stopped at 600 steps"),
    _run("h7-stalled-own-freeze1600-s147", H7, "stalled", "own", "ring8", 2600, ("freeze_at", 1600), seed=147,
         eval_every=100, why="our own loop, G frozen from step 1600"),
    _run("h7-stalled-own-decay1400-s148", H7, "stalled", "own", "ring8", 2400, ("decay_from", 1400), seed=148,
         eval_every=100, why="G's learning rate halved every 25 steps from step 1400"),
    _run("h7-collapsed-gan-ring8-s7", H7, "collapsed", "gan", "ring8", 1500, ("lr_d", 2e-3), seed=7,
         why="minimax GAN, D at 20x its learning rate, seed 7"),
    _run("h7-collapsed-own-minimax-nor1-s149", H7, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 6e-3),
         ("minimax", True), seed=149, eval_every=50, why="minimax G loss, D at 6x without R1"),
    _run("h7-diverged-own-jump-s150", H7, "diverged", "own", "ring8", 2000, ("jump_at", 1300), seed=150,
         eval_every=100, why="both learning rates 100x from step 1300"),
    _run("h7-diverged-own-lr0.6-s151", H7, "diverged", "own", "ring8", 400, ("lr_g", 0.6), ("lr_d", 0.6), seed=151,
         eval_every=25, why="both learning rates at 0.6"),
    _run("h7-never-own-lrg5e-7-s152", H7, "never-learned", "own", "ring8", 900, ("lr_g", 5e-7), seed=152,
         eval_every=50, why="G at 5e-7"),
    _run("h7-never-own-grid25-lrg3e-7-s153", H7, "never-learned", "own", "grid25", 1000, ("lr_g", 3e-7),
         ("width", 128), seed=153, eval_every=50, why="G at 3e-7 on grid25"),
    _run("h7-oscillating-own-nor1-momentum-s154", H7, "oscillating", "own", "ring8", 1800, ("r1", 0.0),
         ("lr_g", 5e-3), ("lr_d", 5e-3), ("betas", (0.9, 0.999)), seed=154, eval_every=50,
         why="no R1 at 5e-3, momentum 0.9"),
    _run("h7-oscillating-own-zscale-s155", H7, "oscillating", "own", "ring8", 1200, ("z_scale", 0.02), ("r1", 0.0),
         seed=155, eval_every=50, why="G's noise scaled by 0.02, no R1"),
    _run("h7-ddom-own-boost1500-s156", H7, "D-dominated", "own", "ring8", 2600, ("boost_from", 1500), seed=156,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1500"),
    _run("h7-ddom-own-d5-s157", H7, "D-dominated", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 1.2e-2),
         ("r1", 0.0), seed=157, eval_every=50, why="5 D steps at 12x, no R1, from the start"),
    # THE EIGHTH HELD-OUT SET (added 2026-12-07, third session, after the last rule of the session and
    # the oracle's data level of 0.8): a measurement only, scored once, no rule tuned on it. New
    # seeds; lr 1.2e-3, batch 96, width 80, 250-sample evaluations, the bundled gan-ns.
    _run("h8-healthy-own-ring8-4500-s161", H8, "healthy", "own", "ring8", 4500, seed=161, eval_every=150,
         why="our own loop, 4500 steps"),
    _run("h8-healthy-own-ring8-lr1.2e-3-b96-s162", H8, "healthy", "own", "ring8", 4000, ("lr_g", 1.2e-3),
         ("lr_d", 1.2e-3), ("batch", 96), seed=162, eval_every=200, why="our own loop at 1.2e-3, batch 96"),
    _run("h8-healthy-own-ring8-w80-n250-s163", H8, "healthy", "own", "ring8", 4000, ("width", 80), seed=163,
         eval_every=100, eval_n=250, why="our own loop, 80 units wide, 250-sample evaluations"),
    _run("h8-healthy-gan-ns-ring8-3000-s9", H8, "healthy", "gan-ns", "ring8", 3000, seed=9, eval_every=150,
         why="the bundled gan-ns, 3000 steps"),
    _run("h8-pair-e50", H8, "healthy", "own", "ring8", 4000, ("eval_seed", 88), seed=165, eval_every=50,
         pair="h8-pair", why="our own loop, evaluated every 50 steps"),
    _run("h8-pair-e250", H8, "healthy", "own", "ring8", 4000, ("eval_seed", 88), seed=165, eval_every=250,
         pair="h8-pair", why="the same training, evaluated every 250 steps"),
    _run("h8-undertrained-own-ring8-1000-s166", H8, "undertrained", "own", "ring8", 1000, seed=166, eval_every=50,
         why="our own loop stopped at 1000 steps"),
    _run("h8-undertrained-own-grid25-2500-s167", H8, "undertrained", "own", "grid25", 2500, ("width", 128),
         seed=167, eval_every=125, why="our own loop on grid25 stopped at 2500 steps"),
    _run("h8-stalled-own-freeze1000-s168", H8, "stalled", "own", "ring8", 2200, ("freeze_at", 1000), seed=168,
         eval_every=100, why="our own loop, G frozen from step 1000"),
    _run("h8-stalled-own-decay1100-s169", H8, "stalled", "own", "ring8", 2200, ("decay_from", 1100), seed=169,
         eval_every=100, why="G's learning rate halved every 25 steps from step 1100"),
    _run("h8-collapsed-own-minimax-nor1-s170", H8, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 5e-3),
         ("minimax", True), seed=170, eval_every=50, why="minimax G loss, D at 5x without R1"),
    _run("h8-collapsed-own-d5-s171", H8, "collapsed", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 1e-2),
         ("r1", 0.0), seed=171, eval_every=50, why="5 D steps at 10x, no R1"),
    _run("h8-diverged-own-jump-s172", H8, "diverged", "own", "ring8", 1800, ("jump_at", 1200), seed=172,
         eval_every=100, why="both learning rates 100x from step 1200"),
    _run("h8-diverged-own-lr0.5-s173", H8, "diverged", "own", "ring8", 500, ("lr_g", 0.5), ("lr_d", 0.5), seed=173,
         eval_every=25, why="both learning rates at 0.5"),
    _run("h8-never-own-lrg1e-7-s174", H8, "never-learned", "own", "ring8", 900, ("lr_g", 1e-7), seed=174,
         eval_every=50, why="G at 1e-7"),
    _run("h8-never-own-grid25-lrg1e-6-s175", H8, "never-learned", "own", "grid25", 900, ("lr_g", 1e-6),
         ("width", 128), seed=175, eval_every=50, why="G at 1e-6 on grid25"),
    _run("h8-oscillating-own-zscale-s176", H8, "oscillating", "own", "ring8", 1200, ("z_scale", 0.015), ("r1", 0.0),
         seed=176, eval_every=50, why="G's noise scaled by 0.015, no R1"),
    _run("h8-oscillating-own-nor1-s177", H8, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 4e-3),
         ("lr_d", 4e-3), ("betas", (0.9, 0.999)), seed=177, eval_every=50, why="no R1 at 4e-3, momentum 0.9"),
    _run("h8-ddom-own-boost1200-s178", H8, "D-dominated", "own", "ring8", 2400, ("boost_from", 1200), seed=178,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1200"),
    _run("h8-ddom-own-slowg-s179", H8, "D-dominated", "own", "ring8", 1500, ("lr_g", 1e-4), ("d_steps", 3),
         seed=179, eval_every=50, why="G at 1e-4, 3 D steps per G step"),
    # THE NINTH HELD-OUT SET (added 2026-12-07, fourth session, after the realism trend off the data
    # and before its training): new seeds; 12-d noise and width 96, lr 7e-4, 400-sample evaluations,
    # evaluations every 60-200 steps, the bundled gan-ns and wgan-gp.
    _run("h9-healthy-own-ring8-4500-s181", H9, "healthy", "own", "ring8", 4500, seed=181, eval_every=150,
         why="our own loop, 4500 steps"),
    _run("h9-healthy-own-ring8-lr7e-4-5000-s182", H9, "healthy", "own", "ring8", 5000, ("lr_g", 7e-4),
         ("lr_d", 7e-4), seed=182, eval_every=200, why="our own loop at 7e-4, 5000 steps"),
    _run("h9-healthy-own-ring8-z12-w96-n400-s183", H9, "healthy", "own", "ring8", 4000, ("z_dim", 12),
         ("width", 96), seed=183, eval_every=100, eval_n=400, why="12-d noise, 96 units, 400-sample evaluations"),
    _run("h9-healthy-gan-ns-ring8-3500-s11", H9, "healthy", "gan-ns", "ring8", 3500, seed=11, eval_every=175,
         why="the bundled gan-ns, 3500 steps"),
    _run("h9-pair-e50", H9, "healthy", "own", "ring8", 4000, ("eval_seed", 99), seed=185, eval_every=50,
         pair="h9-pair", why="our own loop, evaluated every 50 steps"),
    _run("h9-pair-e250", H9, "healthy", "own", "ring8", 4000, ("eval_seed", 99), seed=185, eval_every=250,
         pair="h9-pair", why="the same training, evaluated every 250 steps"),
    _run("h9-undertrained-own-ring8-1200-s186", H9, "undertrained", "own", "ring8", 1200, seed=186, eval_every=60,
         why="our own loop stopped at 1200 steps"),
    _run("h9-undertrained-wgan-gp-ring8-800-s12", H9, "undertrained", "wgan-gp", "ring8", 800, seed=12,
         eval_every=50, why="the bundled wgan-gp stopped at 800 steps"),
    _run("h9-stalled-own-freeze1300-s188", H9, "stalled", "own", "ring8", 2400, ("freeze_at", 1300), seed=188,
         eval_every=100, why="our own loop, G frozen from step 1300"),
    _run("h9-stalled-own-decay900-s189", H9, "stalled", "own", "ring8", 2000, ("decay_from", 900), seed=189,
         eval_every=100, why="G's learning rate halved every 25 steps from step 900"),
    _run("h9-collapsed-own-minimax-nor1-s190", H9, "collapsed", "own", "ring8", 1500, ("r1", 0.0), ("lr_d", 6e-3),
         ("minimax", True), seed=190, eval_every=50, why="minimax G loss, D at 6x without R1"),
    _run("h9-collapsed-own-d5-s191", H9, "collapsed", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 8e-3),
         ("r1", 0.0), seed=191, eval_every=50, why="5 D steps at 8x, no R1"),
    _run("h9-diverged-own-jump-s192", H9, "diverged", "own", "ring8", 1600, ("jump_at", 1000), seed=192,
         eval_every=80, why="both learning rates 100x from step 1000"),
    _run("h9-diverged-own-lr0.4-s193", H9, "diverged", "own", "ring8", 500, ("lr_g", 0.4), ("lr_d", 0.4), seed=193,
         eval_every=25, why="both learning rates at 0.4"),
    _run("h9-never-own-lrg3e-7-s194", H9, "never-learned", "own", "ring8", 900, ("lr_g", 3e-7), seed=194,
         eval_every=50, why="G at 3e-7"),
    _run("h9-never-own-grid25-lrg2e-6-s195", H9, "never-learned", "own", "grid25", 900, ("lr_g", 2e-6),
         ("width", 96), seed=195, eval_every=50, why="G at 2e-6 on grid25"),
    _run("h9-oscillating-own-zscale-s196", H9, "oscillating", "own", "ring8", 1200, ("z_scale", 0.02), ("r1", 0.0),
         seed=196, eval_every=50, why="G's noise scaled by 0.02, no R1"),
    _run("h9-oscillating-own-nor1-s197", H9, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 5e-3),
         ("lr_d", 5e-3), ("betas", (0.9, 0.999)), seed=197, eval_every=50, why="no R1 at 5e-3, momentum 0.9"),
    _run("h9-ddom-own-boost1400-s198", H9, "D-dominated", "own", "ring8", 2600, ("boost_from", 1400), seed=198,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1400"),
    _run("h9-ddom-own-slowg-s199", H9, "D-dominated", "own", "ring8", 1500, ("lr_g", 2e-4), ("d_steps", 4),
         seed=199, eval_every=50, why="G at 2e-4, 4 D steps per G step"),
    # THE TENTH HELD-OUT SET (added 2026-12-07, fourth session, after the session's last rule and
    # oracle change, before its training): a measurement, scored once. New seeds; batch 160, width 72,
    # 10-d noise, lr 9e-4, 350-sample evaluations, a resumed bundled gan-ns, the bundled gan.
    _run("h10-healthy-own-ring8-4500-s201", H10, "healthy", "own", "ring8", 4500, seed=201, eval_every=150,
         why="our own loop, 4500 steps"),
    _run("h10-healthy-own-ring8-b160-w72-s202", H10, "healthy", "own", "ring8", 4000, ("batch", 160),
         ("width", 72), seed=202, eval_every=160, why="batch 160, 72 units wide"),
    _run("h10-healthy-own-ring8-z10-lr9e-4-n350-s203", H10, "healthy", "own", "ring8", 4000, ("z_dim", 10),
         ("lr_g", 9e-4), ("lr_d", 9e-4), seed=203, eval_every=100, eval_n=350,
         why="10-d noise at 9e-4, 350-sample evaluations"),
    _run("h10-healthy-resumed-gan-ns-ring8-s13", H10, "healthy", "gan-ns", "ring8", 3000, seed=13,
         resume_from=1500, eval_every=150, why="the bundled gan-ns to 1500 steps, resumed to 3000"),
    _run("h10-pair-e50", H10, "healthy", "own", "ring8", 4000, ("eval_seed", 111), seed=205, eval_every=50,
         pair="h10-pair", why="our own loop, evaluated every 50 steps"),
    _run("h10-pair-e250", H10, "healthy", "own", "ring8", 4000, ("eval_seed", 111), seed=205, eval_every=250,
         pair="h10-pair", why="the same training, evaluated every 250 steps"),
    _run("h10-undertrained-own-ring8-1100-s206", H10, "undertrained", "own", "ring8", 1100, seed=206,
         eval_every=50, why="our own loop stopped at 1100 steps"),
    _run("h10-undertrained-own-grid25-2000-s207", H10, "undertrained", "own", "grid25", 2000, ("width", 128),
         seed=207, eval_every=100, why="our own loop on grid25 stopped at 2000 steps"),
    _run("h10-stalled-own-freeze900-s208", H10, "stalled", "own", "ring8", 2200, ("freeze_at", 900), seed=208,
         eval_every=100, why="our own loop, G frozen from step 900"),
    _run("h10-stalled-own-decay1300-s209", H10, "stalled", "own", "ring8", 2400, ("decay_from", 1300), seed=209,
         eval_every=100, why="G's learning rate halved every 25 steps from step 1300"),
    _run("h10-collapsed-gan-ring8-lrd3e-3-s14", H10, "collapsed", "gan", "ring8", 1500, ("lr_d", 3e-3), seed=14,
         eval_every=75, why="the bundled minimax gan, D at 3e-3"),
    _run("h10-collapsed-own-d5-s211", H10, "collapsed", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 9e-3),
         ("r1", 0.0), seed=211, eval_every=50, why="5 D steps at 9x, no R1"),
    _run("h10-diverged-own-jump-s212", H10, "diverged", "own", "ring8", 1700, ("jump_at", 1100), seed=212,
         eval_every=85, why="both learning rates 100x from step 1100"),
    _run("h10-diverged-own-lr0.6-s213", H10, "diverged", "own", "ring8", 500, ("lr_g", 0.6), ("lr_d", 0.6),
         seed=213, eval_every=25, why="both learning rates at 0.6"),
    _run("h10-never-own-lrg5e-8-s214", H10, "never-learned", "own", "ring8", 900, ("lr_g", 5e-8), seed=214,
         eval_every=50, why="G at 5e-8"),
    _run("h10-never-own-grid25-lrg5e-7-s215", H10, "never-learned", "own", "grid25", 900, ("lr_g", 5e-7),
         ("width", 80), seed=215, eval_every=50, why="G at 5e-7 on grid25"),
    _run("h10-oscillating-own-zscale-s216", H10, "oscillating", "own", "ring8", 1200, ("z_scale", 0.025),
         ("r1", 0.0), seed=216, eval_every=50, why="G's noise scaled by 0.025, no R1"),
    _run("h10-oscillating-own-nor1-s217", H10, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 6e-3),
         ("lr_d", 6e-3), ("betas", (0.9, 0.999)), seed=217, eval_every=50, why="no R1 at 6e-3, momentum 0.9"),
    _run("h10-ddom-own-boost1000-s218", H10, "D-dominated", "own", "ring8", 2200, ("boost_from", 1000), seed=218,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1000"),
    _run("h10-ddom-own-slowg-s219", H10, "D-dominated", "own", "ring8", 1500, ("lr_g", 1.5e-4), ("d_steps", 5),
         seed=219, eval_every=50, why="G at 1.5e-4, 5 D steps per G step"),
    # THE ELEVENTH HELD-OUT SET (added 2026-12-07, fifth session, before its training, with no rule or
    # oracle change since held-out-10): a second measurement of the same rules, scored once. New seeds;
    # batch 192, width 88, 6-d noise, lr 8e-4, 300-sample evaluations, a resumed and a plain bundled gan-ns.
    _run("h11-healthy-own-ring8-4500-s221", H11, "healthy", "own", "ring8", 4500, seed=221, eval_every=150,
         why="our own loop, 4500 steps"),
    _run("h11-healthy-own-ring8-b192-w88-s222", H11, "healthy", "own", "ring8", 4000, ("batch", 192),
         ("width", 88), seed=222, eval_every=200, why="batch 192, 88 units wide"),
    _run("h11-healthy-own-ring8-z6-lr8e-4-n300-s223", H11, "healthy", "own", "ring8", 4000, ("z_dim", 6),
         ("lr_g", 8e-4), ("lr_d", 8e-4), seed=223, eval_every=100, eval_n=300,
         why="6-d noise at 8e-4, 300-sample evaluations"),
    _run("h11-healthy-resumed-gan-ns-ring8-s16", H11, "healthy", "gan-ns", "ring8", 3000, seed=16,
         resume_from=1200, eval_every=150, why="the bundled gan-ns to 1200 steps, resumed to 3000"),
    _run("h11-pair-e50", H11, "healthy", "own", "ring8", 4000, ("eval_seed", 121), seed=225, eval_every=50,
         pair="h11-pair", why="our own loop, evaluated every 50 steps"),
    _run("h11-pair-e250", H11, "healthy", "own", "ring8", 4000, ("eval_seed", 121), seed=225, eval_every=250,
         pair="h11-pair", why="the same training, evaluated every 250 steps"),
    _run("h11-undertrained-own-ring8-1000-s226", H11, "undertrained", "own", "ring8", 1000, seed=226,
         eval_every=50, why="our own loop stopped at 1000 steps"),
    _run("h11-undertrained-gan-ns-ring8-900-s17", H11, "undertrained", "gan-ns", "ring8", 900, seed=17,
         eval_every=100, why="the bundled gan-ns stopped at 900 steps"),
    _run("h11-stalled-own-freeze1000-s228", H11, "stalled", "own", "ring8", 2300, ("freeze_at", 1000), seed=228,
         eval_every=100, why="our own loop, G frozen from step 1000"),
    _run("h11-stalled-own-decay1000-s229", H11, "stalled", "own", "ring8", 2200, ("decay_from", 1000), seed=229,
         eval_every=100, why="G's learning rate halved every 25 steps from step 1000"),
    _run("h11-collapsed-gan-ring8-lrd3e-3-s18", H11, "collapsed", "gan", "ring8", 1500, ("lr_d", 3e-3), seed=18,
         eval_every=75, why="the bundled minimax gan, D at 3e-3"),
    _run("h11-collapsed-own-d5-s231", H11, "collapsed", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 7e-3),
         ("r1", 0.0), seed=231, eval_every=50, why="5 D steps at 7x, no R1"),
    _run("h11-diverged-own-jump-s232", H11, "diverged", "own", "ring8", 1800, ("jump_at", 1200), seed=232,
         eval_every=90, why="both learning rates 100x from step 1200"),
    _run("h11-diverged-own-lr0.45-s233", H11, "diverged", "own", "ring8", 500, ("lr_g", 0.45), ("lr_d", 0.45),
         seed=233, eval_every=25, why="both learning rates at 0.45"),
    _run("h11-never-own-lrg2e-7-s234", H11, "never-learned", "own", "ring8", 900, ("lr_g", 2e-7), seed=234,
         eval_every=50, why="G at 2e-7"),
    _run("h11-never-own-grid25-lrg1e-6-s235", H11, "never-learned", "own", "grid25", 900, ("lr_g", 1e-6),
         ("width", 88), seed=235, eval_every=50, why="G at 1e-6 on grid25"),
    _run("h11-oscillating-own-zscale-s236", H11, "oscillating", "own", "ring8", 1200, ("z_scale", 0.03),
         ("r1", 0.0), seed=236, eval_every=50, why="G's noise scaled by 0.03, no R1"),
    _run("h11-oscillating-own-nor1-s237", H11, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 7e-3),
         ("lr_d", 7e-3), ("betas", (0.9, 0.999)), seed=237, eval_every=50, why="no R1 at 7e-3, momentum 0.9"),
    _run("h11-ddom-own-boost1200-s238", H11, "D-dominated", "own", "ring8", 2400, ("boost_from", 1200), seed=238,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1200"),
    _run("h11-ddom-own-slowg-s239", H11, "D-dominated", "own", "ring8", 1500, ("lr_g", 1.2e-4), ("d_steps", 5),
         seed=239, eval_every=50, why="G at 1.2e-4, 5 D steps per G step"),
    # THE TWELFTH HELD-OUT SET (added 2026-12-07, sixth session, before its training, after the oracle's
    # rule 1b and with no rule change since held-out-10): a third measurement of the same rules, scored
    # once. New seeds; width 96 at 7e-4, batch 96 with 4-d noise, 400-sample evaluations, a resumed
    # gan-ns stopped early, the minimax gan with D at 2.5e-3, a jump at 1300, learning rates at 0.5.
    _run("h12-healthy-own-ring8-4000-s241", H12, "healthy", "own", "ring8", 4000, seed=241, eval_every=125,
         why="our own loop, 4000 steps"),
    _run("h12-healthy-own-ring8-w96-lr7e-4-s242", H12, "healthy", "own", "ring8", 4500, ("width", 96),
         ("lr_g", 7e-4), ("lr_d", 7e-4), seed=242, eval_every=150, why="96 units wide at 7e-4"),
    _run("h12-healthy-own-ring8-b96-z4-n400-s243", H12, "healthy", "own", "ring8", 4000, ("batch", 96),
         ("z_dim", 4), seed=243, eval_every=100, eval_n=400, why="batch 96, 4-d noise, 400-sample evaluations"),
    _run("h12-healthy-gan-ns-ring8-2500-s19", H12, "healthy", "gan-ns", "ring8", 2500, seed=19, eval_every=125,
         why="the bundled gan-ns, 2500 steps"),
    _run("h12-pair-e50", H12, "healthy", "own", "ring8", 4000, ("eval_seed", 131), seed=245, eval_every=50,
         pair="h12-pair", why="our own loop, evaluated every 50 steps"),
    _run("h12-pair-e250", H12, "healthy", "own", "ring8", 4000, ("eval_seed", 131), seed=245, eval_every=250,
         pair="h12-pair", why="the same training, evaluated every 250 steps"),
    _run("h12-undertrained-own-ring8-1100-s246", H12, "undertrained", "own", "ring8", 1100, seed=246,
         eval_every=50, why="our own loop stopped at 1100 steps"),
    _run("h12-undertrained-resumed-gan-ns-ring8-s20", H12, "undertrained", "gan-ns", "ring8", 1000, seed=20,
         resume_from=500, eval_every=100, why="the bundled gan-ns to 500 steps, resumed to 1000"),
    _run("h12-stalled-own-freeze1100-s248", H12, "stalled", "own", "ring8", 2400, ("freeze_at", 1100), seed=248,
         eval_every=100, why="our own loop, G frozen from step 1100"),
    _run("h12-stalled-own-decay1100-s249", H12, "stalled", "own", "ring8", 2300, ("decay_from", 1100), seed=249,
         eval_every=100, why="G's learning rate halved every 25 steps from step 1100"),
    _run("h12-collapsed-gan-ring8-lrd2.5e-3-s19", H12, "collapsed", "gan", "ring8", 1500, ("lr_d", 2.5e-3),
         seed=19, eval_every=75, why="the bundled minimax gan, D at 2.5e-3"),
    _run("h12-collapsed-own-d5-s251", H12, "collapsed", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 8e-3),
         ("r1", 0.0), seed=251, eval_every=50, why="5 D steps at 8x, no R1"),
    _run("h12-diverged-own-jump-s252", H12, "diverged", "own", "ring8", 1900, ("jump_at", 1300), seed=252,
         eval_every=95, why="both learning rates 100x from step 1300"),
    _run("h12-diverged-own-lr0.5-s253", H12, "diverged", "own", "ring8", 500, ("lr_g", 0.5), ("lr_d", 0.5),
         seed=253, eval_every=25, why="both learning rates at 0.5"),
    _run("h12-never-own-lrg3e-7-s254", H12, "never-learned", "own", "ring8", 900, ("lr_g", 3e-7), seed=254,
         eval_every=50, why="G at 3e-7"),
    _run("h12-never-own-grid25-lrg8e-7-s255", H12, "never-learned", "own", "grid25", 900, ("lr_g", 8e-7),
         ("width", 72), seed=255, eval_every=50, why="G at 8e-7 on grid25"),
    _run("h12-oscillating-own-zscale-s256", H12, "oscillating", "own", "ring8", 1200, ("z_scale", 0.035),
         ("r1", 0.0), seed=256, eval_every=50, why="G's noise scaled by 0.035, no R1"),
    _run("h12-oscillating-own-nor1-s257", H12, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 6.5e-3),
         ("lr_d", 6.5e-3), ("betas", (0.9, 0.999)), seed=257, eval_every=50, why="no R1 at 6.5e-3, momentum 0.9"),
    _run("h12-ddom-own-boost1100-s258", H12, "D-dominated", "own", "ring8", 2300, ("boost_from", 1100), seed=258,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 1100"),
    _run("h12-ddom-own-slowg-s259", H12, "D-dominated", "own", "ring8", 1500, ("lr_g", 1.3e-4), ("d_steps", 5),
         seed=259, eval_every=50, why="G at 1.3e-4, 5 D steps per G step"),
    # THE THIRTEENTH HELD-OUT SET (added 2026-12-08, sixth session, before its training, after rule 1b's
    # "2 of the last 3", with no rule change since held-out-10): the same rules, scored once. New seeds;
    # width 80 at 1.2e-3, batch 160 with 10-d noise, 250-sample evaluations, the bundled gan-ns resumed
    # from 1000 to 2800, a jump at step 1000, learning rates at 0.35, G at 1.4e-4 under 5 D steps.
    _run("h13-healthy-own-ring8-3800-s261", H13, "healthy", "own", "ring8", 3800, seed=261, eval_every=100,
         why="our own loop, 3800 steps"),
    _run("h13-healthy-own-ring8-w80-lr1.2e-3-s262", H13, "healthy", "own", "ring8", 4000, ("width", 80),
         ("lr_g", 1.2e-3), ("lr_d", 1.2e-3), seed=262, eval_every=125, why="80 units wide at 1.2e-3"),
    _run("h13-healthy-own-ring8-b160-z10-n250-s263", H13, "healthy", "own", "ring8", 4000, ("batch", 160),
         ("z_dim", 10), seed=263, eval_every=100, eval_n=250, why="batch 160, 10-d noise, 250-sample evaluations"),
    _run("h13-healthy-resumed-gan-ns-ring8-s21", H13, "healthy", "gan-ns", "ring8", 2800, seed=21,
         resume_from=1000, eval_every=140, why="the bundled gan-ns to 1000 steps, resumed to 2800"),
    _run("h13-pair-e50", H13, "healthy", "own", "ring8", 3500, ("eval_seed", 141), seed=265, eval_every=50,
         pair="h13-pair", why="our own loop, evaluated every 50 steps"),
    _run("h13-pair-e250", H13, "healthy", "own", "ring8", 3500, ("eval_seed", 141), seed=265, eval_every=250,
         pair="h13-pair", why="the same training, evaluated every 250 steps"),
    _run("h13-undertrained-own-ring8-1000-s266", H13, "undertrained", "own", "ring8", 1000, seed=266,
         eval_every=50, why="our own loop stopped at 1000 steps"),
    _run("h13-undertrained-gan-ns-ring8-800-s22", H13, "undertrained", "gan-ns", "ring8", 800, seed=22,
         eval_every=80, why="the bundled gan-ns stopped at 800 steps"),
    _run("h13-stalled-own-freeze1200-s268", H13, "stalled", "own", "ring8", 2500, ("freeze_at", 1200), seed=268,
         eval_every=100, why="our own loop, G frozen from step 1200"),
    _run("h13-stalled-own-decay900-s269", H13, "stalled", "own", "ring8", 2100, ("decay_from", 900), seed=269,
         eval_every=100, why="G's learning rate halved every 25 steps from step 900"),
    _run("h13-collapsed-gan-ring8-lrd3e-3-s22", H13, "collapsed", "gan", "ring8", 1500, ("lr_d", 3e-3), seed=22,
         eval_every=75, why="the bundled minimax gan, D at 3e-3"),
    _run("h13-collapsed-own-d5-s271", H13, "collapsed", "own", "ring8", 1200, ("d_steps", 5), ("lr_d", 6e-3),
         ("r1", 0.0), seed=271, eval_every=50, why="5 D steps at 6x, no R1"),
    _run("h13-diverged-own-jump-s272", H13, "diverged", "own", "ring8", 1600, ("jump_at", 1000), seed=272,
         eval_every=80, why="both learning rates 100x from step 1000"),
    _run("h13-diverged-own-lr0.35-s273", H13, "diverged", "own", "ring8", 500, ("lr_g", 0.35), ("lr_d", 0.35),
         seed=273, eval_every=25, why="both learning rates at 0.35"),
    _run("h13-never-own-lrg1e-7-s274", H13, "never-learned", "own", "ring8", 900, ("lr_g", 1e-7), seed=274,
         eval_every=50, why="G at 1e-7"),
    _run("h13-never-own-grid25-lrg6e-7-s275", H13, "never-learned", "own", "grid25", 900, ("lr_g", 6e-7),
         ("width", 96), seed=275, eval_every=50, why="G at 6e-7 on grid25"),
    _run("h13-oscillating-own-zscale-s276", H13, "oscillating", "own", "ring8", 1200, ("z_scale", 0.02),
         ("r1", 0.0), seed=276, eval_every=50, why="G's noise scaled by 0.02, no R1"),
    _run("h13-oscillating-own-nor1-s277", H13, "oscillating", "own", "ring8", 2000, ("r1", 0.0), ("lr_g", 8e-3),
         ("lr_d", 8e-3), ("betas", (0.9, 0.999)), seed=277, eval_every=50, why="no R1 at 8e-3, momentum 0.9"),
    _run("h13-ddom-own-boost900-s278", H13, "D-dominated", "own", "ring8", 2100, ("boost_from", 900), seed=278,
         eval_every=100, why="D boosted (5 steps at 10x, no R1) from step 900"),
    _run("h13-ddom-own-slowg-s279", H13, "D-dominated", "own", "ring8", 1500, ("lr_g", 1.4e-4), ("d_steps", 5),
         seed=279, eval_every=50, why="G at 1.4e-4, 5 D steps per G step"),
]
# fmt: on


# ---- our own GAN loop: own MLPs, own Adam, logged through ganeval.TrainingLogger as a user would ----

MIXTURES = {  # the bundled sets' definitions, written out here (centres, std)
    "ring8": (2.0 * np.stack([np.cos(a := np.linspace(0, 2 * np.pi, 8, endpoint=False)), np.sin(a)], 1), 0.02),
    "grid25": (np.array([[x, y] for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], float), 0.05),
}


def mixture_sample(data: str, n: int, rng: np.random.Generator) -> torch.Tensor:
    centres, std = MIXTURES[data]
    return torch.tensor(
        centres[rng.integers(0, len(centres), n)] + rng.standard_normal((n, 2)) * std, dtype=torch.float32
    )


def init_mlp(sizes: list[int], gen: torch.Generator) -> dict[str, torch.Tensor]:
    """Weights of an MLP as a state dict ("0.weight", "0.bias", "2.weight", ...: torch Sequential's names)."""
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = 1 / math.sqrt(fan_in)
        params[f"{2 * i}.weight"] = (torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * bound
        params[f"{2 * i}.bias"] = (torch.rand(fan_out, generator=gen) * 2 - 1) * bound
    return {k: v.requires_grad_() for k, v in params.items()}


def forward(params: dict, x: torch.Tensor, slope: float) -> torch.Tensor:
    """The MLP: Linear layers, ReLU (slope 0) or LeakyReLU (slope) between them."""
    layers = len(params) // 2
    for i in range(layers):
        x = x @ params[f"{2 * i}.weight"].T + params[f"{2 * i}.bias"]
        if i < layers - 1:
            x = torch.where(x > 0, x, slope * x)
    return x


class Adam:
    """Adam (Kingma and Ba 2015), written out: m and v moving averages, bias-corrected steps."""

    def __init__(self, params: dict, lr: float, betas=(0.5, 0.9), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = {k: torch.zeros_like(p) for k, p in params.items()}
        self.v = {k: torch.zeros_like(p) for k, p in params.items()}

    @torch.no_grad()
    def step(self, grads: dict) -> None:
        self.t += 1
        b1, b2 = self.betas
        for k, p in self.params.items():
            self.m[k].mul_(b1).add_(grads[k], alpha=1 - b1)
            self.v[k].mul_(b2).addcmul_(grads[k], grads[k], value=1 - b2)
            m_hat, v_hat = self.m[k] / (1 - b1**self.t), self.v[k] / (1 - b2**self.t)
            p.sub_(self.lr * m_hat / (v_hat.sqrt() + self.eps))


def own_loop(
    run_dir: Path,
    data: str,
    steps: int,
    seed: int = 0,
    eval_every: int = 100,
    eval_n: int = 500,
    lr_g: float = 1e-3,
    lr_d: float = 1e-3,
    r1: float = 0.1,
    d_steps: int = 1,
    minimax: bool = False,
    freeze_at: int | None = None,
    decay_from: int | None = None,
    boost_from: int | None = None,
    jump_at: int | None = None,
    betas: tuple = (0.5, 0.9),
    z_scale: float = 1.0,
    eval_seed: int | None = None,
    batch: int = 128,
    z_dim: int = 8,
    width: int = 64,
) -> Path:
    """A user's GAN loop on a 2-D mixture: BCE D with an R1 penalty, a non-saturating (or minimax) G.
    freeze_at: G's learning rate is 0 from that step; decay_from: halved every 25 steps from it;
    boost_from: from that step D takes 5 steps per G step at 10x its learning rate, without R1;
    jump_at: both learning rates 100x from that step; betas: both Adams' (momentum);
    z_scale: G's noise multiplied by it (near 0: G all but ignores its input, a bug that collapses it);
    eval_seed: the evaluations' fresh noise from a generator of its own, so that the training is the
    same on any evaluation schedule (None: from the training's generator, as the first runs were).
    Writes steps.csv/evals.csv/manifest.json (TrainingLogger), samples/, and checkpoint.pt (G and D)."""
    from ganeval import MetricOptions, ReferenceScorer, TrainingLogger
    from ganeval.atomic import atomic_write

    torch.set_num_threads(1)  # small nets: one thread is fastest, and the machine is shared
    gen, rng = torch.Generator().manual_seed(seed), np.random.default_rng(seed)
    g = init_mlp([z_dim, width, width, 2], gen)
    d = init_mlp([2, width, width, 1], gen)
    opt_g, opt_d = Adam(g, lr_g, betas), Adam(d, lr_d, betas)
    eval_gen = gen if eval_seed is None else torch.Generator().manual_seed(eval_seed)
    fixed_z = torch.randn(eval_n, z_dim, generator=torch.Generator().manual_seed(seed + 2))
    held_out = mixture_sample(data, eval_n, np.random.default_rng(seed + 7))
    options = MetricOptions(n=eval_n, seed=seed)
    log = TrainingLogger(
        run_dir, ReferenceScorer.of(data, options=options), options=options, manifest={"loop": "own", "data": data}
    )
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def norm(grads):
        return float(torch.sqrt(sum((v**2).sum() for v in grads.values())))

    for step in range(steps):
        if step == boost_from:
            d_steps, opt_d.lr, r1 = 5, opt_d.lr * 10, 0.0
        if step == jump_at:
            opt_g.lr, opt_d.lr = opt_g.lr * 100, opt_d.lr * 100
        for _ in range(d_steps):
            real = mixture_sample(data, batch, rng).requires_grad_(r1 > 0)
            fake = forward(g, z_scale * torch.randn(batch, z_dim, generator=gen), 0.0).detach()
            out_real, out_fake = forward(d, real, 0.2), forward(d, fake, 0.2)
            loss_d = bce(out_real, torch.ones_like(out_real)) + bce(out_fake, torch.zeros_like(out_fake))
            if r1:
                (grad_x,) = torch.autograd.grad(out_real.sum(), real, create_graph=True)
                loss_d = loss_d + r1 / 2 * grad_x.pow(2).sum(1).mean()
            grads_d = dict(zip(d, torch.autograd.grad(loss_d, list(d.values()))))
            opt_d.step(grads_d)
        if freeze_at is not None and step >= freeze_at:
            opt_g.lr = 0.0
        if decay_from is not None and step >= decay_from and (step - decay_from) % 25 == 0:
            opt_g.lr /= 2
        out = forward(d, forward(g, z_scale * torch.randn(batch, z_dim, generator=gen), 0.0), 0.2)
        loss_g = -bce(out, torch.zeros_like(out)) if minimax else bce(out, torch.ones_like(out))
        grads_g = dict(zip(g, torch.autograd.grad(loss_g, list(g.values()))))
        opt_g.step(grads_g)
        log.step(
            step,
            loss_d=float(loss_d.detach()),
            loss_g=float(loss_g.detach()),
            d_real=torch.sigmoid(out_real).mean(),
            d_fake=torch.sigmoid(out_fake).mean(),
            grad_norm_d=norm(grads_d),
            grad_norm_g=norm(grads_g),
            lr_d=opt_d.lr,
            lr_g=opt_g.lr,
        )
        if not (math.isfinite(float(loss_d.detach())) and math.isfinite(float(loss_g.detach()))):
            break  # a NaN loss: the log up to it is the run
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            with torch.no_grad():
                fresh = forward(g, z_scale * torch.randn(eval_n, z_dim, generator=eval_gen), 0.0)
                log.evaluate(
                    step + 1,
                    fake=forward(g, z_scale * fixed_z, 0.0).numpy().astype("float64"),
                    d_real=torch.sigmoid(forward(d, held_out, 0.2)),
                    d_fake=torch.sigmoid(forward(d, fresh, 0.2)),
                )
    state = {
        "generator": {k: v.detach() for k, v in g.items()},
        "discriminator": {k: v.detach() for k, v in d.items()},
        "step": step + 1,
        "data": data,
        "config": {"z_dim": z_dim, "z_scale": z_scale},
    }
    with atomic_write(Path(run_dir) / "checkpoint.pt") as stream:
        torch.save(state, stream)
    log.close(finished=step + 1 == steps)
    return Path(run_dir)
