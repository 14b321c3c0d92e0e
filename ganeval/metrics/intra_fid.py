"""Intra-FID (Miyato and Koyama 2018; StudioGAN's "intra-class FID"): FID within each class, and their mean.

    intra-FID = (1 / C) sum_c FID(real features of class c, generated features of class c)

over the reference's C classes. It is what a conditional generator is judged by: a generator that draws good
images of the wrong class passes FID but fails intra-FID. Classes are matched by label (any hashable values,
equal on both sides: class indices, or a labelled folder's class names). Its interval resamples each class
on its own (a stratified bootstrap: every resample keeps each class's counts), centred on the value as FID's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics._checks import as_features, positive_int, same_width
from ganeval.metrics.bootstrap import Interval
from ganeval.metrics.fid import fid_from_features

MIN_CLASS_SAMPLES = 2  # a class's covariance needs two samples on each side


class IntraFID(NamedTuple):
    value: float  # the mean over classes
    per_class: dict  # class label -> that class's FID, in the reference's sorted class order


def as_labels(labels, rows: int, name: str) -> np.ndarray:
    """`labels` as a 1-D array of one label per row of the features `name`."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != rows:
        raise GanevalError(f"{name} labels must be one per sample ({rows}); got shape {labels.shape}.")
    return labels


def class_rows(real_labels: np.ndarray, fake_labels: np.ndarray, minimum: int = MIN_CLASS_SAMPLES):
    """{class: (real rows, generated rows)} for each of the reference's classes, in sorted order. Refused: a
    generated class the reference lacks, or a class with fewer than `minimum` samples on a side."""
    classes = np.unique(real_labels)
    unknown = sorted(set(np.unique(fake_labels).tolist()) - set(classes.tolist()))
    if unknown:
        raise GanevalError(
            f"the generated samples have class(es) the reference lacks: {', '.join(map(str, unknown[:5]))}; the "
            f"reference's classes are {', '.join(map(str, classes[:20].tolist()))}. Label both sides alike."
        )
    rows = {}
    for label in classes.tolist():
        real, fake = np.flatnonzero(real_labels == label), np.flatnonzero(fake_labels == label)
        if min(len(real), len(fake)) < minimum:
            raise GanevalError(
                f"class {label} has {len(real)} reference and {len(fake)} generated sample(s); each class needs "
                f"at least {minimum} on each side. Draw more samples of it, or leave the class out of both sides."
            )
        rows[label] = (real, fake)
    return rows


def intra_fid(real_features, real_labels, fake_features, fake_labels) -> IntraFID:
    """FID per class between the generated and the real samples of that class, and the mean over the
    reference's classes. Each class's FID is `fid_from_features` on its rows."""
    real = as_features(real_features, "real", min_rows=2)
    fake = as_features(fake_features, "fake", min_rows=2)
    same_width(real, fake, "real", "fake")
    rows = class_rows(as_labels(real_labels, len(real), "real"), as_labels(fake_labels, len(fake), "fake"))
    per_class = {label: fid_from_features(real[r], fake[f]) for label, (r, f) in rows.items()}
    return IntraFID(float(np.mean(list(per_class.values()))), per_class)


def intra_fid_interval(
    real_features, real_labels, fake_features, fake_labels, n: int, seed: int, confidence: float = 0.95
) -> Interval:
    """The mean's 95% interval from `n` stratified resamples (each class's rows with replacement, on each side),
    "centred" as bootstrap's: the resamples' quantiles shifted so that their median falls on the value, which
    drops the upward bias duplicates give FID."""
    n = positive_int(n, "n")
    value = intra_fid(real_features, real_labels, fake_features, fake_labels).value  # checks the inputs
    real, fake = as_features(real_features, "real"), as_features(fake_features, "fake")
    rows = list(class_rows(np.asarray(real_labels), np.asarray(fake_labels)).values())
    rng = np.random.default_rng(seed)
    draws = [
        np.mean([fid_from_features(real[rng.choice(r, r.size)], fake[rng.choice(f, f.size)]) for r, f in rows])
        for _ in range(n)
    ]
    tail = (1 - confidence) / 2 * 100
    low = np.percentile(draws, tail, method="lower")
    median = np.percentile(draws, 50, method="nearest")
    high = np.percentile(draws, 100 - tail, method="higher")
    return Interval(value, float(low + value - median), float(high + value - median))
