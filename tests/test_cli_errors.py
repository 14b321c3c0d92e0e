"""User errors on the command line: exit 2 with a message naming the flag the user typed (not the
Python parameter behind it), whichever layer finds the problem (argparse, scoring, the metrics, the gate)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ganeval.cli import _name_the_flag, _option_strings, build_parser, main
from ganeval.data.mixtures import RING8
from ganeval.errors import GanevalError
from ganeval.options import Extraction, MetricOptions


@pytest.fixture(scope="module")
def points(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "points.npy"
    np.save(path, RING8.sample(120, seed=3)[0])
    return str(path)


@pytest.fixture(scope="module")
def baseline(points, tmp_path_factory):
    from ganeval.gate import make_baseline

    path = tmp_path_factory.mktemp("cli") / "baseline.json"
    make_baseline(
        points,
        "ring8",
        path,
        options=MetricOptions(n=100, bootstrap=0),
        metrics=["fid", "precision"],
        extraction=Extraction(progress=False),
    )
    return str(path)


def run(argv: list[str]) -> int:
    """main's exit code, argparse's own refusals (SystemExit) included."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


SCORE = ["--ref", "ring8", "--n", "100", "--bootstrap", "0", "--quiet"]


@pytest.mark.parametrize(
    "options, flag",
    [
        (["--kid-subset-size", "1"], "--kid-subset-size"),
        (["--kid-subsets", "0"], "--kid-subsets"),
        (["--k", "0"], "--k"),
        (["--k", "150"], "--k"),  # more neighbours than samples: found by scoring, after extraction
        (["--is-splits", "0"], "--is-splits"),
        (["--bootstrap", "-1"], "--bootstrap"),
        (["--n", "0"], "--n"),
        (["--batch-size", "0"], "--batch-size"),
        (["--workers", "-1"], "--workers"),
    ],
)
def test_score_options_name_their_flag(points, capsys, options, flag):
    assert run(["score", points, *SCORE, *options]) == 2
    err = capsys.readouterr().err
    assert re.search(rf"(^|\s|argument ){re.escape(flag)}\b", err) and "Traceback" not in err


@pytest.mark.parametrize(
    "options, flag",
    [
        (["--alpha", "2"], "--alpha is the chance of any false alarm"),
        (["--tolerance", "fid=-1"], "--tolerance: the tolerance of fid must be a number >= 0"),
        (["--tolerance", "fid"], "--tolerance takes metric=value pairs"),
        (["--value-range", "0,255"], "--value-range must be one of"),
    ],
)
def test_check_options_name_their_flag(points, baseline, capsys, options, flag):
    assert run(["check", points, "--baseline", baseline, "--quiet", *options]) == 2
    assert flag in capsys.readouterr().err


def test_baseline_options_name_their_flag(points, tmp_path, capsys):
    assert run(["baseline", points, "--ref", "ring8", "-o", str(tmp_path / "b.json"), "--repeats", "1", "--quiet"]) == 2
    assert "ganeval: error: --repeats is the number of extra seeds" in capsys.readouterr().err


def test_python_parameter_names_become_the_typed_flag(points):
    """Errors raised deep in the metrics name their own parameter (subset_size); the CLI shows the flag."""
    from ganeval.scoring import score

    options = _option_strings(build_parser(), "score")
    assert options["kid_subset_size"] == "--kid-subset-size" and options["k"] == "--k"
    with pytest.raises(GanevalError) as caught:
        score(
            points,
            "ring8",
            options=MetricOptions(n=100, bootstrap=0, kid_subset_size=1),
            extraction=Extraction(progress=False),
        )
    assert caught.value.argument in ("subset_size", "kid_subset_size")
    assert "--kid-subset-size" in _name_the_flag(str(caught.value), caught.value.argument, options)
    assert (
        _name_the_flag("subset_size must be an integer >= 2; got 1.", "subset_size", options)
        == "--kid-subset-size must be an integer >= 2; got 1."
    )
    assert (
        _name_the_flag("splits=50 exceeds the number of samples (20).", "splits", options)
        == "--is-splits 50 exceeds the number of samples (20)."
    )
    assert _name_the_flag("--n (n) caps the samples per side.", "n", options) == "--n caps the samples per side."
    assert (
        _name_the_flag("the tolerance is negative.", "tolerances", _option_strings(build_parser(), "check"))
        == "--tolerance: the tolerance is negative."
    )
    assert _name_the_flag("no flag for this.", "gamma", options) == "no flag for this."
    assert _name_the_flag("cannot write it.", "--json", options) == "--json: cannot write it."


def test_exit_codes_separate_user_errors_from_bugs(points, monkeypatch, capsys):
    """2: the user's input (GanevalError, OSError); 3: any other exception, with its traceback."""
    import ganeval.scoring

    def broken(*args, **kwargs):
        raise KeyError("internal")

    monkeypatch.setattr(ganeval.scoring, "score", broken)
    assert run(["score", points, *SCORE]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "this is a bug in ganeval" in err
