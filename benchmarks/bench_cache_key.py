"""Cost of the reference cache's content key: hashing a folder's bytes (blake2b, in threads)
against a cold `ganeval score` that has that folder as its reference (2,000 stand-in digit PNGs
scored against 2,000 others with the digits extractor, as bench_score.py's digits row).

The cache is keyed by the files' bytes, not their sizes and modification times, so the key is
computed before every cached score of a folder reference, hit or miss. Target: at most 5% of a
cold score.

    python benchmarks/bench_cache_key.py [--n 2000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, ForeignLoad, best_time
from bench_score import stand_in_digits, timed, write_pngs

from ganeval.cache.keys import content_digest
from ganeval.data.images import find_images

TARGET = 0.05  # the budget: the content key may cost at most 5% of a cold score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="stand-in digit PNGs in the reference folder")
    parser.add_argument("--repeats", type=int, default=5, help="timings of the key (best and median reported)")
    args = parser.parse_args()
    load = ForeignLoad()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generated = write_pngs(tmp / "generated", stand_in_digits(args.n, seed=0))  # bench_score.py's folder
        folder = write_pngs(tmp / "reference", stand_in_digits(args.n, seed=3))
        files = find_images(folder)
        megabytes = sum(path.stat().st_size for path in files) / 1e6
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            content_digest(files, folder)
            times.append(time.perf_counter() - start)
        scan, _ = best_time(lambda: find_images(folder), args.repeats)
        env = {**os.environ, "GANEVAL_CACHE_DIR": str(tmp / "cache"), "PYTHONPATH": str(ROOT)}
        command = [
            sys.executable,
            "-m",
            "ganeval.cli",
            "score",
            str(generated),
            "--ref",
            str(folder),
            "--extractor",
            "digits",
            "--quiet",
        ]
        cold = timed(command, env)  # empty cache: extracts the folder, hashes it and writes the entry
        warm = timed(command, env)  # the key is computed again, then the entry is read
    best, median = min(times), statistics.median(times)
    print(
        f"{args.n} stand-in digit PNGs scored against a reference folder of {args.n} more ({megabytes:.1f} MB), "
        "digits extractor, all metrics, 100 resamples"
    )
    print(
        f"  content key (blake2b, threads)   best {best * 1000:7.1f} ms, "
        f"median {median * 1000:7.1f} ms  ({megabytes / best:.0f} MB/s)"
    )
    print(f"  folder scan (find_images)        best {scan * 1000:7.1f} ms (paid with or without the key)")
    print(f"  ganeval score, cold cache        {cold:7.2f} s")
    print(f"  ganeval score, warm cache        {warm:7.2f} s")
    print(
        f"  key / cold score                 {median / cold:.4f} (target <= {TARGET:.2f}); "
        f"key / warm score {median / warm:.4f}"
    )
    print(load.report())
    print(
        f"SUMMARY cache_key n={args.n}: content key {median * 1000:.0f} ms (median of {args.repeats}) = "
        f"{100 * median / cold:.2f}% of a cold score ({cold:.1f} s), "
        f"{100 * median / warm:.2f}% of a warm one ({warm:.1f} s); "
        f"target <= {100 * TARGET:.0f}%: {'met' if median / cold <= TARGET else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
