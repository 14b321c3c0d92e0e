"""Each metric family's guard (`Family.refuse`, `registry.refusal`) and the FID family's streamed and
Gaussian-only paths (issue 22, item 1): the guards score() had, with their messages word for word, and no
refusal where nothing is wrong."""

import math
import warnings

import numpy as np
import pytest

from ganeval.errors import GanevalError
from ganeval.metrics import METRICS, GaussianStats, MetricOptions, Samples, fid_from_features, gaussian_stats
from ganeval.metrics.families import fid as fid_family
from ganeval.metrics.families.ct import CT_NOT_HELD_OUT
from ganeval.metrics.families.fls import FLS_NOT_HELD_OUT
from ganeval.metrics.registry import FAMILIES, refusal
from ganeval.metrics.spec import Refusal

EVERY = list(METRICS)  # fd_<extractor> aside, every registered name


def _sides(n=60, dim=12, seed=0):
    rng = np.random.default_rng(seed)
    real = Samples(features=rng.standard_normal((n, dim)), modes=rng.integers(0, 3, n), labels=np.arange(n) % 3)
    fake = Samples(
        features=rng.standard_normal((n, dim)) + 0.5,
        logits=rng.standard_normal((n, 3)),
        modes=rng.integers(0, 3, n),
        labels=np.arange(n) % 3,
    )
    train = Samples(features=rng.standard_normal((n, dim)))
    return real, fake, train


def test_nothing_is_refused_on_samples_every_guard_accepts():
    real, fake, train = _sides()
    options = MetricOptions(k=5, is_splits=10, n_modes=3)
    assert refusal(EVERY, real, fake, options, train) == {}
    assert refusal(EVERY, real, fake, options, None) == {}  # no training set: the memorization guards pass
    # at each guard's edge: k one under the count, splits of exactly 2, features of exactly 10 dimensions
    real, fake, train = _sides(n=20, dim=10)
    assert refusal(EVERY, real, fake, MetricOptions(k=19, is_splits=10), train) == {}


def test_prdc_with_k_at_the_sample_count_is_refused_named_or_not():
    real, fake, _ = _sides(n=30)
    found = refusal(["fid", "precision", "recall", "density", "coverage"], real, fake, MetricOptions(k=30))
    assert list(found) == ["precision", "recall", "density", "coverage"]
    refused = found["precision"]
    assert refused.named_only is False  # raises where the default set asked for them
    error = refused.raised(["precision", "recall", "density", "coverage"])
    assert str(error) == (
        "precision/recall/density/coverage with --k 30 need more than 30 samples per side; got 30 reference and "
        "30 generated. Lower --k, pass more samples, or choose other --metrics."
    )
    assert refusal(["precision"], real, fake, MetricOptions(k=29)) == {}


def test_inception_score_with_too_many_splits_is_left_out_with_a_note_or_refused_when_named():
    real, fake, _ = _sides(n=12)
    refused = refusal(["fid", "inception_score"], real, fake, MetricOptions(is_splits=7))["inception_score"]
    assert refused.named_only
    assert refused.note("inception_score") == (
        "inception_score is not computed: --is-splits 7 leaves splits of fewer than 2 of the 12 generated samples, "
        "and the Inception Score of a one-sample split is exactly 1 whatever the generator; use --is-splits 6 or "
        "fewer, or more samples."
    )
    error = refused.raised(["inception_score"])
    assert error.argument == "is_splits"
    assert str(error).startswith("--is-splits (is_splits) 7 leaves splits of fewer than 2 of the 12 generated")
    assert refusal(["inception_score"], real, fake, MetricOptions(is_splits=6)) == {}


def test_memorized_alone_is_refused_on_features_of_few_dimensions():
    real, fake, train = _sides(dim=2)
    found = refusal(["fid", "authenticity", "memorized", "ct"], real, fake, MetricOptions(), train, extractor="points")
    assert list(found) == ["memorized"]  # authenticity and ct apply on 2-d features
    why = (
        "memorized needs features of at least 10 dimensions, and the points extractor's have 2: in d dimensions a "
        "new sample's nearest training sample is nearer than a third of the way to the second nearest with a "
        "chance of about 3^-d (11% here), so copies could not be told from honest samples"
    )
    assert found["memorized"].note("memorized") == f"memorized is not computed: {why}"
    error = found["memorized"].raised(["memorized"])
    assert str(error) == f"{why}; leave it out of --metrics (authenticity and ct apply here)."
    assert error.argument == "metrics"


def test_ct_and_fls_are_refused_when_the_reference_is_the_training_set():
    real, fake, train = _sides()
    same = Samples(features=real.features.copy())
    names = ["fid", "authenticity", "ct", "fls", "fls_overfit"]
    found = refusal(names, real, fake, MetricOptions(), same)
    assert list(found) == ["ct", "fls", "fls_overfit"]
    assert found["ct"].note("ct") == f"ct is not computed: {CT_NOT_HELD_OUT}"
    ct_error = found["ct"].raised(["ct"])
    assert str(ct_error) == f"ct {CT_NOT_HELD_OUT}" and ct_error.argument == "train"
    assert str(ct_error).startswith("ct needs a reference held out from training (C_T compares")
    fls_error = found["fls"].raised(["fls", "fls_overfit"])
    assert str(fls_error) == f"fls and fls_overfit {FLS_NOT_HELD_OUT}" and fls_error.argument == "train"
    assert refusal(names, real, fake, MetricOptions(), train) == {}  # a training set of other samples


def test_a_guard_may_return_its_reason_alone():
    real, fake, _ = _sides()
    family = FAMILIES["vendi"]
    try:
        FAMILIES["vendi"] = family.__class__(family.compute, refuse=lambda r, f, o, t: "it is a test")
        found = refusal(["fid", "vendi"], real, fake, MetricOptions())
    finally:
        FAMILIES["vendi"] = family
    assert found == {"vendi": Refusal("it is a test")}
    assert found["vendi"].note("vendi") == "vendi is not computed: it is a test"
    assert str(found["vendi"].raised(["vendi"])) == "vendi it is a test"


def test_fid_alone_is_streamed_only_without_interval_training_set_or_gaussian_reference():
    alone = fid_family.fid_alone
    assert alone(["fid"], 0, gaussian_reference=False, train=False)
    assert not alone(None, 0, gaussian_reference=False, train=False)  # the default set
    assert not alone(["fid", "kid"], 0, gaussian_reference=False, train=False)
    assert not alone(["fid"], 50, gaussian_reference=False, train=False)  # an interval resamples the features
    assert not alone(["fid"], 0, gaussian_reference=True, train=False)
    assert not alone(["fid"], 0, gaussian_reference=False, train=True)


def test_streamed_fid_is_fid_of_the_features_and_catches_its_warnings():
    real, fake, _ = _sides(n=200, dim=4)
    sums = GaussianStats.from_features
    value, caught = fid_family.streamed_fid(sums(real.features), sums(fake.features))
    assert value.value == pytest.approx(fid_from_features(real.features, fake.features), rel=1e-9)
    assert math.isnan(value.low) and math.isnan(value.high) and caught == []
    few = np.random.default_rng(1).standard_normal((3, 4))  # 3 samples in 4-d: a singular covariance
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes: all is caught for the provenance
        _, caught = fid_family.streamed_fid(sums(few), sums(fake.features), few, fake.features)
    assert caught and all(isinstance(w, warnings.WarningMessage) for w in caught)


def test_fid_against_gaussian_statistics_alone():
    real, fake, _ = _sides(n=200, dim=4)
    mu, sigma = gaussian_stats(real.features)
    value = fid_family.fid_against_gaussian(mu, sigma, fake.features, 0, seed=0)
    assert value.value == pytest.approx(fid_from_features(real.features, fake.features), rel=1e-6)
    assert math.isnan(value.low)
    interval = fid_family.fid_against_gaussian(mu, sigma, fake.features, 50, seed=0)
    assert interval.value == pytest.approx(value.value) and 0 <= interval.low <= interval.value <= interval.high


def test_gaussian_reference_of_another_width_is_refused_and_noted():
    fid_family.check_gaussian_width("pytorch.npz", 4, 4, "points")  # the same width: accepted
    with pytest.raises(GanevalError) as refused:
        fid_family.check_gaussian_width("pytorch.npz", 2048, 2, "points")
    assert str(refused.value) == (
        "pytorch.npz holds statistics (mu, sigma) of 2048-d features, but the points extractor gives 2-d features; "
        "they cannot be compared. pytorch-fid statistics (2048-d, its default --dims) need --extractor inception."
    )
    assert fid_family.gaussian_note("pytorch.npz", "inception") == (
        "the reference pytorch.npz holds only mu and sigma (as pytorch-fid saves them) and no provenance: FID "
        "assumes they were computed with the inception extractor with the same weights and preprocessing as here "
        "(pytorch-fid's are inception's); its interval resamples the generated side only. kid, precision, recall, "
        "density, coverage need the reference's features and are not computed."
    )
