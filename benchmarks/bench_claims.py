"""Re-measure the README's claims about the reference trainers, so that a claim is checked by one command.

Each claim is a training (variant, data, steps, seed, settings) and what README.md or
benchmarks/README.md says it reaches: modes covered, the high-quality share (within 3 std of a mode),
and for images the FID. Each training runs into --out (a finished run there with the same settings
is reused); 10,000 samples of its generator (noise seed 1; as many as the claim used) are scored
against the bundled reference as bench_trainers.py scores them; one Markdown table says, per claim,
what was measured and whether the claim holds: modes covered at least as claimed, the high-quality
share within 1 percentage point of the claim or above it, FID at most 5% above it.

    python benchmarks/bench_claims.py [--only wgan-gp:grid25,...] [--out runs/claims]

Trainings take minutes each on a 2-core CPU (wgan-gp's 5 critic steps the longest).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NamedTuple

import torch
from _common import ROOT

import reference_models
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score

HQ_TOLERANCE = 0.01  # claims are written to whole percents
FID_TOLERANCE = 0.05  # relative: a claimed FID holds up to 5% above it


class Claim(NamedTuple):
    variant: str
    data: str
    where: str  # file:line of the sentence or table row that makes the claim
    modes: int  # modes covered, as claimed
    hq: float | None = None  # high-quality share, as claimed (2-D data)
    fid: float | None = None  # FID, as claimed (images)
    steps: int | None = None  # None: the variant's default
    seed: int = 0
    settings: tuple = ()  # (key, value) pairs passed as --set
    n: int = 10_000  # samples scored (noise seed 1), as many as the claim's measurement used

    @property
    def name(self) -> str:
        shown = {key: "x".join(map(str, value)) if isinstance(value, tuple) else value for key, value in self.settings}
        extra = "".join(f"-{key}{value}" for key, value in shown.items())
        return f"{self.variant}-{self.data}-{self.steps or 'default'}-seed{self.seed}{extra}"


FAST_LR = (("lr_d", 1e-3), ("lr_g", 1e-3))  # grid25 in minutes: the defaults (1e-4 to 3e-4) learn it slowly

CLAIMS = [
    Claim("wgan-gp", "ring8", "docs/trainers.md:38; benchmarks/README.md:218", modes=8, hq=0.78),
    Claim("wgan-gp", "grid25", "docs/trainers.md:38; benchmarks/README.md:219", modes=24, hq=0.066),
    Claim("gan-ns", "ring8", "docs/trainers.md:39; benchmarks/README.md:220", modes=8, hq=0.85),
    Claim("gan", "ring8", "benchmarks/README.md:221", modes=7, hq=0.054),
    Claim("wgan", "ring8", "benchmarks/README.md:222", modes=8, hq=0.013),
    # where gan-ns, gan and wgan-gp learn grid25 in minutes (issue 24, item 7): docs/trainers.md:46
    Claim("gan-ns", "grid25", "docs/trainers.md:46", modes=25, hq=0.63, steps=6000, settings=FAST_LR),
    Claim(
        "gan",
        "grid25",
        "docs/trainers.md:46",
        modes=21,
        hq=0.58,
        steps=6000,
        settings=(*FAST_LR, ("betas", (0.5, 0.9))),
    ),
    Claim("wgan-gp", "grid25", "docs/trainers.md:47", modes=20, hq=0.44, steps=6000, settings=FAST_LR),
    Claim("dcgan", "digits", "docs/trainers.md:39; benchmarks/README.md:239", modes=10, fid=204.0, n=2000),
]


def trained(claim: Claim, out: Path) -> Path:
    """The claim's run folder: reused when it holds a finished run with the same settings, else trained."""
    run = out / claim.name
    config = reference_models.get_variant(claim.variant).defaults.override(
        steps=claim.steps, seed=claim.seed, **dict(claim.settings)
    )
    manifest = run / "manifest.json"
    if manifest.is_file():
        old = json.loads(manifest.read_text())
        same = old.get("config") == json.loads(json.dumps(config.to_dict())) and old.get("data") == claim.data
        if old.get("finished") and same:
            return run
    return reference_models.train(
        claim.variant,
        claim.data,
        out=run,
        steps=claim.steps,
        seed=claim.seed,
        overwrite=True,
        progress=False,
        **dict(claim.settings),
    )


def measure(run: Path, n: int) -> dict:
    """modes_covered, high_quality_fraction (2-D) or fid (images), precision and recall of n samples."""
    generator = reference_models.load(run)
    return score_samples(generator.sample(n, seed=1), generator.data.reference)


def score_samples(samples, reference) -> dict:
    """modes_covered, high_quality_fraction (2-D points) or fid (images), precision and recall, without
    intervals (bench_trainers.py scores its runs this way too)."""
    images = samples.ndim == 4  # uint8 N x C x H x W: a tensor tells score the layout
    quality = "fid" if images else "high_quality_fraction"
    metrics = score(
        torch.from_numpy(samples) if images else samples,
        reference,
        metrics=["modes_covered", quality, "precision", "recall"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(progress=False),
    ).metrics
    return {name: value.value for name, value in metrics.items()}


def holds(claim: Claim, measured: dict) -> bool:
    """Whether the measured values bear the claim out (see the module's docstring)."""
    ok = measured["modes_covered"] >= claim.modes
    if claim.hq is not None:
        ok = ok and measured["high_quality_fraction"] >= claim.hq - HQ_TOLERANCE
    if claim.fid is not None:
        ok = ok and measured["fid"] <= claim.fid * (1 + FID_TOLERANCE)
    return ok


def row(claim: Claim, measured: dict) -> str:
    """One Markdown row: the training, the claim, the measurement and whether the claim holds."""
    settings = ", ".join(f"{key}={value}" for key, value in claim.settings) or "defaults"
    steps = claim.steps or reference_models.get_variant(claim.variant).defaults.steps
    claimed = f"{claim.modes} modes" + (f", {claim.hq:.1%} HQ" if claim.hq is not None else "")
    claimed += f", FID {claim.fid:g}" if claim.fid is not None else ""
    quality = f"{measured['fid']:.1f} FID" if "fid" in measured else f"{measured['high_quality_fraction']:.1%}"
    verdict = "reproduced" if holds(claim, measured) else "**wrong**"
    return (
        f"| {claim.variant} | {claim.data} | {steps:,} | {claim.seed} | {settings} | {claimed} | "
        f"{measured['modes_covered']:.0f} | {quality} | {measured['precision']:.3f} | {measured['recall']:.3f} | "
        f"{verdict} | {claim.where} |"
    )


HEADER = (
    "| variant | data | steps | seed | settings | claim | modes | high quality (or FID) | precision | recall "
    "| claim holds | where |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="variant:data pairs to measure, e.g. wgan-gp:grid25 (all: empty)")
    parser.add_argument("--out", default=str(ROOT / "runs" / "claims"), help="folder for the runs (reused)")
    args = parser.parse_args()
    wanted = {tuple(pair.split(":")) for pair in args.only.split(",") if pair}
    chosen = [claim for claim in CLAIMS if not wanted or (claim.variant, claim.data) in wanted]
    if not chosen:
        pairs = ", ".join(f"{claim.variant}:{claim.data}" for claim in CLAIMS)
        sys.exit(f"--only {args.only!r} names no claim; the claims: {pairs}")
    print(HEADER, flush=True)
    for claim in chosen:
        print(row(claim, measure(trained(claim, Path(args.out)), claim.n)), flush=True)


if __name__ == "__main__":
    main()
