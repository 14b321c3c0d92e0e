"""InceptionV3 throughput: ganeval's InceptionExtractor.extract against torch-fidelity's own forward.

Both run the same torch-fidelity network ("inception-v3-compat") on the same images in batches of
--batch, loaded from the same weights file: the deterministic test weights from
tests/inception_test_weights.py, generated on the fly (the real weights need a download; speed
does not depend on the weight values). torch-fidelity's forward runs under torch.no_grad, as its
calculate_metrics does; ganeval's under torch.inference_mode, plus the float64 numpy conversion.
The two take turns, --repeats times each; the best pass of each is reported, and the outputs are
checked to be identical.

Run from the repository root (about a minute on a 2-core CPU):
    python3 benchmarks/bench_inception_extractor.py
    python3 benchmarks/bench_inception_extractor.py --images 64 --batch 32 --device cuda
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import ROOT, ForeignLoad
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from ganeval.features.inception import LAYERS, InceptionExtractor
from ganeval.options import Extraction

sys.path.insert(0, str(ROOT / "tests"))
from inception_test_weights import make_test_images, make_test_weights  # noqa: E402


def one_pass(fn, images: torch.Tensor, batch: int) -> tuple[float, dict[str, np.ndarray]]:
    """(seconds, outputs concatenated over batches) for one pass of `fn` over `images`."""
    start = time.perf_counter()
    parts = [fn(images[i : i + batch]) for i in range(0, len(images), batch)]
    seconds = time.perf_counter() - start
    return seconds, {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=64, help="side of the input images (the net resizes to 299)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    load = ForeignLoad()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        weights = make_test_weights(Path(folder) / "inception-test.pth", seed=0)
        print(f"test weights generated in {time.perf_counter() - start:.1f} s")
        ours = InceptionExtractor(weights=weights, extraction=Extraction(device=args.device))
        peer = FeatureExtractorInceptionV3(
            "inception-v3-compat", list(LAYERS.values()), feature_extractor_weights_path=str(weights)
        )
    peer.to(args.device)
    images = make_test_images(args.images, seed=1, size=args.size)

    def peer_forward(batch: torch.Tensor) -> dict[str, np.ndarray]:
        with torch.no_grad():
            outputs = peer(batch.to(args.device))
        return {key: out.cpu().numpy() for key, out in zip(LAYERS, outputs)}

    timings = {"ganeval InceptionExtractor.extract": [], "torch-fidelity FeatureExtractorInceptionV3": []}
    one_pass(ours.extract, images[: args.batch], args.batch)  # warm-up: first-call allocations
    for _ in range(max(1, args.repeats)):
        seconds, ours_out = one_pass(ours.extract, images, args.batch)
        timings["ganeval InceptionExtractor.extract"].append(seconds)
        seconds, peer_out = one_pass(peer_forward, images, args.batch)
        timings["torch-fidelity FeatureExtractorInceptionV3"].append(seconds)
    same = all(np.array_equal(ours_out[key], peer_out[key].astype(np.float64)) for key in LAYERS)

    print(
        f"{args.images} images of {args.size}x{args.size}, batch {args.batch}, device {args.device}, "
        f"{torch.get_num_threads()} torch threads, best of {args.repeats}"
    )
    for name, values in timings.items():
        print(
            f"  {name:45s} {args.images / min(values):6.2f} images/s  "
            f"(passes: {', '.join(f'{v:.1f} s' for v in values)})"
        )
    print(f"  outputs identical: {same}")
    print(load.report())


if __name__ == "__main__":
    main()
