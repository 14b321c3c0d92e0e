"""GanevalFID: ganeval's FID as a torchmetrics `Metric` (pip install ganeval[torchmetrics]).

    from ganeval.integrations.torchmetrics import GanevalFID
    fid = GanevalFID("digits", device="cuda")     # the reference's sums computed once, here
    fid.update(fake_images)                       # uint8 or [0, 1] float N x C x H x W, or features N x D
    fid.compute()                                 # a float64 tensor; under DDP every rank's samples

The generated side is kept as float64 sums (count, sum, sum of outer products: O(D^2) memory), torchmetrics
states with dist_reduce_fx="sum", so torchmetrics' DDP sync, MetricCollection and Lightning's `self.log`
work as they do for its own FrechetInceptionDistance. The batches go through `ganeval.Evaluator`'s
extraction and the value is `fid_from_sums`, FID as `ganeval.Evaluator(reference, ["fid"])` gives it.
"""

from __future__ import annotations

import numpy as np
import torch

try:  # the optional extra this module exists for: without it the module still imports, the class says so
    from torchmetrics import Metric
except ModuleNotFoundError:
    Metric, MISSING = object, 'torchmetrics: pip install "ganeval[torchmetrics]"'
else:
    MISSING = None

from ganeval.errors import GanevalError
from ganeval.features.extract import Collected, Sums
from ganeval.metrics import GaussianStats
from ganeval.metrics.fid import fid_from_sums
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import Evaluator

__all__ = ["GanevalFID"]


class GanevalFID(Metric):
    """FID of the generated batches against `reference` (what `ganeval.score` takes, or a ReferenceScorer).
    extractor, options (n and seed: the reference's subsample) and extraction (`ganeval.options.Extraction`):
    as for `ganeval.Evaluator`. Lower is better, from 0."""

    higher_is_better = False
    is_differentiable = False
    full_state_update = False

    def __init__(
        self,
        reference,
        extractor: str | None = None,
        *,
        options: MetricOptions = MetricOptions(),
        extraction: Extraction | None = None,
        **keywords,
    ):
        if MISSING:
            raise GanevalError(f"GanevalFID needs {MISSING}.")
        super().__init__()
        fid_only = options.replace(bootstrap=0)
        extraction = Extraction.merged(extraction, "GanevalFID", keywords, workers=0, progress=False)
        self.evaluator = Evaluator(reference, ["fid"], extractor, options=fid_only, extraction=extraction)
        self.real = self.evaluator._reference.outputs.get("gaussian")
        if self.real is None:  # a prepared reference (ReferenceScorer) holds features
            self.real = GaussianStats.from_features(self.evaluator._reference.outputs["features"])
        dim = self.real.dim
        self.add_state("count", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("total", torch.zeros(dim, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("outer", torch.zeros(dim, dim, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, fake) -> None:
        """Add a batch (`ganeval.Evaluator.update`'s kinds) to the float64 sums."""
        self.evaluator.reset()  # the Evaluator checks and extracts the batch; the sums are kept here
        self.evaluator.update(fake)
        added = _sums(self.evaluator._sink)
        self.count += float(added.count)
        self.total += torch.from_numpy(added.total).to(self.total.device)
        self.outer += torch.from_numpy(added.outer).to(self.outer.device)

    def compute(self) -> torch.Tensor:
        fake = GaussianStats(
            int(round(float(self.count))), self.total.cpu().numpy().astype(np.float64), self.outer.cpu().numpy()
        )
        return torch.tensor(fid_from_sums(self.real, fake), dtype=torch.float64)


def _sums(sink: Sums | Collected) -> GaussianStats:
    """The float64 sums of the features an Evaluator's sink holds: its own (FID alone), or those of its parts,
    added a part at a time as `Sums` would (a prepared reference keeps the features)."""
    if isinstance(sink, Sums):
        return sink.gaussian
    stats = None
    for part in sink.parts:
        stats = GaussianStats.accumulate(stats, np.asarray(part["features"], dtype=np.float64))
    return stats
