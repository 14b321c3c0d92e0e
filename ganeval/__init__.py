"""ganeval: evaluate and diagnose Generative Adversarial Networks.

The public API, one function per job, with the same parameter names throughout (`reference`,
`output`, `options`, `extractor`, `metrics`):

    score(generated, reference, options=MetricOptions())       metrics with 95% intervals -> Result
    stats(reference, output)                                    a reference's features to a file
    make_baseline(candidate, reference, output) / check(candidate, baseline)   a CI quality gate
    compare_variants / compare_runs / compare_results            variants, runs or results side by side
    write_report(runs, output)                                   a training run's diagnosis as HTML/Markdown
    Evaluator(reference).update(batch) ... .compute()           score() fed batch by batch -> Result
    TrainingLogger(run_dir, scorer)                              what a training loop records
    MetricOptions                                                the metric settings and their defaults

Only `MetricOptions` and `GanevalError` are imported with the package; the rest load on first use
(they import torch, which takes seconds), and are the very functions of their modules, with their
signatures and docstrings.

    >>> import ganeval
    >>> ganeval.MetricOptions().k
    5
    >>> ganeval.score.__module__
    'ganeval.scoring.score'
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

from ganeval.errors import GanevalError  # noqa: E402  (after __version__, which the modules below read)
from ganeval.options import MetricOptions  # noqa: E402

if TYPE_CHECKING:  # what the lazy names are, for type checkers and IDEs
    from ganeval.compare import Comparison, compare_results, compare_runs, compare_variants
    from ganeval.gate import Baseline, CheckReport, check, load_baseline, load_generator, make_baseline
    from ganeval.report import write_report
    from ganeval.scoring import Evaluator, ReferenceScorer, Result, score, stats
    from ganeval.training import TrainingLogger

# name -> the module that defines it (imported on first access, PEP 562)
_LAZY = {
    "score": "ganeval.scoring",
    "stats": "ganeval.scoring",
    "Result": "ganeval.scoring",
    "ReferenceScorer": "ganeval.scoring",
    "Evaluator": "ganeval.scoring",
    "make_baseline": "ganeval.gate",
    "check": "ganeval.gate",
    "load_baseline": "ganeval.gate",
    "load_generator": "ganeval.gate",
    "Baseline": "ganeval.gate",
    "CheckReport": "ganeval.gate",
    "compare_variants": "ganeval.compare",
    "compare_runs": "ganeval.compare",
    "compare_results": "ganeval.compare",
    "Comparison": "ganeval.compare",
    "write_report": "ganeval.report",
    "TrainingLogger": "ganeval.training",
}

__all__ = ["GanevalError", "MetricOptions", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'ganeval' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
