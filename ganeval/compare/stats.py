"""Variants side by side: summaries over seeds, pairwise tests, and a ranking per metric.

Pure functions on a long table of final values, one row per (variant, seed, metric) with columns
variant, seed, metric, value, ci_low, ci_high (the run's own 95% bootstrap interval).

The test behind "A beats B": with at least two seeds on each side, Welch's t-test on the per-seed
values (two-sided; seed-to-seed noise is what decides whether a change made training better or
only luckier), Holm-corrected over the pairs of one metric, at ALPHA. With one seed on either side
there is no seed-to-seed spread to test against: A beats B when their bootstrap intervals do not
overlap (a conservative test of the sampling noise only), and the report says so.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05


def summarize(values: pd.DataFrame, bounds: dict[str, tuple[float | None, float | None]] | None = None) -> pd.DataFrame:
    """Per (variant, metric): seeds, mean, std over seeds and a 95% interval of the mean: Student's t
    over seeds with two or more, the run's bootstrap interval with one; clipped to the metric's
    `bounds` (lower, upper; None: unbounded), since a t interval can step past them."""
    rows, bounds = [], bounds or {}
    for (variant, metric), group in values.groupby(["variant", "metric"], sort=False):
        finite = group.value[np.isfinite(group.value)]
        n, mean = len(finite), float(finite.mean()) if len(finite) else math.nan
        std = float(finite.std(ddof=1)) if n > 1 else math.nan
        if n > 1:
            half = stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)
            low, high, basis = mean - half, mean + half, "t over seeds"
        else:
            low, high, basis = float(group.ci_low.iloc[0]), float(group.ci_high.iloc[0]), "bootstrap"
        lower, upper = bounds.get(metric, (None, None))
        low, high = (low if lower is None else max(low, lower)), (high if upper is None else min(high, upper))
        rows.append(
            {
                "variant": variant,
                "metric": metric,
                "seeds": n,
                "mean": mean,
                "std": std,
                "ci_low": low,
                "ci_high": high,
                "ci_basis": basis,
            }
        )
    return pd.DataFrame(rows)


def compare_pair(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, str]:
    """(p-value or NaN, test name) for 'A and B differ', from the rows of one metric for each."""
    x, y = a.value[np.isfinite(a.value)].to_numpy(), b.value[np.isfinite(b.value)].to_numpy()
    if len(x) >= 2 and len(y) >= 2:
        if x.std() == 0 and y.std() == 0:  # no spread at all (e.g. every seed covers all modes)
            return (1.0 if x[0] == y[0] else 0.0), "Welch t-test over seeds"
        with warnings.catch_warnings():  # nearly equal samples: scipy warns of precision loss, the p-value stays right
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(stats.ttest_ind(x, y, equal_var=False).pvalue), "Welch t-test over seeds"
    if len(x) and len(y):
        apart = a.ci_low.iloc[0] > b.ci_high.iloc[0] or b.ci_low.iloc[0] > a.ci_high.iloc[0]
        return (0.0 if apart else 1.0), "non-overlapping bootstrap intervals"
    return math.nan, "not tested (no finite values)"


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment: the family-wise error stays at ALPHA over a metric's pairs."""
    order = sorted(range(len(pvalues)), key=lambda i: (math.isnan(pvalues[i]), pvalues[i]))
    adjusted, running = [math.nan] * len(pvalues), 0.0
    m = sum(not math.isnan(p) for p in pvalues)
    for rank, i in enumerate(order):
        if math.isnan(pvalues[i]):
            continue
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def pairwise(values: pd.DataFrame, higher_is_better: dict[str, bool]) -> pd.DataFrame:
    """Every pair of variants on every metric: which is better on average, the test, its p-value
    (Holm-adjusted within the metric) and whether the better one wins beyond noise."""
    rows = []
    for metric, group in values.groupby("metric", sort=False):
        by_variant = dict(tuple(group.groupby("variant", sort=False)))
        pairs = list(itertools.combinations(by_variant, 2))
        tested = [compare_pair(by_variant[a], by_variant[b]) for a, b in pairs]
        adjusted = [p for p, _ in tested]
        welch = [i for i, (_, test) in enumerate(tested) if test.startswith("Welch")]
        for i, p_adjusted in zip(welch, holm([tested[i][0] for i in welch])):
            adjusted[i] = p_adjusted
        for (a, b), (p, test), p_adj in zip(pairs, tested, adjusted):
            mean_a, mean_b = by_variant[a].value.mean(), by_variant[b].value.mean()
            a_better = (mean_a > mean_b) == higher_is_better[metric]
            better, worse = (a, b) if a_better else (b, a)
            rows.append(
                {
                    "metric": metric,
                    "better": better,
                    "worse": worse,
                    "test": test,
                    "p": p,
                    "p_adjusted": p_adj,
                    "significant": bool(p_adj < ALPHA) if not math.isnan(p_adj) else False,
                }
            )
    return pd.DataFrame(rows, columns=["metric", "better", "worse", "test", "p", "p_adjusted", "significant"])


def ranking(summary: pd.DataFrame, pairs: pd.DataFrame, higher_is_better: dict[str, bool]) -> pd.DataFrame:
    """Per metric, variants from best to worst mean; rank = 1 + the number of variants that beat this
    one significantly, so variants with no significant difference share a rank."""
    rows = []
    for metric, group in summary.groupby("metric", sort=False):
        beaten = pairs[(pairs.metric == metric) & pairs.significant]
        ordered = group.sort_values("mean", ascending=not higher_is_better[metric], na_position="last")
        for variant in ordered.variant:
            rank = 1 + int((beaten.worse == variant).sum())
            rows.append(
                {
                    "metric": metric,
                    "variant": variant,
                    "rank": rank,
                    "beats": ", ".join(beaten[beaten.better == variant].worse),
                    "has_value": bool(ordered.loc[ordered.variant == variant, "mean"].notna().any()),
                }
            )
    return pd.DataFrame(rows)


def ranking_sentence(metric: str, ranks: pd.DataFrame) -> str:
    """One line per metric, e.g. 'wgan-gp, gan-ns > wgan > gan' ('>' : beats beyond noise),
    'no significant difference', or 'only cgan has it (n/a for dcgan)'."""
    absent = list(ranks.variant[~ranks.has_value]) if "has_value" in ranks else []
    ranks = ranks[~ranks.variant.isin(absent)]
    missing = f" (n/a for {', '.join(absent)})" if absent else ""
    if len(ranks) <= 1:  # a metric only one variant has (intra_fid beside an unconditional variant)
        return f"{metric}: only {', '.join(ranks.variant)} has it{missing}"
    tiers = ranks.groupby("rank", sort=True).variant.apply(list)
    if len(tiers) == 1:
        return f"{metric}: no significant difference between {', '.join(tiers.iloc[0])}{missing}"
    return f"{metric}: " + " > ".join(", ".join(t) for t in tiers) + missing
