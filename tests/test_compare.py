"""ganeval compare: summaries over seeds, the tests behind the ranking, and the command end to end."""

import json
import math

import pandas as pd
import pytest
from scipy import stats

from ganeval.compare import build, result_entry
from ganeval.compare.stats import holm, pairwise, ranking, ranking_sentence, summarize
from ganeval.render.blocks import Table, Text


def _values(per_variant: dict, metric: str = "fid") -> pd.DataFrame:
    rows = [
        {"variant": v, "seed": s, "metric": metric, "value": x, "ci_low": x - 1, "ci_high": x + 1}
        for v, xs in per_variant.items()
        for s, x in enumerate(xs)
    ]
    return pd.DataFrame(rows)


def test_summary_is_mean_std_and_a_t_interval_over_seeds():
    summary = summarize(_values({"a": [10.0, 12.0, 14.0]})).iloc[0]
    assert (summary.seeds, summary["mean"], summary["std"]) == (3, 12.0, 2.0)
    half = stats.t.ppf(0.975, 2) * 2.0 / math.sqrt(3)  # 4.97
    assert (
        summary.ci_low == pytest.approx(12 - half)
        and summary.ci_high == pytest.approx(12 + half)
        and summary.ci_basis == "t over seeds"
    )
    clipped = summarize(_values({"a": [0.1, 0.2, 3.0]}), {"fid": (0.0, None)}).iloc[
        0
    ]  # the t interval would dip below 0
    assert clipped.ci_low == 0.0 and clipped.ci_high > 3
    single = summarize(_values({"b": [7.0]})).iloc[0]  # one seed: the run's own bootstrap interval
    assert (single.ci_low, single.ci_high, single.ci_basis) == (6.0, 8.0, "bootstrap")


def test_welch_test_separates_a_real_difference_from_seed_noise():
    values = _values({"good": [10.0, 11.0, 10.5], "bad": [30.0, 31.0, 29.0], "lucky": [10.2, 14.0, 8.0]})
    pairs = pairwise(values, {"fid": False}).set_index(["better", "worse"])
    assert pairs.loc[("good", "bad")].significant and pairs.loc[("lucky", "bad")].significant
    assert not pairs.loc[("good", "lucky")].significant  # 10.5 vs 10.7 with a spread of 3: noise
    raw = stats.ttest_ind([10.0, 11.0, 10.5], [30.0, 31.0, 29.0], equal_var=False).pvalue
    assert pairs.loc[("good", "bad")].p == pytest.approx(raw) and pairs.loc[("good", "bad")].p_adjusted >= raw
    ranks = ranking(summarize(values), pairwise(values, {"fid": False}), {"fid": False})
    assert ranks.set_index("variant")["rank"].to_dict() == {"good": 1, "lucky": 1, "bad": 3}
    assert ranking_sentence("fid", ranks) == "fid: good, lucky > bad"


def test_direction_follows_the_metric_and_ties_are_reported_as_such():
    values = _values({"a": [0.9, 0.91, 0.92], "b": [0.5, 0.52, 0.51]}, metric="precision")
    pairs = pairwise(values, {"precision": True})
    assert (pairs.better.iloc[0], pairs.worse.iloc[0], bool(pairs.significant.iloc[0])) == ("a", "b", True)
    same = _values({"a": [8, 8, 8], "b": [8, 8, 8]}, metric="modes_covered")  # no spread at all: equal
    ranks = ranking(summarize(same), pairwise(same, {"modes_covered": True}), {"modes_covered": True})
    assert ranking_sentence("modes_covered", ranks) == "modes_covered: no significant difference between a, b"


def test_one_seed_falls_back_to_non_overlapping_bootstrap_intervals():
    pairs = pairwise(_values({"a": [10.0], "b": [13.0], "c": [10.5]}), {"fid": False}).set_index(["better", "worse"])
    assert pairs.loc[("a", "b")].significant and pairs.loc[("a", "b")].test == "non-overlapping bootstrap intervals"
    assert not pairs.loc[("a", "c")].significant  # [9, 11] and [9.5, 11.5] overlap


def test_holm_adjustment():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    adjusted = holm([0.5, math.nan])  # untested pairs stay untested and do not count
    assert adjusted[0] == 0.5 and math.isnan(adjusted[1])


def _result(path, fid, low, high, precision=0.8):
    path.write_text(
        json.dumps(
            {
                "metrics": {
                    "fid": {"value": fid, "ci": [low, high]},
                    "precision": {"value": precision, "ci": [precision - 0.01, precision + 0.01]},
                },
                "provenance": {},
            }
        )
    )
    return path


def test_score_results_compare_by_their_intervals(tmp_path, capsys):
    entries = [
        result_entry(_result(tmp_path / "base.json", 20.0, 19.0, 21.0)),
        result_entry(_result(tmp_path / "new.json", 15.0, 14.0, 16.0, 0.805)),
    ]
    comparison = build(entries)
    table = comparison.table()
    assert list(table.index) == ["base", "new"] and table.loc["new", "fid"] == "15.0 [14.0, 16.0]"
    significant = comparison.pairs.set_index("metric")
    assert significant.loc["fid"].better == "new" and significant.loc["fid"].significant
    assert not significant.loc["precision"].significant
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json is not a ganeval score result"):
        result_entry(bad)

    from ganeval.cli import main  # the command line: a table and the rankings; a broken file exits 2

    assert main(["compare", str(tmp_path / "base.json"), str(tmp_path / "new.json"), "--out", str(tmp_path / "r")]) == 0
    printed = capsys.readouterr().out
    assert "fid: new > base" in printed and "precision: no significant difference" in printed
    assert "non-overlapping bootstrap intervals" in (tmp_path / "r" / "report.md").read_text()
    assert main(["compare", str(tmp_path / "base.json"), str(bad)]) == 2


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_compare_trains_scores_reports_and_reuses_runs(tmp_path, monkeypatch, capsys):
    from ganeval.cli import main
    from ganeval.compare import runs

    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(runs.FINAL_SAMPLES, "points", 1000)
    monkeypatch.setattr(runs, "FINAL_OPTIONS", runs.FINAL_OPTIONS.replace(bootstrap=20))
    work, out = tmp_path / "work", tmp_path / "report"
    argv = [
        "compare",
        "--variants",
        "gan-ns,wgan-gp,dcgan",
        "--data",
        "ring8",
        "--steps",
        "20",
        "--seeds",
        "2",
        "--evaluations",
        "2",
        "--work",
        str(work),
        "--out",
        str(out),
        "--json",
        str(tmp_path / "c.json"),
        "--quiet",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "skipped dcgan: the dcgan variant has convolutional networks for images" in printed and "fid: " in printed
    assert sorted(p.name for p in work.iterdir()) == [
        "gan-ns-ring8-seed0",
        "gan-ns-ring8-seed1",
        "wgan-gp-ring8-seed0",
        "wgan-gp-ring8-seed1",
    ]
    payload = json.loads((tmp_path / "c.json").read_text())
    assert {r["variant"] for r in payload["runs"]} == {"gan-ns", "wgan-gp"} and all(
        r["verdict"] for r in payload["runs"]
    )
    fid = [row for row in payload["summary"] if row["metric"] == "fid"]
    assert len(fid) == 2 and all(row["seeds"] == 2 and row["ci_low"] <= row["mean"] <= row["ci_high"] for row in fid)
    html = (out / "report.html").read_text()
    assert "data:image/png;base64" in html and "Welch" in html and "<img" in html and 'src="http' not in html
    assert (out / "report.md").exists() and (out / "figures" / "compare-samples.png").exists()

    # the same command again reuses the finished runs (no training) and their final scores
    stamps = {p: (p / "checkpoint.pt").stat().st_mtime_ns for p in work.iterdir()}
    assert main(argv[: argv.index("--out")] + ["--quiet"]) == 0
    assert stamps == {p: (p / "checkpoint.pt").stat().st_mtime_ns for p in work.iterdir()}

    # existing run folders compare the same way; bad requests exit 2 with the reason
    assert main(["compare", str(work / "gan-ns-ring8-seed0"), str(work / "wgan-gp-ring8-seed0"), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["compare", "--variants", "gan,vae", "--data", "ring8", "--work", str(work)]) == 2
    assert "unknown variant 'vae'" in capsys.readouterr().err
    assert main(["compare", "--variants", "gan", "--data", "ring8", str(work)]) == 2
    assert main(["compare", str(tmp_path / "nowhere")]) == 2


def test_one_variant_over_seeds_has_nothing_to_rank():
    from ganeval.compare import Entry
    from ganeval.compare.report import comparison_blocks

    entries = [Entry(f"a{seed}", "a", seed, {"fid": {"value": 10.0 + seed, "ci": [9.0, 12.0]}}) for seed in range(3)]
    comparison = build(entries)
    assert comparison.ranking_lines() == [] and comparison.table().loc["a", "fid"] == "11.0 ± 1.0 [8.5, 13.5]"
    texts = [block.text for block in comparison_blocks(comparison) if hasattr(block, "text")]
    assert "Only one variant (`a`): nothing to rank. The table gives its spread over seeds." in texts


def test_run_folders_without_a_usable_log_exit_2(tmp_path, capsys):
    from ganeval.cli import main

    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "steps.csv").write_text("")
    assert main(["compare", str(tmp_path / "empty"), str(tmp_path / "empty"), "--quiet"]) == 2
    assert f"{tmp_path / 'empty'} holds an empty training log (steps.csv has no rows)" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "absent"), str(tmp_path / "empty"), "--quiet"]) == 2
    assert "absent is not a folder" in capsys.readouterr().err


def _entries(per_variant: dict, verdicts: dict | None = None, n_modes=None) -> list:
    """Entries of a constructed comparison: {variant: {metric: [value per seed]}}, with verdicts per variant."""
    from ganeval.compare import Entry
    from ganeval.diagnostics.findings import RunDiagnosis

    entries = []
    for variant, metrics in per_variant.items():
        for seed in range(len(next(iter(metrics.values())))):
            verdict = (verdicts or {}).get(variant)
            diagnosis = RunDiagnosis(verdict, f"{verdict}.") if verdict else None
            entries.append(
                Entry(
                    f"{variant}{seed}",
                    variant,
                    seed,
                    {m: {"value": v[seed], "ci": None} for m, v in metrics.items()},
                    diagnosis=diagnosis,
                    n_modes=n_modes,
                )
            )
    return entries


def test_the_report_opens_with_one_paragraph_naming_the_best_variant_and_why():
    from ganeval.compare.answer import answer, decide
    from ganeval.compare.report import comparison_blocks

    entries = _entries(
        {
            "good": {"fid": [10.0, 11.0, 10.5], "precision": [0.80, 0.82, 0.81], "recall": [0.9, 0.8, 0.85]},
            "bad": {"fid": [30.0, 31.0, 29.0], "precision": [0.40, 0.42, 0.41], "recall": [0.9, 0.85, 0.8]},
            "lucky": {"fid": [10.2, 14.0, 8.0], "precision": [0.50, 0.60, 0.55], "recall": [0.85, 0.9, 0.8]},
        },
        verdicts={"good": "healthy", "bad": "collapsed", "lucky": "oscillating"},
    )
    comparison = build(entries, data="ring8")
    decision = decide(comparison.pairs, ["good", "bad", "lucky"])
    assert decision.best == ["good"] and decision.deciding == ["fid", "precision"] and decision.undecided == ["recall"]
    text = answer(comparison)
    assert text.startswith("**Use `good` on `ring8`.**")  # names from files: code spans
    p = comparison.pairs.set_index(["metric", "better", "worse"]).p_adjusted
    assert (
        p[("fid", "good", "bad")] < 0.001
        and "on fid, `good` (10.5) beats `bad` (30), Holm-corrected p < 0.001;" in text
    )
    p_precision = max(p[("precision", "good", "bad")], p[("precision", "good", "lucky")])
    assert (
        p_precision >= 0.001
        and f"on precision, `good` (0.81) beats `bad` (0.41) and `lucky` (0.55), Holm-corrected p ≤ {p_precision:.2g}."
        in text
    )
    assert "recall tells no variant apart" in text
    assert "`bad` (collapsed; loses on fid and precision); `lucky` (oscillating; loses on precision)" in text
    blocks = comparison_blocks(comparison)
    assert isinstance(blocks[1], Text) and blocks[1].text == text and blocks[1].lead  # the answer comes first

    same = build(_entries({"a": {"fid": [10.0, 11.0, 12.0]}, "b": {"fid": [10.5, 11.5, 12.5]}}))
    assert answer(same).startswith(
        "**No variant is better than another beyond noise** (Welch's t-test over 3 seeds per variant"
    )


def test_compact_table_is_mean_and_std_with_the_best_in_bold_and_the_tests_in_details():
    from ganeval.compare.report import compact_table, comparison_blocks
    from ganeval.render.blocks import Details, to_html, to_markdown

    comparison = build(
        _entries(
            {
                "a": {"fid": [10.0, 12.0, 14.0], "precision": [0.5, 0.6, 0.7], "d_ece": [0.1, 0.1, 0.1]},
                "b": {"fid": [20.0, 21.0, 22.0], "precision": [0.9, 0.9, 0.9], "d_ece": [0.2, 0.2, 0.2]},
            }
        )
    )
    table = compact_table(comparison).set_index("variant")
    assert list(table.columns) == ["fid ↓", "precision ↑"]  # d_ece (about D) stays in the full table
    assert table.loc["a", "fid ↓"] == "**12.0 ± 2.0**" and table.loc["b", "fid ↓"] == "21.0 ± 1.0"
    assert table.loc["b", "precision ↑"] == "**0.900 ± 0.000**" and table.loc["a", "precision ↑"] == "0.60 ± 0.10"
    blocks = comparison_blocks(comparison)
    (details,) = [b for b in blocks if isinstance(b, Details)]
    assert any("Welch t-test over seeds" in b.frame.to_string() for b in details.blocks if isinstance(b, Table))
    html, markdown = to_html(blocks, "t"), to_markdown(blocks, "t")
    assert html.index("<details>") < html.index("Welch t-test over seeds") < html.index("</details>")
    assert markdown.index("## Appendix A") < markdown.index("Welch t-test over seeds")


def test_modes_covered_intervals_stay_within_zero_and_the_number_of_modes():
    comparison = build(
        _entries({"a": {"modes_covered": [7.0, 8.0, 8.0]}, "b": {"modes_covered": [0.0, 1.0, 5.0]}}, n_modes=8)
    )
    rows = comparison.summary.set_index("variant")
    assert rows.loc["a", "ci_high"] == 8.0 and rows.loc["b", "ci_low"] == 0.0  # unclipped: [6.23, 9.1] and [-4.9, 8.9]
    assert (comparison.summary.ci_high <= 8).all() and (comparison.summary.ci_low >= 0).all()
    assert comparison.table().loc["a", "modes_covered"] == "7.67 ± 0.58 [6.23, 8.00]"
    from ganeval.compare import (
        bundled_modes,
    )  # score results name their reference: a bundled set gives its number of modes

    assert bundled_modes("ring8") == 8 and bundled_modes("grid25") == 25 and bundled_modes("my/folder") is None


def test_score_results_on_a_bundled_set_bound_modes_covered_by_its_modes(tmp_path):
    paths = []
    for name, modes in (("a", [7.0, 7.5]), ("b", [3.0, 6.0])):
        path = tmp_path / f"{name}.json"
        path.write_text(
            json.dumps(
                {
                    "metrics": {"modes_covered": {"value": modes[0], "ci": [modes[0] - 1.5, modes[1] + 1.5]}},
                    "provenance": {"reference": {"source": "ring8", "kind": "points"}},
                }
            )
        )
        paths.append(path)
    entries = [result_entry(p) for p in paths]
    assert [e.n_modes for e in entries] == [8, 8]
    rows = build(entries).summary.set_index("variant")
    assert (rows.loc["a", "ci_low"], rows.loc["a", "ci_high"]) == (5.5, 8.0)  # the file's interval reached 9


def test_a_variant_is_drawn_as_a_critic_when_any_seed_logged_critic_scores():
    from types import SimpleNamespace

    from ganeval.compare import Entry
    from ganeval.compare.report import _logs

    steps = pd.DataFrame({"step": [0, 1], "d_real": [0.2, 0.3], "d_fake": [0.1, 0.2]})
    entries = [
        Entry(f"wgan{seed}", "wgan", seed, {}, steps=steps, evals=pd.DataFrame({"step": [1], "d_input": [kind]}))
        for seed, kind in enumerate(["score", "probability"])
    ]  # the second seed's scores happened to fall in [0, 1]
    entries.append(
        Entry("gan0", "gan", 0, {}, steps=steps, evals=pd.DataFrame({"step": [1], "d_input": ["probability"]}))
    )
    assert _logs(SimpleNamespace(entries=entries))[2] == {"wgan": False, "gan": True}


def test_the_best_of_runs_that_never_learned_is_called_the_least_bad():
    from ganeval.compare.answer import answer

    entries = _entries(
        {"a": {"mode_kl": [0.01, 0.012, 0.011]}, "b": {"mode_kl": [0.05, 0.052, 0.051]}},
        verdicts={"a": "never-learned", "b": "never-learned"},
    )
    text = answer(build(entries, data="grid25"))
    assert text.startswith("**No run of `a` ended healthy or undertrained on `grid25`: it is only the least bad.**")
    assert "on mode_kl, `a` (0.011) beats `b` (0.051)" in text


def test_final_scores_are_reused_only_when_scored_alike():
    from ganeval.compare.runs import FINAL_OPTIONS, scored_alike

    provenance = {"generated": {"count": 1000}, "seed": 1, "bootstrap": {"resamples": 100}, "options": {"k": 5}}
    payload = {"metrics": {}, "provenance": provenance, "step": 20}
    options = FINAL_OPTIONS.replace(n=1000)
    assert scored_alike(payload, 20, options)
    assert not scored_alike(payload, 40, options)  # the run trained further
    changes = ({"n": 500}, {"seed": 2}, {"bootstrap": 0}, {"k": 3})
    assert not any(scored_alike(payload, 20, options.replace(**change)) for change in changes)
