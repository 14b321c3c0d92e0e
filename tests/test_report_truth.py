"""The reports as a newcomer reads them (issue 24, item 7): one legend per figure, the final samples next to
the answer, tables that fit the page, run reports that open with the verdicts and group repeated low
findings, an answer that weighs failed seeds and says when a conditional variant answers another question,
and time axes in kimg for StyleGAN logs."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from test_diagnostics import synthetic_log

from ganeval.compare import Entry, build
from ganeval.compare.answer import answer
from ganeval.compare.report import TABLE_CHARS, _column_chars, comparison_blocks, split_wide
from ganeval.compare.runs import ShownSamples
from ganeval.diagnostics.findings import Finding, RunDiagnosis
from ganeval.render import figures
from ganeval.render.blocks import Heading, Image, Table
from ganeval.report import load_runs, write_report
from ganeval.report.sections import findings_table, overview_blocks, summary_table

STYLEGAN = Path(__file__).parent / "fixtures" / "logs" / "stylegan"


def test_figures_of_several_panels_have_one_legend_above_them():
    steps = figures.stack({"first": synthetic_log(seed=0)[0], "second": synthetic_log(seed=1)[0]})
    evals = figures.stack({"first": synthetic_log(seed=0)[1], "second": synthetic_log(seed=1)[1]})
    metric, _ = figures.metric_figure(evals)
    for figure in (metric, figures.loss_figure(steps)):
        assert len(figure.axes) > 1 and all(ax.get_legend() is None for ax in figure.axes)
        assert len(figure.legends) == 1
        assert [text.get_text() for text in figure.legends[0].get_texts()] == ["first", "second"]
    coverage = figures.coverage_figure(
        pd.DataFrame({"run": ["a"] * 3, "step": [1, 2, 3], "modes_hit": [8, 7, 8], "n_modes": [8] * 3})
    )
    labels = [text.get_text() for text in coverage.axes[0].get_legend().get_texts()]
    assert labels == ["a", "all 8 modes"]  # one panel: its legend, each line once


def _entry(variant, seed, fid, verdict=None, conditional=False, **fields):
    diagnosis = RunDiagnosis(verdict, f"{verdict}.") if verdict else None
    metrics = {"fid": {"value": fid, "ci": None}, "precision": {"value": 0.9 - fid / 100, "ci": None}}
    return Entry(f"{variant}{seed}", variant, seed, metrics, diagnosis=diagnosis, conditional=conditional, **fields)


def _comparison(cgan_verdicts, dcgan_verdicts=("healthy",) * 3, conditional=True):
    entries = [
        *(_entry("cgan", s, 60.0 + s, v, conditional) for s, v in enumerate(cgan_verdicts)),
        *(_entry("dcgan", s, 170.0 + 3 * s, v) for s, v in enumerate(dcgan_verdicts)),
    ]
    return build(entries, data="digits")


def test_a_variant_that_fails_in_some_seeds_is_not_recommended_as_if_it_did_not():
    text = answer(_comparison(["D-dominated", "D-dominated", "healthy"]))
    assert text.startswith(
        "**`cgan` scores best on `digits`, but 2 of 3 seeds ended D-dominated: it is not a safe choice on this "
        "evidence.** Every seed of `dcgan` ended healthy or undertrained, with worse scores."
    )
    assert not text.startswith("**Use")
    steady = answer(_comparison(["healthy", "undertrained", "healthy"], conditional=False))
    assert steady.startswith("**Use `cgan` on `digits`.** Beyond noise")  # nothing wrong: a plain recommendation


def test_a_conditional_variant_ranked_against_unconditional_ones_answers_another_question():
    text = answer(_comparison(["healthy"] * 3))
    assert text.startswith("**Use `cgan` on `digits`.** `cgan` is class-conditional")
    assert "`dcgan` is not: they answer different questions" in text
    assert "different questions" not in answer(_comparison(["healthy"] * 3, conditional=False))


def _shown():
    rng = np.random.default_rng(0)
    return ShownSamples({"cgan": rng.normal(size=(50, 2)), "dcgan": rng.normal(size=(50, 2))}, "points", None)


def test_the_final_samples_stand_next_to_the_answer():
    blocks = comparison_blocks(_comparison(["healthy"] * 3), _shown())
    names = [b.name for b in blocks if isinstance(b, Image)]
    ranking = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Ranking")
    at = next(i for i, b in enumerate(blocks) if isinstance(b, Image) and b.name == "compare-samples.png")
    assert names.count("compare-samples.png") == 1 and at < ranking


CYCLEGAN_ROW = {  # the compact table of the committed cyclegan report, cut off at 1280 px
    "variant": "`cyclegan`",
    "fid ↓": "21.3 ± 3.3",
    "precision ↑": "0.976 ± 0.0023",
    "recall ↑": "0.976 ± 0.0013",
    "coverage ↑": "0.99 ± 0.0029",
    "modes_covered ↑": "10 ± 0",
    "mode_kl ↓": "0.00217 ± 0.00012",
    "label_preservation ↑": "0.997 ± 0.00072",
    "cycle_error ↓": "0.0212 ± 0.0007",
    "wall_time_s ↓": "841 ± 7.1",
    "missing modes": "none",
    "verdict": "healthy",
}


def test_wide_tables_are_split_to_fit_the_page_and_narrow_ones_stay_whole():
    wide = pd.DataFrame([CYCLEGAN_ROW])
    parts = split_wide(wide)
    assert len(parts) == 2 and all(part.columns[0] == "variant" for part in parts)
    assert [c for part in parts for c in part.columns[1:]] == list(wide.columns[1:])  # each once, in order
    assert all(sum(_column_chars(part, c) for c in part.columns) <= TABLE_CHARS for part in parts)
    assert sum(_column_chars(wide, c) for c in wide.columns) > TABLE_CHARS
    narrow = wide[["variant", "fid ↓", "precision ↑", "recall ↑", "verdict"]]
    assert len(split_wide(narrow)) == 1 and split_wide(narrow)[0].equals(narrow)
    values = {"fid": 21.3, "precision": 0.976, "recall": 0.976, "coverage": 0.99, "modes_covered": 10.0}
    values |= {"mode_kl": 0.00217, "label_preservation": 0.997, "cycle_error": 0.0212, "wall_time_s": 841.0}

    def tables(metrics):
        entries = [
            Entry(f"{v}{s}", v, s, {m: {"value": values[m] * (1 + 0.01 * s + k), "ci": None} for m in metrics})
            for k, v in enumerate(("a", "b"))
            for s in range(3)
        ]
        blocks = comparison_blocks(build(entries))
        ranking = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == "Ranking")
        return [b for b in blocks[:ranking] if isinstance(b, Table)]

    split = tables(list(values))
    assert len(split) == 2 and split[-1].caption and not split[0].caption  # the caption under the last part
    assert len(tables(["fid", "precision"])) == 1


def _spike(step):
    return Finding("gradient_spike", step, step, "low", {}, f"grad_norm_d spiked at step {step}.")


def test_repeated_low_findings_share_one_row_with_their_count_and_steps():
    collapse = Finding("collapse", 500, None, "high", {}, "Modes lost from step 500.")
    findings = [_spike(100), _spike(200), collapse, *(_spike(s) for s in range(600, 1400, 100))]
    table = findings_table(RunDiagnosis("collapsed", "Collapsed.", findings))
    assert list(table["kind"]) == ["gradient_spike x10", "collapse"]
    spikes = table.iloc[0]
    assert spikes["steps"] == "steps 100, 200, 600, 700, 800, 900, 1000, 1100, 1200, 1300"
    assert spikes["severity"] == "low" and spikes["explanation"].startswith("10 separate low findings of this kind")
    assert table.iloc[1]["steps"] == "from step 500 to the end"
    two = findings_table(RunDiagnosis("healthy", "Healthy.", [_spike(100), _spike(200)]))
    assert list(two["kind"]) == ["gradient_spike", "gradient_spike"]  # two are no pattern to fold away
    kimg = findings_table(RunDiagnosis("healthy", "Healthy.", [_spike(s) for s in (4, 8, 12)]), "kimg")
    assert kimg.iloc[0]["steps"] == "4, 8, 12 kimg"


def test_a_run_report_opens_with_the_verdicts_not_a_list_of_verdict_names(tmp_path):
    write_report([STYLEGAN / "phytoplankton"], tmp_path / "report")
    text = (tmp_path / "report" / "report.md").read_text()
    summary = text.split("## Summary\n\n", 1)[1]
    assert summary.startswith("| run | verdict | explanation |") and "Verdicts: " not in text


def test_stylegan_runs_are_drawn_and_tabled_in_kimg(monkeypatch):
    runs = load_runs([STYLEGAN / "phytoplankton", STYLEGAN / "art-of-music"])
    table = summary_table(runs)
    assert "steps" not in table and list(table["kimg"]) == [3000, 1940]
    drawn = []
    monkeypatch.setattr(figures, "png_bytes", lambda figure: drawn.append(figure) or b"")
    overview_blocks(runs)
    entries = [
        Entry(r.name, r.name, 0, {"fid": {"value": 1.0, "ci": None}}, Path(r.name), None, r.diagnosis, r.steps, r.evals)
        for r in runs
    ]
    comparison_blocks(build([replace(e, step_unit="kimg") for e in entries]))
    labels = {ax.get_xlabel() for figure in drawn for ax in figure.axes if ax.get_xlabel()}
    assert len(drawn) >= 4 and labels and all("kimg" in label for label in labels)


def test_a_metric_only_some_variants_have_is_not_said_to_tell_no_variant_apart():
    """intra_fid and cas are n/a for an unconditional variant: untested, not undecided."""
    import pandas as pd

    from ganeval.compare.answer import decide

    pairs = pd.DataFrame(
        [
            {"metric": "fid", "better": "cgan", "worse": "dcgan", "test": "welch", "p": 0.4, "p_adjusted": 0.4},
            {"metric": "intra_fid", "better": "cgan", "worse": "dcgan", "test": "welch", "p": float("nan")},
        ]
    ).assign(significant=False)
    assert decide(pairs, ["dcgan", "cgan"]).undecided == ["fid"]


def test_the_ranking_says_which_variants_lack_a_metric():
    import pandas as pd

    from ganeval.compare.stats import ranking_sentence

    ranks = pd.DataFrame({"variant": ["cgan", "dcgan"], "rank": [1, 1], "beats": ["", ""], "has_value": [True, False]})
    assert ranking_sentence("intra_fid", ranks) == "intra_fid: only cgan has it (n/a for dcgan)"
    both = ranks.assign(has_value=True)
    assert ranking_sentence("fid", both) == "fid: no significant difference between cgan, dcgan"
