"""The regression test of `ganeval check`, as a pure function of two measurements.

For each metric, `worse` is how much the candidate is worse than the baseline in the metric's own
direction (candidate - baseline for lower-is-better metrics such as FID, baseline - candidate for
higher-is-better ones such as precision). A metric *regressed* only when both hold:

1. the change exceeds the tolerance: worse > tolerance (the smallest change worth failing a build);
2. the change is significant: a one-sided two-sample test, z = worse / sqrt(sb^2 + sc^2) > critical.

The standard error of each side, sb and sc, is the larger of
- the bootstrap's: the half of the 95% interval facing the other value, divided by 1.96;
- the seed-to-seed standard deviation the baseline measured by re-scoring the generator with
  other seeds (`ganeval baseline --repeats R`). This one matters: the k-NN metrics' bootstrap
  intervals hold the fitted manifolds fixed and are narrower than what a new seed does (recall's
  by about 40% on the bundled dcgan), while FID's and KID's are wider.
When the baseline measured the spread, its value is the mean over its R + 1 seeded draws, whose
standard error is that of one draw over sqrt(R + 1): a lucky or unlucky baseline seed then does not
shift every later check. The critical value is the normal quantile at 1 - alpha / m (Bonferroni
over the m metrics compared, so alpha bounds the chance that a run raises any false alarm), or
Student's t with R degrees of freedom when the seed-to-seed spread, estimated from the R + 1 draws,
sets the standard errors.

Repeats never weaken the test. With bootstrap intervals on both sides, the worse-by the test asks
for, critical x sqrt(sb^2 + sc^2), is never more than the no-repeats test's, the normal quantile x the
bootstrap errors alone: the critical value is lowered to keep it so. Student's t with 2 degrees of
freedom (about 67 at alpha 0.001 over 9 metrics) would otherwise pass what `--repeats 0` fails, and a
spread forged with draws to match could open the gate. The baseline's bootstrap error counts at most
BASELINE_SE_CAP times the candidate's: both come from the same sample count and resamples, so a wider
baseline interval is forged or damaged, and the candidate's, computed now, is the one to trust.

Without bootstrap intervals (--bootstrap 0) the spread alone sets the errors, with the normal critical value:
Student's t on the few degrees of freedom of 2-3 repeats would again pass what a larger test fails.
Without any spread (--bootstrap 0 and no repeats) the tolerance alone decides, and the reason says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from types import MappingProxyType

from ganeval.errors import GanevalError
from ganeval.metrics import METRICS, get_metric

Z95 = NormalDist().inv_cdf(0.975)  # a 95% interval spans +-1.96 standard errors

#: Default tolerances, the smallest change that may fail a check: each metric's MetricSpec.tolerance (a metric
#: cannot be registered without one), here as a read-only view of the built-in metrics for code that reads them.
DEFAULT_TOLERANCES: Mapping[str, float | str] = MappingProxyType(
    {name: spec.tolerance for name, spec in METRICS.items()}
)
DEFAULT_ALPHA = 0.001  # family-wise: the chance that one check of an unchanged generator, at a new seed, fails
#: The most the baseline's bootstrap standard error may count, as a multiple of the candidate's (module docstring).
BASELINE_SE_CAP = 3.0

PASS, IMPROVED, REGRESSED, SKIPPED = "pass", "improved", "regressed", "skipped"


@dataclass(frozen=True)
class MetricDecision:
    """One metric's decision: the numbers, the test statistic and a one-line reason."""

    metric: str
    higher_is_better: bool
    baseline: float
    baseline_ci: tuple[float, float] | None
    candidate: float
    candidate_ci: tuple[float, float] | None
    tolerance: float
    z: float | None  # None when there are no intervals
    z_critical: float
    verdict: str
    reason: str

    @property
    def delta(self) -> float:
        """candidate - baseline (sign as the numbers go; `worse` says which way is bad)."""
        return self.candidate - self.baseline

    @property
    def worse(self) -> float:
        """How much worse the candidate is, in the metric's direction (negative: better)."""
        return -self.delta if self.higher_is_better else self.delta

    def to_dict(self) -> dict:
        def finite(x):
            return x if x is None or math.isfinite(x) else None

        ci = lambda c: None if c is None else [finite(c[0]), finite(c[1])]  # noqa: E731
        return {
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "baseline": finite(self.baseline),
            "baseline_ci": ci(self.baseline_ci),
            "candidate": finite(self.candidate),
            "candidate_ci": ci(self.candidate_ci),
            "delta": finite(self.delta),
            "tolerance": self.tolerance,
            "z": finite(self.z),
            "z_critical": self.z_critical,
            "verdict": self.verdict,
            "reason": self.reason,
        }


def z_critical(alpha: float, metrics: int, dof: int | None = None) -> float:
    """The one-sided critical value at alpha / metrics (Bonferroni): normal, or Student's t with dof
    degrees of freedom."""
    if not 0 < alpha < 1:
        raise GanevalError(
            f"--alpha (alpha) is the chance of any false alarm per run, strictly between 0 and 1; got {alpha!r}.",
            argument="alpha",
        )
    level = 1 - alpha / max(metrics, 1)
    if dof is None:
        return NormalDist().inv_cdf(level)
    from scipy.stats import t

    return float(t.ppf(level, max(dof, 1)))


def standard_error(value: float, ci: tuple[float, float] | None, towards: float) -> float | None:
    """Standard error from a 95% interval: the half facing `towards`, over 1.96."""
    if ci is None or ci[0] is None or ci[1] is None:
        return None
    half = (ci[1] - value) if towards >= value else (value - ci[0])
    return max(half, 0.0) / Z95


def decide_metric(
    metric: str,
    higher_is_better: bool,
    baseline: float | None,
    baseline_ci: tuple[float, float] | None,
    candidate: float | None,
    candidate_ci: tuple[float, float] | None,
    tolerance: float,
    z_crit: float,
    spread: float | None = None,
    baseline_draws: int = 1,
    z_normal: float | None = None,
) -> MetricDecision:
    """The verdict for one metric (see the module docstring).

    spread: the seed-to-seed standard deviation of one draw, if measured; baseline_draws: how many
    seeded draws the baseline value averages (its standard error shrinks by their square root; the
    interval reported for it is then the mean +- 1.96 standard errors). z_normal: the no-repeats test's
    (normal) critical value, when z_crit is Student's; the decision's z_critical is never more than it
    allows with the bootstrap errors alone."""
    nan = float("nan")

    def result(verdict: str, reason: str, z: float | None = None) -> MetricDecision:
        return MetricDecision(
            metric,
            higher_is_better,
            nan if baseline is None else baseline,
            baseline_ci,
            nan if candidate is None else candidate,
            candidate_ci,
            tolerance,
            z,
            z_crit,
            verdict,
            reason,
        )

    if baseline is None or not math.isfinite(baseline):
        return result(
            SKIPPED, "the baseline has no finite value for this metric (infinite or undefined), so nothing to compare"
        )
    bad_direction = -math.inf if higher_is_better else math.inf
    if candidate is None or math.isnan(candidate):
        return result(REGRESSED, "the candidate's value is undefined (NaN)")
    if candidate == bad_direction:
        return result(
            REGRESSED, "the candidate's value is infinite (for mode_kl: mass on a mode the reference lacks)", math.inf
        )
    worse = (baseline - candidate) if higher_is_better else (candidate - baseline)
    bb = _capped(standard_error(baseline, baseline_ci, candidate), candidate_ci)
    bc = standard_error(candidate, candidate_ci, baseline)
    sb, sc = _larger(bb, spread), _larger(bc, spread)
    if sb is not None and baseline_draws > 1:
        sb /= math.sqrt(baseline_draws)
        baseline_ci = (baseline - Z95 * sb, baseline + Z95 * sb)
    if None not in (bb, bc, sb, sc) and math.hypot(sb, sc) > 0:  # never weaker than the bootstrap's normal test
        z_crit = min(z_crit, (z_crit if z_normal is None else z_normal) * math.hypot(bb, bc) / math.hypot(sb, sc))
    elif z_normal is not None:  # no bootstrap (--bootstrap 0): the spread alone, and its few draws never raise the bar
        z_crit = min(z_crit, z_normal)
    if sb is None or sc is None:
        z = None
        significant = True
        noise = (
            "no intervals or seed spread to test significance (--bootstrap 0, no --repeats): "
            "the tolerance alone decides"
        )
    else:
        spread = math.hypot(sb, sc)
        z = (math.copysign(math.inf, worse) if worse else 0.0) if spread == 0 else worse / spread
        significant = z > z_crit if worse > 0 else z < -z_crit
        noise = f"z = {z:.2f}, {'beyond' if significant else 'within'} the critical {z_crit:.2f}"
    if worse > tolerance:
        if significant:
            return result(REGRESSED, f"worse by {worse:.4g} > tolerance {tolerance:.4g}, and significant ({noise})", z)
        return result(PASS, f"worse by {worse:.4g} > tolerance {tolerance:.4g}, but not significant ({noise})", z)
    if -worse > tolerance:
        if significant:
            return result(IMPROVED, f"better by {-worse:.4g} > tolerance {tolerance:.4g}, and significant ({noise})", z)
        return result(PASS, f"better by {-worse:.4g} > tolerance {tolerance:.4g}, but not significant ({noise})", z)
    if worse == 0:
        return result(PASS, "unchanged", z)
    return result(
        PASS, f"{'worse' if worse > 0 else 'better'} by {abs(worse):.4g}, within tolerance {tolerance:.4g}", z
    )


def _capped(baseline_se: float | None, candidate_ci: tuple[float, float] | None) -> float | None:
    """The baseline's bootstrap error, at most BASELINE_SE_CAP times the candidate's (its whole interval's)."""
    if baseline_se is None or candidate_ci is None or None in candidate_ci:
        return baseline_se
    return min(baseline_se, BASELINE_SE_CAP * (candidate_ci[1] - candidate_ci[0]) / (2 * Z95))


def _larger(a: float | None, b: float | None) -> float | None:
    present = [x for x in (a, b) if x is not None and not math.isnan(x)]
    return max(present) if present else None


def parse_tolerances(text: str | None) -> dict[str, str | float]:
    """'fid=2.0,precision=0.02,kid=5%' -> {"fid": 2.0, "precision": 0.02, "kid": "5%"}
    (a percentage is of the baseline value)."""
    tolerances: dict[str, str | float] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value:
            raise GanevalError(
                f"--tolerance takes metric=value pairs separated by commas; got {item!r} "
                "(for example --tolerance fid=2.0,precision=0.02).",
                argument="tolerances",
            )
        name = get_metric(name).name  # unknown names list the valid ones
        tolerances[name] = value if value.endswith("%") else _nonnegative(value, name)
        if isinstance(tolerances[name], str):
            _nonnegative(value[:-1], name)
    return tolerances


def check_tolerances(tolerances: Mapping[str, float | str]) -> dict[str, float | str]:
    """{metric: absolute float >= 0, or "P%" of the baseline value} checked: known metric names,
    non-negative numbers. `parse_tolerances` turns the CLI's 'fid=2,kid=5%' into such a dict."""
    if not isinstance(tolerances, Mapping):
        raise GanevalError(
            f"tolerances is a dict {{metric: tolerance}}, e.g. {{'fid': 2.0, 'kid': '5%'}}; got {tolerances!r}.",
            argument="tolerances",
        )
    checked: dict[str, float | str] = {}
    for name, value in tolerances.items():
        name = get_metric(name).name  # unknown names list the valid ones
        if isinstance(value, str) and value.strip().endswith("%"):
            _nonnegative(value.strip()[:-1], name)
            checked[name] = value.strip()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            checked[name] = _nonnegative(str(value), name)
        else:
            raise GanevalError(
                f"the tolerance of {name} must be a number >= 0 (absolute) "
                f"or a percentage of the baseline such as '5%'; got {value!r}.",
                argument="tolerances",
            )
    return checked


def _nonnegative(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 and math.isfinite(value)):
        raise GanevalError(
            f"the tolerance of {name} must be a number >= 0 (absolute) "
            f"or a percentage of the baseline such as 5%; got {text!r}.",
            argument="tolerances",
        )
    return value


def resolve_tolerance(name: str, given: dict[str, str | float], baseline: float | None) -> float:
    """The absolute tolerance of a metric: the given one (a percentage of |baseline|) or the default."""
    value = given.get(name, get_metric(name).tolerance)  # fd_dinov2 takes fid's
    if value is None:  # put into METRICS by hand, past register's refusal: no tolerance is no 0.0
        raise GanevalError(
            f"metric {name!r} has no tolerance to gate it with; register it with "
            "ganeval.metrics.register(MetricSpec(..., tolerance=...)), or pass --tolerance "
            f"{name}=<absolute or P%>.",
            argument="tolerances",
        )
    if isinstance(value, str):
        percent = float(value[:-1])
        return abs(baseline or 0.0) * percent / 100 if baseline is not None and math.isfinite(baseline) else 0.0
    return float(value)
