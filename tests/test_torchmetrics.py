"""ganeval.integrations.torchmetrics.GanevalFID (issue 26, item 1): equal to torchmetrics' own
FrechetInceptionDistance on the same features, and to ganeval.Evaluator's FID on the same images."""

from __future__ import annotations

import numpy as np
import pytest
import torch

torchmetrics = pytest.importorskip("torchmetrics")
pytest.importorskip("torchmetrics.image.fid")

import ganeval  # noqa: E402
from ganeval import MetricOptions  # noqa: E402
from ganeval.data import get_bundled  # noqa: E402
from ganeval.integrations.torchmetrics import GanevalFID  # noqa: E402
from ganeval.options import Extraction  # noqa: E402
from ganeval.scoring import ReferenceScorer  # noqa: E402


class _Identity(torch.nn.Module):
    """Features in, features out: torchmetrics' FID on features given (its custom-extractor form)."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, x):
        return x


@pytest.fixture(scope="module")
def images():
    return get_bundled("digits").sample(300, 3)[0]


def test_equals_torchmetrics_fid_on_the_same_features(images):
    from torchmetrics.image.fid import FrechetInceptionDistance

    scorer = ReferenceScorer.of("digits", options=MetricOptions(n=500))
    real = torch.from_numpy(np.asarray(scorer.samples.features, dtype=np.float64))
    fake = torch.from_numpy(scorer.extractor.extract(torch.from_numpy(images))["features"]).double()
    theirs = FrechetInceptionDistance(feature=_Identity(real.shape[1]))
    theirs.update(real, real=True)
    ours = GanevalFID(scorer)
    for part in (fake[:128], fake[128:256], fake[256:]):
        theirs.update(part, real=False)
        ours.update(part)
    expected = float(theirs.compute())
    got = ours.compute()
    assert got.dtype == torch.float64 and float(got) == pytest.approx(expected, rel=1e-9)  # 3e-13 here
    assert float(got) > 1.0  # digits samples of another draw are not the reference itself
    ours.reset()
    ours.update(real)  # the reference against itself
    assert float(ours.compute()) == pytest.approx(0.0, abs=1e-6)


def test_equals_the_evaluators_fid_on_images(images):
    options = MetricOptions(bootstrap=0)
    evaluator = ganeval.Evaluator("digits", ["fid"], options=options, extraction=Extraction(device="cpu"))
    metric = GanevalFID("digits", options=options, extraction=Extraction(device="cpu"))
    for start in range(0, len(images), 64):
        evaluator.update(images[start : start + 64])
        metric.update(torch.from_numpy(images[start : start + 64]))
    assert float(metric.compute()) == pytest.approx(evaluator.compute().metrics["fid"].value, rel=1e-12)
    assert int(metric.count) == len(images)
