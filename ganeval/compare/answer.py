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
from ganeval.metrics import LOGGED_METRICS, METRICS, canonical

# Verdicts of a run worth using (undertrained is advice: it was still improving when stopped).
USABLE = (HEALTHY, UNDERTRAINED)


def is_quality(metric: str) -> bool:
    """Whether a metric is part of "which variant gives the best samples" (its MetricSpec.quality; D's
    calibration and the training time are not); a name the registry does not know counts."""
    spec = {**METRICS, **LOGGED_METRICS}.get(canonical(metric))
    return spec is None or spec.quality


@dataclass(frozen=True)
class Decision:
    """best: the variants with the fewest significant losses; losses: per variant, the (metric, winner)
    pairs it loses beyond noise; deciding: metrics on which a best variant beats another beyond noise;
    undecided: quality metrics with no significant difference between any two variants that both have it."""

    best: list[str]
    losses: dict[str, list[tuple[str, str]]]
    deciding: list[str]
    undecided: list[str]


def decide(pairs: pd.DataFrame, variants: list[str]) -> Decision:
    """The best variants by their significant losses on the quality metrics (module docstring)."""
    quality = pairs[pairs.metric.map(is_quality).astype(bool)]
    won = quality[quality.significant]
    losses = {v: [(row.metric, row.better) for row in won.itertuples() if row.worse == v] for v in variants}
    fewest = min(len(lost) for lost in losses.values())
    best = [v for v in variants if len(losses[v]) == fewest]
    deciding = list(dict.fromkeys(won[won.better.isin(best) & ~won.worse.isin(best)].metric))
    tested = quality[quality.p.notna()]  # a pair is tested when both sides have values (intra_fid: n/a unconditionally)
    undecided = [m for m in dict.fromkeys(tested.metric) if not tested[tested.metric == m].significant.any()]
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


def _failed_seeds(comparison, variant: str) -> tuple[list[str], int]:
    """The verdicts of the variant's runs that failed (not USABLE), and how many of its runs have a verdict."""
    verdicts = [e.diagnosis.verdict for e in comparison.entries if e.variant == variant and e.diagnosis is not None]
    return [v for v in verdicts if v not in USABLE], len(verdicts)


def _failures_text(comparison, variant: str) -> str:
    """'2 of 3 seeds ended D-dominated' ('' when every seed ended usable, or none has a verdict)."""
    failed, seeds = _failed_seeds(comparison, variant)
    return f"{len(failed)} of {seeds} seeds ended {summarize_verdicts(failed)}" if failed else ""


def _different_questions(comparison, variants: list[str]) -> str:
    """The sentence a ranking of class-conditional variants among unconditional ones needs: they answer
    different questions, so better samples do not make one the variant to use."""
    conditional = [v for v in variants if any(e.conditional for e in comparison.entries if e.variant == v)]
    others = [v for v in variants if v not in conditional]
    if not conditional or not others:
        return ""
    one = len(conditional) == 1
    return (
        f" {_names(conditional)} {'is' if one else 'are'} class-conditional (each sample drawn for a class asked for) "
        f"and {_names(others)} {'is' if len(others) == 1 else 'are'} not: they answer different questions, so the "
        f"scores rank their samples, not which to use; a conditional variant fits only where you can say the class."
    )


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


def _headline(comparison, decision: Decision, where: str) -> str:
    """Which of the best to use: those whose every seed ended usable; a best variant that fails in some seeds
    is named with its failures, not recommended as if it had not; when every run of the best failed, they
    are only the least bad."""
    failures = {v: _failed_seeds(comparison, v) for v in decision.best}
    reliable = [v for v in decision.best if not failures[v][0]]
    partly = [v for v in decision.best if failures[v][0] and len(failures[v][0]) < failures[v][1]]
    failing = "; ".join(f"{markdown_code(v)}: {_failures_text(comparison, v)}" for v in partly)
    if reliable:
        return f"**Use {_names(reliable, 'or')}{where}.**" + (
            f" Not {_names(partly, 'nor')}, which score{'s' if len(partly) == 1 else ''} as well but "
            f"fail{'s' if len(partly) == 1 else ''} in some seeds ({failing})."
            if partly
            else ""
        )
    if partly:
        steady = [
            v
            for v in dict.fromkeys(e.variant for e in comparison.entries)
            if v not in decision.best and _failed_seeds(comparison, v)[1] and not _failed_seeds(comparison, v)[0]
        ]
        one = len(partly) == 1
        failed = _failures_text(comparison, partly[0]) if one else failing
        return (
            f"**{_names(partly)} score{'s' if one else ''} best{where}, but {failed}: "
            f"{'it is' if one else 'they are'} not a safe choice on this evidence.**"
            + (f" Every seed of {_names(steady)} ended {' or '.join(USABLE)}, with worse scores." if steady else "")
        )
    # the best of a bad lot: say so before anything else
    return (
        f"**No run of {_names(decision.best, 'or')} ended {' or '.join(USABLE)}{where}: "
        f"{'it is' if len(decision.best) == 1 else 'they are'} only the least bad.**"
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
            + _different_questions(comparison, variants)
        )
    text = _headline(comparison, decision, where) + _different_questions(comparison, variants)
    text += (
        f" Beyond noise ({_tests_text(comparison)}): "
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
