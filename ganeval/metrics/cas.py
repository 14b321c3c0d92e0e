"""Classification Accuracy Score, CAS (Ravuri and Vinyals, NeurIPS 2019): train a classifier on the GENERATED
samples with the labels they were drawn for, then measure its accuracy on REAL held-out samples (the reference).

A conditional generator whose class-c samples look like real class-c samples teaches a classifier what real
data would: CAS then nears the accuracy of the same classifier trained on real data. One that ignores the label,
or draws one look per class, teaches little, down to chance (1 / classes). Here the classifier is a multinomial
logistic regression (scikit-learn, L-BFGS, deterministic) on the extractor's features, standardised with the
generated samples' mean and spread: the paper trains a ResNet on pixels; on the digits extractor's features
(a network trained on real digits) a linear model is the cheap stand-in. Real samples of a class the generator
never drew count as misclassified.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_features, same_width, widened
from ganeval.metrics.bootstrap import Interval, bootstrap
from ganeval.metrics.intra_fid import as_labels

MAX_ITER = 1000  # L-BFGS iterations; the digits features converge in about a hundred


class CAS(NamedTuple):
    accuracy: float  # share of the real samples classified as their own class
    correct: np.ndarray  # per real sample: whether it was


def fit_predict(train_features, train_labels, test_features, seed: int = 0) -> np.ndarray:
    """A logistic regression fitted on (train_features, train_labels), its predictions for test_features."""
    from sklearn.exceptions import ConvergenceWarning  # scikit-learn takes a second to import: only for CAS
    from sklearn.linear_model import LogisticRegression

    train, test = widened(train_features), widened(test_features)
    classes = np.unique(train_labels)
    if classes.size == 1:  # one class drawn: every prediction is it
        return np.full(len(test), classes[0], dtype=classes.dtype)
    mean, scale = train.mean(axis=0), train.std(axis=0)
    scale[scale == 0] = 1.0  # a constant feature stays 0
    model = LogisticRegression(max_iter=MAX_ITER, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # separable classes: the weights grow, the labels hold
        model.fit((train - mean) / scale, train_labels)
    return model.predict((test - mean) / scale)


def classifier_accuracy_score(real_features, real_labels, fake_features, fake_labels, seed: int = 0) -> CAS:
    """CAS: the accuracy on the real samples of a classifier trained on the generated ones. Refused: a generated
    class the reference lacks (the labels of the two sides then do not mean the same)."""
    real = as_features(real_features, "real", min_rows=1)
    fake = as_features(fake_features, "fake", min_rows=2)
    same_width(real, fake, "real", "fake")
    real_labels, fake_labels = as_labels(real_labels, len(real), "real"), as_labels(fake_labels, len(fake), "fake")
    unknown = sorted(set(np.unique(fake_labels).tolist()) - set(np.unique(real_labels).tolist()))
    if unknown:
        raise GanevalError(
            f"the generated samples have class(es) the reference lacks: {', '.join(map(str, unknown[:5]))}; "
            "CAS tests the classifier on the reference's classes. Label both sides alike."
        )
    correct = fit_predict(fake, fake_labels, real, seed) == real_labels
    return CAS(float(correct.mean()), correct)


def cas_interval(real_features, real_labels, fake_features, fake_labels, n: int, seed: int = 0) -> Interval:
    """CAS with a 95% interval over resamples of the real test samples, the trained classifier fixed: the
    spread of the accuracy estimate (conditional on the generated training set, so narrower than retraining)."""
    result = classifier_accuracy_score(real_features, real_labels, fake_features, fake_labels, seed)
    spread = bootstrap(lambda c: c.mean(), result.correct.astype(float), n=n, seed=seed)
    return Interval(result.accuracy, spread.low, spread.high)
