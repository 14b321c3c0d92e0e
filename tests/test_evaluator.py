"""ganeval.Evaluator (issue 26, item 1): score() fed batch by batch. Equal to ganeval.score on the same
images to the bit on the CPU (FID alone from the sums, and the default metrics), the same with float or
tensor batches and with features; bad batches refused; reset; under torch.distributed 2 gloo ranks equal
1 process (tests/evaluator_worker.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from torchrun_job import launch

import ganeval
from ganeval import MetricOptions
from ganeval.data import get_bundled
from ganeval.errors import GanevalError
from ganeval.options import Extraction
from ganeval.scoring import BATCH_SIZE, ReferenceScorer

N = 150  # generated digits: three batches, the last one short
WORKER = Path(__file__).resolve().parent / "evaluator_worker.py"


@pytest.fixture(scope="module")
def images():
    return get_bundled("digits").sample(N, 3)[0]  # uint8 N x 1 x 32 x 32


def _fed(evaluator, batches):
    for batch in batches:
        evaluator.update(batch)
    return evaluator.compute()


def _batches(images, size=BATCH_SIZE):
    return [images[start : start + size] for start in range(0, len(images), size)]


def _same(a, b):
    """Equal results: every value and interval to the bit (NaN where absent), the missing modes, and the
    provenance but for the generated side's name (an array vs batches)."""
    assert a.to_dict()["metrics"] == b.to_dict()["metrics"]
    assert a.modes == b.modes

    def keep(provenance: dict) -> dict:
        reference = {key: value for key, value in provenance["reference"].items() if key != "cache"}
        return {key: value for key, value in provenance.items() if key != "generated"} | {"reference": reference}

    assert keep(a.provenance) == keep(b.provenance)
    assert a.provenance["generated"]["count"] == b.provenance["generated"]["count"]


@pytest.mark.parametrize(
    "metrics, options",
    [(["fid"], MetricOptions(bootstrap=0)), (None, MetricOptions(n=300, bootstrap=20))],
    ids=["fid-alone", "default-metrics"],
)
def test_equals_score_on_the_same_images(images, metrics, options):
    expected = ganeval.score(
        images, "digits", metrics=metrics, options=options, extraction=Extraction(progress=False, device="cpu")
    )
    evaluator = ganeval.Evaluator("digits", metrics, options=options, extraction=Extraction(device="cpu"))
    got = _fed(evaluator, _batches(images))
    _same(expected, got)
    assert list(got.metrics) == (["fid"] if metrics else list(expected.metrics))
    assert metrics or len(got.metrics) > 5  # the defaults: FID, KID, IS, PRDC, the modes
    if metrics == ["fid"]:  # the sums alone are kept
        assert "features" not in evaluator.outputs and evaluator.outputs["gaussian"].count == N
    assert got.metrics["fid"].value > 0


def test_float_tensors_and_features_give_the_same(images):
    options = MetricOptions(bootstrap=0)
    expected = _fed(ganeval.Evaluator("digits", options=options, extraction=Extraction(device="cpu")), _batches(images))
    as_floats = [torch.from_numpy(batch.astype(np.float32) / 255) for batch in _batches(images)]
    _same(expected, _fed(ganeval.Evaluator("digits", options=options, extraction=Extraction(device="cpu")), as_floats))
    # features (N x D) as the extractor gives them: the metrics of features alone (no logits or modes)
    evaluator = ganeval.Evaluator(
        "digits", ["fid", "precision", "recall"], options=options, extraction=Extraction(device="cpu")
    )
    features = evaluator.extractor.extract(torch.from_numpy(images))["features"]
    got = _fed(evaluator, [features[:100], features[100:]])
    assert {name: got.metrics[name].value for name in got.metrics} == {
        name: expected.metrics[name].value for name in ("fid", "precision", "recall")
    }


def test_reset_and_a_prepared_reference(images):
    options = MetricOptions(n=300, bootstrap=0)
    scorer = ReferenceScorer.of("digits", options=options)
    evaluator = ganeval.Evaluator(scorer, ["fid", "modes_covered"], options=options)
    first = _fed(evaluator, _batches(images))
    evaluator.update(images[::-1][:40])  # other samples, then forgotten
    evaluator.reset()
    again = _fed(evaluator, _batches(images))
    assert first.to_dict()["metrics"] == again.to_dict()["metrics"]
    direct = ganeval.score(
        images, "digits", metrics=["fid", "modes_covered"], options=options, extraction=Extraction(progress=False)
    )
    assert direct.to_dict()["metrics"] == first.to_dict()["metrics"]


def test_the_generated_side_is_held_once_between_computes(images):
    """After compute the batches live on as the joined arrays alone (not the batches and their join: twice the
    memory), and more updates then compute as one evaluator fed every batch."""
    options = MetricOptions(n=300, bootstrap=0)
    evaluator = ganeval.Evaluator(
        "digits", ["fid", "precision", "modes_covered"], options=options, extraction=Extraction(device="cpu")
    )
    first = _fed(evaluator, _batches(images[:100], 25))
    held = evaluator._sink.parts
    assert len(held) == 1 and all(held[0][key] is evaluator.outputs[key] for key in ("features", "modes"))
    assert evaluator.outputs["features"].shape[0] == 100
    again = _fed(evaluator, _batches(images[100:], 25))
    whole = _fed(ganeval.Evaluator("digits", ["fid", "precision", "modes_covered"], options=options), _batches(images))
    _same(whole, again)
    assert again.metrics["fid"].value != first.metrics["fid"].value


def test_bad_batches_are_refused_naming_the_fix(images):
    evaluator = ganeval.Evaluator(
        "digits", ["fid"], options=MetricOptions(bootstrap=0), extraction=Extraction(device="cpu")
    )
    with pytest.raises(GanevalError, match="no generated samples: call update"):
        evaluator.compute()
    with pytest.raises(GanevalError, match=r"values -1\.\.1.*\(x \+ 1\) / 2"):
        evaluator.update(np.linspace(-1, 1, 4 * 32 * 32).reshape(4, 1, 32, 32))
    with pytest.raises(GanevalError, match="holds 7-d features, but the reference's digits features are"):
        evaluator.update(np.zeros((4, 7)))
    evaluator.update(images[:10])
    with pytest.raises(GanevalError, match="this batch is features but the earlier ones were images"):
        evaluator.update(np.zeros((4, evaluator.extractor.extract(torch.from_numpy(images[:1]))["features"].shape[1])))
    with pytest.raises(GanevalError, match="ReferenceScorer brings its own extractor"):
        ganeval.Evaluator(ReferenceScorer.of("ring8"), extractor="points")


def test_exported_lazily():
    assert ganeval.Evaluator.__module__.startswith("ganeval.scoring") and "Evaluator" in dir(ganeval)


def test_two_gloo_ranks_equal_one_process(images, tmp_path):
    """Rank 0 updates with the first two batches, rank 1 with the last: every rank's Result is one process's
    fed the three in that order (the default metrics to the bit; FID alone from all-reduced sums, within
    a float64 round-off per rank); a rank without batches adds nothing; ranks asked for other metrics are
    refused on both, not left waiting."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GANEVAL_DIST_TIMEOUT": "120"}
    done = launch([str(WORKER), str(tmp_path)], env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = json.loads((tmp_path / "result-0.json").read_text())
    for rank in (0, 1):
        got = json.loads((tmp_path / f"result-{rank}.json").read_text())
        assert got["default"] == expected["default-single"]
        assert got["fid"]["fid"]["value"] == pytest.approx(expected["fid-single"]["fid"]["value"], rel=1e-12)
        assert got["default-rank-0-only"] == expected["default-single"]
        single_fid = expected["fid-single"]["fid"]["value"]
        assert got["fid-rank-0-only"]["fid"]["value"] == pytest.approx(single_fid, rel=1e-12)
        assert "do not agree on the Evaluator's settings" in got["refused"] and "precision" in got["refused"]


WORKER_JOBS = [
    ("default", None, MetricOptions(n=300, bootstrap=20)),
    ("fid", ["fid"], MetricOptions(bootstrap=0)),
]


def test_training_logger_scores_through_the_evaluator(images, tmp_path):
    """TrainingLogger.evaluate and score share one implementation: the logger's Evaluator, whose values
    are score's on the same samples (bootstrap 0), in the logger's columns."""
    options = MetricOptions(n=300)
    logger = ganeval.TrainingLogger(tmp_path / "run", ReferenceScorer.of("digits", options=options), options=options)
    assert isinstance(logger.evaluator, ganeval.Evaluator)
    row = logger.evaluate(100, fake=images.transpose(0, 2, 3, 1))  # numpy images, channels last, as before
    logger.close()
    wanted = ["fid", "precision", "recall", "density", "coverage", "modes_covered", "mode_kl", "high_quality_fraction"]
    columns = [name for name in wanted if name in row]  # those that apply (digits: all but high_quality_fraction)
    assert columns == wanted[:-1]
    expected = ganeval.score(
        images,
        "digits",
        metrics=columns,
        options=options.replace(bootstrap=0),
        extraction=Extraction(progress=False, device="cpu"),
    )
    assert {name: row[name] for name in columns} == {name: expected.metrics[name].value for name in columns}
    assert "kid" not in row and "inception_score" not in row  # the logger's columns, as before
