"""The metric registry: every metric by name, what it needs, which way is better, its range and label.

Metrics that come out of one computation (precision, recall, density, coverage) share a
*family*, so `compute_metrics` runs each family once however many of its metrics are asked for.
`LOGGED_METRICS` holds the traits of what only a training log records (cgan's class accuracy,
cyclegan's label preservation and cycle error, the batch's diversity, the wall time), so direction,
bounds and labels live here for every metric a report shows. Later layers (score, check, compare,
report) look metrics up here by name. A metric's traits are its `MetricSpec` (metrics/spec.py); a new
metric is one module and one `register(spec, family)` call.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ganeval.errors import GanevalError
from ganeval.metrics.bootstrap import Interval, bootstrap
from ganeval.metrics.calibration import discriminator_calibration
from ganeval.metrics.cas import cas_interval, classifier_accuracy_score
from ganeval.metrics.cmmd import cmmd, cmmd_interval
from ganeval.metrics.fid import fid_from_features
from ganeval.metrics.fls import feature_likelihood, fls_from_nll, overfit_share
from ganeval.metrics.intra_fid import intra_fid, intra_fid_interval
from ganeval.metrics.isc import inception_score
from ganeval.metrics.kid import KernelSubsets, check_kid_options, kernel_inception_distance
from ganeval.metrics.memorization import copying, ct_resampled, ct_statistic
from ganeval.metrics.modes import confident, mode_coverage
from ganeval.metrics.prdc import prdc_per_sample
from ganeval.metrics.spec import Family, MetricSpec, Samples, Summary
from ganeval.metrics.vendi import vendi_score
from ganeval.options import MetricOptions

if TYPE_CHECKING:
    from ganeval.metrics.reference import PreparedReference


def _fid(real: Samples, fake: Samples, o: MetricOptions, prepared: PreparedReference | None = None) -> dict[str, float]:
    return {"fid": fid_from_features(real.features, fake.features, prepared=prepared)}


def _kid(real: Samples, fake: Samples, o: MetricOptions, prepared: PreparedReference | None = None) -> dict[str, float]:
    size = min(o.kid_subset_size, len(real), len(fake))  # small sets: the full-sample estimate
    result = kernel_inception_distance(
        real.features, fake.features, o.kid_subsets, size, seed=o.seed, prepared=prepared
    )
    return {"kid": result.mean}


def _kid_intervals(
    real: Samples, fake: Samples, o: MetricOptions, n: int, prepared: PreparedReference | None = None
) -> dict[str, Interval]:
    """KID's interval: how the MMD^2 estimate moves under resampling, placed around KID's value.

    With an explicit kernel map or cached kernel matrices each resample is the complete-sample MMD^2
    of the resampled rows over pairs of distinct samples (matrix-vector products, no duplicate bias);
    without, KID is
    recomputed with at most 10 subsets per resample, whose extra subset noise makes the interval
    conservative. The "centred" interval is then moved by the reported value minus the resampled
    statistic's full-sample value.
    """
    size = min(o.kid_subset_size, len(real), len(fake))
    r, f, subsets, size, degree = check_kid_options(real.features, fake.features, o.kid_subsets, size, 3, None)
    kernels = KernelSubsets(r, f, degree, None, 1.0, prepared=prepared)
    value = float(kernels.mmd2s(subsets, size, o.seed).mean())
    if kernels.resamples_cheaply:
        statistic = kernels.complete_mmd2
    else:
        statistic = lambda r_rows, f_rows: kernels.mmd2s(min(subsets, 10), size, o.seed, r_rows, f_rows).mean()  # noqa: E731
    spread = bootstrap(statistic, np.arange(len(r)), np.arange(len(f)), n=n, seed=o.seed, method="centred")
    shift = value - spread.value
    return {"kid": Interval(value, spread.low + shift, spread.high + shift)}


def _cmmd(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"cmmd": cmmd(real.features, fake.features)}


def _cmmd_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int) -> dict[str, Interval]:
    """Resamples of both sides, each the complete-sample unbiased CMMD over pairs of distinct samples."""
    return {"cmmd": cmmd_interval(real.features, fake.features, n, o.seed)}


def _vendi(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    """The generated samples' own diversity; the reference is not used (its Vendi score is its own)."""
    return {"vendi": vendi_score(fake.features)}


def _intra_fid(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"intra_fid": intra_fid(real.features, real.labels, fake.features, fake.labels).value}


def _intra_fid_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int) -> dict[str, Interval]:
    """Each class resampled on its own (stratified), so every resample has each class's counts."""
    return {"intra_fid": intra_fid_interval(real.features, real.labels, fake.features, fake.labels, n, o.seed)}


def _cas(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"cas": classifier_accuracy_score(real.features, real.labels, fake.features, fake.labels, o.seed).accuracy}


def _cas_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int) -> dict[str, Interval]:
    """The real test samples resampled, the classifier trained on the generated ones fixed (one fit, not n)."""
    return {"cas": cas_interval(real.features, real.labels, fake.features, fake.labels, n, o.seed)}


def _sfid(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    """sFID (Nash et al. 2021): FID on the spatial features, as guided-diffusion's evaluator computes it."""
    return {"sfid": fid_from_features(real.spatial, fake.spatial)}


def _isc(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    return {"inception_score": inception_score(fake.logits, min(o.is_splits, len(fake)), o.seed).mean}


def _prdc(
    real: Samples, fake: Samples, o: MetricOptions, prepared: PreparedReference | None = None
) -> dict[str, float]:
    return prdc_per_sample(real.features, fake.features, o.k, prepared=prepared).summary(o.k)._asdict()


def _prdc_intervals(
    real: Samples, fake: Samples, o: MetricOptions, n: int, prepared: PreparedReference | None = None
) -> dict[str, Interval]:
    """Half-sampling (bootstrap's method "half"): each resample takes half of each side's samples without
    replacement and computes their k-NN balls afresh, so no sample meets a duplicate of itself (which would
    shrink its radius) and the radii vary as they do from one draw to another; the interval is centred on
    the value. On synthetic data with a known truth it covers 95-98% (benchmarks/bench_interval_coverage.py),
    where resampling the memberships with the manifolds fixed covered 71-89%. The value reuses the prepared
    reference; each half of the reference gets its own balls. Sides too small for a half to hold more than
    k samples fall back to the fixed-manifold intervals (`_prdc_membership_intervals`)."""
    if min(len(real), len(fake)) // 2 <= o.k:
        return _prdc_membership_intervals(real, fake, o, n, prepared)

    def summary(r: np.ndarray, f: np.ndarray) -> dict[str, float]:
        reused = prepared if r is real.features else None  # the prepared balls are those of the whole reference
        return prdc_per_sample(r, f, o.k, prepared=reused).summary(o.k)._asdict()

    return bootstrap(summary, real.features, fake.features, n=n, seed=o.seed, method="half")


def _prdc_membership_intervals(
    real: Samples, fake: Samples, o: MetricOptions, n: int, prepared: PreparedReference | None = None
) -> dict[str, Interval]:
    """Bootstrap the per-sample memberships with the k-NN manifolds held fixed (see prdc.py): conditional
    on the manifolds, so narrower than what another draw does; used where half-samples are too small."""
    per = prdc_per_sample(real.features, fake.features, o.k, prepared=prepared)
    fake_rows = np.stack([per.fake_in_real_manifold, per.real_balls_per_fake / o.k], axis=1)
    real_rows = np.stack([per.real_in_fake_manifold, per.real_ball_covered], axis=1).astype(float)

    def means(f: np.ndarray, r: np.ndarray) -> dict[str, float]:
        return {
            "precision": f[:, 0].mean(),
            "recall": r[:, 0].mean(),
            "density": f[:, 1].mean(),
            "coverage": r[:, 1].mean(),
        }

    return bootstrap(means, fake_rows, real_rows, n=n, seed=o.seed)


def quality_flags(samples: Samples, n_modes: int | None):
    """Which samples may cover a mode: the extractor's high_quality flags (2-D mixtures: within 3 std),
    else a confident classifier (`confident` on logits with one column per mode), else None (all)."""
    if samples.high_quality is not None:
        return samples.high_quality
    if samples.logits is not None and n_modes is not None and np.shape(samples.logits)[1:] == (n_modes,):
        return confident(samples.logits)
    return None


def _modes(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    if o.n_modes is None:
        raise GanevalError("mode metrics need MetricOptions(n_modes=...): the number of true modes of the reference.")
    result = mode_coverage(fake.modes, o.n_modes, real.modes, quality_flags(fake, o.n_modes))
    return {
        "modes_covered": result.modes_covered,
        "mode_kl": result.kl,
        "high_quality_fraction": result.high_quality_fraction,
    }


def _calibration(real: Samples, fake: Samples, o: MetricOptions) -> dict[str, float]:
    c = discriminator_calibration(real.d_outputs, fake.d_outputs, o.calibration_bins)
    return {"d_accuracy": c.accuracy, "d_auc": c.auc, "d_brier": c.brier, "d_ece": c.ece}


class MemorizationWarning(UserWarning):
    """A memorization metric is undefined on these samples, or its assumption (a held-out reference) fails."""


def _copying(real: Samples, fake: Samples, o: MetricOptions, train: Samples) -> dict[str, float]:
    found = copying(train.features, fake.features)
    return {"authenticity": found.authenticity.share, "memorized": found.memorized.share}


def _copying_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int, train: Samples):
    """Resample the generated samples' authentic and memorized flags, the training set fixed (it decides them)."""
    found = copying(train.features, fake.features)
    rows = np.stack([found.authenticity.authentic, found.memorized.memorized], axis=1).astype(float)
    means = lambda r: {"authenticity": r[:, 0].mean(), "memorized": r[:, 1].mean()}  # noqa: E731
    return bootstrap(means, rows, n=n, seed=o.seed)


def _ct(real: Samples, fake: Samples, o: MetricOptions, train: Samples) -> dict[str, float]:
    return {"ct": _checked_ct(real, fake, o, train).value}


def _ct_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int, train: Samples):
    """Resample the generated samples with the cells, the training set and the held-out reference fixed:
    each resample's C_T comes from the samples' cells and shares of U, with no distance computed again."""
    result = _checked_ct(real, fake, o, train)
    if result.reason is not None:
        return {"ct": Interval(result.value, float("nan"), float("nan"))}
    rows = np.stack([result.generated_cell, result.generated_u], axis=1)
    resampled = lambda r: ct_resampled(r[:, 0].astype(np.int64), r[:, 1], result.test_counts)  # noqa: E731
    return {"ct": bootstrap(resampled, rows, n=n, seed=o.seed)}


def _checked_ct(real: Samples, fake: Samples, o: MetricOptions, train: Samples):
    """C_T with the reference as the held-out test set; why it is undefined, or that the reference is not held
    out, is said in a MemorizationWarning (score records it in the provenance)."""
    result = ct_statistic(train.features, real.features, fake.features, seed=o.seed)
    if result.reason is not None:
        warnings.warn(f"{result.reason}.", MemorizationWarning, stacklevel=3)
    if result.test_in_train:
        warnings.warn(
            f"{result.test_in_train} of the reference's {len(real)} samples are also in the training set: C_T "
            "takes the reference as held-out data and reads copies of it as copying; pass a reference held out "
            "from training.",
            MemorizationWarning,
            stacklevel=3,
        )
    return result


def _fls(real: Samples, fake: Samples, o: MetricOptions, train: Samples) -> dict[str, float]:
    """FLS with the reference as the held-out test set (half of the training set is the baseline)."""
    found = feature_likelihood(train.features, real.features, fake.features, seed=o.seed)
    return {"fls": found.fls, "fls_overfit": found.overfit}


def _fls_intervals(real: Samples, fake: Samples, o: MetricOptions, n: int, train: Samples):
    """Resample the held-out points' likelihoods and the generated Gaussians' overfit flags with the fitted
    mixtures fixed (a refit is 100 Adam steps over n x n distances per resample)."""
    found = feature_likelihood(train.features, real.features, fake.features, seed=o.seed)
    nll = np.stack([found.test_nll_generated, found.test_nll_baseline], axis=1)

    def parts(rows: np.ndarray, overfit: np.ndarray) -> dict[str, float]:
        return {"fls": fls_from_nll(rows[:, 0], rows[:, 1], found.dims), "fls_overfit": overfit_share(overfit)}

    return bootstrap(parts, nll, found.overfit_centres, n=n, seed=o.seed)


FAMILIES: dict[str, Family] = {
    "fid": Family(_fid, prepared=True),
    "kid": Family(_kid, intervals=_kid_intervals, prepared=True),
    "inception_score": Family(_isc),
    "prdc": Family(_prdc, intervals=_prdc_intervals, prepared=True),
    "modes": Family(_modes),
    "calibration": Family(_calibration),
    "cmmd": Family(_cmmd, intervals=_cmmd_intervals),
    "sfid": Family(_sfid),
    "vendi": Family(_vendi),  # resampled with replacement: duplicates lower it, the centred interval drops that
    "intra_fid": Family(_intra_fid, intervals=_intra_fid_intervals),
    "cas": Family(_cas, intervals=_cas_intervals),
    "copying": Family(_copying, intervals=_copying_intervals, train=True),  # authenticity, memorized: one pass
    "ct": Family(_ct, intervals=_ct_intervals, train=True),
    "fls": Family(_fls, intervals=_fls_intervals, train=True),  # fls and fls_overfit: one fit
}

_F = ("features",)
_FL = ("features", "labels")  # a class label per sample, on both sides (intra-FID, CAS)
_FRACTION = {"upper": 1.0}  # a share
# Tolerances (the gate's): absolute for bounded metrics, a percentage of the baseline value for scale-dependent
# ones (FID, KID, IS depend on the extractor and the data). Noise is the significance test's job; see the README
# for the measured spreads.
# Noise floors (a training log's trends, diagnostics.trends). FID: generators that match a 2-D mixture sit at
# 1e-4..1e-2 with >10x jumps between evaluations, so a change under 0.05 FID units (5x the top of that band) is
# noise on any feature space; on image features (FIDs in the tens) the noise rule decides.
_FID_FLOOR = 0.05
# Shares in [0, 1] (precision, recall, coverage, high-quality share): 5 points, the bootstrap half-width of a
# share near 0.5 measured on 400 samples.
_SHARE_FLOOR = 0.05
METRICS: dict[str, MetricSpec] = {}  # every computed metric by name, in the order registered


def register(spec: MetricSpec, family: Family | None = None) -> MetricSpec:
    """Add a computed metric: its spec to METRICS and, when given, its family to FAMILIES under spec.family
    (metrics of one family give it once). compute_metrics, score, the gate, the trends and the reports then
    know it by name. Refused with a GanevalError naming the metric: a spec without a tolerance (the gate would
    fail a check on any significant change of it), a tolerance other than a number >= 0 or "P%", a family
    neither given nor registered, a name already registered as another metric."""
    problem = _registration_problem(spec, family)
    if problem:
        raise GanevalError(f"metric {spec.name!r} cannot be registered: {problem}.")
    if family is not None:
        FAMILIES[spec.family] = family
    METRICS[spec.name] = spec
    return spec


def _registration_problem(spec: MetricSpec, family: Family | None) -> str | None:
    """Why `register` refuses spec (and family), or None."""
    if spec.tolerance is None:
        return (
            "it has no tolerance; give MetricSpec(tolerance=...) the smallest change worth failing a check, "
            'absolute (0.02) or a percentage of the baseline ("5%")'
        )
    if not _valid_tolerance(spec.tolerance):
        return f'its tolerance {spec.tolerance!r} is not a number >= 0 or a percentage such as "5%"'
    if family is None and spec.family not in FAMILIES:
        return f"its family {spec.family!r} is not registered; pass its Family to register"
    if METRICS.get(spec.name, spec) != spec:
        return "another metric of that name is registered"
    return None


def _valid_tolerance(tolerance: float | str) -> bool:
    """A number >= 0, or a string of one followed by "%"."""
    text = tolerance[:-1] if isinstance(tolerance, str) and tolerance.endswith("%") else tolerance
    try:
        value = float(text)
    except (TypeError, ValueError):
        return False
    return not isinstance(tolerance, bool) and math.isfinite(value) and value >= 0


for _spec in [
    MetricSpec(
        "fid",
        "fid",
        _F,
        _F,
        False,
        "Frechet distance between Gaussians fitted to features.",
        label="FID (lower is better)",
        tolerance="5%",
        noise_floor=_FID_FLOOR,
        log_scale=True,
        summary=Summary(0, "FID {interval}"),
    ),
    MetricSpec(
        "kid",
        "kid",
        _F,
        _F,
        False,
        "Kernel (polynomial) MMD^2, unbiased; mean over subsets.",
        lower=None,
        tolerance="10%",
    ),
    MetricSpec(
        "inception_score",
        "inception_score",
        (),
        ("logits",),
        True,
        "exp E KL(p(y|x) || p(y)) of generated samples.",
        lower=1.0,
        tolerance="3%",
    ),
    MetricSpec(
        "precision",
        "prdc",
        _F,
        _F,
        True,
        "Share of fake samples inside the real k-NN manifold.",
        **_FRACTION,
        label="precision (fraction)",
        tolerance=0.02,
        noise_floor=_SHARE_FLOOR,
        summary=Summary(2, "{name} {digits}"),
    ),
    MetricSpec(
        "recall",
        "prdc",
        _F,
        _F,
        True,
        "Share of real samples inside the fake k-NN manifold.",
        **_FRACTION,
        label="recall (fraction)",
        tolerance=0.02,
        noise_floor=_SHARE_FLOOR,
        summary=Summary(3, "{name} {digits}"),
    ),
    MetricSpec(
        "density",
        "prdc",
        _F,
        _F,
        True,
        "Mean count of real k-NN balls holding a fake sample, over k.",
        tolerance=0.05,
    ),
    MetricSpec(
        "coverage",
        "prdc",
        _F,
        _F,
        True,
        "Share of real k-NN balls holding a fake sample.",
        **_FRACTION,
        label="coverage (fraction)",
        tolerance=0.02,
        noise_floor=_SHARE_FLOOR,
    ),
    MetricSpec(
        "modes_covered",
        "modes",
        (),
        ("modes",),
        True,
        "Known modes reached by high-quality samples.",
        label="modes covered (count)",
        tolerance=0.5,
        summary=Summary(1, "{modes}"),
    ),
    MetricSpec(
        "mode_kl",
        "modes",
        (),
        ("modes",),
        False,
        "KL of the generated mode histogram from the reference's.",
        label="mode KL (nats)",
        tolerance=0.02,
    ),
    MetricSpec(
        "high_quality_fraction",
        "modes",
        (),
        ("modes", "high_quality"),
        True,
        "Share of samples near a mode centre (within 3 std).",
        **_FRACTION,
        label="high-quality share",
        tolerance=0.02,
        noise_floor=_SHARE_FLOOR,
    ),
    MetricSpec(
        "cmmd",
        "cmmd",
        _F,
        _F,
        False,
        "Gaussian-kernel MMD^2 (sigma 10, x1000) of unit-length features, unbiased (Jayasumana et al. 2024).",
        lower=None,  # the unbiased estimate dips below 0 when the two sets are alike
        label="CMMD (lower is better)",
        extractor="clip",
        default=False,
        tolerance="10%",
    ),
    MetricSpec(
        "sfid",
        "sfid",
        ("spatial",),
        ("spatial",),
        False,
        "sFID: the Frechet distance on the first 7 channels of InceptionV3's mixed_6/conv, 7 x 17 x 17 "
        "flattened (2023-d), which keep where things are (Nash et al. 2021; checked against guided-diffusion's "
        "evaluations/evaluator.py).",
        label="sFID (lower is better)",
        default=False,
        tolerance="5%",  # as FID, on other features of the same network
    ),
    MetricSpec(
        "vendi",
        "vendi",
        (),
        _F,
        True,
        "Vendi score of the generated samples: exp of the entropy of the cosine kernel's eigenvalues over n, "
        "their effective number of distinct samples, 1 to n (Friedman and Dieng 2023; no reference).",
        lower=1.0,
        label="Vendi score (effective samples)",
        default=False,
        tolerance="5%",
    ),
    MetricSpec(
        "intra_fid",
        "intra_fid",
        _FL,
        _FL,
        False,
        "Mean over the reference's classes of the FID between generated and real samples of that class "
        "(Miyato and Koyama 2018; StudioGAN's intra-class FID): conditional generators, labelled folders.",
        label="intra-FID (lower is better)",
        default=False,
        tolerance="5%",  # as FID, of which it is the mean per class
    ),
    MetricSpec(
        "cas",
        "cas",
        _FL,
        _FL,
        True,
        "Classification Accuracy Score: accuracy on the real samples of a classifier (logistic regression on "
        "features) trained on the generated samples and their labels (Ravuri and Vinyals 2019).",
        **_FRACTION,
        label="CAS (accuracy on real, fraction)",
        default=False,
        tolerance=0.02,  # an accuracy, as precision
    ),
    MetricSpec(
        "d_accuracy",
        "calibration",
        ("d_outputs",),
        ("d_outputs",),
        False,
        "D's real-vs-fake accuracy; 0.5 = G fools D.",
        upper=1.0,
        tolerance=0.02,
    ),
    MetricSpec(
        "d_auc",
        "calibration",
        ("d_outputs",),
        ("d_outputs",),
        False,
        "D's ROC AUC real vs fake; 0.5 = chance.",
        upper=1.0,
        tolerance=0.02,
    ),
    MetricSpec(
        "d_brier",
        "calibration",
        ("d_outputs",),
        ("d_outputs",),
        False,
        "Mean squared error of D's P(real).",
        upper=1.0,
        tolerance=0.02,
    ),
    MetricSpec(
        "d_ece",
        "calibration",
        ("d_outputs",),
        ("d_outputs",),
        False,
        "D's expected calibration error.",
        upper=1.0,
        label="D's ECE (0 = calibrated)",
        tolerance=0.02,
        quality=False,  # D's calibration describes the discriminator, not the samples
    ),
    MetricSpec(
        "authenticity",
        "copying",
        (),
        _F,
        True,
        "Share of generated samples farther from their nearest training sample than it is from its own "
        "nearest training neighbour (Alaa et al. 2022); copies are not authentic.",
        **_FRACTION,
        label="authenticity (fraction)",
        needs_train=_F,
        tolerance=0.02,
    ),
    MetricSpec(
        "memorized",
        "copying",
        (),
        _F,
        False,
        "Share of generated samples nearer to a training sample than a third of the way to the second "
        "nearest (Yoon et al. 2023, Gu et al. 2023): copies and lightly noised copies.",
        **_FRACTION,
        label="memorized (fraction)",
        needs_train=_F,
        tolerance=0.01,
        summary=Summary(4, "{percent} memorized"),
    ),
    MetricSpec(
        "ct",
        "ct",
        _F,
        _F,
        True,
        "Meehan et al.'s C_T: z-score of generated vs held-out distances to the training set; << 0 is copying.",
        lower=None,
        label="C_T data-copying z-score (< -2: copying)",
        needs_train=_F,
        tolerance=1.0,
    ),
    MetricSpec(
        "fls",
        "fls",
        _F,
        _F,
        True,
        "Feature likelihood score: the held-out reference's likelihood under Gaussians centred on the generated "
        "samples (bandwidths fit on the training set), against half of the training set's own, 100 exp(-2/d "
        "NLL gap); 100: as good as training data, copies near 0 (Jiralerspong et al. 2023; checked against "
        "dgm-eval's fls.py).",
        label="FLS (100: as training data)",
        needs_train=_F,
        default=False,
        tolerance=2.0,  # points of a score whose training data scores 100
    ),
    MetricSpec(
        "fls_overfit",
        "fls",
        _F,
        _F,
        False,
        "FLS's memorization gap: percentage of the generated Gaussians more likely on training points than on "
        "as many held-out ones, minus 50 (about 0: no gap; 50: every one; Jiralerspong et al. 2023).",
        lower=-50.0,
        upper=50.0,
        label="FLS overfit (% of Gaussians - 50)",
        needs_train=_F,
        default=False,
        tolerance=2.0,  # percentage points of Gaussians
    ),
]:
    register(_spec)

# What only a training log records: no computation here, only the traits a report and a comparison need.
LOGGED_METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in [
        MetricSpec(
            "class_accuracy",
            "log",
            (),
            (),
            True,
            "Share of a conditional generator's fixed batch the digits classifier labels with the class asked for.",
            **_FRACTION,
            label="class accuracy (fraction)",
        ),
        MetricSpec(
            "label_preservation",
            "log",
            (),
            (),
            True,
            "Share of translated digits G(a) the classifier gives the label of a.",
            **_FRACTION,
            label="label preservation (fraction)",
        ),
        MetricSpec(
            "cycle_error",
            "log",
            (),
            (),
            False,
            "Mean |F(G(a)) - a| of a translation there and back, in [0, 1] pixel units.",
            label="cycle error (pixel units, 0-1)",
        ),
        MetricSpec(
            "diversity",
            "log",
            (),
            (),
            True,
            "Mean pairwise feature distance of the generated batch over the real set's (1: as spread).",
            label="diversity (vs real = 1)",
        ),
        MetricSpec(
            "wall_time_s",
            "log",
            (),
            (),
            False,
            "Seconds the training ran (wall clock).",
            label="wall time (s)",
            quality=False,  # training time is a cost: it only breaks a tie between the best
        ),
    ]
}


# The Frechet distance is "fid" on InceptionV3's features (and, as before, on the bundled digits and points
# extractors'); on any other extractor's it is "fd_<extractor>" (fd_dinov2, fd_clip), as papers write FD_DINOv2:
# a number on other features must not pass for the FID papers quote.
FID_EXTRACTORS = ("inception", "digits", "points")
FD_PREFIX = "fd_"


def frechet_name(extractor: str) -> str:
    """The Frechet distance's name on `extractor`'s features: "fid", or "fd_" and the extractor's name (the
    attribute of a "package.module:attribute" one) with every character other than a letter or digit as "_"
    ("dinov2-vits14" -> "fd_dinov2_vits14", "mylab.encoders:xray" -> "fd_xray")."""
    if extractor in FID_EXTRACTORS:
        return "fid"
    return FD_PREFIX + "".join(c if c.isalnum() else "_" for c in extractor.rpartition(":")[2].lower())


def canonical(name: str) -> str:
    """The registry's name of a metric: "fid" for any "fd_<extractor>", the name itself otherwise."""
    return "fid" if name.startswith(FD_PREFIX) and name not in METRICS else name


def get_metric(name: str, *, logged: bool = False) -> MetricSpec:
    """The spec of a metric by name; unknown names list the valid ones. logged: also the metrics only a
    training log records (LOGGED_METRICS), for traits such as direction and bounds. "fd_<extractor>" is
    FID's spec under that name (the Frechet distance on that extractor's features), shown by that name in
    score's summary line."""
    known = {**METRICS, **LOGGED_METRICS} if logged else METRICS
    if canonical(name) != name and len(name) > len(FD_PREFIX):
        label = f"{name[len(FD_PREFIX) :].upper()} Frechet distance (lower is better)"
        return replace(
            METRICS["fid"], name=name, label=label, summary=replace(METRICS["fid"].summary, text="{name} {interval}")
        )
    try:
        return known[name]
    except KeyError:
        raise GanevalError(
            f"unknown metric {name!r}; valid metrics are: {', '.join(known)}, and fd_<extractor> "
            "(the Frechet distance on another extractor's features, e.g. fd_dinov2)."
        ) from None


def sample_metrics() -> list[str]:
    """Names of the metrics of generated samples themselves: every registered metric but D's calibration
    (which needs D's outputs), in the registry's order, those registered after import included."""
    return [name for name, spec in METRICS.items() if spec.family != "calibration"]


def applicable_metrics(
    real: Samples,
    fake: Samples,
    options: MetricOptions = MetricOptions(),
    train: Samples | None = None,
    *,
    opt_in: bool = False,
) -> list[str]:
    """Names of the metrics these samples can feed (mode metrics also need options.n_modes; memorization
    metrics a training set, `train`). opt_in: also those computed only when asked for by name
    (MetricSpec.default False: cmmd)."""
    return [
        spec.name
        for spec in METRICS.values()
        if (spec.default or opt_in)
        and all(real.has(n) for n in spec.needs_real)
        and all(fake.has(n) for n in spec.needs_fake)
        and all(train is not None and train.has(n) for n in spec.needs_train)
        and (spec.family != "modes" or options.n_modes is not None)
    ]


def compute_metrics(
    names,
    real: Samples,
    fake: Samples,
    options: MetricOptions = MetricOptions(),
    bootstrap_n: int = 0,
    *,
    prepared: PreparedReference | None = None,
    train: Samples | None = None,
) -> dict[str, Interval]:
    """Compute the named metrics, each family once; with bootstrap_n > 0, 95% intervals too.

    Without bootstrap each Interval has low = high = nan. Missing inputs raise ValueError naming
    the metric and what it needs. prepared: `real` prepared once (`prepare_reference`, with
    options.k), reused for the values; a bootstrap that resamples `real` computes each resampled
    reference afresh, so values and intervals equal those computed without it. train: the training
    set's samples, which the memorization metrics (authenticity, ct) need; `real` is then the held-out data.
    """
    names = list(names)
    specs = [get_metric(canonical(name)) for name in names]  # fd_<extractor> is computed as fid, keyed as asked
    for spec in specs:
        sides = (("real", real, spec.needs_real), ("fake", fake, spec.needs_fake))
        for side, samples, needs in (*sides, ("training", train, spec.needs_train)):
            missing = [n for n in needs if samples is None or not samples.has(n)]
            if missing:
                raise GanevalError(
                    f"metric {spec.name!r} needs {', '.join(missing)} of the {side} samples; none were given."
                )
    results: dict[str, Interval] = {}
    for name in dict.fromkeys(spec.family for spec in specs):
        family = FAMILIES[name]
        if not bootstrap_n:
            values = family.values(real, fake, options, prepared, train)
            results.update({key: Interval(v, float("nan"), float("nan")) for key, v in values.items()})
        elif family.intervals is not None:
            results.update(family.bootstrapped(real, fake, options, bootstrap_n, prepared, train))
        else:  # the prepared reference serves the reference as given only, never a resample of it
            compute = lambda r, f, family=family: family.values(r, f, options, prepared if r is real else None)  # noqa: E731
            results.update(bootstrap(compute, real, fake, n=bootstrap_n, seed=options.seed, method=family.method))
    return {name: _within_bounds(results[spec.name], spec) for name, spec in zip(names, specs)}


def _within_bounds(interval: Interval, spec: MetricSpec) -> Interval:
    """Clip an interval to the metric's range (a basic bootstrap can step past a bound)."""
    low, high = interval.low, interval.high
    if spec.lower is not None:
        low, high = max(low, spec.lower), max(high, spec.lower)
    if spec.upper is not None:
        low, high = min(low, spec.upper), min(high, spec.upper)
    return Interval(interval.value, low, high)
