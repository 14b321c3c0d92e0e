"""A self-contained tour of the metrics on ring8, where the truth is known.

Three stand-in generators are scored against a real ring8 sample: a faithful one (a fresh draw
of the same mixture), one that dropped three of the eight modes, and a blurry one (ten times the
true spread). The numbers show what each metric notices.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ganeval.data import RING8
from ganeval.metrics import MetricOptions, Samples, applicable_metrics, compute_metrics


def _stand_in_generators(n: int, seed: int) -> dict[str, np.ndarray]:
    faithful, _ = RING8.sample(n, seed + 1)
    dropped, modes = RING8.sample(n, seed + 2)
    dropped = RING8.centres[modes % 5] + (dropped - RING8.centres[modes])  # modes 5, 6, 7 fold onto 0, 1, 2
    blurry, modes = RING8.sample(n, seed + 3)
    blurry = RING8.centres[modes] + (blurry - RING8.centres[modes]) * 10
    return {"faithful": faithful, "dropped 3 modes": dropped, "blurry (10x std)": blurry}


def run_demo(n: int = 2000, seed: int = 0, bootstrap_n: int = 50) -> pd.DataFrame:
    """One row per stand-in generator and metric: value and 95% interval."""
    real_points, real_modes = RING8.sample(n, seed)
    real = Samples(features=real_points, modes=real_modes)
    options = MetricOptions(n_modes=RING8.n_modes, kid_subsets=20, seed=seed)
    rows = []
    for name, points in _stand_in_generators(n, seed).items():
        assignment = RING8.assign(points)
        fake = Samples(features=points, modes=assignment.modes, high_quality=assignment.high_quality)
        names = applicable_metrics(real, fake, options)  # every metric of points and modes, registry order
        for metric, interval in compute_metrics(names, real, fake, options, bootstrap_n).items():
            rows.append(
                {
                    "generator": name,
                    "metric": metric,
                    "value": interval.value,
                    "low": interval.low,
                    "high": interval.high,
                }
            )
    return pd.DataFrame(rows)


def demo_text(frame: pd.DataFrame, n: int) -> str:
    """The demo for a terminal: a header line, then value [low, high] per metric (rows) and generator (columns)."""
    cell = frame.apply(lambda r: f"{r.value:.4g} [{r.low:.4g}, {r.high:.4g}]", axis=1)
    table = frame.assign(cell=cell).pivot(index="metric", columns="generator", values="cell")
    header = f"ring8 (8 known modes), {n} samples per side; value [95% bootstrap interval]\n"
    return f"{header}\n{table.loc[frame.metric.unique(), frame.generator.unique()].to_string()}"


def demo_json(frame: pd.DataFrame) -> str:
    """The demo's rows as JSON records."""
    return json.dumps(frame.to_dict(orient="records"), indent=2)
