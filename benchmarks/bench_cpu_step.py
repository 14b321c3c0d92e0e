"""Images/s of extract_files with the extractor's CPU step (PIL preprocessing) in the main process or in workers.

Writes --images random RGB PNG files of --size x --size to a temporary folder and times, for dinov2-vits14
(the seeded random weights of tests/dinov2_test_weights.py, fp32):
  1. the whole of extract_files (decoding, cpu_step, network) with --workers 0 and with the given workers;
  2. the preprocessing alone: extract_files' DataLoader and collate (decoding and cpu_step) with the network
     left out (the loop only takes the batches), which is the throughput ceiling a fast GPU would meet;
     and the decoding alone (no cpu_step), for scale.
On a CPU the network dominates (1.); (2.) shows what the workers lift.

    python3 benchmarks/bench_cpu_step.py [--images 512] [--size 256] [--workers 2] [--device cpu]
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import ROOT, ForeignLoad
from PIL import Image
from torch.utils.data import DataLoader

from ganeval.features.dinov2 import DINOv2Extractor
from ganeval.features.extract import _ImageFiles, _stack, extract_files
from ganeval.options import Extraction

sys.path.insert(0, str(ROOT / "tests"))
from dinov2_test_weights import make_test_state, save_timm  # noqa: E402


def write_pngs(folder: Path, n: int, size: int) -> list[Path]:
    rng = np.random.default_rng(0)
    for index in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(folder / f"{index:04d}.png")
    return sorted(folder.glob("*.png"))


def loader_only(files, cpu_step, workers: int, batch_size: int) -> float:
    """Images/s of extract_files' loader (decoding, and the cpu_step when given) with nothing after it."""
    collate = _stack if cpu_step is None else functools.partial(_stack, cpu_step=cpu_step)
    loader = DataLoader(_ImageFiles(files, 3), batch_size=batch_size, num_workers=workers, collate_fn=collate)
    start = time.perf_counter()
    for _ in loader:
        pass
    return len(files) / (time.perf_counter() - start)


def whole(files, extractor, workers: int, batch_size: int) -> float:
    start = time.perf_counter()
    extract_files(files, extractor, Extraction(batch_size=batch_size, workers=workers, progress=False))
    return len(files) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    load = ForeignLoad()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        weights = save_timm(folder / "model.safetensors", make_test_state("vits14", seed=0))
        extractor = DINOv2Extractor(weights=weights, arch="vits14", extraction=Extraction(device=args.device))
        (folder / "images").mkdir()
        files = write_pngs(folder / "images", args.images, args.size)
        print(f"{args.images} PNG files of {args.size}x{args.size}, batch {args.batch}, {os.cpu_count()} cores")
        print("| what | workers 0 | workers", args.workers, "|\n|---|---|---|")
        steps = (("decoding alone", None), ("decoding + cpu_step (dinov2 preprocess)", extractor.cpu_step))
        for what, cpu_step in steps:
            rates = [loader_only(files, cpu_step, workers, args.batch) for workers in (0, args.workers)]
            print(f"| {what}, no network | {rates[0]:.0f} img/s | {rates[1]:.0f} img/s |")
        rates = [whole(files, extractor, workers, args.batch) for workers in (0, args.workers)]
        print(f"| extract_files, dinov2-vits14 on {args.device} | {rates[0]:.1f} img/s | {rates[1]:.1f} img/s |")
    print(load.report())


if __name__ == "__main__":
    main()
