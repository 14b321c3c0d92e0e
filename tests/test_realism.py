"""Realism score (Kynkaanniemi et al. 2019) against brute force, the authors' code's formula and known cases."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from ganeval.errors import GanevalError
from ganeval.metrics.realism import kept_balls, realism_scores


def brute_force(real, fake, k=3, percentile=50.0):
    """The paper's definition, written from scratch: the k-th neighbour by sorting, the median pruning, the max."""
    within = cdist(real, real)
    radii = np.sort(within, axis=1)[:, k]  # column 0 is the sample itself
    kept = radii <= np.percentile(radii**2, percentile) ** 0.5
    return (radii[kept][None, :] / cdist(fake, real[kept])).max(axis=1)


def authors_code(real, fake, k=3, percentile=50, eps=1e-5):
    """kynkaat/improved-precision-and-recall-metric's ManifoldEstimator on squared distances, in numpy."""
    d = cdist(real, real, "sqeuclidean")
    radii2 = np.partition(d, np.arange(k + 1), axis=1)[:, k]
    radii2[radii2 > np.percentile(radii2, percentile)] = 0
    return (radii2[None, :] / (cdist(fake, real, "sqeuclidean") + eps)).max(axis=1)


@pytest.mark.parametrize("n,m,d", [(40, 25, 3), (61, 30, 12), (30, 50, 64)])  # KD-tree radii and tiled radii
def test_equals_brute_force(rng, n, m, d):
    real, fake = rng.standard_normal((n, d)), rng.standard_normal((m, d)) * 1.3 + 0.2
    ours = realism_scores(real, fake)
    np.testing.assert_allclose(ours, brute_force(real, fake), rtol=1e-10)
    np.testing.assert_allclose(
        realism_scores(real, fake, k=5, percentile=80), brute_force(real, fake, 5, 80), rtol=1e-10
    )
    # the authors' number is the square of the paper's ratio, but for their 1e-5 added to squared distances
    np.testing.assert_allclose(ours**2, authors_code(real, fake, eps=0.0), rtol=1e-10)
    np.testing.assert_allclose(ours**2, authors_code(real, fake), rtol=1.01e-5 / cdist(fake, real, "sqeuclidean").min())


def test_tiles_change_nothing(rng):
    real, fake = rng.standard_normal((70, 16)), rng.standard_normal((45, 16))
    np.testing.assert_allclose(realism_scores(real, fake, tile=7), realism_scores(real, fake), rtol=1e-12)
    assert realism_scores(real.astype(np.float32), fake.astype(np.float32)).dtype == np.float64


def test_known_cases():
    # real: 0..9 on a line and an outlier at 30; radius_3 is 2 inside, 3 at the ends and 23 for the outlier
    real = np.append(np.arange(10.0), 30.0)[:, None]
    keep, radii2 = kept_balls(real)
    assert list(keep) == list(range(1, 9)) and np.all(radii2 == 4.0)  # the median (2) prunes 0, 9 and 30
    fake = np.array([[4.5], [4.0], [25.0], [-3.0]])
    scores = realism_scores(real, fake)
    assert scores[0] == pytest.approx(2 / 0.5)  # half-way between two kept centres of radius 2
    assert scores[1] == np.inf  # an exact copy of a kept real sample
    assert scores[2] == pytest.approx(2 / 17)  # inside the outlier's wide ball (23 / 5), which is pruned
    assert scores[3] == pytest.approx(2 / 4)  # 0 was pruned: the nearest kept centre is 1
    assert realism_scores(real, fake, percentile=100)[2] == pytest.approx(23 / 5)  # nothing pruned


def test_inside_a_kept_ball_is_realism_at_least_one(rng):
    real, fake = rng.standard_normal((80, 5)), rng.standard_normal((200, 5)) * 1.5
    keep, radii2 = kept_balls(real)
    inside = (cdist(fake, real[keep], "sqeuclidean") <= radii2[None, :]).any(axis=1)
    assert inside.any() and not inside.all()
    np.testing.assert_array_equal(realism_scores(real, fake) >= 1.0 - 1e-12, inside)


def test_same_distribution_scores_higher_than_a_shifted_one(rng):
    real = rng.standard_normal((300, 8))
    near, far = rng.standard_normal((100, 8)), rng.standard_normal((100, 8)) + 3.0
    assert np.median(realism_scores(real, near)) > 1.0 > np.median(realism_scores(real, far)) * 2


def test_bad_input_is_refused():
    with pytest.raises(GanevalError, match="percentile must be in"):
        realism_scores(np.arange(10.0)[:, None], np.zeros((1, 1)), percentile=0)
    with pytest.raises(GanevalError, match="ball has radius 0"):
        realism_scores(np.zeros((10, 2)), np.ones((3, 2)))
    with pytest.raises(GanevalError, match="NaN"):
        realism_scores(np.arange(10.0)[:, None], np.array([[np.nan]]))


def test_the_registry_metric_is_the_median_score(rng):
    """`realism` (what TrainingLogger records) is the median of the brute-force scores, and it keeps
    measuring the distance off the data where precision is 0: a set shifted twice as far scores half."""
    from ganeval.metrics.registry import compute_metrics
    from ganeval.metrics.spec import Samples

    real = rng.standard_normal((200, 2))
    fake = rng.standard_normal((150, 2)) * 0.9 + 0.3
    value = compute_metrics(["realism"], Samples(features=real), Samples(features=fake))["realism"].value
    assert value == pytest.approx(np.median(brute_force(real, fake)), rel=1e-12)
    far, farther = (
        compute_metrics(
            ["realism", "precision"],
            Samples(features=real),
            Samples(features=rng.standard_normal((150, 2)) * 0.01 + shift),
        )
        for shift in (50.0, 100.0)
    )
    assert far["precision"].value == farther["precision"].value == 0.0
    assert farther["realism"].value == pytest.approx(far["realism"].value / 2, rel=0.02)


def test_the_registry_refuses_too_few_reference_samples(rng):
    from ganeval.metrics.registry import compute_metrics
    from ganeval.metrics.spec import Samples

    with pytest.raises(GanevalError, match="at least 4 are needed"):
        compute_metrics(
            ["realism"], Samples(features=rng.standard_normal((3, 2))), Samples(features=rng.standard_normal((5, 2)))
        )
