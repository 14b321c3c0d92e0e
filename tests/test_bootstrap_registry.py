"""Bootstrap intervals and the metric registry."""

import numpy as np
import pytest

from ganeval.metrics import (
    METRICS,
    PRDC,
    MetricOptions,
    Samples,
    bootstrap,
    compute_metrics,
    fid_from_features,
    get_metric,
    precision_recall_density_coverage,
    registry,
)
from ganeval.metrics.families import prdc as prdc_family


def test_bootstrap_of_a_mean_matches_the_normal_interval():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, 2000)
    result = bootstrap(np.mean, x, n=1000, seed=1)
    half_width = 1.96 * x.std() / np.sqrt(x.size)
    assert result.value == x.mean()
    assert result.low == pytest.approx(x.mean() - half_width, abs=0.2 * half_width)
    assert result.high == pytest.approx(x.mean() + half_width, abs=0.2 * half_width)


def test_bootstrap_is_seeded_and_resamples_each_array():
    rng = np.random.default_rng(0)
    a, b = rng.random(100), rng.random(50)
    diff = lambda x, y: x.mean() - y.mean()  # noqa: E731
    assert bootstrap(diff, a, b, n=50, seed=3) == bootstrap(diff, a, b, n=50, seed=3)
    assert bootstrap(diff, a, b, n=50, seed=3) != bootstrap(diff, a, b, n=50, seed=4)
    fixed = bootstrap(diff, a, b, n=50, resample=(False, False))
    assert fixed.low == fixed.high == fixed.value


def test_bootstrap_named_tuple_gives_an_interval_per_scalar_field():
    x = np.arange(20.0)
    result = bootstrap(lambda v: PRDC(v.mean(), v.min(), v.max(), 1.0), x, n=30)
    assert set(result) == {"precision", "recall", "density", "coverage"}
    assert result["coverage"].low == result["coverage"].high == 1.0
    assert result["precision"].low < 9.5 < result["precision"].high


def test_basic_interval_reflects_about_the_estimate():
    x = np.random.default_rng(0).random(200)
    percentile = bootstrap(np.mean, x, n=200, seed=0)
    basic = bootstrap(np.mean, x, n=200, seed=0, method="basic")
    assert basic.low == pytest.approx(2 * x.mean() - percentile.high)
    assert basic.high == pytest.approx(2 * x.mean() - percentile.low)


def test_centred_interval_keeps_the_spread_around_the_estimate():
    # FID of a resample is biased upwards: the percentile interval misses the estimate
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((400, 16)), rng.standard_normal((400, 16)) * 1.1
    percentile = bootstrap(fid_from_features, real, fake, n=40, seed=0)
    centred = bootstrap(fid_from_features, real, fake, n=40, seed=0, method="centred")
    assert percentile.low > percentile.value  # the bias this method exists for
    assert centred.low < centred.value < centred.high
    assert centred.high - centred.low == pytest.approx(percentile.high - percentile.low)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(n=0), "n must be an integer >= 1"),
        (dict(confidence=1.5), "confidence must lie"),
        (dict(method="bca"), "method must be"),
    ],
)
def test_bootstrap_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bootstrap(np.mean, np.ones(3), **kwargs)


def test_registry_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown metric 'fdi'; valid metrics are: fid, kid, inception_score"):
        get_metric("fdi")
    assert get_metric("fid").higher_is_better is False and get_metric("precision").higher_is_better is True


def test_every_metric_has_a_family_that_produces_it():
    for spec in METRICS.values():
        assert spec.family in registry.FAMILIES, spec.name


def _sides(rng, n=120):
    """Both sides with every per-sample array a metric needs (spatial features for sfid, classes for
    intra_fid and cas), so that every registered metric is computed."""
    real = Samples(
        features=rng.standard_normal((n, 6)),
        modes=rng.integers(0, 3, n),
        d_outputs=rng.uniform(0.4, 1, n),
        spatial=rng.standard_normal((n, 5)),
        labels=np.arange(n) % 3,
    )
    fake = Samples(
        features=rng.standard_normal((n, 6)) + 0.5,
        logits=rng.standard_normal((n, 3)),
        modes=rng.integers(0, 3, n),
        high_quality=rng.random(n) < 0.9,
        d_outputs=rng.uniform(0, 0.6, n),
        spatial=rng.standard_normal((n, 5)) + 0.5,
        labels=np.arange(n) % 3,
    )
    return real, fake


def test_compute_metrics_runs_each_family_once(monkeypatch, rng):
    calls = []
    original = registry.FAMILIES["prdc"]
    counted = registry.Family(
        lambda r, f, o: calls.append(1) or original.compute(r, f, o), intervals=original.intervals
    )
    monkeypatch.setitem(registry.FAMILIES, "prdc", counted)
    real, fake = _sides(rng)
    values = compute_metrics(["precision", "recall", "coverage", "fid"], real, fake)
    assert len(calls) == 1 and list(values) == ["precision", "recall", "coverage", "fid"]
    assert np.isnan(values["fid"].low)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compute_metrics_with_bootstrap_brackets_every_value(seed):
    rng = np.random.default_rng(seed)
    real, fake = _sides(rng)
    options = MetricOptions(n_modes=3, kid_subsets=5)
    names = [name for name in METRICS]
    train = Samples(features=rng.standard_normal((150, 6)))  # the memorization metrics' third side
    values = compute_metrics(names, real, fake, options, bootstrap_n=30, train=train)
    assert list(values) == names
    for name, interval in values.items():
        spec = get_metric(name)
        assert interval.low <= interval.value <= interval.high, (name, interval)
        if spec.lower is not None:
            assert interval.low >= spec.lower
        if spec.upper is not None:
            assert interval.high <= spec.upper


def test_compute_metrics_names_missing_inputs(rng):
    real, fake = _sides(rng)
    with pytest.raises(ValueError, match="metric 'inception_score' needs logits of the fake samples"):
        compute_metrics(["inception_score"], real, Samples(features=fake.features))
    with pytest.raises(ValueError, match="mode metrics need MetricOptions\\(n_modes=...\\)"):
        compute_metrics(["modes_covered"], real, fake)


def test_samples_rows_must_align():
    with pytest.raises(ValueError, match="one row per sample"):
        Samples(features=np.zeros((3, 2)), modes=np.zeros(4, dtype=int))


# ---------------------------------------------------------------- half-sampling (no duplicated samples)


def test_half_sampling_draws_half_of_each_side_without_repeats():
    drawn = []
    record = lambda r, f: drawn.append((r, f)) or float(len(r) + len(f))  # noqa: E731
    interval = bootstrap(record, np.arange(11), np.arange(20), n=25, seed=0, method="half")
    assert interval.value == 31.0 and len(drawn) == 26  # the value on everything, then 25 half-samples
    for r, f in drawn[1:]:
        assert len(r) == len(set(r)) == 5 and len(f) == len(set(f)) == 10  # no index twice
        assert set(r) <= set(range(11)) and set(f) <= set(range(20))
    assert len({tuple(r) for r, _ in drawn[1:]}) > 20  # and the halves differ from one resample to the next


def test_half_sampling_of_a_mean_gives_the_normal_interval():
    """The delete-d jackknife with d = n/2: the half-samples' spread is the full sample's (no rescaling)."""
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, 2000)
    result = bootstrap(np.mean, x, n=1000, seed=1, method="half")
    half_width = 1.96 * x.std() / np.sqrt(x.size)
    assert result.value == x.mean()
    assert result.low == pytest.approx(x.mean() - half_width, abs=0.15 * half_width)
    assert result.high == pytest.approx(x.mean() + half_width, abs=0.15 * half_width)


def test_half_sampling_needs_two_rows_per_resampled_array():
    with pytest.raises(ValueError, match="half-sampling needs at least 2 rows in each array it resamples; got sizes"):
        bootstrap(np.mean, np.ones(1), method="half")
    total = lambda a, b: a.mean() + b.mean()  # noqa: E731
    fixed = bootstrap(total, np.ones(1), np.arange(4.0), method="half", resample=(False, True))
    assert fixed.low <= fixed.value <= fixed.high


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_readme_prdc_bootstrap_by_half_sampling_holds_the_value(seed):
    """The README's example: resampled with replacement, duplicates shrink the radii and the interval sits
    beside the value; half-samples hold it."""
    rng = np.random.default_rng(seed)
    real, fake = rng.standard_normal((600, 64)), rng.standard_normal((600, 64)) * 1.1
    precision = lambda r, f: precision_recall_density_coverage(r, f).precision  # noqa: E731
    if seed == 0:
        with_duplicates = bootstrap(precision, real, fake, n=20)
        assert not with_duplicates.low <= with_duplicates.value <= with_duplicates.high  # the bias half-sampling avoids
    interval = bootstrap(precision, real, fake, n=20, seed=seed, method="half")
    assert interval.low < interval.value < interval.high
    assert interval.high - interval.low < 0.2


def test_prdc_intervals_recompute_on_half_samples_without_duplicate_points(monkeypatch, rng):
    real = Samples(features=rng.standard_normal((60, 4)))
    fake = Samples(features=rng.standard_normal((41, 4)) + 0.3)
    row_of = lambda features: {row.tobytes(): i for i, row in enumerate(features)}  # noqa: E731
    real_rows, fake_rows = row_of(real.features), row_of(fake.features)
    seen = []
    original = prdc_family.prdc_per_sample

    def recording(r, f, k, **kwargs):
        seen.append(([real_rows[row.tobytes()] for row in r], [fake_rows[row.tobytes()] for row in f]))
        return original(r, f, k, **kwargs)

    monkeypatch.setattr(prdc_family, "prdc_per_sample", recording)
    values = compute_metrics(["precision", "recall", "density", "coverage"], real, fake, bootstrap_n=15)
    assert len(seen) == 16  # the value, then one computation per resample
    assert seen[0] == (list(range(60)), list(range(41)))
    for r, f in seen[1:]:
        assert len(r) == len(set(r)) == 30 and len(f) == len(set(f)) == 20  # no point drawn twice
    for interval in values.values():
        assert interval.low <= interval.value <= interval.high


def test_prdc_intervals_of_small_sides_hold_the_manifolds_fixed(rng):
    """Halves of 11 samples cannot hold k + 1 = 6: the memberships are resampled instead."""
    real, fake = Samples(features=rng.standard_normal((11, 3))), Samples(features=rng.standard_normal((30, 3)))
    values = compute_metrics(["precision", "recall", "density", "coverage"], real, fake, bootstrap_n=20)
    for interval in values.values():
        assert interval.low <= interval.value <= interval.high


def test_the_interval_coverage_benchmark_prints_its_table(monkeypatch, capsys):
    import importlib.util
    import pathlib
    import sys

    path = pathlib.Path(__file__).parents[1] / "benchmarks" / "bench_interval_coverage.py"
    spec = importlib.util.spec_from_file_location("bench_interval_coverage", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    argv = ["bench", "--n", "60", "--reps", "3", "--resamples", "10", "--truth", "4", "--kid-subsets", "2"]
    monkeypatch.setattr(sys, "argv", argv)
    bench.main()
    table = capsys.readouterr().out.splitlines()
    rows = [line for line in table if line.startswith("| ") and "95%" in line]
    assert [row.split(" | ")[0][2:] for row in rows] == bench.METRICS
