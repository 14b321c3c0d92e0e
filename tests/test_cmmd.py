"""CMMD: the unbiased estimate against a brute-force double loop, the biased one against google-research's
formulas (cmmd/distance.py, written here in numpy as an oracle), known answers, tiling, the bootstrap
interval, input checks, and `ganeval score --metrics cmmd` (opt-in: never in the default set)."""

import importlib
import json

import numpy as np
import pytest

from ganeval.cli import main
from ganeval.errors import GanevalError
from ganeval.metrics import METRICS, MetricOptions, Samples, applicable_metrics, compute_metrics
from ganeval.metrics.cmmd import cmmd, cmmd_interval

cmmd_module = importlib.import_module("ganeval.metrics.cmmd")  # the package's `cmmd` is the function


def brute_force(x: np.ndarray, y: np.ndarray, sigma: float = 10.0, scale: float = 1000.0) -> float:
    """Unbiased MMD^2 term by term: within-set means over pairs i != j, the cross mean over all pairs."""
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    y = y / np.linalg.norm(y, axis=1, keepdims=True)

    def k(u, v):
        return np.exp(-np.sum((u - v) ** 2) / (2 * sigma**2))

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return scale * (xx + yy - 2 * xy)


def reference_mmd(x: np.ndarray, y: np.ndarray) -> float:
    """google-research's distance.mmd, as read there: sigma 10, scale 1000, means over the whole kernel
    matrices (diagonals included), squared distances as |a|^2 + |b|^2 - 2 a.b; on embeddings its CLIP model
    has already scaled to unit length (scenic's CLIP normalises by default), so normalised here first."""
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    y = y / np.linalg.norm(y, axis=1, keepdims=True)
    gamma = 1 / (2 * 10**2)
    sx, sy = np.diag(x @ x.T), np.diag(y @ y.T)
    k_xx = np.mean(np.exp(-gamma * (-2 * x @ x.T + sx[:, None] + sx[None, :])))
    k_xy = np.mean(np.exp(-gamma * (-2 * x @ y.T + sx[:, None] + sy[None, :])))
    k_yy = np.mean(np.exp(-gamma * (-2 * y @ y.T + sy[:, None] + sy[None, :])))
    return 1000 * (k_xx + k_yy - 2 * k_xy)


def features(rng, n, d=8, shift=0.0):
    return rng.standard_normal((n, d)) + shift


def test_unbiased_equals_the_brute_force_double_loop(rng):
    x, y = features(rng, 30, shift=0.5), features(rng, 25)
    assert cmmd(x, y) == pytest.approx(brute_force(x, y), rel=1e-10)
    assert cmmd(x, y, sigma=0.7, scale=1.0) == pytest.approx(brute_force(x, y, 0.7, 1.0), rel=1e-10)


def test_biased_equals_google_research_formulas(rng):
    x, y = features(rng, 120, d=32, shift=0.3), features(rng, 90, d=32)
    assert cmmd(x, y, unbiased=False) == pytest.approx(reference_mmd(x, y), rel=1e-10)
    assert cmmd(x, y, unbiased=False) > cmmd(x, y)  # the V-statistic's diagonal terms (k = 1) push it up


def test_scale_of_the_features_does_not_matter(rng):
    x, y = features(rng, 60, shift=0.4), features(rng, 50)
    assert cmmd(x * 37.0, y * 0.01) == pytest.approx(cmmd(x, y), rel=1e-10)  # unit length before the kernel


def test_identical_distributions_give_about_zero_and_shifted_ones_clearly_more(rng):
    draws = [cmmd(features(rng, 80), features(rng, 80)) for _ in range(40)]
    spread = np.std(draws) / np.sqrt(len(draws))
    assert abs(np.mean(draws)) < 3 * spread  # unbiased: mean 0 over draws, single draws on either side
    assert min(draws) < 0
    same = features(rng, 80)
    assert cmmd(same, same) < 0  # the same set: the cross term keeps k(x, x) = 1, the within terms drop it
    assert cmmd(features(rng, 80, shift=1.0), features(rng, 80)) > 5 * max(np.abs(draws))


def test_two_point_masses_known_answer():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])  # unit vectors at distance sqrt(2)
    x, y = np.tile(a, (5, 1)), np.tile(b * 3.0, (7, 1))
    expected = 1000 * 2 * (1 - np.exp(-2 / (2 * 10.0**2)))  # k(x, x') = k(y, y') = 1, k(x, y) = exp(-1/100)
    assert cmmd(x, y) == pytest.approx(expected, rel=1e-12)
    assert cmmd(x, y, unbiased=False) == pytest.approx(expected, rel=1e-12)  # no spread: both estimates agree


def test_tiles_give_the_values_of_one_tile(rng, monkeypatch):
    x, y = features(rng, 100, d=16, shift=0.2), features(rng, 73, d=16).astype(np.float32)
    whole = cmmd(x, y), cmmd(x, y, unbiased=False), *cmmd_interval(x, y, n=20)
    monkeypatch.setattr(cmmd_module, "TILE_ROWS", 17)
    tiled = cmmd(x, y), cmmd(x, y, unbiased=False), *cmmd_interval(x, y, n=20)
    np.testing.assert_allclose(tiled, whole, rtol=1e-10)


def test_interval_contains_the_value_and_narrows_with_more_samples(rng):
    small = cmmd_interval(features(rng, 60, shift=0.3), features(rng, 60), n=50)
    large = cmmd_interval(features(rng, 600, shift=0.3), features(rng, 600), n=50)
    for interval in (small, large):
        assert interval.low < interval.value < interval.high
    assert large.high - large.low < (small.high - small.low) / 2
    x, y = features(rng, 60, shift=0.3), features(rng, 50)
    assert cmmd_interval(x, y, n=10).value == pytest.approx(cmmd(x, y), rel=1e-10)


def test_resamples_drop_pairs_of_copies():
    """A resample's U-statistic keeps pairs of distinct samples only: duplicating every row changes nothing."""
    rng = np.random.default_rng(3)
    x, y = features(rng, 40, shift=0.5), features(rng, 30)
    value = cmmd_module._weighted_cmmd(x, y, np.full((1, 40), 2.0), np.full((1, 30), 3.0), 10.0, 1000.0, True)
    copies = cmmd(np.repeat(x, 2, axis=0), np.repeat(y, 3, axis=0))  # copies as samples: pairs of them add k = 1
    assert value[0] == pytest.approx(cmmd(x, y), rel=1e-10) and copies > value[0]


@pytest.mark.parametrize(
    "real, fake, message",
    [
        (np.ones((1, 4)), np.ones((5, 4)), "real has 1 sample"),
        (np.full((5, 4), np.nan), np.ones((5, 4)), "real contains 20 NaN"),
        (np.ones((5, 4)), np.ones((5, 3)), "real has dimension 4 but fake has dimension 3"),
        (np.ones((5, 4)), np.zeros((5, 4)), "fake holds 5 all-zero feature vector"),
    ],
)
def test_bad_input_is_a_user_error(real, fake, message):
    with pytest.raises(GanevalError, match=message):
        cmmd(real, fake)


def test_bad_bandwidth_names_the_argument():
    with pytest.raises(GanevalError, match="sigma must be a positive finite number; got 0") as caught:
        cmmd(np.eye(3), np.eye(3), sigma=0)
    assert caught.value.argument == "sigma"


def test_registry_traits_and_opt_in():
    spec = METRICS["cmmd"]
    assert spec.higher_is_better is False and spec.lower is None and spec.label == "CMMD (lower is better)"
    assert spec.default is False and spec.extractor == "clip"
    real, fake = Samples(features=np.eye(4)), Samples(features=np.eye(4)[::-1])
    assert "cmmd" not in applicable_metrics(real, fake)
    assert "cmmd" in applicable_metrics(real, fake, opt_in=True)


def test_compute_metrics_gives_the_value_and_a_bootstrap_interval(rng):
    real, fake = Samples(features=features(rng, 200)), Samples(features=features(rng, 150, shift=0.5))
    options = MetricOptions(seed=4)
    plain = compute_metrics(["cmmd"], real, fake, options)["cmmd"]
    assert plain.value == cmmd(real.features, fake.features) and np.isnan(plain.low)
    interval = compute_metrics(["cmmd"], real, fake, options, bootstrap_n=30)["cmmd"]
    assert interval == cmmd_interval(real.features, fake.features, 30, 4)
    assert interval.value == pytest.approx(plain.value, rel=1e-10) and interval.low < plain.value < interval.high


@pytest.fixture(scope="module")
def digits_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmmd") / "generated"
    assert main(["export", "digits", str(folder), "--n", "150", "--seed", "2"]) == 0
    return folder


def test_cli_scores_cmmd_when_asked_and_never_by_default(digits_folder, tmp_path, capsys):
    asked, default = tmp_path / "asked.json", tmp_path / "default.json"
    common = ["score", str(digits_folder), "--ref", "digits", "--n", "300", "--quiet"]
    assert main([*common, "--metrics", "cmmd", "--bootstrap", "10", "--json", str(asked)]) == 0
    metrics = json.loads(asked.read_text())["metrics"]
    assert list(metrics) == ["cmmd"] and metrics["cmmd"]["ci"][0] < metrics["cmmd"]["value"] < metrics["cmmd"]["ci"][1]
    assert main([*common, "--bootstrap", "0", "--json", str(default)]) == 0
    assert "cmmd" not in json.loads(default.read_text())["metrics"]
