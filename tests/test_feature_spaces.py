"""The Frechet distance is named after its feature space: "fid" on Inception's (and the bundled digits and
points extractors', as before), "fd_<extractor>" on any other, so a number on DINOv2 or CLIP features never
passes for the FID papers quote; a metric may call for its extractor (fd_dinov2: dinov2; cmmd: clip)."""

from __future__ import annotations

import numpy as np
import pytest

import ganeval
from ganeval import MetricOptions, check, make_baseline
from ganeval.data import RING8
from ganeval.errors import GanevalError
from ganeval.features import _FACTORIES as FACTORIES
from ganeval.features import EXTRACTORS, Extractor, get_extractor
from ganeval.features.weightfiles import WeightsNotFound
from ganeval.gate.decision import resolve_tolerance
from ganeval.metrics import canonical, frechet_name, get_metric
from ganeval.options import Extraction
from ganeval.scoring import choose_extractor
from ganeval.sources import resolve_source

QUICK = MetricOptions(n=300, bootstrap=0)


class Doubled(Extractor):
    """2-D points scaled by 2: a feature space other than Inception's, cheap enough for tests."""

    name = "doubled"
    kind = "points"
    channels = 1
    preprocessing = "points times 2"

    def extract(self, batch):
        return {"features": np.asarray(batch, dtype=np.float64) * 2}


@pytest.fixture
def doubled(monkeypatch):
    monkeypatch.setitem(FACTORIES, "doubled", Doubled)
    monkeypatch.setitem(EXTRACTORS, "doubled", "points times 2")
    return "doubled"


def test_names_follow_the_feature_space():
    assert [frechet_name(name) for name in ("inception", "digits", "points")] == ["fid"] * 3
    assert frechet_name("dinov2") == "fd_dinov2"
    assert frechet_name("dinov2-vits14") == "fd_dinov2_vits14"
    assert frechet_name("clip") == "fd_clip"
    assert frechet_name("mylab.encoders:xray") == "fd_xray"
    assert canonical("fd_dinov2") == "fid" and canonical("fid") == "fid" and canonical("kid") == "kid"


def test_an_fd_name_has_fids_traits():
    spec = get_metric("fd_dinov2")
    assert spec.name == "fd_dinov2" and spec.family == "fid" and not spec.higher_is_better
    assert spec.bounds() == (0.0, None) and "DINOV2" in spec.axis_label
    with pytest.raises(GanevalError, match="fd_<extractor>"):
        get_metric("fd_")


def test_score_names_the_distance_after_the_extractor(doubled):
    points, _ = RING8.sample(300, seed=1)
    by_points = ganeval.score(
        points, "ring8", metrics=["fid"], options=QUICK, extraction=Extraction(cache=False, progress=False)
    )
    by_doubled = ganeval.score(
        points, "ring8", "doubled", metrics=["fid"], options=QUICK, extraction=Extraction(cache=False, progress=False)
    )
    assert list(by_points.metrics) == ["fid"] and list(by_doubled.metrics) == ["fd_doubled"]
    # the same Frechet distance on features twice as large: four times the value
    assert by_doubled.metrics["fd_doubled"].value == pytest.approx(4 * by_points.metrics["fid"].value, rel=1e-9)
    assert by_doubled.summary().split(": ")[1].startswith("fd_doubled ")
    assert by_doubled.to_dict()["metrics"]["fd_doubled"]["value"] > 0


def test_asking_for_fd_name_chooses_its_extractor(doubled):
    points, _ = RING8.sample(300, seed=1)
    result = ganeval.score(
        points, "ring8", metrics=["fd_doubled"], options=QUICK, extraction=Extraction(cache=False, progress=False)
    )
    assert list(result.metrics) == ["fd_doubled"] and result.provenance["extractor"] == "doubled"
    with pytest.raises(GanevalError, match="ask for fd_doubled") as refused:
        ganeval.score(
            points,
            "ring8",
            "doubled",
            metrics=["fd_clip"],
            options=QUICK,
            extraction=Extraction(cache=False, progress=False),
        )
    assert refused.value.argument == "metrics"
    with pytest.raises(GanevalError, match="names no installed extractor"):
        ganeval.score(
            points, "ring8", metrics=["fd_nothing"], options=QUICK, extraction=Extraction(cache=False, progress=False)
        )


def test_cmmd_alone_calls_for_clip_only_where_inception_would_be_used(monkeypatch):
    """cmmd's paper uses CLIP: asked alone with no extractor named, a folder reference gets clip (not
    inception); a bundled digits reference keeps its own extractor; with fid asked too, inception."""
    if "cmmd" not in ganeval.metrics.METRICS:
        pytest.skip("cmmd is not registered")
    built = []
    monkeypatch.setitem(FACTORIES, "clip", lambda **keywords: built.append("clip") or "clip extractor")
    monkeypatch.setitem(FACTORIES, "inception", lambda **keywords: built.append("inception") or "inception")
    folder = resolve_source(np.zeros((4, 8, 8, 3), np.uint8), "reference")
    assert choose_extractor(folder, folder, None, metrics=["cmmd"]) == "clip extractor"
    assert choose_extractor(folder, folder, None, metrics=["cmmd", "fid"]) == "inception"
    assert choose_extractor(folder, folder, None) == "inception"
    digits = resolve_source("digits", "reference")
    assert choose_extractor(digits, digits, None, metrics=["cmmd"]).name == "digits"
    assert get_extractor("points").name == "points"


def test_a_baseline_gates_an_fd_metric(doubled):
    options = MetricOptions(bootstrap=0)
    baseline = make_baseline(
        RING8.sample(300, seed=1)[0],
        "ring8",
        extractor="doubled",
        options=options,
        metrics=["fd_doubled"],
        extraction=Extraction(progress=False),
    )
    assert list(baseline.metrics) == ["fd_doubled"]
    report = check(
        RING8.sample(300, seed=2)[0], baseline, tolerances={"fd_doubled": 1.0}, extraction=Extraction(cache=False)
    )
    assert report.passed and [d.metric for d in report.decisions] == ["fd_doubled"]
    worse = check(
        RING8.sample(300, seed=2)[0] + 0.5, baseline, tolerances={"fd_doubled": 1.0}, extraction=Extraction(cache=False)
    )
    assert not worse.passed and worse.decisions[0].verdict == "regressed"
    # fd_<extractor> takes fid's default tolerance (5% of the baseline), not 0
    assert resolve_tolerance("fd_doubled", {}, 20.0) == pytest.approx(1.0)
    assert resolve_tolerance("cmmd", {}, 2.0) == pytest.approx(0.2)


def test_missing_weights_of_an_extractor_a_metric_chose_say_why_it_was_chosen(monkeypatch):
    if "cmmd" not in ganeval.metrics.METRICS:
        pytest.skip("cmmd is not registered")

    def missing(**keywords):
        raise WeightsNotFound("CLIP weights not found. Download them.", argument="--weights")

    monkeypatch.setitem(FACTORIES, "clip", missing)
    folder = resolve_source(np.zeros((4, 8, 8, 3), np.uint8), "reference")
    with pytest.raises(WeightsNotFound, match="cmmd calls for the clip extractor .* Download them. Or name another"):
        choose_extractor(folder, folder, None, metrics=["cmmd"])
    with pytest.raises(WeightsNotFound, match="^CLIP weights not found"):  # named: the message as it is
        choose_extractor(folder, folder, "clip", metrics=["cmmd"])


def test_metrics_passed_where_the_extractor_goes_are_refused_clearly():
    with pytest.raises(GanevalError, match="metrics go in metrics=") as refused:
        ganeval.score("ring8", "ring8", ["fid"], options=QUICK, extraction=Extraction(cache=False, progress=False))
    assert refused.value.argument == "extractor"
