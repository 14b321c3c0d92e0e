"""`ganeval report`: a short real run and synthetic logs through the API and the CLI."""

import json
import re

import pandas as pd
import pytest

import reference_models
from ganeval.cli import main
from ganeval.diagnostics import VERDICTS
from ganeval.report import figures
from ganeval.report.render import Image, Text, markdown_table, write_report
from ganeval.report.sections import run_names
from test_diagnostics import synthetic_log


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """gan-ns on ring8, 60 steps, an evaluation every 20 (a few seconds)."""
    folder = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANEVAL_CACHE_DIR", str(folder / "cache"))
        return reference_models.train("gan-ns", "ring8", out=folder / "gan-ns-ring8", steps=60, batch_size=64, eval_every=20,
                                      eval_n=300, checkpoint_every=60)  # fmt: skip


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
    assert html.count("data:image/png;base64,") >= 8  # losses, D outputs, gradients, metrics, calibration, reliability, coverage, modes, scatter
    markdown = (out / "report.md").read_text()
    linked = re.findall(r"\]\((figures/[^)]+\.png)\)", markdown)
    assert len(linked) >= 8 and all((out / link).stat().st_size > 1000 for link in linked)
    assert "scatter" in " ".join(linked) and "reliability" in " ".join(linked)
    assert "At the last evaluation (step 60): ECE" in markdown and "the 0.5 equilibrium." in markdown
    payload = json.loads(findings.read_text())
    assert payload["run"] == "gan-ns-ring8" and payload["verdict"] in VERDICTS and isinstance(payload["findings"], list)
    assert payload["summary"]["n_modes"] == 8 and payload["summary"]["last_step"] == 59
    evals = pd.read_csv(real_run / "evals.csv")
    assert evals.step.tolist() == [20, 40, 60] and evals.diversity.between(0, 3).all() and evals.d_reliability.notna().all()
    assert payload["summary"]["fid_end"] == pytest.approx(evals.fid.iloc[-1]) and payload["summary"]["d_accuracy_end"] == pytest.approx(evals.d_accuracy.iloc[-1])
    assert payload["summary"]["modes_hit_end"] == sum(c >= 300 / 8 / 4 for c in json.loads(evals.mode_counts.iloc[-1]))
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
    assert abs(collapse["start_step"] - 250) <= 50 and collapse["end_step"] is None and collapse["evidence"]["modes_lost"] == 6
    assert not [f for f in payload["runs"][1]["findings"] if f["kind"] in ("collapse", "divergence")]
    markdown = (out / "report.md").read_text()
    summary = markdown[markdown.index("## Summary") : markdown.index("## All runs overlaid")]
    assert "| a/run | collapsed |" in summary and "| b/run | healthy |" in summary
    assert (out / "figures" / "all-coverage.png").exists() and (out / "figures" / "run1-a-run-coverage.png").exists()
    assert_self_contained((out / "report.html").read_text())


def test_reports_replace_the_files_of_an_existing_folder(tmp_path):
    blocks = [Text("first"), Image("a.png", b"\x89PNG-first", "one")]
    write_report(tmp_path / "out", blocks, "title")
    (tmp_path / "out" / "notes.txt").write_text("kept")
    files = write_report(tmp_path / "out", [Text("second"), Image("a.png", b"\x89PNG-second", "one")], "title")
    assert "second" in files["markdown"].read_text() and "first" not in files["html"].read_text()
    assert (tmp_path / "out" / "figures" / "a.png").read_bytes() == b"\x89PNG-second" and (tmp_path / "out" / "notes.txt").exists()
    with pytest.raises(ValueError, match="is a file"):
        write_report(tmp_path / "out" / "notes.txt", blocks, "title")


def test_run_names_are_short_and_unique():
    assert run_names(["runs/a", "runs/b"]) == ["a", "b"]
    assert run_names(["x/run", "y/run", "z"]) == ["x/run", "y/run", "z"]


def test_figures_overlay_several_runs():
    steps = figures.stack({"first": synthetic_log(seed=0)[0], "second": synthetic_log(seed=1)[0]})
    figure = figures.loss_figure(steps)
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert labels == ["first", "second"]
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in figure.axes)
    assert figures.png_bytes(figure)[:8] == b"\x89PNG\r\n\x1a\n"
    evals = figures.stack({"first": synthetic_log(seed=0)[1], "second": synthetic_log(seed=1, collapse_at=500)[1]})
    band = figures.metric_band(evals, "recall")
    assert (band["low"] <= band["value"]).all() and (band["value"] <= band["high"]).all() and set(band.run) == {"first", "second"}


def test_markdown_table_escapes_pipes():
    text = markdown_table(pd.DataFrame({"a": ["x|y"], "b": [0.123456]}))
    assert text.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 0.1235 |"]
