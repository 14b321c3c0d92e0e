"""`ganeval check`: the decision test, baselines, settings checks, outputs, generators, the pytest plugin.

The dogfood checkpoint ci/dcgan-digits and its baseline ci/dcgan-digits.baseline.json are committed;
most end-to-end tests use a smaller baseline made here from the same checkpoint (n=300) to stay fast.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_models
from ganeval.cli import main
from ganeval.data import RING8
from ganeval.data.digits import load_digits_images
from ganeval.errors import GanevalError
from ganeval.gate import (
    DEFAULT_TOLERANCES,
    check,
    decide_metric,
    load_baseline,
    load_generator,
    make_baseline,
    parse_tolerances,
)
from ganeval.gate.decision import IMPROVED, PASS, REGRESSED, SKIPPED, resolve_tolerance, z_critical
from ganeval.gate.formats import github_annotations, junit, markdown
from ganeval.options import Extraction, MetricOptions

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "ci" / "dcgan-digits"
BASELINE = ROOT / "ci" / "dcgan-digits.baseline.json"


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """Small eigendecompositions run several times faster on one BLAS thread on a busy 2-core machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A fast baseline of the committed checkpoint: 300 samples, 10 repeats for the seed-to-seed spread."""
    path = tmp_path_factory.mktemp("baseline") / "small.json"
    make_baseline(
        str(RUN),
        "digits",
        path,
        options=MetricOptions(n=300, bootstrap=20, kid_subsets=5),
        repeats=10,
        extraction=Extraction(progress=False),
    )
    return path


def blur(images: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    return np.round(gaussian_filter(images.astype(float), sigma=(0, 0, sigma, sigma))).astype(np.uint8)


# ---------------------------------------------------------------- the decision, pure


def test_regression_needs_tolerance_and_significance():
    z = z_critical(0.01, 1)
    assert z == pytest.approx(2.3263, abs=1e-4)
    worse = decide_metric("fid", False, 50.0, (48.0, 52.0), 60.0, (58.0, 62.0), 5.0, z)
    assert worse.verdict == REGRESSED and worse.delta == 10 and worse.z > z
    noisy = decide_metric("fid", False, 50.0, (30.0, 70.0), 60.0, (40.0, 80.0), 5.0, z)
    assert noisy.verdict == PASS and "not significant" in noisy.reason
    small_change = decide_metric("fid", False, 50.0, (49.9, 50.1), 52.0, (51.9, 52.1), 5.0, z)
    assert small_change.verdict == PASS and "within tolerance" in small_change.reason


def test_direction_follows_the_metric():
    z = z_critical(0.01, 1)
    assert decide_metric("precision", True, 0.8, (0.79, 0.81), 0.7, (0.69, 0.71), 0.02, z).verdict == REGRESSED
    assert decide_metric("precision", True, 0.7, (0.69, 0.71), 0.8, (0.79, 0.81), 0.02, z).verdict == IMPROVED
    assert decide_metric("fid", False, 60.0, (59.0, 61.0), 50.0, (49.0, 51.0), 1.0, z).verdict == IMPROVED


def test_seed_spread_and_missing_intervals():
    z = z_critical(0.01, 1)
    # a measured seed-to-seed spread of 0.02 makes a drop of 0.05 noise where the bootstrap says nothing ...
    assert decide_metric("recall", True, 0.80, None, 0.75, None, 0.02, z, spread=0.02).verdict == PASS
    # ... but never passes what the bootstrap's test alone fails: a spread can be forged with draws to match
    assert decide_metric("recall", True, 0.80, (0.795, 0.805), 0.75, (0.745, 0.755), 0.02, z).verdict == REGRESSED
    assert (
        decide_metric("recall", True, 0.80, (0.795, 0.805), 0.75, (0.745, 0.755), 0.02, z, spread=0.02).verdict
        == REGRESSED
    )
    assert decide_metric("recall", True, 0.80, (0.78, 0.82), 0.79, (0.77, 0.81), 0.02, z, spread=0.02).verdict == PASS
    alone = decide_metric("fid", False, 50.0, None, 60.0, None, 5.0, z)
    assert alone.verdict == REGRESSED and alone.z is None and "tolerance alone" in alone.reason
    assert decide_metric("fid", False, 50.0, None, 60.0, None, 5.0, z, spread=10.0).verdict == PASS


def test_undefined_and_infinite_values():
    z = z_critical(0.01, 1)
    assert decide_metric("mode_kl", False, None, None, 0.1, None, 0.02, z).verdict == SKIPPED
    infinite = decide_metric("mode_kl", False, 0.05, (0.04, 0.06), math.inf, None, 0.02, z)
    assert infinite.verdict == REGRESSED and "infinite" in infinite.reason
    assert decide_metric("fid", False, 50.0, (49.0, 51.0), float("nan"), None, 5.0, z).verdict == REGRESSED


def test_critical_values_are_bonferroni_and_student():
    assert z_critical(0.01, 10) == pytest.approx(3.0902, abs=1e-4)
    assert z_critical(0.01, 10, dof=9) > z_critical(0.01, 10, dof=19) > z_critical(0.01, 10)
    with pytest.raises(ValueError, match="alpha.*strictly between 0 and 1"):
        z_critical(1.5, 3)


def test_tolerances_parse_and_resolve():
    given = parse_tolerances("fid=2.0, precision=0.02,kid=5%")
    assert given == {"fid": 2.0, "precision": 0.02, "kid": "5%"}
    assert resolve_tolerance("kid", given, 200.0) == pytest.approx(10.0)
    assert resolve_tolerance("fid", {}, 200.0) == pytest.approx(10.0)  # default: 5% of the baseline
    assert resolve_tolerance("recall", {}, 0.9) == DEFAULT_TOLERANCES["recall"]
    with pytest.raises(ValueError, match="metric=value pairs"):
        parse_tolerances("fid")
    with pytest.raises(ValueError, match="unknown metric 'fdi'"):
        parse_tolerances("fdi=2")
    with pytest.raises(ValueError, match="number >= 0"):
        parse_tolerances("fid=-1")


# ---------------------------------------------------------------- baselines and settings


def test_bad_baselines_name_the_file_and_the_fix(tmp_path):
    with pytest.raises(ValueError, match=r"missing\.json does not exist; make one with `ganeval baseline"):
        load_baseline(tmp_path / "missing.json")
    (tmp_path / "text.json").write_text("not json")
    with pytest.raises(ValueError, match=r"text\.json is not readable JSON"):
        load_baseline(tmp_path / "text.json")
    (tmp_path / "other.json").write_text(json.dumps({"metrics": {"fid": {"value": 1}}, "provenance": {}}))
    with pytest.raises(ValueError, match=r"other\.json: the provenance lacks extractor"):
        load_baseline(tmp_path / "other.json")
    payload = json.loads(BASELINE.read_text())
    payload["metrics"]["fdi"] = payload["metrics"].pop("fid")
    (tmp_path / "typo.json").write_text(json.dumps(payload))
    with pytest.raises(ValueError, match=r"typo\.json: unknown metric 'fdi' \(valid: fid, "):
        load_baseline(tmp_path / "typo.json")


def test_plain_score_json_is_a_baseline(tmp_path, capsys):
    samples = tmp_path / "samples.npy"
    np.save(samples, reference_models.load(RUN).sample(200, 1))
    result = tmp_path / "score.json"
    assert (
        main(
            [
                "score",
                str(samples),
                "--ref",
                "digits",
                "--metrics",
                "fid,precision,modes_covered",
                "--bootstrap",
                "10",
                "--json",
                str(result),
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["check", str(samples), "--baseline", str(result), "--quiet", "--json", "-"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [c["metric"] for c in payload["comparisons"]] == ["fid", "precision", "modes_covered"]
    # n=None then and n=1797 now draw the same reference, cached apart: features equal to float rounding
    assert all(c["delta"] == pytest.approx(0, abs=1e-5) and c["verdict"] == "pass" for c in payload["comparisons"])


def test_value_range_and_generator_errors():
    from ganeval.gate.candidate import as_drawer, parse_value_range

    assert parse_value_range("0,1") == (0.0, 1.0)
    with pytest.raises(ValueError, match="--value-range must be one of -1,1, 0,1"):
        parse_value_range("0,255")
    sigmoid = as_drawer(lambda z: torch.sigmoid(z[:, :4].reshape(-1, 1, 2, 2)), "sigmoid", 4, parse_value_range("0,1"))
    images = sigmoid.sample(3, seed=0)
    assert images.dtype == torch.uint8 and tuple(images.shape) == (3, 1, 2, 2)
    with pytest.raises(ValueError, match="returned samples of shape"):
        as_drawer(lambda z: z, "flat", 5, (-1.0, 1.0)).sample(3, seed=0)


def test_baseline_of_fixed_samples_keeps_them_all(tmp_path):
    samples = reference_models.load(RUN).sample(200, 0)
    payload = make_baseline(
        samples,
        "digits",
        tmp_path / "b.json",
        metrics=["fid", "modes_covered"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(progress=False),
    ).to_dict()
    assert payload["provenance"]["generated"]["count"] == 200 and "spread" not in payload["baseline"]
    report = check(samples, tmp_path / "b.json")
    assert report.passed and [c.z for c in report.decisions] == [None, None]


def test_committed_baseline_records_the_settings():
    baseline = load_baseline(BASELINE)
    assert baseline.provenance["extractor"] == "digits" and baseline.generated_count == 1000
    assert baseline.block["reference_content"] == {"kind": "bundled", "name": "digits", "draw_seed": 20240}
    assert baseline.block["spread"]["repeats"] == 20
    assert baseline.metrics["modes_covered"]["value"] == 10
    assert RUN.joinpath("checkpoint.pt").stat().st_size < 1024 * 1024


def edited(source: Path, tmp_path: Path, change) -> str:
    payload = json.loads(source.read_text())
    change(payload)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(payload))
    return str(path)


def test_another_extractor_or_weights_exit_2(tmp_path, capsys):
    def inception(payload):
        payload["provenance"].update(extractor="inception", weights_sha256="6726825d" * 8)

    assert (
        main(
            ["check", str(RUN), "--baseline", edited(BASELINE, tmp_path, inception), "--extractor", "digits", "--quiet"]
        )
        == 2
    )
    assert (
        "scored with the inception extractor; --extractor digits would compare different features"
        in capsys.readouterr().err
    )

    def weights(payload):
        payload["provenance"]["weights_sha256"] = "0" * 64

    assert main(["check", str(RUN), "--baseline", edited(BASELINE, tmp_path, weights), "--quiet"]) == 2
    assert "digits weights of sha256 000000000000..." in capsys.readouterr().err


def test_input_errors_become_github_annotations(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["check", str(RUN), "--baseline", str(tmp_path / "missing.json"), "--quiet"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("ganeval: error: ") and lines[-1].startswith("::error title=ganeval check::")
    assert "missing.json" in lines[-1]


def test_another_reference_or_sample_count_exit_2(small, tmp_path, capsys):
    def reference(payload):
        payload["baseline"]["reference_content"]["draw_seed"] = 1

    assert main(["check", str(RUN), "--baseline", edited(small, tmp_path, reference), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "cannot be compared with baseline" in error and "reference content" in error

    few = tmp_path / "few.npy"
    np.save(few, reference_models.load(RUN).sample(100, 0))
    assert main(["check", str(few), "--baseline", str(small), "--quiet"]) == 2
    assert "generated count: baseline 300, candidate 100" in capsys.readouterr().err
    assert main(["check", "--baseline", str(small)]) == 2  # no candidate
    assert "either as CANDIDATE" in capsys.readouterr().err


# ---------------------------------------------------------------- the gate end to end


def test_committed_gate_passes_with_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out_xml, out_md = tmp_path / "check.xml", tmp_path / "check.md"
    code = main(
        ["check", str(RUN), "--baseline", str(BASELINE), "--junit", str(out_xml), "--markdown", str(out_md), "--quiet"]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "PASS: no metric regressed" in printed and "::notice title=ganeval check::PASS" in printed
    suite = ElementTree.parse(out_xml).getroot()
    assert suite.get("tests") == "9" and suite.get("failures") == "0"
    assert "### ganeval check: passed" in out_md.read_text() and "| `fid` |" in out_md.read_text()


def test_blurred_samples_fail_with_exit_1(tmp_path, monkeypatch, capsys):
    blurred = tmp_path / "blurred.npy"
    np.save(blurred, blur(reference_models.load(RUN).sample(1000, 7)))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out_xml = tmp_path / "check.xml"
    assert main(["check", str(blurred), "--baseline", str(BASELINE), "--junit", str(out_xml), "--quiet"]) == 1
    printed = capsys.readouterr().out
    assert "FAIL:" in printed and "::error file=" in printed and "title=ganeval check%3A fid regressed::" in printed
    failures = {case.get("name") for case in ElementTree.parse(out_xml).getroot() if case.find("failure") is not None}
    assert "fid" in failures and len(failures) >= 2


class WithoutLowDigits:
    """The committed generator with the digits 0-4 removed (classified by the digits extractor)."""

    def __init__(self):
        from ganeval.features import get_extractor

        self.generator, self.extractor = reference_models.load(RUN), get_extractor("digits")

    def sample(self, n: int, seed: int):
        images = self.generator.sample(4 * n, seed)
        keep = self.extractor.extract(images)["modes"] >= 5
        return images[keep][:n]


def test_removed_classes_fail(small):
    report = check(WithoutLowDigits(), small, options=load_baseline(small).options.replace(seed=3))
    assert not report.passed and report.exit_code == 1
    verdicts = {c.metric: c.verdict for c in report.decisions}
    assert verdicts["modes_covered"] == REGRESSED and verdicts["mode_kl"] == REGRESSED
    assert "regressed: " in markdown(report) and "<failure" in junit(report)
    assert github_annotations(report).count("::error") == len(report.regressions) + 1


def test_twenty_new_seeds_raise_no_false_alarm(small):
    reports = [
        check(str(RUN), small, options=load_baseline(small).options.replace(seed=seed)) for seed in range(100, 120)
    ]
    alarms = [(r.seed, c.metric, c.reason) for r in reports for c in r.regressions]
    assert alarms == []
    assert len({r.decisions[0].candidate for r in reports}) == 20  # every seed drew new samples


@pytest.mark.slow
def test_twenty_new_seeds_against_the_committed_baseline():
    reports = [
        check(str(RUN), BASELINE, options=load_baseline(BASELINE).options.replace(seed=seed))
        for seed in range(100, 120)
    ]
    assert [(r.seed, c.metric) for r in reports for c in r.regressions] == []


def test_same_seed_reproduces_the_baseline(small):
    report = check(str(RUN), small)
    recorded = json.loads(Path(small).read_text())
    assert report.passed and report.result.to_dict()["metrics"] == recorded["metrics"]
    # the decision compares with the mean over the baseline's 11 seeded draws
    fid = report.decisions[0]
    assert fid.baseline == pytest.approx(np.mean(recorded["baseline"]["spread"]["values"]["fid"]))
    assert "means over 11 seeded draws" in report.table()


# ---------------------------------------------------------------- repeats never weaken the gate


def test_few_repeats_cannot_raise_the_critical_value():
    """Before: --repeats 2 tested with Student's t at 2 degrees of freedom (67 at alpha 0.001 over 9 metrics)
    whatever set the errors, so FID 35 -> 317, or a digit lost where the baseline's spread was one digit in
    three draws, passed; --repeats 0 (the normal test on the bootstrap's errors) fails both."""
    t2, normal = z_critical(0.001, 9, dof=2), z_critical(0.001, 9)
    assert t2 > 60 and normal == pytest.approx(3.69, abs=0.01)
    fid = dict(metric="fid", higher_is_better=False, baseline=35.0, baseline_ci=(30.0, 41.0), candidate=317.0)
    fid.update(candidate_ci=(290.0, 345.0), tolerance=1.75)
    assert decide_metric(**fid, z_crit=normal).verdict == REGRESSED
    assert decide_metric(**fid, z_crit=t2, spread=3.0, baseline_draws=3, z_normal=normal).verdict == REGRESSED
    lost = dict(metric="modes_covered", higher_is_better=True, baseline_ci=(10.0, 10.0), candidate=9.0)
    lost.update(candidate_ci=(9.0, 9.0), tolerance=0.5)
    assert decide_metric(**lost, baseline=10.0, z_crit=normal).verdict == REGRESSED
    mean = decide_metric(**lost, baseline=29 / 3, z_crit=t2, spread=0.577, baseline_draws=3, z_normal=normal)
    assert mean.verdict == REGRESSED and mean.z_critical == 0.0  # the bootstrap saw no noise at all


def test_few_repeats_without_a_bootstrap_test_at_the_normal_critical_value():
    """--bootstrap 0 --repeats 2: before, the spread was tested with Student's t on 2 degrees of freedom (67), so
    FID 35 -> 317 with a seed spread of 5 passed; the normal critical value (3.69) fails it, and an honest
    seed-sized change still passes."""
    t2, normal = z_critical(0.001, 9, dof=2), z_critical(0.001, 9)
    fid = dict(metric="fid", higher_is_better=False, baseline=35.0, baseline_ci=None, candidate_ci=None, tolerance=1.75)
    blown = decide_metric(**fid, candidate=317.0, z_crit=t2, spread=5.0, baseline_draws=3, z_normal=normal)
    assert blown.verdict == REGRESSED and blown.z_critical == pytest.approx(normal)
    honest = decide_metric(**fid, candidate=40.0, z_crit=t2, spread=5.0, baseline_draws=3, z_normal=normal)
    assert honest.verdict == PASS


SE = st.floats(0.0, 10.0)


@settings(max_examples=300, deadline=None)
@given(low=SE, high=SE, c_low=SE, c_high=SE, worse=st.floats(0.0, 50.0), spread=SE, draws=st.integers(3, 30))
def test_a_check_with_repeats_fails_all_that_one_without_fails(low, high, c_low, c_high, worse, spread, draws):
    interval = lambda v, lo, hi: (v - lo, v + hi)  # noqa: E731
    normal = z_critical(0.001, 9)
    common = dict(metric="fid", higher_is_better=False, baseline=50.0, baseline_ci=interval(50.0, low, high))
    common.update(candidate=50.0 + worse, candidate_ci=interval(50.0 + worse, c_low, c_high), tolerance=1.0)
    without = decide_metric(**common, z_crit=normal)
    repeated = decide_metric(
        **common, z_crit=z_critical(0.001, 9, dof=draws - 1), spread=spread, baseline_draws=draws, z_normal=normal
    )
    assert without.verdict != REGRESSED or repeated.verdict == REGRESSED


def test_a_forged_wide_interval_counts_as_the_candidates():
    """Before: a baseline precision interval of [0, 1] (valid: inside the range) passed a drop of 0.2."""
    z = z_critical(0.001, 9)
    forged = decide_metric("precision", True, 0.8, (0.0, 1.0), 0.6, (0.58, 0.62), 0.02, z)
    assert forged.verdict == REGRESSED
    honest = decide_metric("precision", True, 0.8, (0.78, 0.82), 0.79, (0.77, 0.81), 0.005, z)
    assert honest.verdict == PASS and honest.z == pytest.approx(0.01 / math.hypot(0.02, 0.02) * 1.959964)


class Digits:
    """A faithful generator of the bundled digits: it draws the images themselves."""

    def sample(self, n: int, seed: int):
        images, _ = load_digits_images()
        return images[np.random.default_rng(seed).choice(len(images), n, replace=False)]


@pytest.fixture(scope="module")
def by_repeats(tmp_path_factory):
    """Baselines of Digits with --repeats 0, 2 and 3 (300 samples; seconds)."""
    where = tmp_path_factory.mktemp("repeats")
    options = MetricOptions(n=300, bootstrap=20, kid_subsets=5)
    for repeats in (0, 2, 3):
        make_baseline(
            Digits(),
            "digits",
            where / f"r{repeats}.json",
            options=options,
            repeats=repeats,
            extraction=Extraction(progress=False),
        )
    return {repeats: where / f"r{repeats}.json" for repeats in (0, 2, 3)}


def test_genuine_baselines_with_repeats_validate(by_repeats):
    for repeats, path in by_repeats.items():
        baseline = load_baseline(path)
        assert "not_gated" not in baseline.block and len(baseline.metrics) == 9
        assert all(e["ci"][0] <= e["value"] <= e["ci"][1] for e in baseline.metrics.values())
        assert (baseline.block.get("spread") or {}).get("draws", 1) == repeats + 1 or repeats == 0


def test_repeats_never_pass_what_no_repeats_fails(by_repeats):
    """Before: the --repeats 2 and 3 baselines passed the shifted digits (FID x7), which --repeats 0 fails."""
    images, labels = load_digits_images()
    rng = np.random.default_rng(9)
    fresh = images[rng.choice(len(images), 300, replace=False)]
    rest = images[labels != 3]
    missing = rest[rng.choice(len(rest), 300, replace=False)]  # no 3 at all
    shifted = np.roll(fresh, 4, axis=3)
    for repeats, path in by_repeats.items():
        assert check(fresh, path).passed, repeats
        assert "modes_covered" in [c.metric for c in check(missing, path).regressions], repeats
        fid = check(shifted, path).decisions[0]
        assert fid.metric == "fid" and fid.verdict == REGRESSED and fid.candidate > 6 * fid.baseline, repeats


# ---------------------------------------------------------------- generators and the plugin


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch.jit's deprecation notices
def test_torchscript_and_python_generators(small, tmp_path, monkeypatch, capsys):
    network = reference_models.load(RUN).network
    scripted = tmp_path / "generator.pt"
    torch.jit.save(torch.jit.trace(network.eval(), torch.zeros(2, 64)), str(scripted))
    argv = ["check", "--generator", str(scripted), "--nz", "64", "--baseline", str(small), "--quiet", "--json", "-"]
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    recorded = json.loads(Path(small).read_text())["metrics"]["fid"]["value"]
    assert payload["passed"] and payload["comparisons"][0]["candidate"] == pytest.approx(recorded, abs=0.5)

    (tmp_path / "my_generators.py").write_text(
        f"import reference_models\ndef build():\n    return reference_models.load({str(RUN)!r}).network\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["check", "--generator", "my_generators:build", "--nz", "64", "--baseline", str(small), "--quiet"]) == 0
    assert main(["check", "--generator", "my_generators:build", "--baseline", str(small), "--quiet"]) == 2
    assert "pass --nz" in capsys.readouterr().err
    assert main(["check", "--generator", "no_such_module:g", "--nz", "64", "--baseline", str(small)]) == 2
    assert "cannot import no_such_module" in capsys.readouterr().err


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    """A TorchScript generator of points (z itself, nz=2) and a small FID baseline of it on ring8."""
    where = tmp_path_factory.mktemp("scripted")
    path = where / "generator.pt"
    with warnings.catch_warnings():  # torch 2.x marks TorchScript deprecated
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.script(torch.nn.Identity()).save(str(path))
    baseline = where / "baseline.json"
    options = MetricOptions(n=200, bootstrap=0)
    make_baseline(
        str(path),
        "ring8",
        baseline,
        options=options,
        metrics=["fid"],
        nz=2,
        repeats=0,
        trust_code=True,
        extraction=Extraction(progress=False),
    )
    return path, baseline


def test_a_torchscript_file_runs_only_through_the_flag_that_names_it(scripted, capsys):
    path, baseline = scripted
    assert main(["check", "--generator", str(path), "--baseline", str(baseline), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["check", str(path), "--baseline", str(baseline), "--quiet"]) == 2  # a path given as data
    err = capsys.readouterr().err
    assert "is a TorchScript program (code)" in err and f"pass it as --generator {path}" in err
    with pytest.raises(GanevalError, match="trust_code=True"):
        check(str(path), baseline)  # the Python API: a path is data too
    with pytest.raises(GanevalError, match="trust_code=True"):
        make_baseline(
            str(path), "ring8", options=MetricOptions(n=50, bootstrap=0), nz=2, extraction=Extraction(progress=False)
        )
    assert check(str(path), baseline, trust_code=True).passed
    assert check(load_generator(path), baseline).passed  # an object the user loaded


def test_the_pytest_fixture_runs_a_torchscript_file_only_when_told(ganeval_check, scripted):
    path, baseline = scripted
    with pytest.raises(pytest.fail.Exception, match="is a TorchScript program"):
        ganeval_check(str(path), baseline=baseline)
    assert ganeval_check(str(path), baseline=baseline, trust_code=True).passed


def test_a_forged_checkpoint_is_read_as_data_never_run(scripted, tmp_path, capsys):
    """A TorchScript program saved as a run's checkpoint.pt used to be run by `check RUN/checkpoint.pt` (and
    passed the gate, whatever the run learned); the file form is read as `check RUN` reads it."""
    path, baseline = scripted
    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.pt").write_bytes(path.read_bytes())
    for candidate in (run / "checkpoint.pt", run):
        capsys.readouterr()
        assert main(["check", str(candidate), "--nz", "2", "--baseline", str(baseline), "--quiet"]) == 2
        assert "Traceback" not in capsys.readouterr().err
    torch.save({"weight": torch.zeros(2, 2)}, tmp_path / "weights.pt")  # data, but not a generator
    assert main(["check", str(tmp_path / "weights.pt"), "--baseline", str(baseline), "--quiet"]) == 2
    assert "holds tensors, not a generator" in capsys.readouterr().err


def test_a_checkpoint_file_is_checked_as_its_run_folder(tmp_path):
    baseline = make_baseline(
        str(RUN),
        "digits",
        options=MetricOptions(n=100, bootstrap=0),
        metrics=["fid"],
        repeats=0,
        extraction=Extraction(progress=False),
    )
    report = check(str(RUN / "checkpoint.pt"), baseline)
    assert report.passed and report.decisions[0].candidate == baseline.metrics["fid"]["value"]
    path = tmp_path / "baseline.json"
    baseline.write(path)
    assert main(["check", str(RUN / "checkpoint.pt"), "--baseline", str(path), "--quiet"]) == 0


def test_a_module_named_as_candidate_is_not_imported(tmp_path, monkeypatch, capsys, scripted):
    (tmp_path / "imported_h2.py").write_text(f"open({str(tmp_path / 'marker')!r}, 'w').close()\ng = None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["check", "imported_h2:g", "--baseline", str(scripted[1]), "--quiet"]) == 2
    assert "pass it as --generator imported_h2:g" in capsys.readouterr().err
    assert not (tmp_path / "marker").exists()


def test_a_check_into_a_closed_pipe_exits_with_its_verdict(tmp_path):
    """`ganeval check ... | true`: the reader is gone before the table is printed. The exit code used to be 0
    whatever the verdict; it is the verdict's now, with stdout closed, and with stderr closed too (2>&1)."""
    baseline = tmp_path / "baseline.json"
    options = MetricOptions(bootstrap=0)
    make_baseline(
        RING8.sample(300, seed=1)[0],
        "ring8",
        baseline,
        options=options,
        metrics=["fid"],
        extraction=Extraction(progress=False),
    )
    np.save(tmp_path / "same.npy", RING8.sample(300, seed=1)[0])
    np.save(tmp_path / "worse.npy", RING8.sample(300, seed=1)[0] * 3)

    def exit_code(candidate: str, stderr) -> int:
        argv = [sys.executable, "-m", "ganeval", "check", str(tmp_path / candidate), "--baseline", str(baseline)]
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, env={**os.environ, "GITHUB_ACTIONS": ""})
        child.stdout.close()  # closed before the child prints anything
        return child.wait()

    assert exit_code("same.npy", subprocess.DEVNULL) == 0
    assert exit_code("worse.npy", subprocess.STDOUT) == 1


def test_pytest_fixture(ganeval_check, small):
    report = ganeval_check(reference_models.load(RUN), baseline=small)
    assert report.passed
    with pytest.raises(pytest.fail.Exception, match="quality regressed"):
        ganeval_check(WithoutLowDigits(), baseline=small, options=load_baseline(small).options.replace(seed=5))


def test_a_reference_array_in_memory_is_checked_by_its_content():
    """check(reference=<array>) scores against the array itself (it was turned into its text, a path that
    does not exist) and refuses another array by its content."""
    reference = RING8.sample(300, seed=5)[0]
    options = MetricOptions(bootstrap=0)
    baseline = make_baseline(
        RING8.sample(300, seed=1)[0], reference, options=options, metrics=["fid"], extraction=Extraction(progress=False)
    )
    report = check(
        RING8.sample(300, seed=2)[0],
        baseline,
        reference=reference,
        tolerances={"fid": 1.0},
        extraction=Extraction(cache=False),
    )
    assert report.passed
    with pytest.raises(GanevalError, match="reference content"):
        check(RING8.sample(300, seed=2)[0], baseline, reference=reference + 0.1, extraction=Extraction(cache=False))
