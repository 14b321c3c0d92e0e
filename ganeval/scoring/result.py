"""`Result`: the metrics of one score with their intervals, the modes not covered and the provenance; its summary
line, table, JSON and frame."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ganeval.data.mode_names import names_text
from ganeval.errors import printable
from ganeval.metrics import Interval, get_metric
from ganeval.metrics.prd import PRDCurve
from ganeval.metrics.registry import METRICS
from ganeval.metrics.spec import Summary
from ganeval.numbers import decimals, number, with_interval
from ganeval.scoring.copies import Memorization, PerSampleView


class Modes(NamedTuple):
    """The reference's modes that the generated samples do not cover (`mode_coverage`), by index and by name."""

    n_modes: int  # modes of the reference
    missing: list[int]  # indices of the modes not covered, ascending
    names: list[str]  # their names (ganeval.data.mode_names): digits, "007", "#3 (0, 2)"


# The summary line's metrics, in order, when computed (their MetricSpec.summary): FID (or fd_<extractor>), modes,
# precision and recall, and with a training set the share of generated samples that copy it.
SUMMARY_METRICS = tuple(sorted((n for n, s in METRICS.items() if s.summary), key=lambda n: METRICS[n].summary.place))


KID_DIGITS_NOTE = (
    "kid is in torch-fidelity's unit (equal to it on inception features); the digits features are not normalised, "
    "so kid here is large and not comparable with KID on Inception features"
)


def _sides(provenance: dict) -> str:
    """'GENERATED vs REFERENCE' for the summary line: a folder's or file's last part, a bundled set's
    name; "result" when the provenance names neither."""
    sources = [(provenance.get(side) or {}).get("source") for side in ("generated", "reference")]
    return " vs ".join(Path(str(source)).name or str(source) for source in sources) if None not in sources else "result"


@dataclass
class Result:
    """Metric values with 95% intervals, the modes not covered, and everything needed to reproduce them.

    What `score` and `Evaluator.compute` return; `to_dict` is the `ganeval score --json` file that
    `ganeval check` and `compare` read back.

    Attributes:
        metrics: metric name -> its `Interval` (value, low, high; low and high NaN without bootstrap).
        provenance: the settings, inputs, extractor and versions that reproduce the values.
        modes: with modes_covered: which modes are missing.
        memorization: with a training set: the closest generated/training pairs.
        prd: with prd=True: the PRD curve (Sajjadi et al.).
        per_sample: with per_sample=True: the worst samples, the uncovered regions.
        intra_fid_classes: with intra_fid: each class's FID, by class name.
    """

    metrics: dict[str, Interval]
    provenance: dict = field(default_factory=dict)
    modes: Modes | None = None  # with modes_covered: which modes are missing
    memorization: Memorization | None = None  # with a training set: the closest generated/training pairs
    prd: PRDCurve | None = None  # with prd=True: the PRD curve (Sajjadi et al.)
    per_sample: PerSampleView | None = None  # with per_sample=True: the worst samples, the uncovered regions
    intra_fid_classes: dict | None = None  # with intra_fid: each class's FID, by class name

    def to_dict(self) -> dict:
        """The result as JSON-ready data: the `ganeval score --json` file.

        Returns:
            `{"metrics": {name: {"value", "ci"}}, "missing_modes": {"n_modes", "indices", "names"} or None,
                "provenance": {...}}`, plus "memorization", "prd", "per_sample" and "intra_fid_per_class" when
                computed. ci is None without bootstrap; NaN and infinite values become None (JSON has neither).
        """

        def finite(x: float) -> float | None:  # JSON has no NaN or infinity: those become null
            return x if math.isfinite(x) else None

        def entry(interval: Interval) -> dict:
            ci = None if math.isnan(interval.low) else [finite(interval.low), finite(interval.high)]
            return {"value": finite(interval.value), "ci": ci}

        missing = (
            None
            if self.modes is None
            else {"n_modes": self.modes.n_modes, "indices": self.modes.missing, "names": self.modes.names}
        )
        return (
            {
                "metrics": {name: entry(i) for name, i in self.metrics.items()},
                "missing_modes": missing,
                "provenance": self.provenance,
            }
            | ({} if self.memorization is None else {"memorization": self.memorization.to_dict()})
            | ({} if self.prd is None else {"prd": self.prd.to_dict()})
            | ({} if self.per_sample is None else {"per_sample": self.per_sample.to_dict()})
            | ({} if self.intra_fid_classes is None else {"intra_fid_per_class": self.intra_fid_classes})
        )

    def to_frame(self) -> pd.DataFrame:
        """The metrics as a table, for pandas users.

        Returns:
            One row per metric, indexed by name: value, ci_low, ci_high, higher_is_better.
        """
        rows = [
            {
                "metric": name,
                "value": i.value,
                "ci_low": i.low,
                "ci_high": i.high,
                "higher_is_better": get_metric(name).higher_is_better,
            }
            for name, i in self.metrics.items()
        ]
        return pd.DataFrame(rows).set_index("metric")

    def summary(self) -> str:
        """One line that sums the result up.

        Returns:
            E.g. `digits-samples vs digits: FID 148 [127, 180], 9 of 10 modes (missing: 7), precision 0.806,
                recall 0.896`; every metric when none of SUMMARY_METRICS was computed.
        """
        placed = {name: get_metric(name).summary for name in self.metrics}
        shown = sorted((name for name, at in placed.items() if at is not None), key=lambda name: placed[name].place)
        parts = [self._summary_part(name, placed[name]) for name in shown or list(self.metrics)]
        return f"{_sides(self.provenance)}: {', '.join(parts)}"

    def _summary_part(self, name: str, summary: Summary | None) -> str:
        """One metric in the summary line, as its MetricSpec.summary writes it (else its name and interval)."""
        i = self.metrics[name]
        text = summary.text if summary is not None else "{name} {interval}"
        if "{modes}" in text and self.modes is None:  # modes_covered without the reference's modes
            text = "{name} {interval}"
        missing = lambda: f" (missing: {names_text(self.modes.names)})" if self.modes.names else ""  # noqa: E731
        fields = {
            "name": lambda: name,
            "interval": lambda: with_interval(i.value, i.low, i.high),
            "digits": lambda: number(i.value, (i.high - i.low) / 2),  # the digits the interval allows, without it
            "percent": lambda: f"{i.value:.1%}",
            "modes": lambda: f"{i.value:.0f} of {self.modes.n_modes} modes{missing()}",
        }
        return text.format(**{key: make() for key, make in fields.items() if "{" + key + "}" in text})

    def table(self) -> str:
        """The result as text, what `ganeval score` prints.

        Returns:
            The summary line, a readable table (value and 95% interval per metric), the missing modes,
                then the provenance.
        """
        lines = [self.summary(), "", f"{'metric':<22}{'value':>12}   95% interval", "-" * 56]
        for name, i in self.metrics.items():
            arrow = "higher is better" if get_metric(name).higher_is_better else "lower is better"
            places = decimals(i.value, (i.high - i.low) / 2)  # the interval sets the digits (ganeval.numbers)
            ci = "" if math.isnan(i.low) else f"[{number(i.low, places=places)}, {number(i.high, places=places)}]"
            lines.append(f"{name:<22}{number(i.value, places=places):>12}   {ci:<24} ({arrow})")
        if self.modes is not None:
            lines += [
                "",
                f"missing modes ({len(self.modes.missing)} of {self.modes.n_modes}): {names_text(self.modes.names)}",
            ]
        if self.memorization is not None:
            lines += ["", *self.memorization.lines()]
        if self.intra_fid_classes is not None:
            lines += ["", _per_class_line(self.intra_fid_classes)]
        if self.prd is not None:
            lines += [
                "",
                f"PRD curve: max F_8 {self.prd.f_8:.3f} (recall-like), max F_1/8 {self.prd.f_1_8:.3f} "
                "(precision-like); the curve is in the JSON",
            ]
        if "kid" in self.metrics and self.provenance.get("extractor") == "digits":
            lines += ["", f"note: {KID_DIGITS_NOTE}."]
        lines += ["", "provenance:"]
        for key, value in _flatten(self.provenance):
            if key != "warnings":  # the command line prints those to stderr
                lines.append(f"  {key}: {value}")
        return "\n".join(lines)


def _per_class_line(classes: dict) -> str:
    """'intra_fid per class (worst first): 8 95.2, 3 71.0, ...': which classes the generator draws worst."""
    worst = sorted(classes.items(), key=lambda item: -item[1])
    return "intra_fid per class (worst first): " + ", ".join(f"{printable(str(c))} {v:.3g}" for c, v in worst)


def _flatten(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value
