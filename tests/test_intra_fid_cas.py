"""Intra-FID and CAS (issue 25, item 4): the math against closed forms and independent computations, their
registration as opt-in metrics, and labels read from labelled folders, labels files and conditional runs."""

from statistics import NormalDist

import numpy as np
import pytest

from ganeval.errors import GanevalError
from ganeval.gate.decision import DEFAULT_TOLERANCES
from ganeval.metrics import (
    Samples,
    applicable_metrics,
    classifier_accuracy_score,
    compute_metrics,
    fid_from_features,
    get_metric,
    intra_fid,
)
from ganeval.metrics.intra_fid import intra_fid_interval
from ganeval.options import MetricOptions


def classes(rng, per_class, dim, means):
    """Gaussian classes around `means` (C x dim), unit spread: features and integer labels."""
    labels = np.repeat(np.arange(len(means)), per_class)
    return means[labels] + rng.standard_normal((labels.size, dim)), labels


def test_intra_fid_of_shifted_copies_is_the_mean_squared_shift(rng):
    real, labels = classes(rng, 40, 6, rng.standard_normal((3, 6)) * 3)
    shifts = np.array([[0.0] * 6, [1.0] + [0.0] * 5, [2.0, 2.0] + [0.0] * 4])  # |shift|^2: 0, 1, 8
    result = intra_fid(real, labels, real + shifts[labels], labels)  # same covariance per class: FID = |shift|^2
    assert result.per_class == pytest.approx({0: 0.0, 1: 1.0, 2: 8.0}, abs=1e-9)
    assert result.value == pytest.approx(3.0, abs=1e-9)


def test_intra_fid_is_the_mean_of_each_class_fid(rng):
    real, real_labels = classes(rng, 50, 5, rng.standard_normal((4, 5)))
    fake, fake_labels = classes(rng, 30, 5, rng.standard_normal((4, 5)))
    order = rng.permutation(len(fake))  # classes need not come in blocks
    fake, fake_labels = fake[order], fake_labels[order]
    expected = [fid_from_features(real[real_labels == c], fake[fake_labels == c]) for c in range(4)]
    assert intra_fid(real, real_labels, fake, fake_labels).value == pytest.approx(np.mean(expected), rel=1e-12)
    named = np.array(["zero", "one", "two", "three"])  # class names match as well as indices
    assert intra_fid(real, named[real_labels], fake, named[fake_labels]).value == pytest.approx(np.mean(expected))


def test_intra_fid_sees_swapped_classes_that_fid_does_not(rng):
    real, labels = classes(rng, 100, 4, np.array([[6.0, 0, 0, 0], [-6.0, 0, 0, 0]]))
    fake, _ = classes(rng, 100, 4, np.array([[6.0, 0, 0, 0], [-6.0, 0, 0, 0]]))
    swapped = 1 - labels  # every image good, every label wrong
    assert fid_from_features(real, fake) < 1.0
    assert intra_fid(real, labels, fake, labels).value < 1.0
    assert intra_fid(real, labels, fake, swapped).value > 100.0  # |12|^2 = 144 per class


def test_intra_fid_interval_resamples_within_each_class(rng):
    real, labels = classes(rng, 60, 3, rng.standard_normal((3, 3)))
    fake, fake_labels = classes(rng, 60, 3, rng.standard_normal((3, 3)))
    interval = intra_fid_interval(real, labels, fake, fake_labels, 40, seed=3)
    assert interval.value == pytest.approx(intra_fid(real, labels, fake, fake_labels).value)
    assert interval.low <= interval.value <= interval.high
    assert intra_fid_interval(real, labels, fake, fake_labels, 40, seed=3) == interval  # seeded
    # one class of one sample per side would be a resample without a covariance; each keeps its count
    few = np.array([0, 0, 1, 1, 2, 2])
    with pytest.warns(UserWarning, match="singular"):  # 2 samples per class in 3 dimensions
        tight = intra_fid_interval(real[:6], few, fake[:6], few, 20, seed=0)
    assert np.isfinite([tight.low, tight.high]).all()


def test_intra_fid_refuses_unknown_classes_and_classes_too_small(rng):
    real, labels = classes(rng, 10, 3, np.eye(3))
    with pytest.raises(GanevalError, match=r"class\(es\) the reference lacks: 7"):
        intra_fid(real, labels, real, np.where(labels == 2, 7, labels))
    with pytest.raises(GanevalError, match="class 2 has 10 reference and 1 generated sample"):
        intra_fid(real, labels, real[:21], labels[:21])
    with pytest.raises(GanevalError, match="class 2 has 10 reference and 0 generated"):
        intra_fid(real, labels, real[:20], labels[:20])
    with pytest.raises(GanevalError, match="labels must be one per sample"):
        intra_fid(real, labels[:5], real, labels)


def test_cas_of_samples_from_the_real_distribution_is_the_bayes_accuracy(rng):
    """Two unit Gaussian classes 2 apart: the best classifier's accuracy is Phi(1) = 0.841."""
    means = np.array([[1.0, 0, 0], [-1.0, 0, 0]])
    fake, fake_labels = classes(rng, 500, 3, means)
    real, real_labels = classes(rng, 500, 3, means)
    result = classifier_accuracy_score(real, real_labels, fake, fake_labels, seed=0)
    assert result.accuracy == pytest.approx(NormalDist().cdf(1.0), abs=0.03)  # 1000 tests: sd 0.012
    assert result.correct.shape == (1000,) and result.correct.mean() == result.accuracy
    on_real = classifier_accuracy_score(fake, fake_labels, real, real_labels, seed=0).accuracy  # trained on real
    assert result.accuracy == pytest.approx(on_real, abs=0.03)
    again = classifier_accuracy_score(real, real_labels, fake, fake_labels, seed=0)  # deterministic
    assert again.accuracy == result.accuracy and (again.correct == result.correct).all()


def test_cas_of_shuffled_labels_is_chance(rng):
    """Labels shuffled: each class's samples get a random label, so over shuffles CAS averages 1 / classes."""
    means = np.eye(10) * 4
    fake, fake_labels = classes(rng, 50, 10, means)
    real, real_labels = classes(rng, 50, 10, means)
    assert classifier_accuracy_score(real, real_labels, fake, fake_labels).accuracy > 0.9
    shuffled = [classifier_accuracy_score(real, real_labels, fake, rng.permutation(fake_labels)) for _ in range(10)]
    assert np.mean([result.accuracy for result in shuffled]) == pytest.approx(0.1, abs=0.05)


def test_cas_counts_a_class_never_drawn_as_missed(rng):
    means = np.eye(4) * 6
    fake, fake_labels = classes(rng, 100, 4, means)
    real, real_labels = classes(rng, 100, 4, means)
    drawn = fake_labels != 3
    result = classifier_accuracy_score(real, real_labels, fake[drawn], fake_labels[drawn])
    assert result.accuracy == pytest.approx(0.75, abs=0.02)
    assert not result.correct[real_labels == 3].any()
    one = classifier_accuracy_score(real, real_labels, fake[fake_labels == 0], fake_labels[fake_labels == 0])
    assert one.accuracy == 0.25  # one class drawn: everything is predicted as it
    with pytest.raises(GanevalError, match="lacks: 9"):
        classifier_accuracy_score(real, real_labels, fake, np.where(fake_labels == 0, 9, fake_labels))


def test_registered_as_opt_in_metrics_with_direction_and_tolerance(rng):
    intra, cas = get_metric("intra_fid"), get_metric("cas")
    assert (intra.higher_is_better, cas.higher_is_better) == (False, True)
    assert (intra.default, cas.default) == (False, False)
    assert "Miyato" in intra.description and "Ravuri and Vinyals 2019" in cas.description
    assert (cas.lower, cas.upper) == (0.0, 1.0)
    assert DEFAULT_TOLERANCES["intra_fid"] == "5%" and DEFAULT_TOLERANCES["cas"] == 0.02
    real, labels = classes(rng, 30, 4, np.eye(4) * 3)
    fake, fake_labels = classes(rng, 30, 4, np.eye(4) * 3)
    unlabelled, labelled = Samples(features=real), Samples(features=real, labels=labels)
    assert "cas" not in applicable_metrics(unlabelled, Samples(features=fake), opt_in=True)
    assert "intra_fid" not in applicable_metrics(labelled, Samples(features=fake, labels=fake_labels))  # opt-in
    both = applicable_metrics(labelled, Samples(features=fake, labels=fake_labels), opt_in=True)
    assert {"intra_fid", "cas"} <= set(both)
    values = compute_metrics(
        ["intra_fid", "cas"], labelled, Samples(features=fake, labels=fake_labels), MetricOptions(), bootstrap_n=20
    )
    assert values["intra_fid"].value == pytest.approx(intra_fid(real, labels, fake, fake_labels).value)
    assert values["cas"].value == classifier_accuracy_score(real, labels, fake, fake_labels).accuracy
    assert all(v.low <= v.value <= v.high for v in values.values())
    with pytest.raises(GanevalError, match="needs labels of the fake samples"):
        compute_metrics(["cas"], labelled, Samples(features=fake))
