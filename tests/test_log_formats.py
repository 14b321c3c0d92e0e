"""The log-format seam (issue 21): detection and forcing of a format, the registry and its entry points,
--map, and any CSV or JSONL table read into the diagnostics' vocabulary."""

import json
import math
import os

import numpy as np
import pandas as pd
import pytest
from test_diagnostics import synthetic_log
from test_report import write_log

from ganeval.cli import main
from ganeval.diagnostics import diagnose, diagnose_run
from ganeval.diagnostics import log as logs
from ganeval.diagnostics.log import log_formats, read_log
from ganeval.diagnostics.log.columns import VOCABULARY, parse_column_map
from ganeval.diagnostics.logfile import LogWarning
from ganeval.errors import GanevalError

FOREIGN = {"step": "iteration", "loss_d": "lossD", "loss_g": "lossG", "d_real": "D_x", "d_fake": "D_G_z", "fid": "FID"}
FOREIGN_MAP = ",".join(f"{ours}={theirs}" for ours, theirs in FOREIGN.items())


def foreign_table(n=500, seed=1, **planted) -> pd.DataFrame:
    """A synthetic log as one table under a foreign trainer's names: step rows, and the evaluations on the
    rows of their steps (as a user's own loop logs them)."""
    steps, evals, _ = synthetic_log(n=n, seed=seed, **planted)
    table = steps.merge(evals, on="step", how="outer", suffixes=("", "_eval"))
    return table.rename(columns={ours: theirs for ours, theirs in FOREIGN.items()})


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))


# The registry and detection.


def test_the_built_in_formats_come_first_in_their_order():
    formats = log_formats()
    assert list(formats)[:4] == ["ganeval", "stylegan", "tensorboard", "table"]
    for name, fmt in formats.items():
        assert isinstance(fmt, logs.LogFormat) and fmt.name == name and fmt.looks_for


def test_a_ganeval_run_folder_is_read_as_ganeval_before_any_later_format(tmp_path):
    """A folder holding only steps.csv is also one table that the table format accepts: ganeval wins (first)."""
    steps, evals, manifest = synthetic_log(n=100)
    folder = write_log(tmp_path / "run", steps, evals, manifest)
    (folder / "evals.csv").unlink()
    assert log_formats()["table"].recognizes(folder) and log_formats()["ganeval"].recognizes(folder)
    read_steps, read_evals, read_manifest = read_log(folder)
    assert read_manifest["log_format"] == "ganeval" and read_manifest["step_unit"] == "step"
    assert read_manifest["d_output"] == "probability" and read_manifest["source_files"] == [
        "steps.csv",
        "manifest.json",
    ]
    assert read_manifest["variant"] == "synthetic" and read_evals.empty and len(read_steps) == 100


def test_our_own_log_reads_as_before(tmp_path):
    """The nothing-wrong case: read_log gives the frames load_log gives, and the same diagnosis."""
    steps, evals, manifest = synthetic_log(n=300, seed=2)
    folder = write_log(tmp_path / "run", steps, evals, manifest)
    read_steps, read_evals, read_manifest = read_log(folder)
    pd.testing.assert_frame_equal(read_steps, pd.read_csv(folder / "steps.csv"), check_dtype=False)
    assert list(read_evals.columns) == list(evals.columns) and len(read_evals) == len(evals)
    assert diagnose_run(folder).to_dict()["verdict"] == diagnose(steps, evals, manifest).verdict


def test_format_forces_a_format(tmp_path):
    steps, evals, manifest = synthetic_log(n=100)
    folder = write_log(tmp_path / "run", steps, evals, manifest)
    (folder / "evals.csv").unlink()
    read_steps, _, read_manifest = read_log(folder, format="table")
    assert read_manifest["log_format"] == "table" and read_manifest["source_files"] == ["steps.csv"]
    assert "variant" not in read_manifest and len(read_steps) == 100  # the table format reads the one table
    with pytest.raises(GanevalError, match=r"unknown log format 'nope'; the formats are: ganeval, stylegan, "):
        read_log(folder, format="nope")
    with pytest.raises(GanevalError, match="is not a folder; the ganeval format reads run folders"):
        read_log(folder / "steps.csv", format="ganeval")


def test_cli_format_forces_and_an_unknown_format_exits_2(tmp_path, capsys):
    table = tmp_path / "log.csv"
    foreign_table(n=200).rename(columns={"iteration": "step"}).to_csv(table, index=False)
    assert main(["report", str(table), "--format", "table", "--map", "loss_d=lossD", "--out", str(tmp_path / "r")]) == 0
    assert main(["report", str(table), "--format", "nope", "--out", str(tmp_path / "r2")]) == 2
    error = capsys.readouterr().err
    assert "--format: unknown log format 'nope'; the formats are: ganeval, stylegan, tensorboard, table" in error
    assert not (tmp_path / "r2").exists()


def test_an_unrecognised_folder_exits_2_and_lists_what_each_format_looks_for(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("lr 0.0002\n")
    (folder / "table.csv").write_text("a,b\n1,2\n")  # a table, but of no column of ours: never claimed
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 2
    error = capsys.readouterr().err
    assert f"{folder} holds no training log that ganeval reads. The formats look for: " in error
    for name, fmt in log_formats().items():
        assert f"{name}: {fmt.looks_for}" in error
    assert "--format NAME" in error and "--map ours=theirs" in error
    assert not (tmp_path / "report").exists()


def test_an_absent_path_is_named(tmp_path):
    with pytest.raises(GanevalError, match="absent is not a folder or a file"):
        read_log(tmp_path / "absent")


# Entry points.


class CountsFormat:
    """A plug-in format: a file of counts.txt, one loss a line."""

    name = "counts"
    looks_for = "counts.txt: one D loss a line"

    def recognizes(self, path):
        return path.name == "counts.txt"

    def read(self, path, column_map=None):
        losses = [float(line) for line in path.read_text().split()]
        return pd.DataFrame({"step": range(len(losses)), "loss_d": losses}), pd.DataFrame(), {"step_unit": "step"}


def test_an_entry_point_format_is_found_after_the_built_ins(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "load_group", lambda group: {"counts": CountsFormat} if group == "ganeval.logs" else {})
    assert list(log_formats()) == ["ganeval", "stylegan", "tensorboard", "table", "counts"]
    path = tmp_path / "counts.txt"
    path.write_text("1.4\n1.3\n1.35\n")
    steps, evals, manifest = read_log(path)
    assert steps.loss_d.tolist() == [1.4, 1.3, 1.35] and manifest["log_format"] == "counts"
    assert evals.empty and diagnose_run(path).verdict
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(GanevalError, match=r"counts: counts.txt: one D loss a line\."):
        read_log(folder)


def test_a_broken_entry_point_format_is_named(monkeypatch):
    monkeypatch.setattr(logs, "load_group", lambda group: {"odd": object()})
    with pytest.raises(GanevalError, match="the ganeval.logs entry point 'odd' is not a log format"):
        log_formats()
    clash = type("Clash", (CountsFormat,), {"name": "table"})
    monkeypatch.setattr(logs, "load_group", lambda group: {"mine": clash()})
    with pytest.raises(GanevalError, match="entry point 'mine' names its format 'table', which is taken"):
        log_formats()


# --map.


def test_map_is_parsed_into_ours_and_theirs():
    assert parse_column_map(" loss_d = lossD ,fid=Metrics/FID") == {"loss_d": "lossD", "fid": "Metrics/FID"}
    assert parse_column_map(None) == {} and parse_column_map("") == {}


@pytest.mark.parametrize(
    "text, message",
    [
        ("loss_d", r"'loss_d' is not ours=theirs"),
        ("loss_d=lossD,=x", r"'=x' is not ours=theirs"),
        ("loss_d=", r"'loss_d=' is not ours=theirs"),
        ("loss_d=a,loss_d=b", r"'loss_d' is mapped twice"),
        ("loss_d=a,loss_g=a", r"maps the log's column\(s\) 'a' onto more than one of ours"),
        ("lossD=loss_d", r"'lossD' is not a column the diagnostics read; map onto one of: step, time, loss_d, "),
    ],
)
def test_bad_maps_are_refused_naming_the_fix(text, message):
    with pytest.raises(GanevalError, match=message):
        parse_column_map(text)


def test_cli_refuses_a_bad_map_before_writing_anything(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--map", "loss=lossD", "--out", str(tmp_path / "report")]) == 2
    error = capsys.readouterr().err
    assert "'loss' is not a column the diagnostics read" in error and ", ".join(VOCABULARY[:4]) in error
    assert not (tmp_path / "report").exists()
    assert main(["compare", "--variants", "gan", "--data", "ring8", "--map", "loss_d=x", "--quiet"]) == 2
    assert "--format and --map say how run folders' logs are read" in capsys.readouterr().err


def test_a_map_naming_a_column_the_log_lacks_is_refused(tmp_path):
    table = tmp_path / "log.csv"
    table.write_text("step,lossD\n0,1.3\n1,1.2\n")
    with pytest.raises(
        GanevalError, match=r"log.csv: --map fid=FID names a column the log does not have \(its columns: step, lossD\)"
    ):
        read_log(table, column_map={"loss_d": "lossD", "fid": "FID"})


# Tables: CSV and JSONL.


def test_a_csv_with_our_names_needs_no_map(tmp_path):
    table = tmp_path / "log.csv"
    table.write_text("step,loss_d,loss_g,fid,precision\n0,1.3,0.7,,\n1,1.2,0.8,,\n2,1.1,0.9,40.5,0.6\n3,,,38.0,0.7\n")
    steps, evals, manifest = read_log(table)
    assert steps.step.tolist() == [0, 1, 2] and list(steps.columns) == ["step", "loss_d", "loss_g"]
    assert (
        evals.step.tolist() == [2, 3] and evals.fid.tolist() == [40.5, 38.0] and evals.precision.tolist() == [0.6, 0.7]
    )
    assert steps.step.dtype == np.int64 and evals.step.dtype == np.int64
    assert manifest == {
        "log_format": "table",
        "step_unit": "step",
        "d_output": "probability",
        "source_files": ["log.csv"],
    }


def test_a_folder_holding_one_table_is_read_and_one_of_two_is_not(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "log.csv").write_text("step,loss_d\n0,1.3\n1,1.2\n")
    (folder / "notes.txt").write_text("not a table")
    assert read_log(folder)[2]["source_files"] == ["log.csv"]
    (folder / "other.jsonl").write_text('{"step": 0, "fid": 3}\n')
    assert not log_formats()["table"].recognizes(folder)
    with pytest.raises(GanevalError, match=r"holds 2 tables \(log.csv, other.jsonl\); the table format reads one"):
        read_log(folder, format="table")


def test_a_foreign_csv_and_its_map_read_into_the_vocabulary(tmp_path):
    table = tmp_path / "log.csv"
    foreign_table(n=200).to_csv(table, index=False)
    unmapped = read_log(table)[0]  # iteration and grad_norm_d are ours: read, the others kept under their names
    assert "lossD" in unmapped and "loss_d" not in unmapped and "grad_norm_d" in unmapped
    steps, evals, manifest = read_log(table, column_map=dict(FOREIGN))
    original_steps, original_evals, _ = synthetic_log(n=200, seed=1)
    for column in ("loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d"):
        np.testing.assert_allclose(steps[column], original_steps[column])
    np.testing.assert_allclose(evals.fid, original_evals.fid)
    assert evals.mode_counts.tolist() == original_evals.mode_counts.tolist()  # JSON text kept as text
    assert steps.step.tolist() == original_steps.step.tolist() and manifest["log_format"] == "table"


def test_a_foreign_table_gets_the_diagnosis_of_the_same_log_in_our_format(tmp_path):
    """The nothing-wrong case across formats: a healthy and a planted-divergence log read from a foreign CSV
    are diagnosed as the same log written by TrainingLogger."""
    for name, planted in (("healthy", {"n": 500}), ("diverged", {"n": 1000, "fid_rise_at": 600})):
        table = tmp_path / f"{name}.csv"
        foreign_table(**planted).to_csv(table, index=False)
        steps, evals, manifest = synthetic_log(seed=1, **planted)
        ours = diagnose(steps, evals, {"finished": True})
        theirs = diagnose_run(table, column_map=dict(FOREIGN))
        assert theirs.verdict == ours.verdict and [f.kind for f in theirs.findings] == [f.kind for f in ours.findings]
    assert ours.verdict == "diverged" and diagnose(*synthetic_log(n=500, seed=1)).verdict == "healthy"


def test_a_jsonl_with_foreign_names_and_a_map(tmp_path):
    """Per-key records at one step (as many loggers write them), an unknown text column kept, absurd FIDs kept."""
    path = tmp_path / "metrics.jsonl"
    write_jsonl(
        path,
        [
            {"it": 0, "errD": 1.3, "errG": 0.7, "phase": "warmup"},
            {"it": 1, "errD": 1.2, "errG": 0.8, "phase": "train"},
            {"it": 1, "FID": 1e57},
            {"it": 2, "errD": 1.1, "errG": 0.9, "phase": "train", "FID": None},
            {"it": 3, "FID": -3e68},
        ],
    )
    with open(path, "a") as stream:
        stream.write('{"it": 4, "FID": Infinity}\n{"it": 5, "FID": NaN}\n')
    steps, evals, _ = read_log(path, column_map={"step": "it", "loss_d": "errD", "loss_g": "errG", "fid": "FID"})
    assert steps.step.tolist() == [0, 1, 2] and steps.loss_g.tolist() == [0.7, 0.8, 0.9]
    assert steps.phase.tolist() == ["warmup", "train", "train"]
    assert evals.step.tolist() == [1, 3, 4, 5] and evals.fid.tolist()[:3] == [1e57, -3e68, math.inf]
    assert math.isnan(evals.fid.iloc[3]) and evals.fid.dtype == np.float64


def test_records_of_one_step_are_merged_and_a_value_given_twice_is_refused(tmp_path):
    path = tmp_path / "log.jsonl"
    write_jsonl(
        path,
        [
            {"step": 0, "loss_d": 1.3},
            {"step": 0, "loss_g": 0.7, "lr": 2e-4},
            {"step": 0, "fid": 50.0},
            {"step": 1, "loss_d": 1.2, "loss_g": 0.8},
            {"step": 1, "note": "checkpoint saved"},  # only a column we do not know: no step row of its own
            {"step": 2, "loss_d": 1.1},
            {"step": 2, "fid": 40.0, "kid": 0.02},
        ],
    )
    steps, evals, _ = read_log(path)
    assert steps.step.tolist() == [0, 1, 2] and steps.loss_d.tolist() == [1.3, 1.2, 1.1]
    assert steps.loss_g.tolist()[:2] == [0.7, 0.8] and math.isnan(steps.loss_g.iloc[2]) and steps.lr.iloc[0] == 2e-4
    assert evals.step.tolist() == [0, 2] and evals.fid.tolist() == [50.0, 40.0] and "note" in steps
    with open(path, "a") as stream:
        stream.write(json.dumps({"step": 2, "loss_d": 1.0}) + "\n")
    with pytest.raises(GanevalError, match=r"log.jsonl, line 8: repeats step 2 after step 2 on line 6"):
        read_log(path)


def test_the_step_aliases_and_a_missing_step(tmp_path):
    table = tmp_path / "log.csv"
    table.write_text("iteration,loss_d\n10,1.3\n20,1.2\n")
    assert read_log(table)[0].step.tolist() == [10, 20]
    table.write_text("epoch,loss_d\n1,1.3\n2,1.2\n")
    assert not log_formats()["table"].recognizes(table)
    with pytest.raises(
        GanevalError, match=r"log.csv has no step column .* name the column that counts steps with --map step=THEIRS"
    ):
        read_log(table, format="table")
    assert read_log(table, column_map={"step": "epoch"})[0].step.tolist() == [1, 2]


def test_a_mapped_column_replaces_ours_of_the_same_name(tmp_path):
    table = tmp_path / "log.csv"
    table.write_text("step,loss_d,loss_d_smoothed\n0,9.0,1.3\n1,9.0,1.2\n")
    steps = read_log(table, column_map={"loss_d": "loss_d_smoothed"})[0]
    assert steps.loss_d.tolist() == [1.3, 1.2] and list(steps.columns) == ["step", "loss_d"]


def test_logits_become_probabilities_and_the_manifest_says_so(tmp_path):
    table = tmp_path / "log.csv"
    table.write_text("step,real_logit,fake_logit\n0,0.0,-2.0\n1,2.0,-1000\n")
    steps, _, manifest = read_log(table, column_map={"d_real_logit": "real_logit", "d_fake_logit": "fake_logit"})
    np.testing.assert_allclose(steps.d_real, [0.5, 1 / (1 + math.exp(-2))])
    np.testing.assert_allclose(steps.d_fake, [1 / (1 + math.exp(2)), 0.0])
    assert manifest["d_output"] == "logit"


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("log.csv", "step,loss_d\n0,1.3\n1,lots\n", r"log.csv, line 3, column 'loss_d': 'lots' is not a number"),
        ("log.csv", "step,lossD\n0,1.3\n1,lots\n", r"log.csv, line 3, column 'lossD': 'lots' is not a number"),
        ("log.csv", "step,loss_d\n0,1.3\n0,1.2\n", r"log.csv, line 3: repeats step 0 after step 0 on line 2"),
        (
            "log.jsonl",
            '{"step": 0, "loss_d": 1}\n{"step": 1, "loss_d": "x"}\n',
            r"log.jsonl, line 2, column 'loss_d': 'x' is not a number",
        ),
        ("log.jsonl", '{"step": 0, "loss_d": 1}\n[1, 2]\n', r"log.jsonl, line 2: a JSON list, not an object"),
        (
            "log.jsonl",
            '{"step": 0, "loss_d": 1}\n{"step": 1,\n{"step": 2, "loss_d": 1}\n',
            r"line 2: not a JSON record",
        ),
        (
            "log.jsonl",
            '{"step": 2, "loss_d": 1}\n{"step": 1, "loss_d": 1}\n',
            r"line 2: goes back to step 1 after step 2",
        ),
        ("log.jsonl", '{"step": 0.5, "loss_d": 1}\n', r"line 1, column 'step': 0.5 is not a whole number"),
    ],
)
def test_damaged_tables_are_refused_naming_file_line_and_column(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(GanevalError, match=message):
        read_log(path, column_map={"loss_d": "lossD"} if "lossD" in text else None)


def test_a_torn_last_jsonl_line_is_dropped_with_a_warning(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"step": 0, "loss_d": 1.3}\n{"step": 1, "loss_d": 1.2}\n{"step": 2, "loss')
    with pytest.warns(LogWarning, match=r"log.jsonl: the last line \(line 3\) is incomplete"):
        steps = read_log(path)[0]
    assert steps.step.tolist() == [0, 1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_named_like_a_table_is_never_opened(tmp_path):
    """A FIFO would block a read forever: it is not claimed, and forced it is refused, neither ever opening it."""
    os.mkfifo(tmp_path / "log.csv")
    table = log_formats()["table"]
    assert not table.recognizes(tmp_path / "log.csv") and not table.recognizes(tmp_path)
    with pytest.raises(GanevalError, match=r"log.csv is not a regular file \(a device, FIFO or socket\)"):
        read_log(tmp_path / "log.csv", format="table")


def test_an_empty_table_is_refused(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,loss_d\n")
    with pytest.raises(GanevalError, match=r"log.csv holds an empty training log \(read as table"):
        read_log(path)


# End to end.


def test_cli_report_of_a_foreign_csv_with_a_map(tmp_path, capsys):
    table = tmp_path / "log.csv"
    foreign_table().to_csv(table, index=False)
    out = tmp_path / "report"
    assert (
        main(["report", str(table), "--map", FOREIGN_MAP, "--out", str(out), "--json", str(tmp_path / "f.json")]) == 0
    )
    printed = capsys.readouterr().out
    assert printed.startswith("log.csv  healthy") and (out / "report.html").is_file() and (out / "report.md").is_file()
    payload = json.loads((tmp_path / "f.json").read_text())
    assert payload["verdict"] == "healthy" and payload["run"] == "log.csv"


def test_cli_compare_of_foreign_logs_with_a_map(tmp_path, capsys):
    for seed in (1, 2):
        foreign_table(n=300, seed=seed).to_csv(tmp_path / f"seed{seed}.csv", index=False)
    runs = [str(tmp_path / "seed1.csv"), str(tmp_path / "seed2.csv")]
    assert main(["compare", *runs, "--map", FOREIGN_MAP, "--out", str(tmp_path / "cmp"), "--quiet"]) == 0
    assert (tmp_path / "cmp" / "report.html").is_file()
    (tmp_path / "theirs.csv").write_text("it,lossD,FID\n0,1.3,\n1,1.2,40\n")  # no name of ours: a map is needed
    assert main(["compare", runs[0], str(tmp_path / "theirs.csv"), "--out", str(tmp_path / "cmp2"), "--quiet"]) == 2
    assert "theirs.csv holds no training log that ganeval reads" in capsys.readouterr().err
