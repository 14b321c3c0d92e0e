"""The callers of the scoring engine (gate, compare, commands, TrainingLogger), and every function of the
package, take one `Extraction` instead of the nine loose extraction keywords (issue 22, item 2)."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

from ganeval import MetricOptions, check, make_baseline
from ganeval.data import RING8
from ganeval.errors import GanevalError
from ganeval.options import EXTRACTION_KEYWORDS, Extraction

ROOT = Path(__file__).resolve().parents[1] / "ganeval"
OPTIONS = MetricOptions(bootstrap=0)
QUIET = Extraction(cache=False, progress=False)


def test_no_function_takes_more_than_two_of_the_nine_keywords():
    nine = {*EXTRACTION_KEYWORDS, "use_cache"}
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
                if len(names & nine) > 2:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []
    assert len(list(ROOT.rglob("*.py"))) > 100  # the whole package was read


@pytest.fixture(scope="module")
def baseline():
    points = RING8.sample(300, seed=1)[0]
    return make_baseline(points, "ring8", options=OPTIONS, metrics=["fid"], extraction=QUIET)


def test_check_with_an_extraction_passes_an_unchanged_generator_without_warnings(baseline):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        report = check(RING8.sample(300, seed=1)[0], baseline, tolerances={"fid": 0.5}, extraction=QUIET)
    assert report.passed and [d.verdict for d in report.decisions] == ["pass"]
    assert report.result.metrics["fid"].value == pytest.approx(baseline.metrics["fid"]["value"], abs=0)


def test_the_loose_keywords_still_work_with_a_deprecation_warning(baseline):
    with pytest.warns(DeprecationWarning, match=r"check\(cache=, progress=\) is deprecated"):
        report = check(RING8.sample(300, seed=1)[0], baseline, tolerances={"fid": 0.5}, cache=False, progress=False)
    assert report.passed


def test_check_keeps_the_baselines_precision_when_none_is_given(baseline):
    assert baseline.precision == "fp32"
    with warnings.catch_warnings():  # precision=None is the old "the baseline's": no setting, so no warning
        warnings.simplefilter("error", DeprecationWarning)
        assert check(RING8.sample(300, seed=2)[0], baseline, tolerances={"fid": 0.5}, extraction=QUIET).passed
    with pytest.raises(GanevalError, match="scored at fp32 precision; a candidate scored at bf16"):
        check(RING8.sample(300, seed=2)[0], baseline, extraction=QUIET.replace(precision="bf16"))


def test_a_setting_given_both_ways_is_refused(baseline):
    with pytest.raises(TypeError, match="extraction= and cache="):
        check(RING8.sample(300, seed=2)[0], baseline, extraction=QUIET, cache=False)


def test_the_training_loggers_evaluations_take_the_extractions_batch_size(tmp_path):
    from ganeval.scoring import ReferenceScorer
    from ganeval.training.logger import TrainingLogger

    scorer = ReferenceScorer.of("ring8", options=MetricOptions(n=300))
    assert TrainingLogger(tmp_path / "a", scorer).evaluator.batch_size == 64  # the CPU's default, not 256
    logger = TrainingLogger(tmp_path / "b", scorer, extraction=Extraction(batch_size=32))
    assert logger.evaluator.batch_size == 32


def test_make_baseline_and_check_read_a_folder_references_bytes_once(tmp_path, monkeypatch):
    """The reference is resolved once per call: its cache key and its recorded identity share one digest."""
    import ganeval.sources.kinds

    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    digests = []
    digest = ganeval.sources.kinds.content_digest
    monkeypatch.setattr(
        ganeval.sources.kinds, "content_digest", lambda files, root: digests.append(root) or digest(files, root)
    )
    folder = Path(__file__).resolve().parents[1] / "examples" / "digits-samples"
    options, extraction = MetricOptions(bootstrap=0), Extraction(progress=False)  # all files: one selection
    baseline = make_baseline(
        folder, folder, options=options, extractor="digits", metrics=["fid"], extraction=extraction
    )
    assert digests == [folder] and baseline.metrics["fid"]["value"] < 1e-6
    report = check(folder, baseline, extraction=extraction)
    assert digests == [folder, folder] and report.passed
