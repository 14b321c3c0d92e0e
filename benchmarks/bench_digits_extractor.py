"""Throughput of the `digits` extractor: images per second of DigitsExtractor.extract.

2,000 bundled digit images (uint8 1 x 32 x 32; the 1,797 digits, then the first 203 again) are
passed in batches of 500; the figure is the best of 3 full passes, after one warm-up pass.
With --channels 3 it times stacked-digit images instead (three classifications per image).

Run from the repository root (a few seconds):
    python3 benchmarks/bench_digits_extractor.py
    python3 benchmarks/bench_digits_extractor.py --channels 3
    python3 benchmarks/bench_digits_extractor.py --threads 1   # when other processes share the cores
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _common import ForeignLoad, best_time

from ganeval.data.digits import load_digits_images, stacked_digits
from ganeval.features.digits import DigitsExtractor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--channels", type=int, default=1, choices=(1, 3))
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    if args.channels == 1:
        images, _ = load_digits_images()
        images = torch.from_numpy(np.resize(images, (args.n, *images.shape[1:])))
    else:
        images = torch.from_numpy(stacked_digits(args.n, seed=0)[0])
    extractor = DigitsExtractor(channels=args.channels)
    batches = list(torch.split(images, args.batch))

    def run():
        return [extractor.extract(batch) for batch in batches]

    load = ForeignLoad()
    run()  # warm-up: first-call allocations and oneDNN kernel selection
    seconds, _ = best_time(run, args.repeats)
    print(
        f"DigitsExtractor(channels={args.channels}).extract: {args.n} images in batches of {args.batch}, "
        f"torch threads {torch.get_num_threads()}: best of {args.repeats} {seconds:.3f} s = "
        f"{args.n / seconds:,.0f} images/s"
    )
    print(load.report())


if __name__ == "__main__":
    main()
