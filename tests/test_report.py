"""`ganeval report`: a short real run and synthetic logs through the API and the CLI."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from test_diagnostics import synthetic_log

import reference_models
from ganeval.cli import main
from ganeval.diagnostics import VERDICTS
from ganeval.diagnostics.calibration import chosen_steps
from ganeval.diagnostics.collapse import coverage_timeline
from ganeval.diagnostics.diagnose import diagnose
from ganeval.render import figures
from ganeval.render.blocks import (
    Details,
    Heading,
    Image,
    Table,
    Text,
    markdown_table,
    to_html,
    to_markdown,
    write_blocks,
)
from ganeval.report.sections import RunLog, key_steps, run_events, run_names


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """gan-ns on ring8, 60 steps, an evaluation every 20 (a few seconds)."""
    folder = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANEVAL_CACHE_DIR", str(folder / "cache"))
        return reference_models.train(
            "gan-ns",
            "ring8",
            out=folder / "gan-ns-ring8",
            steps=60,
            batch_size=64,
            eval_every=20,
            eval_n=300,
            checkpoint_every=60,
        )


def write_log(folder, steps, evals, manifest):
    folder.mkdir(parents=True)
    steps.to_csv(folder / "steps.csv", index=False)
    evals.to_csv(folder / "evals.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def assert_self_contained(html: str):
    sources = re.findall(r'src="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<link" not in html and "<script" not in html and "http://" not in html and "https://" not in html


def test_cli_report_of_a_real_run(real_run, tmp_path, capsys):
    out, findings = tmp_path / "report", tmp_path / "findings.json"
    assert main(["report", str(real_run), "--out", str(out), "--json", str(findings)]) == 0
    printed = capsys.readouterr().out
    html = (out / "report.html").read_text()
    assert_self_contained(html)
    assert (
        html.count("data:image/png;base64,") >= 8
    )  # losses, D outputs, gradients, metrics, calibration, reliability, coverage, modes, scatter
    markdown = (out / "report.md").read_text()
    linked = re.findall(r"\]\((figures/[^)]+\.png)\)", markdown)
    assert len(linked) >= 8 and all((out / link).stat().st_size > 1000 for link in linked)
    assert "scatter" in " ".join(linked) and "reliability" in " ".join(linked)
    assert "At the last evaluation (step 60): ECE" in markdown and "the 0.5 equilibrium." in markdown
    payload = json.loads(findings.read_text())
    assert payload["run"] == "gan-ns-ring8" and payload["verdict"] in VERDICTS and isinstance(payload["findings"], list)
    assert payload["summary"]["n_modes"] == 8 and payload["summary"]["last_step"] == 59
    evals = pd.read_csv(real_run / "evals.csv")
    assert (
        evals.step.tolist() == [20, 40, 60]
        and evals.diversity.between(0, 3).all()
        and evals.d_reliability.notna().all()
    )
    assert payload["summary"]["fid_end"] == pytest.approx(evals.fid.iloc[-1]) and payload["summary"][
        "d_accuracy_end"
    ] == pytest.approx(evals.d_accuracy.iloc[-1])
    good = (
        evals.hq_mode_counts if "hq_mode_counts" in evals else evals.mode_counts
    )  # a mode is hit by its high-quality samples
    assert payload["summary"]["modes_hit_end"] == sum(c >= 300 / 8 / 4 for c in json.loads(good.iloc[-1]))
    assert f"gan-ns-ring8  {payload['verdict']}" in printed and "report.html" in printed
    for finding in payload["findings"]:
        assert set(finding) == {"kind", "start_step", "end_step", "severity", "evidence", "explanation"}
        assert finding["severity"] in ("low", "medium", "high") and 0 <= finding["start_step"] <= 60


def test_cli_exit_code_2_for_a_folder_without_a_log(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "report")]) == 2
    assert f"{tmp_path / 'empty'} holds no training log" in capsys.readouterr().err
    assert not (tmp_path / "report").exists()


def test_planted_collapse_and_healthy_runs_through_the_cli(tmp_path, capsys):
    collapsed = write_log(tmp_path / "a" / "run", *synthetic_log(n=500, collapse_at=250))
    healthy = write_log(tmp_path / "b" / "run", *synthetic_log(n=500, seed=1))
    out = tmp_path / "report"
    assert main(["report", str(collapsed), str(healthy), "--out", str(out), "--json", "-"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [(r["run"], r["verdict"]) for r in payload["runs"]] == [("a/run", "collapsed"), ("b/run", "healthy")]
    (collapse,) = [f for f in payload["runs"][0]["findings"] if f["kind"] == "collapse"]
    assert (
        abs(collapse["start_step"] - 250) <= 50
        and collapse["end_step"] is None
        and collapse["evidence"]["modes_lost"] == 6
    )
    assert not [f for f in payload["runs"][1]["findings"] if f["kind"] in ("collapse", "divergence")]
    markdown = (out / "report.md").read_text()
    summary = markdown[markdown.index("## Summary") : markdown.index("## All runs overlaid")]
    assert "| `a/run` | collapsed |" in summary and "| `b/run` | healthy |" in summary  # names: code spans
    assert (out / "figures" / "all-coverage.png").exists() and (out / "figures" / "run1-a-run-coverage.png").exists()
    assert_self_contained((out / "report.html").read_text())


def test_reports_replace_the_files_of_an_existing_folder(tmp_path):
    blocks = [Text("first"), Image("a.png", b"\x89PNG-first", "one")]
    write_blocks(tmp_path / "out", blocks, "title")
    (tmp_path / "out" / "notes.txt").write_text("kept")
    files = write_blocks(tmp_path / "out", [Text("second"), Image("a.png", b"\x89PNG-second", "one")], "title")
    assert "second" in files["markdown"].read_text() and "first" not in files["html"].read_text()
    assert (tmp_path / "out" / "figures" / "a.png").read_bytes() == b"\x89PNG-second" and (
        tmp_path / "out" / "notes.txt"
    ).exists()
    with pytest.raises(ValueError, match="is a file"):
        write_blocks(tmp_path / "out" / "notes.txt", blocks, "title")


def test_run_names_are_short_and_unique():
    assert run_names(["runs/a", "runs/b"]) == ["a", "b"]
    assert run_names(["x/run", "y/run", "z"]) == ["x/run", "y/run", "z"]


def test_figures_overlay_several_runs():
    steps = figures.stack({"first": synthetic_log(seed=0)[0], "second": synthetic_log(seed=1)[0]})
    figure = figures.loss_figure(steps)
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels == ["first", "second"]
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in figure.axes)
    assert figures.png_bytes(figure)[:8] == b"\x89PNG\r\n\x1a\n"
    evals = figures.stack({"first": synthetic_log(seed=0)[1], "second": synthetic_log(seed=1, collapse_at=500)[1]})
    band = figures.metric_band(evals, "recall")
    assert set(band.run) == {"first", "second"} and len(band) == len(evals)


def test_markdown_table_escapes_pipes():
    text = markdown_table(pd.DataFrame({"a": ["x|y"], "b": [0.123456]}))
    assert text.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 0.1235 |"]


def test_details_are_collapsible_in_html_and_an_appendix_in_markdown():
    blocks = [
        Text("answer", lead=True),
        Details("Every pairwise test", (Table(pd.DataFrame({"metric": ["fid"], "p": ["**0.01**"]})),)),
        Heading("Later"),
    ]
    html = to_html(blocks, "t")
    assert '<p class="lead">answer</p>' in html and "<details>\n<summary>Every pairwise test</summary>" in html
    assert "<td><strong>0.01</strong></td>" in html and html.index("</details>") < html.index("<h2>Later</h2>")
    markdown = to_markdown(blocks, "t")
    assert "*Every pairwise test: see [Appendix A: Every pairwise test](#appendix-a-every-pairwise-test).*" in markdown
    assert (
        markdown.index("## Later")
        < markdown.index("## Appendix A: Every pairwise test")
        < markdown.index("| fid | **0.01** |")
    )


def test_metric_bands_are_logged_intervals_and_axes_start_at_the_bound():
    evals = synthetic_log(seed=0)[1].assign(run="r")
    evals["precision"] = 0.94 + 0.005 * np.sin(evals.step)  # noise in 0.935-0.945: no zoom may make it a trend
    assert figures.metric_band(evals, "recall")[["low", "high"]].isna().all().all()  # no rolling range of neighbours
    figure, logged = figures.metric_figure(evals, ["precision", "recall"])
    assert not logged and not [c for ax in figure.axes for c in ax.collections if isinstance(c, PolyCollection)]
    low, high = figure.axes[0].get_ylim()
    assert low <= 0.0 and high >= 1.0
    logged_evals = evals.assign(recall_low=evals.recall - 0.02, recall_high=evals.recall + 0.03)
    band = figures.metric_band(logged_evals, "recall")
    assert np.allclose(band.high - band.value, 0.03) and np.allclose(band.value - band.low, 0.02)
    assert figures.metric_figure(logged_evals, ["recall"])[1] is True
    modes = pd.DataFrame({"run": "r", "step": [1, 2, 3], "modes_covered": [6.0, 7.0, 6.0]})
    assert figures.metric_figure(modes, ["modes_covered"], n_modes=8)[0].axes[0].get_ylim()[1] >= 8


def _spans(ax):
    """(start, end, colour) of the shaded event spans on an axis."""
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle

    return {
        (p.get_x(), p.get_x() + p.get_width(), to_hex(p.get_facecolor()))
        for p in ax.patches
        if isinstance(p, Rectangle) and to_hex(p.get_facecolor()) in figures.EVENT_COLOURS.values()
    }


def test_collapse_spans_are_shaded_on_every_time_axis_as_the_findings_say():
    steps, evals, manifest = synthetic_log(n=1000, collapse_at=400, recover_at=700)
    run = RunLog("r", None, steps, evals, manifest, diagnose(steps, evals, manifest, run="r"))
    (collapse,) = run.diagnosis.of_kind("collapse")
    events = run_events([run])
    expected = {(float(collapse.start_step), float(collapse.end_step), figures.EVENT_COLOURS["collapse"])}
    assert [tuple(row) for row in events[["kind", "start", "end"]].itertuples(index=False)] == [
        ("collapse", *sorted(expected)[0][:2])
    ]
    long_steps, long_evals = steps.assign(run="r"), evals.assign(run="r")
    axes = [
        *figures.loss_figure(long_steps, events).axes,
        figures.d_output_figure(long_steps, True, events).axes[0],
        figures.grad_norm_figure(long_steps, events).axes[0],
        *figures.metric_figure(long_evals, events=events)[0].axes,
        *figures.calibration_figure(long_evals, events).axes,
        figures.coverage_figure(coverage_timeline(evals).assign(run="r"), events).axes[0],
    ]
    time_axes = [ax for ax in axes if ax.get_visible() and ax.get_xlabel() == figures.STEP_LABEL]
    assert len(time_axes) >= 10 and all(_spans(ax) == expected for ax in time_axes)
    ongoing = synthetic_log(n=500, collapse_at=250)  # a collapse lasting to the end is shaded to the last step
    run = RunLog("o", None, *ongoing, diagnose(*ongoing, run="o"))
    shaded = [
        (f.kind, f.start_step, 500 if f.end_step is None else f.end_step)
        for f in run.diagnosis.findings
        if f.kind in figures.EVENT_COLOURS
    ]
    assert any(
        kind == "collapse" and abs(start - 250) <= 20 and end == 500 for kind, start, end in shaded
    )  # to its last evaluation
    assert [tuple(row) for row in run_events([run])[["kind", "start", "end"]].itertuples(index=False)] == shaded


def test_scatter_panels_show_before_the_collapse_its_worst_step_and_the_end():
    steps, evals, manifest = synthetic_log(n=1000, collapse_at=400, recover_at=700, gradual=160)
    run = RunLog("r", None, steps, evals, manifest, diagnose(steps, evals, manifest, run="r"))
    (collapse,) = run.diagnosis.of_kind("collapse")
    timeline = coverage_timeline(evals).set_index("step").modes_hit
    during = timeline[(timeline.index >= collapse.start_step) & (timeline.index <= collapse.end_step)]
    worst = int(during.idxmin())
    available = evals.step.tolist()
    assert worst not in chosen_steps(available, 4)  # what evenly spread panels showed: the collapse missed
    titles = key_steps(run, available, 4)
    before = max(s for s in available if s < collapse.start_step)
    assert titles == {
        before: f"before the collapse (step {before})",
        worst: f"worst of the collapse (step {worst})",
        1000: "end (step 1000)",
    }
    healthy = synthetic_log(n=500, seed=1)
    assert list(key_steps(RunLog("h", None, *healthy, diagnose(*healthy)), healthy[1].step, 4)) == chosen_steps(
        healthy[1].step.tolist(), 4
    )


def test_gradient_spikes_are_drawn_at_their_true_height():
    steps = synthetic_log(n=1000, spike_at=300)[0].assign(run="r")
    figure = figures.grad_norm_figure(steps)
    drawn = max(line.get_ydata().max() for line in figure.axes[0].get_lines() if len(line.get_ydata()))
    assert drawn == pytest.approx(steps.grad_norm_d.max())  # 40x its neighbours, not a bin median


def test_missing_modes_are_named_in_the_run_report(real_run, tmp_path):
    """ring8's missing modes read as components with their centres ("#3 (-1.41, 1.41)"), not bare indices."""
    out = tmp_path / "report"
    assert main(["report", str(real_run), "--out", str(out)]) == 0
    markdown = (out / "report.md").read_text()
    evals = pd.read_csv(real_run / "evals.csv")
    good = json.loads((evals.hq_mode_counts if "hq_mode_counts" in evals else evals.mode_counts).iloc[-1])
    missing = [i for i, count in enumerate(good) if count < 300 / 8 / 4]
    line = re.search(r"Modes missing at step 60: (.*)\.", markdown).group(1)
    if not missing:
        assert line == "none"
    else:
        assert (
            re.findall(r"#(\d) \((-?[\d.]+), (-?[\d.]+)\)", line)
            and [int(i) for i in re.findall(r"#(\d) ", line)] == missing
        )
