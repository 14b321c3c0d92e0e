"""Quality of the reference trainers at their defaults, measured with ganeval itself.

Trains each (variant, data) pair with its default settings and seed 0, then scores 10,000 samples
of the trained generator against the bundled reference: modes covered, high-quality fraction
(within 3 std of a mode), precision/recall, and the wall time of the training. Targets (issue):
ring8: wgan-gp and gan-ns cover >= 7 of 8 modes with >= 70% high-quality samples;
grid25: wgan-gp covers >= 20 of 25 modes; digits: dcgan covers all 10 classes (FID, from the
digits classifier, replaces the high-quality fraction for images); cgan's samples carry the class
asked for >= 90% of the time (class accuracy: the digits classifier's label equals the requested
label, over 2,000 samples, 200 per class); cyclegan preserves the label of >= 80% of the digits it
translates (the 899 digits it never saw in training), and its translations' FID against thick digits
beats the untranslated digits' (the identity map's). Each run within about 5 minutes on a 2-core CPU.

    python benchmarks/bench_trainers.py \\
        [--pairs wgan-gp:ring8,gan-ns:ring8,wgan-gp:grid25,dcgan:digits,cgan:digits,cyclegan:digits] \\
        [--out runs/bench]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from _common import ForeignLoad
from bench_claims import score_samples

import reference_models
from ganeval.features.digits import DigitsExtractor
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score

TARGETS = {
    ("wgan-gp", "ring8"): (7, 0.7),
    ("gan-ns", "ring8"): (7, 0.7),
    ("wgan-gp", "grid25"): (20, None),
    ("dcgan", "digits"): (10, None),
    ("cgan", "digits"): (10, None),
    ("cyclegan", "digits"): (10, None),
}
CLASS_ACCURACY_TARGET = 0.9  # conditional variants
LABEL_PRESERVATION_TARGET = 0.8  # cyclegan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--pairs",
        default="wgan-gp:ring8,gan-ns:ring8,wgan-gp:grid25,gan:ring8,wgan:ring8,dcgan:digits,cgan:digits,cyclegan:digits",
    )
    parser.add_argument("--out", default="runs/bench", help="folder for the runs (kept for the reports)")
    args = parser.parse_args()
    load = ForeignLoad()
    rows = []
    for pair in args.pairs.split(","):
        variant, data = pair.split(":")
        start = time.perf_counter()
        try:
            run = reference_models.train(
                variant, data, out=Path(args.out) / f"{variant}-{data}", seed=0, overwrite=True
            )
            status = "finished"
        except reference_models.TrainingDiverged as error:
            run, status = Path(args.out) / f"{variant}-{data}", f"diverged: {error}"
        seconds = time.perf_counter() - start
        trained = reference_models.load(run)
        n = min(
            10_000, getattr(trained.data, "distinct_inputs", 10_000)
        )  # cyclegan translates each of its 899 unseen digits once
        samples = trained.sample(n, seed=1)
        images = samples.ndim == 4
        values = score_samples(samples, trained.data.reference)
        modes, hq = values["modes_covered"], values["fid" if images else "high_quality_fraction"]
        target = TARGETS.get((variant, data))
        verdict, conditional, translation = "", trained.variant.conditional, variant == "cyclegan"
        if (
            translation
        ):  # the unseen digits, drawn as `sample` draws them: the share the classifier still labels as their source
            digits, labels = trained.data.unseen(n, torch.Generator().manual_seed(1))
            translated = samples
            preserved = float(
                (DigitsExtractor().extract(torch.from_numpy(translated))["modes"] == labels.numpy()).mean()
            )
            untranslated = score(
                reference_models.data.to_uint8(digits),
                trained.data.reference,
                metrics=["fid"],
                options=MetricOptions(bootstrap=0),
                extraction=Extraction(progress=False),
            )
            status += f"  label preservation {preserved:.1%}  identity-map FID {untranslated.metrics['fid'].value:.1f}"
        if conditional:  # 2,000 samples, labels 0..9 in turn: the share the digits classifier gives the label asked for
            asked = torch.arange(2000) % 10
            modes_found = DigitsExtractor().extract(reference_models.load(run).sample(2000, seed=1))["modes"]
            accuracy = float((modes_found == asked.numpy()).mean())
            status += f"  class accuracy {accuracy:.1%}"
        if target:
            met = (
                modes >= target[0]
                and (target[1] is None or hq >= target[1])
                and (not conditional or accuracy >= CLASS_ACCURACY_TARGET)
                and (not translation or preserved >= LABEL_PRESERVATION_TARGET)
            )
            verdict = (
                f"target >= {target[0]} modes"
                + (f", >= {target[1]:.0%} HQ" if target[1] else "")
                + (f", >= {CLASS_ACCURACY_TARGET:.0%} class accuracy" if conditional else "")
                + (f", >= {LABEL_PRESERVATION_TARGET:.0%} label preservation" if translation else "")
                + (": met" if met else ": NOT met")
            )
        rows.append(
            f"{variant:8} {data:7} {seconds:6.0f} s  modes {modes:3.0f}  "
            f"{f'FID {hq:6.1f}' if images else f'HQ {hq:6.1%}'}  precision {values['precision']:.3f}  "
            f"recall {values['recall']:.3f}  {status}  {verdict}"
        )
        print(rows[-1], flush=True)
    print(load.report())


if __name__ == "__main__":
    main()
