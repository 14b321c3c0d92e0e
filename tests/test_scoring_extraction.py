"""score, stats, ReferenceScorer.of and Evaluator take the extraction settings as one `Extraction`; the loose
keywords of the release before still work, with a DeprecationWarning, and give the same numbers."""

import inspect
import warnings

import numpy as np
import pytest

import ganeval
from ganeval.options import EXTRACTION_KEYWORDS, Extraction, MetricOptions
from ganeval.scoring import Evaluator, ReferenceScorer, score, stats

OPTIONS = MetricOptions(n=200, bootstrap=0)
QUIET = Extraction(device="cpu", cache=False, progress=False)


@pytest.mark.parametrize("function", [score, stats, ReferenceScorer.of, Evaluator.__init__])
def test_entry_points_take_none_of_the_nine_keywords_but_extraction(function):
    parameters = inspect.signature(inspect.unwrap(function)).parameters
    assert not set(parameters) & {*EXTRACTION_KEYWORDS, "use_cache"}
    assert parameters["extraction"].default is None


def test_score_with_extraction_warns_nothing_and_equals_the_loose_keywords():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        new = score("ring8", "ring8", metrics=["fid", "precision"], options=OPTIONS, extraction=QUIET)
    with pytest.warns(DeprecationWarning, match=r"score\(cache=, device=, progress=\) is deprecated") as caught:
        old = score("ring8", "ring8", metrics=["fid", "precision"], options=OPTIONS, device="cpu", cache=False,
                    progress=False)  # fmt: skip
    assert caught[0].filename == __file__  # the warning names the user's line, not ganeval's wrappers
    assert new.to_dict() == old.to_dict()
    assert new.metrics["precision"].value > 0.5


def test_score_refuses_a_setting_given_both_ways_and_an_unknown_keyword():
    with pytest.raises(TypeError, match="got extraction= and device="):
        score("ring8", "ring8", options=OPTIONS, extraction=QUIET, device="cpu")
    with pytest.raises(TypeError, match="unexpected keyword argument 'batchsize'"):
        score("ring8", "ring8", options=OPTIONS, batchsize=8)


def test_score_checks_the_extraction_settings_by_flag():
    with pytest.raises(ganeval.GanevalError, match=r"--batch-size \(batch_size\)"), pytest.warns(DeprecationWarning):
        score("ring8", "ring8", options=OPTIONS, batch_size=0)


def test_stats_with_extraction_equals_the_loose_keywords(tmp_path):
    new = stats("ring8", tmp_path / "new.npz", options=OPTIONS, extraction=QUIET)
    with pytest.warns(DeprecationWarning, match=r"stats\(device=, progress=\)"):
        old = stats("ring8", tmp_path / "old.npz", options=OPTIONS, device="cpu", progress=False)
    with np.load(new) as a, np.load(old) as b:
        assert np.array_equal(a["features"], b["features"]) and len(a["features"]) == 200


def test_reference_scorer_and_evaluator_with_extraction_agree_with_score():
    scorer = ReferenceScorer.of("ring8", options=OPTIONS, extraction=QUIET)
    assert scorer.extractor.device.type == "cpu" and len(scorer.samples.features) == 200
    with pytest.warns(DeprecationWarning, match=r"ReferenceScorer\.of\(device=\)"):
        assert np.array_equal(ReferenceScorer.of("ring8", options=OPTIONS, device="cpu").samples.features,
                              scorer.samples.features)  # fmt: skip
    fake = np.random.default_rng(0).normal(size=(200, 2))  # all of them under n=200, as in score
    evaluator = Evaluator("ring8", ["fid"], options=OPTIONS, extraction=QUIET)
    evaluator.update(fake)
    expected = score(fake, "ring8", metrics=["fid"], options=OPTIONS, extraction=QUIET)
    assert evaluator.compute().metrics["fid"] == expected.metrics["fid"]
    assert evaluator.batch_size == 64  # the CPU's default, resolved once
