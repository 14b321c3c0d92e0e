"""The prepared reference (work that depends on the reference alone, done once) changes no value."""

import csv
import io
import math

import numpy as np
import pandas as pd
import pytest

from ganeval.data import MIXTURES, get_bundled
from ganeval.errors import GanevalError
from ganeval.features import get_extractor
from ganeval.features.extract import extract_array
from ganeval.metrics import (
    MetricOptions,
    Samples,
    applicable_metrics,
    compute_metrics,
    fid_from_features,
    knn_radii,
    prdc,
    precision_recall_density_coverage,
    prepare_reference,
)
from ganeval.metrics.reference import RecentReferences
from ganeval.scoring import ReferenceScorer
from ganeval.training import TrainingLogger


def ring8_samples(n_fake: int = 2000, spread: float = 0.05):
    ring8 = MIXTURES["ring8"]
    real, real_modes = ring8.sample(10_000, seed=0)
    rng = np.random.default_rng(1)
    fake = ring8.centres[rng.integers(0, 8, n_fake)] + spread * rng.standard_normal((n_fake, 2))
    assigned = ring8.assign(fake)
    return Samples(features=real, modes=real_modes), Samples(
        features=fake, modes=assigned.modes, high_quality=assigned.high_quality
    )


@pytest.fixture(scope="module")
def digits_samples():
    extractor = get_extractor("digits")
    real_images, _ = get_bundled("digits").sample()
    fake_images, _ = get_bundled("digits-thick").sample(600, seed=3)
    sides = []
    for images in (real_images, fake_images):
        out = extract_array(images, "images", extractor, batch_size=500, progress=False)
        sides.append(Samples(features=out["features"], logits=out["logits"], modes=out["modes"]))
    return sides[0], sides[1], extractor.n_modes


def same(a, b) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_identical(ours: dict, theirs: dict) -> None:
    assert ours.keys() == theirs.keys()
    for name, interval in ours.items():
        assert all(same(x, y) for x, y in zip(interval, theirs[name])), (name, interval, theirs[name])


@pytest.mark.parametrize("bootstrap_n", [0, 30])
def test_prepared_equals_unprepared_on_ring8(bootstrap_n):
    real, fake = ring8_samples()
    options = MetricOptions(n_modes=8)
    names = applicable_metrics(real, fake, options)
    assert {"fid", "kid", "precision", "coverage", "modes_covered"} <= set(names)
    plain = compute_metrics(names, real, fake, options, bootstrap_n)
    prepared = prepare_reference(real.features, k=options.k)
    assert_identical(compute_metrics(names, real, fake, options, bootstrap_n, prepared=prepared), plain)
    assert_identical(compute_metrics(names, real, fake, options, bootstrap_n, prepared=prepared), plain)  # reused


@pytest.mark.parametrize("bootstrap_n", [0, 20])
def test_prepared_equals_unprepared_on_digits_features(digits_samples, bootstrap_n):
    real, fake, n_modes = digits_samples
    assert real.features.shape[1] > prdc.KDTREE_MAX_DIM  # the tiled path
    options = MetricOptions(n_modes=n_modes, kid_subsets=20, kid_subset_size=300)
    names = applicable_metrics(real, fake, options)
    assert {"fid", "kid", "precision", "recall", "density", "coverage", "mode_kl"} <= set(names)
    plain = compute_metrics(names, real, fake, options, bootstrap_n)
    prepared = prepare_reference(real.features, k=options.k)
    assert_identical(compute_metrics(names, real, fake, options, bootstrap_n, prepared=prepared), plain)


def test_fid_in_sample_space_reuses_the_centred_reference(rng):
    real, fake = rng.standard_normal((40, 64)), rng.standard_normal((30, 64)) + 0.1
    prepared = prepare_reference(real)
    with pytest.warns(UserWarning):
        expected = fid_from_features(real, fake)
    with pytest.warns(UserWarning):
        assert fid_from_features(real, fake, prepared=prepared) == expected


def test_kdtree_path_equals_the_tiled_path_on_ring8(monkeypatch):
    """Today's tiles and the KD-tree give the same metrics and intervals on 2-D mixtures."""
    real, fake = ring8_samples()
    options = MetricOptions(n_modes=8)
    names = ["precision", "recall", "density", "coverage"]
    trees = compute_metrics(names, real, fake, options, 30)
    monkeypatch.setattr(prdc, "KDTREE_MAX_DIM", 0)
    assert_identical(compute_metrics(names, real, fake, options, 30), trees)


def brute_force_radii(x: np.ndarray, k: int) -> np.ndarray:
    distances = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    return np.sort(distances, axis=1)[:, k]  # column 0 is the sample itself (or a duplicate)


@pytest.mark.parametrize("dim,k", [(1, 1), (2, 5), (3, 3), (8, 10)])
def test_kdtree_radii_equal_brute_force(rng, dim, k):
    x = rng.standard_normal((700, dim)) * rng.uniform(0.01, 100)
    x[10] = x[11]  # duplicates count as neighbours at distance 0
    x[20:26] = x[19]
    assert dim <= prdc.KDTREE_MAX_DIM
    np.testing.assert_allclose(knn_radii(x, k), brute_force_radii(x, k), rtol=1e-12, atol=0)


def test_kdtree_radii_agree_with_the_tiles_on_ring8(monkeypatch):
    """The tiles' |a|^2 + |b|^2 - 2 a.b loses digits to cancellation where points lie far from the
    origin compared with their spacing (ring8: radius 2, spacing 0.005): about 1e-9 relative."""
    real, _ = ring8_samples()
    trees = knn_radii(real.features)
    monkeypatch.setattr(prdc, "KDTREE_MAX_DIM", 0)
    np.testing.assert_allclose(knn_radii(real.features), trees, rtol=1e-8)


def test_dense_fallback_equals_the_pair_lists(monkeypatch, rng):
    """A broad generator's balls hold much of the other set: dense tiles of the same distances."""
    real = rng.standard_normal((600, 2)) * 0.1
    fake = rng.standard_normal((500, 2)) * 3.0
    lists = prdc.prdc_per_sample(real, fake, k=5)
    monkeypatch.setattr(prdc, "DENSE_PAIR_SHARE", 0.0)
    dense = prdc.prdc_per_sample(real, fake, k=5, tile=128)
    for ours, theirs in zip(lists, dense):
        np.testing.assert_array_equal(ours, theirs)
    assert 0 < lists.real_balls_per_fake.sum() < real.shape[0] * fake.shape[0]


def test_identical_and_tied_points_stay_inside_their_balls(rng):
    x = rng.standard_normal((400, 2))
    result = precision_recall_density_coverage(x, x.copy(), k=5)
    assert result.precision == result.recall == result.coverage == 1.0
    assert result.density >= 1.0


def test_prepared_reference_refuses_other_features_and_another_k(rng):
    real = rng.standard_normal((100, 2))
    prepared = prepare_reference(real, k=5)
    with pytest.raises(GanevalError, match="other features"):
        precision_recall_density_coverage(real + 1.0, rng.standard_normal((50, 2)), k=5, prepared=prepared)
    with pytest.raises(GanevalError, match="k=3"):
        precision_recall_density_coverage(real, rng.standard_normal((50, 2)), k=3, prepared=prepared)
    assert not prepared.features.flags.writeable


def test_recent_references_prepare_once_per_content(rng):
    recent = RecentReferences(size=1)
    real = rng.standard_normal((100, 3))
    first = recent.prepare(real, k=5)
    assert recent.prepare(real.copy(), k=5) is first  # equal content, another array
    assert recent.prepare(real, k=3) is not first
    other = recent.prepare(real + 1.0, k=5)
    assert recent.prepare(real + 1.0, k=5) is other


def test_recent_references_prepare_anew_when_the_array_changed_in_place(rng):
    recent = RecentReferences(size=1)
    real = rng.standard_normal((100, 2))
    before = real.copy()
    first = recent.prepare(real, k=5)
    real += 1.0  # the kept reference views this array: its content is no longer what was prepared
    again = recent.prepare(before, k=5)
    assert again is not first
    fake = rng.standard_normal((50, 2))
    assert precision_recall_density_coverage(before, fake, prepared=again) == precision_recall_density_coverage(
        before, fake
    )


def run_logger(folder, fake_batches) -> str:
    log = TrainingLogger(folder, ReferenceScorer.of("ring8"))
    for step, fake in enumerate(fake_batches):
        log.evaluate(step * 100, fake=fake)
    log.close()
    return (folder / "evals.csv").read_text()


def _without_realism(text: str) -> list[list[str]]:
    """The CSV's cells as written, the realism column left out."""
    rows = list(csv.reader(io.StringIO(text)))
    at = rows[0].index("realism")
    return [row[:at] + row[at + 1 :] for row in rows]


def test_logger_evaluations_are_unchanged(tmp_path, monkeypatch):
    """The same evals.csv as the code before the prepared reference: tiles, radii recomputed each time."""
    batches = [ring8_samples(2000, spread)[1].features for spread in (0.5, 0.05, 0.02)]
    now = run_logger(tmp_path / "now", batches)
    monkeypatch.setattr(prdc, "KDTREE_MAX_DIM", 0)
    # the logger scores through the Evaluator, which prepares through RecentReferences: nothing prepared
    monkeypatch.setattr("ganeval.metrics.reference.RecentReferences.prepare", lambda *args, **kwargs: None)
    before = run_logger(tmp_path / "before", batches)
    table = pd.read_csv(tmp_path / "now" / "evals.csv")
    # the realism score's k-NN radii come from a KD-tree or from tiles: equal to round-off, not to the bit
    np.testing.assert_allclose(table["realism"], pd.read_csv(tmp_path / "before" / "evals.csv")["realism"], rtol=1e-9)
    assert _without_realism(now) == _without_realism(before)
    assert len(table) == 3 and table["precision"].between(0, 1).all()
