"""Pure metric functions on arrays: float64 math, no file I/O, no models.

Inputs are numpy arrays or torch tensors of shape (n_samples, n_features) unless said otherwise.
"""

from ganeval.metrics.bootstrap import Interval, bootstrap
from ganeval.metrics.calibration import Calibration, Reliability, discriminator_calibration, roc_auc
from ganeval.metrics.cas import CAS, classifier_accuracy_score
from ganeval.metrics.cmmd import cmmd, cmmd_interval
from ganeval.metrics.fid import (
    FIDInfinity,
    FrechetReference,
    GaussianStats,
    SingularCovarianceWarning,
    fid_from_features,
    fid_infinity,
    frechet_distance,
    gaussian_stats,
)
from ganeval.metrics.fls import FeatureLikelihood, feature_likelihood
from ganeval.metrics.intra_fid import IntraFID, intra_fid
from ganeval.metrics.isc import InceptionScore, inception_score
from ganeval.metrics.kid import KID, kernel_inception_distance, polynomial_mmd2
from ganeval.metrics.memorization import (
    CT,
    Authenticity,
    ClosestPair,
    Copying,
    Memorized,
    authenticity,
    closest_pairs,
    copying,
    ct_statistic,
    memorized,
)
from ganeval.metrics.modes import ModeAssignment, ModeCoverage, assign_to_centres, kl_divergence, mode_coverage
from ganeval.metrics.prdc import PRDC, knn_radii, precision_recall_density_coverage
from ganeval.metrics.reference import PreparedReference, prepare_reference
from ganeval.metrics.registry import (
    LOGGED_METRICS,
    METRICS,
    MetricOptions,
    MetricSpec,
    Samples,
    applicable_metrics,
    canonical,
    compute_metrics,
    frechet_name,
    get_metric,
    refusal,
    register,
    sample_metrics,
    unregister,
)
from ganeval.metrics.spec import Refusal
from ganeval.metrics.vendi import vendi_score

__all__ = [
    "Authenticity",
    "CAS",
    "CT",
    "Calibration",
    "ClosestPair",
    "Copying",
    "FIDInfinity",
    "FeatureLikelihood",
    "FrechetReference",
    "GaussianStats",
    "InceptionScore",
    "IntraFID",
    "Interval",
    "KID",
    "Memorized",
    "LOGGED_METRICS",
    "METRICS",
    "MetricOptions",
    "MetricSpec",
    "ModeAssignment",
    "ModeCoverage",
    "PRDC",
    "PreparedReference",
    "Refusal",
    "Reliability",
    "Samples",
    "SingularCovarianceWarning",
    "applicable_metrics",
    "assign_to_centres",
    "authenticity",
    "bootstrap",
    "canonical",
    "classifier_accuracy_score",
    "cmmd",
    "cmmd_interval",
    "closest_pairs",
    "copying",
    "compute_metrics",
    "ct_statistic",
    "discriminator_calibration",
    "feature_likelihood",
    "fid_from_features",
    "fid_infinity",
    "frechet_name",
    "frechet_distance",
    "gaussian_stats",
    "get_metric",
    "inception_score",
    "intra_fid",
    "kernel_inception_distance",
    "kl_divergence",
    "knn_radii",
    "memorized",
    "mode_coverage",
    "polynomial_mmd2",
    "precision_recall_density_coverage",
    "prepare_reference",
    "refusal",
    "register",
    "roc_auc",
    "sample_metrics",
    "unregister",
    "vendi_score",
]
