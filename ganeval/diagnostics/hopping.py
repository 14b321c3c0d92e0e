"""Mode hopping of a collapsed generator, from the evaluations' mode counts and diversity.

A generator that puts nearly all its samples in one mode, a different mode at most evaluations, is
chasing D from mode to mode: the oscillation the GAN literature calls mode hopping. Its samples are
one tight cluster (diversity far under the real set's), so precision can sit near zero while the
cluster lands beside a mode rather than on it, and never-learned would misname it: the counts show
that G moves, from mode to mode, and that the fix is the G/D game (a noise scale near zero, a D
without a gradient penalty), not a generator that cannot learn. Three of our own loops whose noise
was scaled by 0.01-0.03 did this (the truth oracle, from their samples: mass hopping between modes,
median total variation 0.46-0.81 between evaluations) and were called never-learned or undertrained.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganeval.diagnostics.collapse import mode_counts
from ganeval.diagnostics.findings import OSCILLATION, Finding
from ganeval.diagnostics.trends import holds_to_end, metric_series

# Judged over the second half of the evaluations, at least HOP_MIN_EVALS of them: the cluster holds
# at least TOP_SHARE of the samples (median over those evaluations), its diversity (median) is under
# POINT_DIVERSITY of the real set's but above DEAD_DIVERSITY (a generator whose every sample is the
# same point ignores its noise altogether: dead units after a huge step, whose point jumps with each
# update wherever it lands; never-learned names it), the dominant mode changes between at least
# HOP_FRACTION of consecutive evaluations, and the cluster visits at least HOP_MIN_MODES modes (two
# modes trading first place is no hop).
HOP_MIN_EVALS = 4
TOP_SHARE = 0.9
POINT_DIVERSITY = 0.15
DEAD_DIVERSITY = 1e-3
HOP_FRACTION = 0.5
HOP_MIN_MODES = 3


def detect_mode_hopping(evals: pd.DataFrame) -> list[Finding]:
    """One high oscillation finding (cause mode_hopping) when a collapsed cluster hops between modes
    to the end (see above), dated from its first hop (`_first_hop`)."""
    counts = mode_counts(evals)
    diversity = metric_series(evals, "diversity")
    if counts is None or len(counts) < 2 * HOP_MIN_EVALS or not len(diversity):
        return []
    half = counts.iloc[len(counts) // 2 :]
    totals = half.sum(axis=1).to_numpy()
    if (totals <= 0).any():
        return []
    top = float(np.median(half.max(axis=1).to_numpy() / totals))
    spread = float(diversity.loc[diversity.index >= half.index[0]].median())
    dominant = half.to_numpy().argmax(axis=1)
    hops = np.flatnonzero(np.diff(dominant) != 0)
    visited = len(set(dominant.tolist()))
    if not (
        top >= TOP_SHARE
        and DEAD_DIVERSITY < spread < POINT_DIVERSITY
        and len(hops) >= HOP_FRACTION * (len(dominant) - 1)
        and visited >= HOP_MIN_MODES
    ):
        return []
    start = _first_hop(counts, diversity)
    return [
        Finding(
            OSCILLATION,
            start,
            None,
            "high",
            {
                "cause": "mode_hopping",
                "modes_visited": visited,
                "n_modes": int(counts.shape[1]),
                "hops": int(len(hops)),
                "evaluations": int(len(dominant)),
                "top_share": top,
                "diversity": spread,
            },
            f"the samples are one cluster (diversity {spread:.3f} of the real set's, {top:.0%} of them in one "
            f"mode) hopping between modes: its mode changed at {len(hops)} of the last {len(dominant) - 1} "
            f"evaluations, visiting {visited} of {counts.shape[1]} modes, from step {start}. G and D chase "
            "each other from mode to mode.",
        )
    ]


def _first_hop(counts: pd.DataFrame, diversity: pd.Series) -> int:
    """The step of the first change of dominant mode since the samples became, and stayed, one tight
    cluster (diversity under POINT_DIVERSITY before the second half, which `detect_mode_hopping`
    judged on its median; an evaluation caught mid-hop splits the cluster between two modes, so the
    share in one mode is not asked of each)."""
    cluster = (diversity.reindex(counts.index).fillna(0.0) < POINT_DIVERSITY).to_numpy().copy()
    cluster[len(cluster) // 2 :] = True  # the second half was judged one cluster on its median
    first = holds_to_end(cluster)
    dominant = counts.to_numpy().argmax(axis=1)
    hops = [i for i in range(max(first, 1), len(dominant)) if dominant[i] != dominant[i - 1]]
    return int(counts.index[hops[0]]) if hops else int(counts.index[first])
