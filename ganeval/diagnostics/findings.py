"""What the diagnostics conclude about a run: findings (one event each) and a verdict.

A `Finding` is one event in a training log: its kind, the steps it spans, a severity, the numbers
that support it and one sentence that explains it. A `RunDiagnosis` gathers a run's findings, a
verdict (one of VERDICTS, decided in the order `verdict` documents) explained in one sentence with
numbers, and summary numbers. Both turn into plain JSON-ready dicts (`to_dict`) and back
(`from_dict`), which is what `ganeval report --json` writes and `ganeval compare` reads.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from ganeval.errors import GanevalError

# Finding kinds.
COLLAPSE = "collapse"  # the generator's samples concentrate on few modes (or lose diversity)
OSCILLATION = "oscillation"  # losses or D outputs swing periodically
DIVERGENCE = "divergence"  # NaN or exploding losses, or FID rising for good
D_DOMINANCE = "d_dominance"  # D separates real from fake almost perfectly for a long stretch
MISCALIBRATION = "miscalibration"  # D's probabilities do not match the observed share of real samples
GRADIENT_SPIKE = "gradient_spike"  # a gradient norm jumps far above its running median
LOW_QUALITY = "low_quality"  # precision or the high-quality share stays near zero: G never learned the data
STALL = "stall"  # the samples stop changing while their quality is below the data's (G stopped learning)
STILL_IMPROVING = "still_improving"  # quality still improving beyond noise at the end: train longer
BROKEN_METRIC = "broken_metric"  # metric values no computation can give (inf, FID 1e57 or < 0): the metric code broke
D_OVERFITTING = "d_overfitting"  # ADA's r_t held above its target (or p saturated) while FID stalls or rises
# Reserved for the feature-spaces issue: generated samples that copy training samples (nearest-
# neighbour distances to the training set far below the real held-out set's). No detector emits it
# yet; a detector that does adds itself to `diagnose` and the verdict order needs no change (it is
# reported as a finding, and named in the verdict's "Also found").
MEMORIZATION = "memorization"
KINDS = (
    COLLAPSE,
    OSCILLATION,
    DIVERGENCE,
    D_DOMINANCE,
    MISCALIBRATION,
    GRADIENT_SPIKE,
    LOW_QUALITY,
    STALL,
    STILL_IMPROVING,
    MEMORIZATION,
    BROKEN_METRIC,
    D_OVERFITTING,
)

SEVERITIES = ("low", "medium", "high")

# Verdicts, one per run.
HEALTHY = "healthy"
OSCILLATING = "oscillating"
DIVERGED = "diverged"
COLLAPSED = "collapsed"
D_DOMINATED = "D-dominated"
NEVER_LEARNED = "never-learned"
STALLED = "stalled"
UNDERTRAINED = "undertrained"  # advice, not a failure: the run was stopped while still improving
D_OVERFITTED = "D-overfitting"  # D memorises the training set: r_t high while FID no longer improves
UNRELIABLE_METRICS = "unreliable-metrics"  # the metric log is broken: never healthy, whatever else holds
VERDICTS = (
    HEALTHY,
    OSCILLATING,
    DIVERGED,
    COLLAPSED,
    D_DOMINATED,
    D_OVERFITTED,
    NEVER_LEARNED,
    STALLED,
    UNRELIABLE_METRICS,
    UNDERTRAINED,
)
# Divergence causes whose numbers are broken (NaN, infinities, magnitudes past 1e5): nothing else
# about such a run can be trusted, so they decide the verdict first.
BROKEN_CAUSES = ("non_finite", "exploding_absolute")


def plain(value):
    """A JSON-ready copy: numpy scalars and arrays to Python numbers and lists, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


@dataclass(frozen=True)
class Finding:
    """One event in a training log.

    start_step and end_step are training steps; end_step None means the event lasts to the end of
    the log. severity is "low", "medium" or "high". evidence holds the numbers behind it.
    """

    kind: str
    start_step: int | None
    end_step: int | None
    severity: str
    evidence: dict
    explanation: str

    def __post_init__(self):
        if self.kind not in KINDS:
            raise GanevalError(f"Finding kind must be one of {', '.join(KINDS)}; got {self.kind!r}.")
        if self.severity not in SEVERITIES:
            raise GanevalError(f"Finding severity must be one of {', '.join(SEVERITIES)}; got {self.severity!r}.")

    @property
    def rank(self) -> int:
        """0 (low) to 2 (high), for sorting."""
        return SEVERITIES.index(self.severity)

    @property
    def ongoing(self) -> bool:
        """Whether the event lasts to the end of the log."""
        return self.end_step is None

    def to_dict(self) -> dict:
        return plain(
            {
                "kind": self.kind,
                "start_step": self.start_step,
                "end_step": self.end_step,
                "severity": self.severity,
                "evidence": self.evidence,
                "explanation": self.explanation,
            }
        )

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(
            data["kind"],
            data.get("start_step"),
            data.get("end_step"),
            data["severity"],
            dict(data.get("evidence") or {}),
            data.get("explanation", ""),
        )


@dataclass(frozen=True)
class RunDiagnosis:
    """A run's verdict (one of VERDICTS), its one-sentence explanation, the findings and summary numbers."""

    verdict: str
    explanation: str
    findings: list[Finding] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    run: str | None = None

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def to_dict(self) -> dict:
        return plain(
            {
                "run": self.run,
                "verdict": self.verdict,
                "explanation": self.explanation,
                "findings": [f.to_dict() for f in self.findings],
                "summary": self.summary,
            }
        )

    @classmethod
    def from_dict(cls, data: dict) -> RunDiagnosis:
        return cls(
            data["verdict"],
            data.get("explanation", ""),
            [Finding.from_dict(f) for f in data.get("findings", [])],
            dict(data.get("summary") or {}),
            data.get("run"),
        )


def span_text(finding: Finding, unit: str = "step") -> str:
    """'steps 500-900' or 'from step 500 to the end' ('500-900 kimg', 'from 500 kimg to the end')."""
    if finding.end_step is None:
        return in_unit(f"from step {finding.start_step} to the end", unit)
    return in_unit(f"steps {finding.start_step}-{finding.end_step}", unit)


def in_unit(text: str, unit: str = "step") -> str:
    """A sentence the detectors wrote in training steps ('step 500', 'steps 500-900', 'a period of 40
    steps') in the log's own unit: for a log whose step column counts kimg (StyleGAN), '500 kimg',
    '500-900 kimg', '40 kimg'. Detectors always write steps; `diagnose` converts their sentences."""
    if unit == "step":
        return text
    text = re.sub(r"\bsteps (\d+)-(\d+)", rf"\1-\2 {unit}", text)
    text = re.sub(r"\bstep (\d+)", rf"\1 {unit}", text)
    return re.sub(r"\b(\d+) steps\b", rf"\1 {unit}", text)


def with_unit(finding: Finding, unit: str) -> Finding:
    """The finding with its explanation in the log's unit (`in_unit`)."""
    return finding if unit == "step" else replace(finding, explanation=in_unit(finding.explanation, unit))


def verdict(findings: list[Finding]) -> tuple[str, str]:
    """The verdict and its one-sentence explanation, from the findings.

    This is the one place the rule order lives. The first rule with a finding decides, and each rule
    sits above the rules it outranks for the reason given:
      1. diverged: NaN, infinite or past-1e5 losses, D outputs or gradient norms (`BROKEN_CAUSES`).
         Broken numbers make every other reading meaningless. An infinite gradient norm at 1-2 steps
         with every loss finite is a skipped step, a low gradient_spike, never this rule.
      2. oscillating: one cluster of samples hopping from mode to mode to the end
         (`hopping.detect_mode_hopping`, cause mode_hopping: nearly every sample in one mode, a
         different one at most evaluations), its precision near zero or not. The mode counts show G
         moving from mode to mode, chasing D: neither a generator that cannot learn nor one still
         improving (a trend in such a run's recall is the cluster's landing spots); the G/D game is
         what to fix.
      3. undertrained: quality below never-learned's level but still improving beyond noise at the
         end (over the last 30% of evaluations, or, for a run below the data's quality (precision
         under 0.7), over its second half while its last third still beats its middle third). An
         early run is not a failure: the same training continued learns.
      4. stalled, over never-learned: the samples froze to the end (every quality share repeats
         exactly) after the shares had risen beyond sampling noise (`learned_before`). G learned,
         then stopped; what stopped it (a learning rate at 0) is what to fix, not a generator that
         cannot learn.
      5. never-learned: precision or the high-quality share near zero throughout (3 evaluations at
         least), and no quality share rose beyond noise to its level (`quality._learned`). Any
         collapse, D dominance or other stall of such a run is its consequence. Lost modes that a
         loss of quality explains (cause off_manifold) are not this rule.
      6. oscillating, over a collapse: a collapse to the end whose samples hop between modes
         (`mode_hopping`), beside a sustained oscillation. The generator is chasing D from mode to
         mode, not stuck on a few modes; the oscillation is what to fix.
      7. collapsed: a collapse to the end, medium or high severity. Modes lost are the gravest
         failure a working run can have, and they explain a D that wins or an FID that rises.
      8. D-dominated: D winning to the end. A loss rising with it is D's saturation, not a
         divergence, and a stall under it is its consequence.
      9. D-overfitting: ADA's r_t held high (or p saturated) to the end while FID stopped improving.
         It names the cause (D memorises the data) of the stall or FID rise that follows.
     10. stalled: the samples stopped changing short of the data's quality, to the end, or the
         quality plateaued far below the data's after G learned a little (`low_plateau`). It
         outranks the milder divergences below: a frozen generator's FID drifts with D, not with G.
     11. diverged: a loss exploding 10x above its early level to the end (critic runs).
     12. diverged: the samples off the data to the end (precision, the high-quality share and recall
         near zero after precision had been above it: `quality.detect_left_data`), or
         FID rising beyond noise and for good to at least 5x its best (high severity),
         unless a sustained oscillation is found: FID swinging with an oscillation is the
         oscillation's, not a divergence. A rise while precision or coverage ended better than at
         FID's best is low (`stability._closer_to_data`), never this rule: a divergence is the
         samples drifting off the data, which lowers both.
     13. collapsed: a milder collapse to the end, judged on at least 3 evaluations.
     14. oscillating: a sustained oscillation (medium or high; an early transient is low).
     15. diverged: a loss of quality to the end (medium or high, cause off_manifold) that began
         after the run had hit half the modes, precision ending under 0.1 (`left_modes`): the samples
         left the modes they had reached and stayed off them (three blurred modes of eight are
         not). Never healthy: a generator whose precision fell from 0.18 to 0.00 after its learning
         rates jumped 100x, its modes keeping their share, was "healthy ... precision 0.01" with
         that finding named as "earlier or milder".
     16. unreliable-metrics: metric values no computation can give (a broken metric log). The rules
         above judged the valid evaluations only; a broken log is never healthy or undertrained.
     17. undertrained: quality still improving beyond noise at the end (advice, not a failure).
    Otherwise healthy. The sentence quotes the deciding finding's numbers and names what else was
    found. No rule decides from fewer evaluations than it needs: a collapse seen at 1-2
    evaluations is low severity (`too_few_evaluations`), and `diagnose` says what could not be judged.
    """

    def worst(candidates):
        return max(candidates, key=lambda f: (f.rank, f.start_step is not None, -(f.start_step or 0)), default=None)

    def of(kind):
        return [f for f in findings if f.kind == kind]

    divergence = of(DIVERGENCE)
    never = [f for f in of(LOW_QUALITY) if f.evidence.get("cause") != "off_manifold"]
    improving = of(STILL_IMPROVING)
    oscillating = [f for f in of(OSCILLATION) if f.rank >= 1]
    hopping_cluster = [f for f in oscillating if f.ongoing and f.evidence.get("cause") == "mode_hopping"]
    hopping = [f for f in of(COLLAPSE) if f.ongoing and f.rank >= 1 and f.evidence.get("mode_hopping")]
    rules = [
        (DIVERGED, [f for f in divergence if f.evidence.get("cause") in BROKEN_CAUSES]),
        (OSCILLATING, hopping_cluster),
        (UNDERTRAINED, improving if never else []),
        (STALLED, [f for f in of(STALL) if f.ongoing and f.evidence.get("learned_before")]),
        (NEVER_LEARNED, never),
        (OSCILLATING, oscillating if hopping else []),
        (COLLAPSED, [f for f in of(COLLAPSE) if f.ongoing and f.rank >= 1]),
        (D_DOMINATED, [f for f in of(D_DOMINANCE) if f.ongoing]),
        (D_OVERFITTED, [f for f in of(D_OVERFITTING) if f.ongoing]),
        (STALLED, [f for f in of(STALL) if f.ongoing]),
        (DIVERGED, [f for f in divergence if f.ongoing and f.evidence.get("cause") == "exploding"]),
        (DIVERGED, [f for f in divergence if f.ongoing and f.rank >= 2] if not oscillating else []),
        (COLLAPSED, [f for f in of(COLLAPSE) if f.ongoing and not f.evidence.get("too_few_evaluations")]),
        (OSCILLATING, oscillating),
        (DIVERGED, [f for f in of(LOW_QUALITY) if f.ongoing and f.rank >= 1 and f.evidence.get("left_modes")]),
        (UNRELIABLE_METRICS, of(BROKEN_METRIC)),
        (UNDERTRAINED, of(STILL_IMPROVING)),
    ]
    for name, candidates in rules:
        deciding = worst(candidates)
        if deciding is not None:
            others = sorted(
                {
                    f.kind
                    for f in findings
                    if f is not deciding and f.rank >= 1 and f.kind not in (GRADIENT_SPIKE, deciding.kind)
                }
            )
            also = f" Also found: {', '.join(k.replace('_', ' ') for k in others)}." if others else ""
            text = deciding.explanation
            if len(text) > 1 and text[1].islower():
                text = text[0].lower() + text[1:]
            labels = {UNDERTRAINED: "Undertrained (advice, not a failure)", UNRELIABLE_METRICS: "Unreliable metrics"}
            label = labels.get(name, name[0].upper() + name[1:])
            return name, f"{label}: {text}{also}"
    notable = sorted({f.kind.replace("_", " ") for f in findings if f.rank >= 1})
    if notable:
        return (
            HEALTHY,
            "Healthy at the end: no divergence, lasting collapse or D dominance; "
            f"earlier or milder: {', '.join(notable)}.",
        )
    return HEALTHY, "Healthy: no divergence, collapse, D dominance or sustained oscillation found."
