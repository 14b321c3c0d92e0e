"""Images per second of the image extractors, in one run on one machine: inception, dinov2 (ViT-L/14), clip (ViT-L/14).

Each extractor is built through ganeval's registry (`get_extractor`) from a weights file of seeded
random tensors written to a temporary folder (tests/inception_test_weights.py, dinov2_test_weights.py,
clip_test_weights.py; the real files need a download, and speed does not depend on the values). Every
extractor sees the same uint8 images (--images of --size x --size, in batches of --batch) and does its
own preprocessing, as in a real run: inception resizes to 299 inside the network, dinov2 and clip
resize with PIL to 224 on the CPU. After a warm-up batch, the extractors make --repeats passes over
the images, taking turns (a change of load then hits them alike); the best pass of each counts. The
ratios are inception's images/s over each extractor's: how many times longer each takes than inception.

Run from the repository root (4-5 minutes on a 2-core CPU, a third of it writing and reading the
random weights):
    python3 benchmarks/bench_extractors.py
    python3 benchmarks/bench_extractors.py --device cuda --images 256 --batch 64
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from _common import ROOT, ForeignLoad

from ganeval.device import describe_device, resolve_device
from ganeval.features import get_extractor
from ganeval.options import Extraction

sys.path.insert(0, str(ROOT / "tests"))
from inception_test_weights import make_test_images  # noqa: E402


def inception_weights(folder: Path) -> Path:
    from inception_test_weights import make_test_weights

    return make_test_weights(folder / "inception-test.pth", seed=0)


def dinov2_weights(folder: Path) -> Path:
    from dinov2_test_weights import make_test_state, save_meta

    return save_meta(folder / "dinov2_vitl14_pretrain.pth", make_test_state("vitl14", seed=0))


def clip_weights(folder: Path) -> Path | None:
    try:
        from clip_test_weights import make_test_state, save_safetensors
    except ImportError:
        return None
    return save_safetensors(folder / "open_clip_model.safetensors", make_test_state("ViT-L-14", seed=0))


EXTRACTORS = [  # (registry name, network, weights maker)
    ("inception", "InceptionV3 (torch-fidelity)", inception_weights),
    ("dinov2", "DINOv2 ViT-L/14 (timm)", dinov2_weights),
    ("clip", "CLIP ViT-L/14 (open_clip)", clip_weights),
]


def one_pass(extractor, images: torch.Tensor, batch: int) -> float:
    start = time.perf_counter()
    for first in range(0, len(images), batch):
        extractor.extract(images[first : first + batch])
    if extractor.device.type == "cuda":
        torch.cuda.synchronize(extractor.device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=64, help="side of the input images")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    args = parser.parse_args()

    device = resolve_device(args.device)
    images = make_test_images(args.images, seed=1, size=args.size)
    load = ForeignLoad()
    built = {}  # name -> (network, extractor, seconds to write the weights and build it)
    for name, network, make_weights in EXTRACTORS:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            weights = make_weights(Path(folder))
            if weights is None:
                print(f"{name}: skipped (its extractor or test weights are not in this checkout yet)")
                continue
            try:
                extractor = get_extractor(name, Extraction(weights=weights, device=device, precision=args.precision))
            except Exception as error:  # noqa: BLE001 - report and go on with the others
                print(f"{name}: skipped ({type(error).__name__}: {error})")
                continue
            built[name] = (network, extractor, time.perf_counter() - start)
        one_pass(extractor, images[: args.batch], args.batch)  # warm-up: first-call allocations
    best = {name: float("inf") for name in built}
    for _ in range(max(1, args.repeats)):  # the extractors take turns, so a change of load hits them alike
        for name, (_, extractor, _) in built.items():
            best[name] = min(best[name], one_pass(extractor, images, args.batch))
    rows = [
        (name, network, extractor.extract(images[:1])["features"].shape[1], args.images / best[name], seconds)
        for name, (network, extractor, seconds) in built.items()
    ]

    where = describe_device(device, args.precision)["name"] or f"{device} ({os.cpu_count()} cores)"
    print(
        f"\n{args.images} images of {args.size}x{args.size}, batch {args.batch}, {where}, "
        f"{args.precision}, {torch.get_num_threads()} torch threads, best of {args.repeats} after a warm-up batch"
    )
    base = next((row[3] for row in rows if row[0] == "inception"), None)
    print(f"{'extractor':<10} {'network':<30} {'dim':>5} {'images/s':>9} {'x inception':>12} {'weights+build s':>16}")
    for name, network, dim, rate, built in rows:
        ratio = f"{base / rate:.1f}x" if base else "-"
        print(f"{name:<10} {network:<30} {dim:>5} {rate:>9.2f} {ratio:>12} {built:>16.1f}")
    print(load.report())


if __name__ == "__main__":
    main()
