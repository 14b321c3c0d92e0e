"""Outputs: atomic writes through links and into devices, unwritable outputs, and no log injection
(issue 12, items 3, 4 and 9)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

import ganeval.scoring
from ganeval.atomic import atomic_folder, atomic_write, check_writable
from ganeval.cli import main
from ganeval.errors import GanevalError, printable
from ganeval.gate.core import CheckReport
from ganeval.gate.decision import REGRESSED, MetricDecision
from ganeval.gate.formats import github_annotations, github_error, junit, markdown, text_table

INJECTED = "x\n::warning file=a.py::injected"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def points(tmp_path) -> Path:
    path = tmp_path / "points.npy"
    np.save(path, np.random.default_rng(0).normal(size=(60, 2)))
    return path


def score_args(points: Path, *extra: str) -> list[str]:
    return [
        "score",
        str(points),
        "--ref",
        "ring8",
        "--n",
        "60",
        "--metrics",
        "fid",
        "--bootstrap",
        "0",
        "--quiet",
        *extra,
    ]


# ---------------------------------------------------------------- links, devices, streams


def test_atomic_write_keeps_a_symbolic_link(tmp_path):
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target.name)
    with atomic_write(link, "w") as stream:
        stream.write("new")
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert target.read_text() == "new" and link.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]  # nothing left beside


def test_atomic_write_creates_the_target_of_a_dangling_link(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "sub" / "made.json")
    with atomic_write(link, "w") as stream:
        stream.write("{}")
    assert link.is_symlink() and (tmp_path / "sub" / "made.json").read_text() == "{}"


def test_atomic_folder_keeps_a_link_to_an_empty_folder(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to("real")
    with atomic_folder(tmp_path / "out") as staging:
        (staging / "a.txt").write_text("a")
    assert (tmp_path / "out").is_symlink() and (tmp_path / "real" / "a.txt").read_text() == "a"


def test_atomic_write_into_a_fifo_writes_in_place(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    with atomic_write(fifo) as stream:
        stream.write(b"through the pipe")
    reader.join(timeout=30)
    assert received == [b"through the pipe"]
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


def test_json_to_dev_stdout_and_dash(points, tmp_path, monkeypatch, capfd):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(score_args(points, "--json", "/dev/stdout")) == 0
    out = capfd.readouterr().out
    payload = json.loads(out[: out.index("\n}\n") + 3])  # the JSON, then the table
    assert "fid" in payload["metrics"] and out[out.index("\n}\n") + 3 :].strip()  # the summary follows, not lost
    assert main(score_args(points, "--json", "-")) == 0
    assert json.loads(capfd.readouterr().out)["metrics"]["fid"]["value"] == payload["metrics"]["fid"]["value"]
    assert list(work.iterdir()) == []  # no file made for the stream


def test_write_errors_name_the_target_not_a_temporary_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError) as caught:
        with atomic_write(tmp_path / "file" / "out.json", "w") as stream:
            stream.write("{}")
    assert str(tmp_path / "file" / "out.json") in str(caught.value) and ".tmp" not in str(caught.value)


# ---------------------------------------------------------------- unwritable outputs


def test_unwritable_outputs_are_refused_before_any_work(points, tmp_path, monkeypatch, capsys):
    def no_work(*args, **kwargs):
        raise AssertionError("scoring started before the outputs were checked")

    monkeypatch.setattr(ganeval.scoring, "score", no_work)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(score_args(points, "--json", str(blocker / "result.json"))) == 2
    error = capsys.readouterr().err
    assert f"--json {blocker / 'result.json'}: {blocker} is not a folder" in error
    assert main(["check", str(points), "--baseline", "b.json", "--junit", str(blocker / "c.xml")]) == 2
    assert "--junit" in capsys.readouterr().err
    assert main(["check", str(points), "--baseline", "b.json", "--markdown", str(tmp_path)]) == 2
    assert f"--markdown {tmp_path} is a folder" in capsys.readouterr().err
    assert main(["report", str(tmp_path), "--out", str(blocker)]) == 2
    assert f"--out {blocker} is a file" in capsys.readouterr().err
    assert main(["stats", "digits", "-o", str(blocker / "s.npz")]) == 2
    assert "--output" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(GanevalError, match="--json .*cannot write in"):
            check_writable(folder / "x.json", "--json")
    finally:
        folder.chmod(0o755)


def test_result_printed_when_the_output_fails_after_the_work(points, tmp_path, monkeypatch, capsys):
    real_score, late = ganeval.scoring.score, tmp_path / "late"

    def score_then_block(*args, **kwargs):
        result = real_score(*args, **kwargs)
        late.write_text("a file where the output folder was to be made")
        return result

    monkeypatch.setattr(ganeval.scoring, "score", score_then_block)
    assert main(score_args(points, "--json", str(late / "result.json"))) == 2
    captured = capsys.readouterr()
    payload = json.loads(captured.out[: captured.out.index("\n}\n") + 3])
    assert payload["metrics"]["fid"]["value"] > 0  # the result is not lost
    assert f"--json {late / 'result.json'}: cannot write it" in captured.err and "printed to stdout" in captured.err
    assert ".tmp" not in captured.err


# ---------------------------------------------------------------- log and annotation injection


def fake_report(baseline: str, candidate: str) -> CheckReport:
    comparison = MetricDecision("fid", False, 10.0, (9.0, 11.0), 20.0, (19.0, 21.0), 2.0, 5.0, 3.0, REGRESSED, "worse")
    return CheckReport(baseline, candidate, [comparison], 0.001, 0, notes=[f"made with {candidate}"])


def test_annotations_escape_data_and_properties():
    report = fake_report("base,line:\n::warning::x.json", INJECTED)
    lines = github_annotations(report).split("\n")
    assert len(lines) == 2 and all(line.startswith("::error ") for line in lines)
    assert "file=base%2Cline%3A%0A%3A%3Awarning%3A%3Ax.json," in lines[0]
    assert github_error("ganeval score", f"100%: {INJECTED}\r") == (
        "::error title=ganeval score::100%25: x%0A::warning file=a.py::injected%0D"
    )


def test_reports_quote_names_without_breaking_lines():
    report = fake_report("baseline.json", "evil`\n\n![track](http://example.com/t.png)")
    page = markdown(report)
    assert not any(line.startswith("![track]") for line in page.splitlines())
    assert "`evil'\\n\\n![track](http://example.com/t.png)`" in page
    assert not any(line.startswith("![track]") for line in text_table(report).splitlines())
    case = ElementTree.fromstring(junit(fake_report(INJECTED, "c"))).find("testcase")
    assert case.get("classname") == "ganeval.check.x\\n::warning file=a.py::injected"


def test_printable_escapes_only_control_characters():
    assert printable("samples/ré 1.png") == "samples/ré 1.png"
    assert printable(INJECTED) == "x\\n::warning file=a.py::injected"
    assert printable("a\rb\x1b[2J\u2028") == "a\\rb\\x1b[2J\\u2028"


def test_error_messages_cannot_start_a_workflow_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    folder = tmp_path / INJECTED  # a folder without images, named to inject a command
    folder.mkdir()
    assert main(["score", str(folder), "--ref", "ring8", "--quiet"]) == 2
    lines = capsys.readouterr().err.splitlines()
    commands = [line for line in lines if line.lstrip().startswith("::")]
    assert len(commands) == 1 and commands[0].startswith("::error title=ganeval score::"), lines

    def raise_multiline(*args, **kwargs):
        raise GanevalError("bad input:\n::warning::injected\n  ##[error]old syntax")

    monkeypatch.setattr(ganeval.scoring, "score", raise_multiline)
    assert main(score_args(tmp_path)) == 2
    lines = capsys.readouterr().err.splitlines()
    assert "ganeval: ::warning::injected" in lines and "ganeval:   ##[error]old syntax" in lines
    assert [line for line in lines if line.lstrip().startswith(("::", "##["))] == [lines[-1]]


def test_warnings_and_tracebacks_cannot_start_a_workflow_command(tmp_path, monkeypatch, capsys):
    from ganeval.cache.keys import CacheWarning

    monkeypatch.setenv("GITHUB_ACTIONS", "true")

    def warn_then_fail(*args, **kwargs):
        import warnings

        warnings.warn(f"cache {INJECTED}", CacheWarning, stacklevel=2)
        raise RuntimeError(f"a bug quoting {INJECTED}")

    monkeypatch.setattr(ganeval.scoring, "score", warn_then_fail)
    assert main(score_args(tmp_path)) == 3
    lines = capsys.readouterr().err.splitlines()
    assert "ganeval: warning: cache x" in lines and lines.count("ganeval: ::warning file=a.py::injected") == 2
    assert [line for line in lines if line.lstrip().startswith("::")] == [lines[-1]]  # the ::error annotation alone
