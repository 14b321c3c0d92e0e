"""The comparison's answer, first: which variant or variants to use on this data, the metrics that
decide it, the tests behind it, and what the others got wrong.

Variant and data names come from run folders, manifests and result files: they appear as code spans
(markdown_code), never as Markdown.

The rule: a variant loses once for every other variant that beats it beyond noise (the pairwise
tests of `stats.pairwise`) on a metric of sample quality; the best are those with the fewest
losses. The deciding metrics are those on which a best variant beats another beyond noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ganeval.compare.stats import ALPHA
from ganeval.diagnostics.findings import HEALTHY, UNDERTRAINED
from ganeval.errors import markdown_code

# Verdicts of a run worth using (undertrained is advice: it was still improving when stopped).
USABLE = (HEALTHY, UNDERTRAINED)

# Metrics that are no part of "which variant gives the best samples", with the reason.
NOT_QUALITY = {
    "d_ece": "D's calibration describes the discriminator, not the samples",
    "wall_time_s": "training time is a cost: it only breaks a tie between the best",
}


@dataclass(frozen=True)
class Decision:
    """best: the variants with the fewest significant losses; losses: per variant, the (metric, winner)
    pairs it loses beyond noise; deciding: metrics on which a best variant beats another beyond noise;
    undecided: quality metrics with no significant difference between any two variants."""

    best: list[str]
    losses: dict[str, list[tuple[str, str]]]
    deciding: list[str]
    undecided: list[str]


def decide(pairs: pd.DataFrame, variants: list[str]) -> Decision:
    """The best variants by their significant losses on the quality metrics (module docstring)."""
    quality = pairs[~pairs.metric.isin(list(NOT_QUALITY))]
    won = quality[quality.significant]
    losses = {v: [(row.metric, row.better) for row in won.itertuples() if row.worse == v] for v in variants}
    fewest = min(len(lost) for lost in losses.values())
    best = [v for v in variants if len(losses[v]) == fewest]
    deciding = list(dict.fromkeys(won[won.better.isin(best) & ~won.worse.isin(best)].metric))
    undecided = [m for m in dict.fromkeys(quality.metric) if not quality[quality.metric == m].significant.any()]
    return Decision(best, losses, deciding, undecided)


def _join(names: list[str], last: str = "and") -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


def _names(variants: list[str], last: str = "and") -> str:
    """Variants as code spans, joined ('`a`, `b` and `c`')."""
    return _join([markdown_code(v) for v in variants], last)


def _value(summary: pd.DataFrame, variant: str, metric: str) -> str:
    row = summary[(summary.variant == variant) & (summary.metric == metric)]
    return "n/a" if row.empty or math.isnan(row["mean"].iloc[0]) else f"{row['mean'].iloc[0]:.3g}"


def _evidence(comparison, decision: Decision, metric: str) -> str:
    """'on precision, `gan-ns` (0.724) and `wgan-gp` (0.722) beat `gan` (0.00487) and `wgan` (0.0106),
    Holm-corrected p ≤ 0.02'."""
    pairs = comparison.pairs
    won = pairs[
        (pairs.metric == metric)
        & pairs.significant
        & pairs.better.isin(decision.best)
        & ~pairs.worse.isin(decision.best)
    ]
    winners = [v for v in decision.best if v in set(won.better)]
    losers = list(dict.fromkeys(won.worse))
    if set(won.test) == {"non-overlapping bootstrap intervals"}:
        significance = "95% bootstrap intervals apart"
    else:
        worst_p = won.p_adjusted.max()
        significance = "Holm-corrected p < 0.001" if worst_p < 0.001 else f"Holm-corrected p ≤ {worst_p:.2g}"
    named = lambda names: _join([f"{markdown_code(v)} ({_value(comparison.summary, v, metric)})" for v in names])  # noqa: E731
    return f"on {metric}, {named(winners)} beat{'s' if len(winners) == 1 else ''} {named(losers)}, {significance}"


def _verdicts(comparison, variant: str) -> str:
    verdicts = [e.diagnosis.verdict for e in comparison.entries if e.variant == variant and e.diagnosis is not None]
    return summarize_verdicts(verdicts) if verdicts else ""


def _fastest(comparison, variants: list[str]) -> str:
    """' Of these, `gan-ns` trains fastest (53.9 s against 124 s).' when it is faster beyond noise
    than every other one."""
    times = comparison.summary[(comparison.summary.metric == "wall_time_s") & comparison.summary.variant.isin(variants)]
    times = times.dropna(subset=["mean"]).sort_values("mean")
    if len(times) < 2:
        return ""
    fastest, rest = times.variant.iloc[0], list(times.variant.iloc[1:])
    pairs = comparison.pairs
    beaten = set(pairs[(pairs.metric == "wall_time_s") & pairs.significant & (pairs.better == fastest)].worse)
    if not set(rest) <= beaten:
        return ""
    others = ", ".join(f"{t:.3g} s" for t in times["mean"].iloc[1:])
    return f" Of these, {markdown_code(fastest)} trains fastest ({times['mean'].iloc[0]:.3g} s against {others})."


def _tests_text(comparison) -> str:
    seeds = comparison.summary.groupby("variant").seeds.max()
    if seeds.min() >= 2:
        return (
            f"Welch's t-test over {seeds.min() if seeds.min() == seeds.max() else f'{seeds.min()}-{seeds.max()}'} "
            f"seeds per variant, Holm-corrected per metric, alpha {ALPHA}"
        )
    return (
        "one result per variant: non-overlapping 95% bootstrap intervals (with two or more seeds, "
        f"Welch's t-test over seeds), alpha {ALPHA}"
    )


def answer(comparison) -> str:
    """One paragraph: the best variant(s) on this data, the deciding metrics with their values and
    significance, the metrics that decide nothing, and each other variant's losses and verdicts."""
    variants = list(dict.fromkeys(e.variant for e in comparison.entries))
    where = f" on {markdown_code(comparison.data)}" if comparison.data else ""
    if len(variants) < 2:
        verdicts = _verdicts(comparison, variants[0])
        return (
            f"Only one variant ({markdown_code(variants[0])}){where}: nothing to compare it with. "
            "The table gives its spread over seeds" + (f"; its verdicts: {verdicts}." if verdicts else ".")
        )
    decision = decide(comparison.pairs, variants)
    others = [v for v in variants if v not in decision.best]
    if not decision.deciding:
        verdicts = "; ".join(
            f"{markdown_code(v)}: {_verdicts(comparison, v)}" for v in variants if _verdicts(comparison, v)
        )
        return (
            f"**No variant is better than another beyond noise{where}** ({_tests_text(comparison)}): "
            f"on this evidence any of {_names(variants, 'or')} will do, "
            f"or more seeds are needed to tell them apart.{_fastest(comparison, variants)}"
            + (f" Verdicts: {verdicts}." if verdicts else "")
        )
    usable = [
        v
        for v in decision.best
        if any(e.diagnosis is None or e.diagnosis.verdict in USABLE for e in comparison.entries if e.variant == v)
    ]
    if usable:
        headline = f"**Use {_names(decision.best, 'or')}{where}.**"
    else:  # the best of a bad lot: say so before anything else
        headline = (
            f"**No run of {_names(decision.best, 'or')} ended {' or '.join(USABLE)}{where}: "
            f"{'it is' if len(decision.best) == 1 else 'they are'} only the least bad.**"
        )
    text = (
        f"{headline} Beyond noise ({_tests_text(comparison)}): "
        + "; ".join(_evidence(comparison, decision, m) for m in decision.deciding)
        + "."
    )
    idle = [
        v
        for v in decision.best
        if not any(
            v == row.better
            for row in comparison.pairs.itertuples()
            if row.significant and row.metric in decision.deciding
        )
    ]
    if idle:
        pronoun = "it" if len(idle) == 1 else "them"
        text += f" {_names(idle)} beat{'s' if len(idle) == 1 else ''} no variant beyond noise, " + (
            f"and none beats {pronoun}."
            if not decision.losses[idle[0]]
            else "but loses no more often than the others named."
        )
    if len(decision.best) > 1:
        text += f" {_names(decision.best)} do not differ significantly from each other on these."
    for variant in decision.best:
        if decision.losses[variant]:
            text += (
                f" {markdown_code(variant)} still loses on "
                + ", ".join(f"{m} (to {markdown_code(w)})" for m, w in decision.losses[variant])
                + "."
            )
    if decision.undecided:
        text += f" {_join(decision.undecided)} tell{'s' if len(decision.undecided) == 1 else ''} no variant apart."
    best_verdicts = {v: _verdicts(comparison, v) for v in decision.best if _verdicts(comparison, v)}
    if best_verdicts:
        text += (
            " Verdicts of the best: "
            + "; ".join(f"{markdown_code(v)} {verdict}" for v, verdict in best_verdicts.items())
            + "."
        )
    wrong = []
    for variant in others:
        lost = list(dict.fromkeys(m for m, _ in decision.losses[variant]))
        verdict = _verdicts(comparison, variant)
        wrong.append(f"{markdown_code(variant)} ({verdict + '; ' if verdict else ''}loses on {_join(lost)})")
    text += " What the others got wrong: " + "; ".join(wrong) + "."
    return text + _fastest(comparison, decision.best)


def summarize_verdicts(verdicts: list[str]) -> str:
    """'healthy' when all seeds agree, else e.g. 'healthy x2, collapsed x1'."""
    counts = pd.Series(verdicts).value_counts()
    return counts.index[0] if len(counts) == 1 else ", ".join(f"{v} x{n}" for v, n in counts.items())
