"""What the log formats share is written once: StyleGAN's metric names map onto our columns by one table
(columns.STYLEGAN_METRICS) in metric-*.jsonl and in TensorBoard tags, and every text log is read and its torn
last line reported by one reader (logfile.read_log_text, warn_torn), which escapes the file's name."""

from __future__ import annotations

import json
import warnings

import pytest

from ganeval.diagnostics.log import read_log
from ganeval.diagnostics.log import tensorboard as tb
from ganeval.diagnostics.log.columns import stylegan_metric
from ganeval.diagnostics.logfile import LogWarning
from ganeval.errors import GanevalError

#: metric_main.py's result keys and the column each is; None: kept under its own name.
METRIC_MAIN = {
    "fid50k_full": "fid",
    "fid50k": "fid",
    "fid10k": "fid",
    "kid50k_full": "kid",
    "kid50k": "kid",
    "pr50k3_full_precision": "precision",
    "pr50k3_recall": "recall",
    "is50k_mean": "inception_score",
    "ppl_zfull": "ppl",
    "ppl_wend": "ppl",
    "ppl2_wend": "ppl",
    "is50k_std": None,
    "eqt50k_int": None,
    "eqr50k": None,
}


@pytest.mark.parametrize("name, column", METRIC_MAIN.items())
def test_stylegan_metric_names_are_one_table_for_both_readers(tmp_path, name, column):
    """The same column from a StyleGAN run folder's result key and from a TensorBoard tag, with or without
    StyleGAN's "Metrics/" (a port that logs the result keys as they are)."""
    assert stylegan_metric(name) == column
    assert tb.known_column(f"Metrics/{name}") == column
    assert tb.known_column(name) == column
    folder = tmp_path / "run"
    folder.mkdir()
    line = {"results": {name: 12.5}, "metric": name, "snapshot_pkl": "network-snapshot-000004.pkl"}
    (folder / f"metric-{name}.jsonl").write_text(json.dumps(line) + "\n")
    _, evals, manifest = read_log(folder)
    assert evals.to_dict("list") == {"step": [4], column or name: [12.5]}
    assert manifest["metrics"] == ({column: name} if column else {})


def test_loss_tags_are_not_taken_for_metrics():
    assert [tb.known_column(tag) for tag in ("Loss/D/loss", "fid_loss", "Metrics/fid_std", "isomap")] == [
        "loss_d",
        None,
        None,
        None,
    ]


FOLDER = "run\x1b[31m\n::error::x"  # a folder name with a terminal escape and a workflow command
SHOWN = "run\\x1b[31m\\n::error::x"  # as messages show it
LOGS = {  # format: (file, its text with a torn last line, that line's number)
    "ganeval": ("steps.csv", "step,loss_d\n0,1.0\n1,0.9\n2,0.8", 4),
    "table": ("log.jsonl", '{"step": 0, "loss_d": 1.0}\n{"step": 1, "loss_d": 0.9}\n{"step": 2, "lo', 3),
    "stylegan": (
        "stats.jsonl",
        "".join(
            json.dumps({"Progress/kimg": {"mean": k}, "Loss/D/loss": {"mean": d}}) + "\n" for k, d in ((0, 1), (4, 0.9))
        )
        + '{"Progress/kimg": {"me',
        3,
    ),
}


def _log(tmp_path, form: str, text: bytes):
    """The log of `form` holding `text`, in a folder named FOLDER; (what read_log takes, the log file)."""
    folder = tmp_path / form / FOLDER
    folder.mkdir(parents=True)
    file = folder / LOGS[form][0]
    file.write_bytes(text)
    return (file if form == "table" else folder), file


def _whole(form: str) -> bytes:
    return LOGS[form][1].rpartition("\n")[0].encode() + b"\n"


@pytest.mark.parametrize("form", LOGS)
def test_every_text_log_warns_of_a_torn_line_alike_with_its_name_escaped(tmp_path, form):
    path, file = _log(tmp_path, form, LOGS[form][1].encode())
    with pytest.warns(LogWarning) as caught:
        steps, _, _ = read_log(path, format=form)
    assert [str(w.message) for w in caught] == [
        f"{tmp_path / form}/{SHOWN}/{file.name}: the last line (line {LOGS[form][2]}) is incomplete, as a writer "
        "stopped mid-line leaves it; it was ignored."
    ]
    assert steps["loss_d"].tolist() == [1.0, 0.9]


@pytest.mark.parametrize("form", LOGS)
def test_every_text_log_refuses_bytes_that_are_not_utf8_alike(tmp_path, form):
    whole = _whole(form)
    path, file = _log(tmp_path, form, whole[:20] + b"\xff" + whole[20:])
    with pytest.raises(GanevalError) as caught:
        read_log(path, format=form)
    assert str(caught.value) == (
        f"{tmp_path / form}/{SHOWN}/{file.name} is not a UTF-8 text file (byte 20 is not UTF-8): the log is "
        "damaged; restore it from a copy or re-run the training."
    )


@pytest.mark.parametrize("form", LOGS)
def test_whole_logs_read_every_row_without_a_warning(tmp_path, form):
    """No false alarm: the same logs with their last line whole."""
    path, _ = _log(tmp_path, form, _whole(form))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps, _, _ = read_log(path, format=form)
    assert steps["loss_d"].tolist() == [1.0, 0.9]
