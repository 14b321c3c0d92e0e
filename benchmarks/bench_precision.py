"""bf16 against fp32: how far FID moves when the extractor runs under bf16 autocast (--precision bf16).

    python3 benchmarks/bench_precision.py                   # CPU: digits and the test InceptionV3
    python3 benchmarks/bench_precision.py --device cuda --weights weights-inception-2015-12-05-6726825d.pth

Digits: examples/digits-samples against the bundled digits (all samples). Inception: two sets of
--n seeded test images (tests/inception_test_weights.py) with the stand-in weights unless --weights.
Prints FID at both precisions, the absolute and relative deviation, and the features' largest
relative difference.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import ROOT, ForeignLoad

from ganeval.options import Extraction

sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=128, help="test images per side for inception (default 128)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--weights", help="InceptionV3 weights (default: the test stand-in)")
    args = parser.parse_args()

    from inception_test_weights import make_test_images, make_test_weights

    import ganeval
    from ganeval.options import MetricOptions

    load = ForeignLoad()
    options = MetricOptions(bootstrap=0)
    weights = args.weights or str(make_test_weights(Path(tempfile.mkdtemp()) / "inception-test.pth", seed=0))
    jobs = {
        "digits": dict(generated=str(ROOT / "examples" / "digits-samples"), reference="digits", extractor="digits"),
        "inception": dict(
            generated=make_test_images(args.n, 1),
            reference=make_test_images(args.n, 2, smoothness=6),
            extractor="inception",
            weights=weights,
        ),
    }
    for name, job in jobs.items():
        values = {}
        for precision in ("fp32", "bf16"):
            result = ganeval.score(
                metrics=["fid"],
                options=options,
                **job,
                extraction=Extraction(cache=False, progress=False, device=args.device, precision=precision),
            )
            values[precision] = result.metrics["fid"].value
            count = result.provenance["generated"]["count"], result.provenance["reference"]["count"]
        delta = values["bf16"] - values["fp32"]
        print(
            f"{name:10s} n={count[0]}/{count[1]}  FID fp32 {values['fp32']:.6g}  bf16 {values['bf16']:.6g}  "
            f"deviation {delta:+.4g} ({delta / values['fp32']:+.3%})"
        )
    print(load.report())


if __name__ == "__main__":
    main()
