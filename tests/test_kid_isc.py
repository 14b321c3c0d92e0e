"""KID and Inception Score against torch-fidelity 0.4, brute force and closed forms."""

import itertools

import numpy as np
import pytest
import torch
from torch_fidelity.metric_isc import isc_features_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric

from ganeval.metrics import inception_score, kernel_inception_distance, polynomial_mmd2

KID_DEFAULTS = dict(
    kid_kernel="poly", kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None, kid_kernel_poly_coef0=1, verbose=False
)


def peer_kid(fake, real, subsets, size, seed):
    out = kid_features_to_metric(
        torch.from_numpy(fake),
        torch.from_numpy(real),
        kid_subsets=subsets,
        kid_subset_size=size,
        rng_seed=seed,
        **KID_DEFAULTS,
    )
    return out["kernel_inception_distance_mean"], out["kernel_inception_distance_std"]


@pytest.mark.parametrize("seed,n,d", [(0, 200, 16), (1, 150, 64), (2, 300, 2048)])
def test_kid_full_sample_matches_torch_fidelity(seed, n, d):
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((n, d))
    fake = rng.standard_normal((n, d)) * 1.1 + 0.1
    ours = kernel_inception_distance(real, fake, subsets=1, subset_size=n)
    assert ours.mean == pytest.approx(peer_kid(fake, real, 1, n, 0)[0], rel=1e-9)
    assert ours.std == 0.0


def test_kid_subsets_match_torch_fidelity_with_same_seed():
    rng = np.random.default_rng(5)
    real, fake = rng.standard_normal((120, 10)), rng.standard_normal((90, 10)) + 0.3
    ours = kernel_inception_distance(real, fake, subsets=20, subset_size=50, seed=2020)
    mean, std = peer_kid(fake, real, 20, 50, 2020)
    assert ours.mean == pytest.approx(mean, rel=1e-9)
    assert ours.std == pytest.approx(std, rel=1e-9)


def test_mmd_matches_brute_force_with_unequal_sizes():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((5, 3)) + 1
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    xx = np.mean([k(x[i], x[j]) for i, j in itertools.permutations(range(7), 2)])
    yy = np.mean([k(y[i], y[j]) for i, j in itertools.permutations(range(5), 2)])
    xy = np.mean([k(a, b) for a in x for b in y])
    assert polynomial_mmd2(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_near_zero_for_same_distribution_and_positive_for_different():
    rng = np.random.default_rng(1)
    same = kernel_inception_distance(
        rng.standard_normal((500, 8)), rng.standard_normal((500, 8)), subsets=10, subset_size=200
    )
    shifted = kernel_inception_distance(
        rng.standard_normal((500, 8)), rng.standard_normal((500, 8)) + 1, subsets=10, subset_size=200
    )
    assert abs(same.mean) < 0.01 < shifted.mean


def test_kid_reduces_oversized_subsets_with_a_warning():
    rng = np.random.default_rng(2)
    real, fake = rng.standard_normal((40, 4)), rng.standard_normal((30, 4))
    with pytest.warns(UserWarning, match="subset_size=1000 exceeds the smaller sample count \\(30\\)"):
        result = kernel_inception_distance(real, fake, subsets=3)
    assert np.isfinite(result.mean)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(subsets=0), "subsets must be an integer >= 1"),
        (dict(subset_size=1), "subset_size must be an integer >= 2"),
        (dict(gamma=-1.0), "gamma must be positive"),
        (dict(coef0=0), r"coef0 must be a positive number \(the default, 1, is KID's\); got 0\."),
        (dict(coef0=-1.0), "coef0 must be a positive number"),
        (dict(coef0=float("nan")), "coef0 must be a positive number"),
        (dict(coef0="1"), "coef0 must be a positive number"),
    ],
)
def test_kid_bad_options(kwargs, match):
    x = np.ones((5, 2))
    with pytest.raises(ValueError, match=match):
        kernel_inception_distance(x, x, **kwargs)


@pytest.mark.parametrize("coef0", [1, 0.5, np.float32(2.0)])
def test_kid_takes_any_positive_coef0_as_torch_fidelity_does(coef0):
    rng = np.random.default_rng(3)
    real, fake = rng.standard_normal((60, 8)), rng.standard_normal((50, 8)) + 0.2
    ours = kernel_inception_distance(real, fake, subsets=5, subset_size=40, coef0=coef0, seed=1)
    peer = kid_features_to_metric(
        torch.from_numpy(fake),
        torch.from_numpy(real),
        kid_subsets=5,
        kid_subset_size=40,
        rng_seed=1,
        **{**KID_DEFAULTS, "kid_kernel_poly_coef0": float(coef0)},
    )
    assert ours.mean == pytest.approx(peer["kernel_inception_distance_mean"], rel=1e-9)


@pytest.mark.parametrize("splits", [1, 4, 10])
def test_inception_score_matches_torch_fidelity(splits):
    rng = np.random.default_rng(splits)
    logits = rng.standard_normal((200, 1008)) * 3
    peer = isc_features_to_metric(torch.from_numpy(logits), splits=splits, shuffle=True, rng_seed=2020)
    ours = inception_score(logits, splits=splits, seed=2020)
    assert ours.mean == pytest.approx(peer["inception_score_mean"], rel=1e-10)
    assert ours.std == pytest.approx(peer["inception_score_std"], rel=1e-8, abs=1e-12)


def test_inception_score_closed_forms():
    classes = 10
    confident = np.full((1000, classes), -50.0)
    confident[np.arange(1000), np.arange(1000) % classes] = 50.0
    assert inception_score(confident, splits=1).mean == pytest.approx(classes, rel=1e-9)  # sure and diverse
    assert inception_score(np.zeros((100, classes)), splits=1).mean == pytest.approx(1.0)  # no information
    collapsed = np.tile(confident[:1], (100, 1))
    assert inception_score(collapsed, splits=1).mean == pytest.approx(1.0)  # sure but one class


@pytest.mark.parametrize("spread", [800.0, 1e6, 1e300])
def test_inception_score_on_spread_logits_is_its_limit(spread):
    """Logits so spread that the softmax underflows to exact zeros: classes no sample of a split gives mass
    to once made log q = -inf and 0 * inf = NaN (in every peer). With log-softmax and 0 log 0 = 0 the score is
    its limit: the exponential of the entropy of the classes used (each sample sure of one)."""
    used = np.array([0, 3, 5, 7])  # 4 of 10 classes, evenly
    logits = np.zeros((400, 10))
    logits[np.arange(400), used[np.arange(400) % 4]] = spread
    assert inception_score(logits, splits=1).mean == pytest.approx(4.0, rel=1e-12)
    # 4 splits of the seeded shuffle (as torch-fidelity's): each split's exp(entropy of its class counts)
    shares = [np.bincount(rows % 4) / 100 for rows in np.split(np.random.RandomState(0).permutation(400), 4)]
    expected = np.mean([np.exp(-(q * np.log(q)).sum()) for q in shares])
    assert inception_score(logits, splits=4, seed=0).mean == pytest.approx(expected, rel=1e-12)
    uneven = logits[np.r_[0:200:4, 0:200:4, 1:200:4, 2:200:4]]  # class shares 1/2, 1/4, 1/4
    assert inception_score(uneven, splits=1).mean == pytest.approx(2**1.5, rel=1e-12)  # exp(H(q))
    # -logits: each sample rules one used class out (p = 0 there) and spreads evenly over the other 9, so q is
    # 1/9 on the 6 unused classes and 3/4 of that on the used ones: KL = 3 * (1/9) * log(4/3)
    assert inception_score(-logits, splits=1).mean == pytest.approx((4 / 3) ** (1 / 3), rel=1e-12)


def test_inception_score_bad_input():
    with pytest.raises(ValueError, match="splits=5 exceeds the number of samples \\(3\\)"):
        inception_score(np.zeros((3, 4)), splits=5)
    with pytest.raises(ValueError, match="logits contains 1 NaN"):
        inception_score(np.array([[0.0, np.nan]]), splits=1)


@pytest.mark.parametrize("d", [2, 12])
def test_every_kernel_strategy_gives_the_same_kid(monkeypatch, d):
    from ganeval.metrics import kid

    rng = np.random.default_rng(8)
    real, fake = rng.standard_normal((80, d)), rng.standard_normal((70, d)) + 0.2
    first = kid.KernelSubsets(real, fake, 3, None, 1.0)
    assert first.mode == ("explicit" if d == 2 else "gram")
    reference = kernel_inception_distance(real, fake, subsets=7, subset_size=30)
    monkeypatch.setattr(kid, "EXPLICIT_MAX_WIDTH", 0)
    monkeypatch.setattr(kid, "KERNEL_CACHE_BYTES", 0)
    assert kid.KernelSubsets(real, fake, 3, None, 1.0).mode == "direct"
    direct = kernel_inception_distance(real, fake, subsets=7, subset_size=30)
    assert direct.mean == pytest.approx(reference.mean, rel=1e-10)
    assert direct.std == pytest.approx(reference.std, rel=1e-8)


def test_complete_mmd2_equals_the_full_sample_estimate_and_ignores_duplicate_pairs():
    from ganeval.metrics.kid import KernelSubsets

    rng = np.random.default_rng(9)
    real, fake = rng.standard_normal((30, 4)), rng.standard_normal((25, 4)) + 0.5
    kernels = KernelSubsets(real, fake, 3, None, 1.0)
    assert kernels.mode == "explicit"
    gram = KernelSubsets(real, fake, 3, None, 1.0)
    gram.mode, gram.k_ff, gram.k_rr, gram.k_fr = (
        "gram",
        gram.kernel(fake, fake),
        gram.kernel(real, real),
        gram.kernel(fake, real),
    )
    rows = rng.integers(0, 30, 30), rng.integers(0, 25, 25)
    assert gram.complete_mmd2(*rows) == pytest.approx(kernels.complete_mmd2(*rows), rel=1e-10)
    assert kernels.complete_mmd2(np.arange(30), np.arange(25)) == pytest.approx(polynomial_mmd2(fake, real), rel=1e-12)
    # every real sample twice: same distinct pairs, same weights, so the same estimate
    doubled = np.repeat(np.arange(30), 2)
    assert kernels.complete_mmd2(doubled, np.arange(25)) == pytest.approx(polynomial_mmd2(fake, real), rel=1e-12)


def test_every_strategy_type_gives_the_same_complete_mmd2():
    from ganeval.metrics.kid import DirectKernels, GramMatrices, KernelSubsets

    rng = np.random.default_rng(9)
    real, fake = rng.standard_normal((30, 4)), rng.standard_normal((25, 4)) + 0.5
    explicit = KernelSubsets(real, fake, 3, None, 1.0)
    gram = KernelSubsets(real, fake, 3, None, 1.0)
    gram.sums = GramMatrices(gram.kernel(fake, fake), gram.kernel(real, real), gram.kernel(fake, real))
    rows = rng.integers(0, 30, 30), rng.integers(0, 25, 25)
    assert gram.complete_mmd2(*rows) == pytest.approx(explicit.complete_mmd2(*rows), rel=1e-10)
    direct = KernelSubsets(real, fake, 3, None, 1.0)
    direct.sums = DirectKernels(direct.kernel, real, fake)
    assert not direct.resamples_cheaply
    np.testing.assert_allclose(direct.mmd2s(5, 10, 0), explicit.mmd2s(5, 10, 0), rtol=1e-10)
