"""Bounded memory: peak resident memory of `ganeval score` on folders of 32 x 32 PNGs, by N.

Generates (once, under --root) folders of N 32 x 32 grayscale PNGs per side: bundled digits upsampled
from 8 x 8, with noise. Each job runs `ganeval score FAKE --ref REAL --extractor digits` in a child
process with a fresh cache folder, and its peak RSS is that child's own (os.wait4's rusage), so one
job's peak never shows in another's. Jobs:

  fid   --metrics fid --bootstrap 0 at --small and --large images per side: FID alone keeps only the
        features' sums, so the peak must not grow with N (ratio large / small, target <= 1.10, and
        below 1.5 GB)
  all   every metric (--bootstrap 0) at --all-n per side (target below 4 GB)

Run from the repository root:
    python3 benchmarks/bench_memory.py                       # 10,000 and 100,000 (FID), all at 20,000
    python3 benchmarks/bench_memory.py --all-n 100000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import ROOT, ForeignLoad
from PIL import Image


def make_folder(folder: Path, n: int, seed: int) -> Path:
    """n 32 x 32 PNGs (digits 8 x 8 upsampled 4x, plus noise), once: a folder that is complete is kept."""
    done = folder / ".complete"
    if done.exists():
        return folder
    from ganeval.data import get_bundled

    folder.mkdir(parents=True, exist_ok=True)
    digits, _ = get_bundled("digits").sample(None, 0)
    rng = np.random.default_rng(seed)
    for start in range(0, n, 1000):
        count = min(1000, n - start)
        picked = digits[rng.integers(0, len(digits), count), 0]
        images = np.kron(picked, np.ones((4, 4), dtype=np.uint8)).astype(np.int16)
        images += rng.integers(-20, 21, images.shape, dtype=np.int16)
        for i, image in enumerate(np.clip(images, 0, 255).astype(np.uint8)):
            Image.fromarray(image).save(folder / f"{start + i:06d}.png")
    done.write_text("")
    return folder


def peak_rss(arguments: list[str]) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of one `ganeval` run in a child process with a fresh cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "GANEVAL_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "ganeval.cli", *arguments], env=env, stdout=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        output = process.stdout.read().decode()
        process.stdout.close()
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"ganeval {' '.join(arguments)} exited {process.returncode}")
    print(f"    {output.strip().splitlines()[0] if output.strip() else ''}")
    return usage.ru_maxrss / 1024, seconds  # ru_maxrss is in KiB on Linux


def job(root: Path, n: int, metrics: list[str]) -> tuple[float, float]:
    fake, real = make_folder(root / f"fake-{n}", n, seed=1), make_folder(root / f"real-{n}", n, seed=2)
    arguments = ["score", str(fake), "--ref", str(real), "--extractor", "digits", "--bootstrap", "0", "--quiet"]
    return peak_rss(arguments + (["--metrics", ",".join(metrics)] if metrics else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "ganeval-bench-memory")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--all-n", type=int, default=20_000)
    args = parser.parse_args()
    load = ForeignLoad()
    rows = []
    for n in (args.small, args.large):
        rss, seconds = job(args.root, n, ["fid"])
        rows.append(("fid", n, rss, seconds))
        print(f"fid  N={n:>7,} per side: peak RSS {rss:7.0f} MiB, {seconds:6.1f} s ({2 * n / seconds:,.0f} images/s)")
    ratio = rows[1][2] / rows[0][2]
    print(
        f"fid  peak RSS ratio {args.large:,} / {args.small:,}: {ratio:.3f} "
        f"(target <= 1.10; below 1.5 GB: {rows[1][2] < 1536})"
    )
    rss, seconds = job(args.root, args.all_n, [])
    print(
        f"all  N={args.all_n:>7,} per side: peak RSS {rss:7.0f} MiB, {seconds:6.1f} s (target below 4 GB: {rss < 4096})"
    )
    print(load.report())


if __name__ == "__main__":
    main()
