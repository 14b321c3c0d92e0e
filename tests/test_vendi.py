"""Vendi score against its closed forms and the `vendi-score` package; registered as an opt-in metric."""

import json

import numpy as np
import pytest

from ganeval.cli import main
from ganeval.data import RING8
from ganeval.errors import GanevalError
from ganeval.metrics import METRICS, Samples, applicable_metrics, compute_metrics, get_metric, vendi_score
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score


@pytest.mark.parametrize("n,d", [(30, 8), (8, 30), (40, 40)])
def test_closed_forms(rng, n, d):
    direction = rng.standard_normal(d)
    assert vendi_score(np.tile(direction, (n, 1))) == pytest.approx(1.0, abs=1e-12)  # n copies: one sample
    # scaled copies: the cosine kernel sees directions only
    assert vendi_score(direction * rng.uniform(0.1, 10.0, (n, 1))) == pytest.approx(1.0, abs=1e-12)
    m = min(n, d)
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
    orthogonal = rotation[:m] * rng.uniform(0.5, 2.0, (m, 1))  # m mutually orthogonal samples
    assert vendi_score(orthogonal) == pytest.approx(m, rel=1e-12)


def test_groups_of_copies_count_as_the_exponential_of_their_entropy(rng):
    rotation, _ = np.linalg.qr(rng.standard_normal((16, 16)))
    even = np.repeat(rotation[:4], 25, axis=0)  # 4 orthogonal directions, 25 copies each
    assert vendi_score(even) == pytest.approx(4.0, rel=1e-12)
    uneven = np.repeat(rotation[:3], [50, 25, 25], axis=0)  # shares 1/2, 1/4, 1/4
    assert vendi_score(uneven) == pytest.approx(2**1.5, rel=1e-12)


@pytest.mark.filterwarnings("ignore:Please import `csr_matrix`:DeprecationWarning")  # the package's own import
@pytest.mark.parametrize("n,d,dtype", [(60, 16, np.float64), (16, 60, np.float64), (500, 64, np.float32)])
def test_matches_the_vendi_score_package(rng, n, d, dtype):
    vendi = pytest.importorskip("vendi_score.vendi")
    x = (rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + 0.5).astype(dtype)
    ours = vendi_score(x)
    assert ours == pytest.approx(vendi.score_X(x.astype(np.float64)), rel=1e-10)
    assert ours == pytest.approx(vendi.score_dual(x.astype(np.float64)), rel=1e-10)
    assert 1.0 < ours < min(n, d)


def test_large_sets_take_the_feature_gram_a_chunk_at_a_time(rng, monkeypatch):
    import ganeval.metrics._checks as checks

    x = rng.standard_normal((300, 12))
    whole = vendi_score(x)
    monkeypatch.setattr(checks, "CHUNK_BYTES", 8 * 12 * 7)  # 7 rows a chunk
    assert vendi_score(x) == pytest.approx(whole, rel=1e-12)


def test_zero_features_are_refused_naming_the_row(rng):
    x = rng.standard_normal((10, 4))
    x[[3, 7]] = 0.0
    with pytest.raises(GanevalError, match=r"2 sample\(s\) have all-zero features, the first row 3"):
        vendi_score(x)
    with pytest.raises(GanevalError, match="features contains 1 NaN"):
        vendi_score(np.array([[1.0, np.nan]]))


def test_registered_opt_in_on_the_generated_side(rng):
    spec = get_metric("vendi")
    assert spec.higher_is_better and spec.needs_real == () and spec.needs_fake == ("features",)
    assert spec.bounds() == (1.0, None) and not spec.default
    real, fake = Samples(features=rng.standard_normal((80, 6))), Samples(features=rng.standard_normal((60, 6)))
    assert "vendi" not in applicable_metrics(real, fake)
    assert "vendi" in applicable_metrics(real, fake, opt_in=True)
    values = compute_metrics(["vendi"], real, fake, MetricOptions(seed=1), bootstrap_n=30)
    assert values["vendi"].value == vendi_score(fake.features)  # the reference plays no part
    assert values["vendi"].low <= values["vendi"].value <= values["vendi"].high
    assert "vendi" in METRICS


def test_score_computes_vendi_only_when_asked(tmp_path):
    points, _ = RING8.sample(500, seed=1)
    asked = score(
        points,
        "ring8",
        metrics=["vendi", "fid"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(progress=False),
    )
    assert list(asked.metrics) == ["vendi", "fid"] and 1.0 < asked.metrics["vendi"].value <= 2.0  # 2-D points
    path = tmp_path / "points.npy"
    np.save(path, points)
    out = tmp_path / "result.json"
    assert main(["score", str(path), "--ref", "ring8", "--bootstrap", "0", "--quiet", "--json", str(out)]) == 0
    assert "vendi" not in json.loads(out.read_text())["metrics"]
