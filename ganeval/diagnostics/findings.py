"""What the diagnostics conclude about a run: findings (one event each) and a verdict.

A `Finding` is one event in a training log: its kind, the steps it spans, a severity, the numbers
that support it and one sentence that explains it. A `RunDiagnosis` gathers a run's findings, a
verdict (healthy, oscillating, diverged, collapsed or D-dominated) explained in one sentence with
numbers, and summary numbers. Both turn into plain JSON-ready dicts (`to_dict`) and back
(`from_dict`), which is what `ganeval report --json` writes and `ganeval compare` reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from ganeval.errors import GanevalError

# Finding kinds.
COLLAPSE = "collapse"  # the generator's samples concentrate on few modes (or lose diversity)
OSCILLATION = "oscillation"  # losses or D outputs swing periodically
DIVERGENCE = "divergence"  # NaN or exploding losses, or FID rising for good
D_DOMINANCE = "d_dominance"  # D separates real from fake almost perfectly for a long stretch
MISCALIBRATION = "miscalibration"  # D's probabilities do not match the observed share of real samples
GRADIENT_SPIKE = "gradient_spike"  # a gradient norm jumps far above its running median
KINDS = (COLLAPSE, OSCILLATION, DIVERGENCE, D_DOMINANCE, MISCALIBRATION, GRADIENT_SPIKE)

SEVERITIES = ("low", "medium", "high")

# Verdicts, one per run.
HEALTHY = "healthy"
OSCILLATING = "oscillating"
DIVERGED = "diverged"
COLLAPSED = "collapsed"
D_DOMINATED = "D-dominated"
VERDICTS = (HEALTHY, OSCILLATING, DIVERGED, COLLAPSED, D_DOMINATED)


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
        return plain({"kind": self.kind, "start_step": self.start_step, "end_step": self.end_step,
                      "severity": self.severity, "evidence": self.evidence, "explanation": self.explanation})  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        return cls(data["kind"], data.get("start_step"), data.get("end_step"), data["severity"],
                   dict(data.get("evidence") or {}), data.get("explanation", ""))  # fmt: skip


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
        return plain({"run": self.run, "verdict": self.verdict, "explanation": self.explanation,
                      "findings": [f.to_dict() for f in self.findings], "summary": self.summary})  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> "RunDiagnosis":
        return cls(data["verdict"], data.get("explanation", ""), [Finding.from_dict(f) for f in data.get("findings", [])],
                   dict(data.get("summary") or {}), data.get("run"))  # fmt: skip


def span_text(finding: Finding) -> str:
    """'steps 500-900' or 'from step 500 to the end'."""
    if finding.end_step is None:
        return f"from step {finding.start_step} to the end"
    return f"steps {finding.start_step}-{finding.end_step}"


def verdict(findings: list[Finding]) -> tuple[str, str]:
    """The verdict and its one-sentence explanation, from the findings.

    Priority: a NaN or exploding loss (diverged) over a collapse lasting to the end (collapsed) over
    D winning at the end (D-dominated) over a large FID rise (diverged) over oscillation (oscillating);
    otherwise healthy. The sentence quotes the deciding finding's numbers and names what else was found.
    """
    def worst(candidates):
        return max(candidates, key=lambda f: (f.rank, f.start_step is not None, -(f.start_step or 0)), default=None)

    divergence = [f for f in findings if f.kind == DIVERGENCE]
    rules = [
        (DIVERGED, [f for f in divergence if f.evidence.get("cause") in ("non_finite", "exploding")]),
        (COLLAPSED, [f for f in findings if f.kind == COLLAPSE and f.ongoing and f.rank >= 1]),
        (D_DOMINATED, [f for f in findings if f.kind == D_DOMINANCE and f.ongoing]),
        (DIVERGED, [f for f in divergence if f.rank >= 2]),
        (COLLAPSED, [f for f in findings if f.kind == COLLAPSE and f.ongoing]),
        (OSCILLATING, [f for f in findings if f.kind == OSCILLATION and f.rank >= 1]),
    ]
    for name, candidates in rules:
        deciding = worst(candidates)
        if deciding is not None:
            others = sorted({f.kind for f in findings if f is not deciding and f.rank >= 1 and f.kind != GRADIENT_SPIKE})
            also = f" Also found: {', '.join(k.replace('_', ' ') for k in others)}." if others else ""
            text = deciding.explanation
            if len(text) > 1 and text[1].islower():
                text = text[0].lower() + text[1:]
            return name, f"{name.capitalize()}: {text}{also}"
    notable = sorted({f.kind.replace("_", " ") for f in findings if f.rank >= 1})
    if notable:
        return HEALTHY, f"Healthy at the end: no divergence, lasting collapse or D dominance; earlier or milder: {', '.join(notable)}."
    return HEALTHY, "Healthy: no divergence, collapse, D dominance or sustained oscillation found."
