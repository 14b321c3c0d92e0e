"""Damaged training logs: a torn last line is dropped with one warning, every other damage is a
GanevalError (CLI exit 2) naming the file, the line and the column, never a false verdict."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganeval.cli import main
from ganeval.diagnostics.logfile import LogWarning, load_log, read_run
from ganeval.errors import GanevalError

HEADER = "step,time,loss_d,loss_g,grad_norm_d,grad_norm_g\n"


def steps_text(n: int = 30) -> str:
    """A healthy steps.csv: losses near ln 4 and 0.7, gradient norms near 1."""
    rng = np.random.default_rng(0)
    rows = [
        f"{s},{s * 0.01:.2f},{1.38 + rng.normal(0, 0.02):.4f},{0.7 + rng.normal(0, 0.02):.4f},"
        f"{1 + rng.normal(0, 0.05):.4f},{1.5 + rng.normal(0, 0.05):.4f}\n"
        for s in range(n)
    ]
    return HEADER + "".join(rows)


def run_folder(tmp_path, steps: str, evals: str | None = None, name: str = "run"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "steps.csv").write_text(steps)
    if evals is not None:
        (folder / "evals.csv").write_text(evals)
    (folder / "manifest.json").write_text(json.dumps({"variant": "mine"}))
    return folder


def test_a_torn_last_line_is_dropped_with_a_warning(tmp_path):
    text = steps_text()
    folder = run_folder(tmp_path, text[: text.rindex(",") + 3])  # the last row cut mid-value, no newline
    with pytest.warns(LogWarning, match=r"steps.csv: the last line \(line 31\) is incomplete"):
        steps, _, _ = read_run(folder)
    assert steps.step.tolist() == list(range(29)) and steps.notna().all().all()


def test_a_last_line_with_fewer_fields_is_dropped_even_with_its_newline(tmp_path):
    folder = run_folder(tmp_path, steps_text() + "30,0.30,1.37\n")
    with pytest.warns(LogWarning, match="line 32"):
        steps, _, _ = read_run(folder)
    assert steps.step.iloc[-1] == 29 and not steps.grad_norm_d.isna().any()


def test_cli_report_of_a_torn_log_warns_once_and_finds_no_divergence(tmp_path, capsys):
    text = steps_text()
    folder = run_folder(tmp_path, text[: text.rindex(",") + 3])
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("ganeval: warning: ") == 1 and "is incomplete" in captured.err
    assert "became nan" not in captured.out and "diverged" not in captured.out.lower()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda t: t.replace("\n5,", "\n4,", 1), r"steps.csv, line 7: repeats step 4 after step 4 on line 6"),
        (
            lambda t: t + t.splitlines(keepends=True)[10],
            r"steps.csv, line 32: goes back to step 9 after step 29 on line 31",
        ),
        (
            lambda t: t.replace("\n7,0.07,", "\n7,0.07,abc", 1),
            r"steps.csv, line 9, column 'loss_d': 'abc1.\d+' is not a number",
        ),
        (lambda t: t.replace("\n3,0.03,", "\n3,0.03,1,", 1), r"steps.csv, line 5: 7 fields where the header has 6"),
        (lambda t: t.replace("\n12,", "\n12.5,", 1), r"steps.csv, line 14, column 'step': 12.5 is not a whole number"),
        (
            lambda t: t.replace("step,", "iteration,", 1),
            r"steps.csv has no 'step' column \(its columns: iteration, time",
        ),
        (
            lambda t: t.replace("loss_g", "loss_d", 1),
            r"steps.csv: the header names column\(s\) 'loss_d' more than once",
        ),
    ],
)
def test_damaged_logs_are_refused_naming_file_line_and_column(tmp_path, capsys, damage, message):
    folder = run_folder(tmp_path, damage(steps_text()))
    with pytest.raises(GanevalError, match=message):
        read_run(folder)
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_evals_text_columns_are_kept_and_numbers_checked(tmp_path):
    evals = 'step,fid,mode_counts,d_input\n10,1.5,"[3, 4]",probability\n20,,,\n'
    steps, evals, manifest = load_log(run_folder(tmp_path, steps_text(), evals))
    assert evals.mode_counts.iloc[0] == "[3, 4]" and evals.d_input.isna().tolist() == [False, True]
    assert evals.step.dtype == np.int64 and np.isnan(evals.fid.iloc[1]) and manifest == {"variant": "mine"}
    bad = run_folder(tmp_path, steps_text(), "step,fid\n10,1.5\n20,1.5x\n", name="bad")
    with pytest.raises(GanevalError, match=r"evals.csv, line 3, column 'fid': '1.5x' is not a number"):
        load_log(bad)


RELIABILITY = '{""lower"":[0.4],""upper"":[0.6],""predicted"":[0.5],""real"":[0.5],""count"":[10]}'


@pytest.mark.parametrize(
    "column, cell, message",
    [
        ("mode_counts", '"[""a"", 1]"', "is not a list of counts"),
        ("mode_counts", '"[[1, 2], [3]]"', "is not a list of counts"),
        ("mode_counts", '"[-5, 3]"', "is not a list of counts"),
        ("hq_mode_counts", '"[null, 1]"', "is not a list of counts"),
        ("mode_counts", '"{""a"": 1}"', "is not a list of counts"),
        ("d_reliability", "oops", "is not an object of number lists"),
        ("d_reliability", '"[1, 2]"', "is not an object of number lists"),
        ("d_reliability", f'"{RELIABILITY}"'.replace("[10]", "[]"), "is not an object of number lists"),  # lengths
    ],
)
def test_a_json_cell_of_the_wrong_shape_is_refused_at_its_line(tmp_path, column, cell, message):
    """A JSON column's cell the detectors cannot read (they crashed on these: exit 3) is a damaged log."""
    evals = f"step,fid,{column}\n10,1.5,\n20,1.4,{cell}\n"
    with pytest.raises(GanevalError, match=rf"evals.csv, line 3, column '{column}': .* {message}"):
        load_log(run_folder(tmp_path, steps_text(), evals))


def test_json_cells_as_the_logger_writes_them_read_back(tmp_path):
    evals = f'step,mode_counts,hq_mode_counts,d_reliability\n10,"[3, 4]","[1, 0]","{RELIABILITY}"\n'
    evals += '20,"[5, 2]","[4, 1]","{""lower"":[0.4],""upper"":[0.6],""predicted"":[NaN],""real"":[0],""count"":[1]}"\n'
    _, frame, _ = load_log(run_folder(tmp_path, steps_text(), evals))
    assert json.loads(frame.mode_counts.iloc[1]) == [5, 2] and json.loads(frame.d_reliability.iloc[0])["count"] == [10]


def test_logs_written_by_pandas_read_back_unchanged(tmp_path):
    frame = pd.DataFrame({"step": [0, 5, 9], "time": [0.0, 0.5, 1.25], "loss_d": [1.0, np.nan, np.inf], "lr_d": 1e-4})
    folder = tmp_path / "run"
    folder.mkdir()
    frame.to_csv(folder / "steps.csv", index=False)
    steps, evals, manifest = load_log(folder)
    pd.testing.assert_frame_equal(steps, frame)
    assert evals.empty and manifest == {}


@pytest.mark.parametrize(
    "manifest, message", [("{not json", "is not valid JSON"), ("[1, 2]", "holds a JSON list, not an object")]
)
def test_a_damaged_manifest_is_refused(tmp_path, manifest, message):
    folder = run_folder(tmp_path, steps_text())
    (folder / "manifest.json").write_text(manifest)
    with pytest.raises(GanevalError, match=message):
        load_log(folder)


def _read_or_refuse(folder) -> None:
    """What a damaged log may do: read (possibly with a LogWarning) or raise GanevalError, nothing else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LogWarning)
        try:
            steps, evals, _ = read_run(folder)
        except GanevalError:
            return
    assert steps.step.is_monotonic_increasing and steps.step.is_unique


FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.binary(max_size=400))
def test_fuzz_random_bytes(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "steps.csv").write_bytes(data)
    _read_or_refuse(folder)


@FUZZ
@given(
    cut=st.integers(0, len(steps_text())),
    flips=st.lists(st.tuples(st.integers(0, len(steps_text()) - 1), st.integers(0, 7)), max_size=3),
)
def test_fuzz_truncations_and_bit_flips(tmp_path_factory, cut, flips):
    data = bytearray(steps_text().encode()[:cut] if not flips else steps_text().encode())
    for position, bit in flips:
        data[position] ^= 1 << bit
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "steps.csv").write_bytes(bytes(data))
    (folder / "evals.csv").write_bytes(bytes(data).replace(b"grad_norm_g", b"mode_counts"))
    _read_or_refuse(folder)


@pytest.mark.parametrize("planted", ["fifo", "device", "folder"])
def test_a_log_that_is_not_a_regular_file_is_refused_before_it_is_read(tmp_path, planted):
    """A FIFO would block the report and a link to /dev/zero read until memory runs out: both are
    refused (exit 2) from their type, naming the file, before anything is read."""
    import os

    folder = run_folder(tmp_path, steps_text())
    target = folder / "steps.csv"
    target.unlink()
    if planted == "fifo":
        os.mkfifo(target)
    elif planted == "device":
        target.symlink_to("/dev/zero")
    else:
        target.mkdir()
    with pytest.raises(GanevalError, match=r"steps\.csv is not a regular file"):
        read_run(folder)


def test_a_log_over_the_size_cap_is_refused_from_its_size(tmp_path, monkeypatch):
    from ganeval.diagnostics import logfile

    folder = run_folder(tmp_path, steps_text())
    size = (folder / "steps.csv").stat().st_size
    monkeypatch.setattr(logfile, "MAX_LOG_BYTES", size)
    assert len(read_run(folder)[0]) == 30  # at the cap: read (nothing wrong)
    monkeypatch.setattr(logfile, "MAX_LOG_BYTES", size - 1)
    with pytest.raises(GanevalError, match=r"over the .* bytes a training log may hold"):
        read_run(folder)
