"""One module per metric family: the adapters on `Samples`, the interval, the `MetricSpec`s and the guard.

Each module calls the pure math of `ganeval.metrics.<name>`, defines its `Family` (compute, interval,
`refuse`) and registers each of its metrics with one `registry.register(spec, family)` call on import.
`ganeval.metrics.registry` imports the modules in the order the metrics are listed (fid, kid,
inception_score, precision ...). A guard (`Family.refuse`) returns a `Refusal` (metrics/spec.py) for the
metrics it refuses: all of its family's, or the subset it names (copying refuses memorized, not
authenticity); `named_only=False` marks one that raises even when the metrics were not named (PRDC's k).

This module holds only what several families' traits share.
"""

FEATURES = ("features",)
FEATURES_LABELS = ("features", "labels")  # a class label per sample, on both sides (intra-FID, CAS)
FRACTION = {"upper": 1.0}  # a share
# Shares in [0, 1] (precision, recall, coverage, high-quality share): the noise floor of a training log's
# trends (diagnostics.trends), 5 points, the bootstrap half-width of a share near 0.5 measured on 400 samples.
SHARE_FLOOR = 0.05
