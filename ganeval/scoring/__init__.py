"""The scoring engine: `score` (resolve the inputs, choose the extractor, extract, plan, compute, provenance),
`stats`, `Evaluator` and `ReferenceScorer` for in-loop use, and the closest copies (`copies`).

Modules, one job each: result (the Result), extractor (which extractor, with what settings), inputs (the sides as
Sources, extracted, as Samples), plan (which metrics run, with their notes), compute (the metrics and the Result),
provenance, score, stats, evaluator, copies."""

from ganeval.scoring.evaluator import Evaluator, ReferenceScorer
from ganeval.scoring.extractor import BATCH_SIZE, choose_extractor, default_batch_size
from ganeval.scoring.plan import MIN_INTERVAL_SAMPLES
from ganeval.scoring.result import KID_DIGITS_NOTE, SUMMARY_METRICS, Modes, Result
from ganeval.scoring.score import score
from ganeval.scoring.stats import stats

__all__ = [
    "BATCH_SIZE",
    "KID_DIGITS_NOTE",
    "MIN_INTERVAL_SAMPLES",
    "SUMMARY_METRICS",
    "Evaluator",
    "Modes",
    "ReferenceScorer",
    "Result",
    "choose_extractor",
    "default_batch_size",
    "score",
    "stats",
]
