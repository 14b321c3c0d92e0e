"""Wall time of `ganeval score` against torch-fidelity's `fidelity` command on the same folders.

Two comparisons, each command run as its own process (start-up and imports included):
  inception: FID + KID + IS of two folders of images with the same InceptionV3 weights file (the
             deterministic test weights: the real ones cannot be downloaded here; the network and
             its cost are the same). ganeval cold (empty cache) and warm (reference features cached)
             against `fidelity --no-cache`. ganeval runs with --bootstrap 0, as torch-fidelity has no
             intervals; a last row shows the cost of ganeval's default 100 resamples.
  digits:    `ganeval score` of 2,000 stand-in digit images against the bundled `digits` reference,
             cold and warm, at default settings (all metrics, 100 bootstrap resamples).

    python benchmarks/bench_score.py [--n 48] [--digits 2000]
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

sys.path.insert(0, str(ROOT / "tests"))
from inception_test_weights import make_test_images, make_test_weights  # noqa: E402


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def write_pngs(folder: Path, images: np.ndarray) -> Path:
    folder.mkdir(parents=True)
    for i, image in enumerate(images):
        array = image.transpose(1, 2, 0) if image.shape[0] == 3 else image[0]
        Image.fromarray(array).save(folder / f"{i:05d}.png")
    return folder


def stand_in_digits(n: int, seed: int = 0) -> np.ndarray:
    """Bundled digits shifted by up to 2 pixels with pixel noise: a stand-in generator's output."""
    from ganeval.data.digits import load_digits_images

    rng = np.random.default_rng(seed)
    images, _ = load_digits_images()
    picks = rng.integers(0, len(images), n)
    out = np.empty((n, 1, 32, 32), np.uint8)
    for i, pick in enumerate(picks):
        shifted = np.roll(images[pick, 0].astype(float), tuple(rng.integers(-2, 3, 2)), axis=(0, 1))
        out[i, 0] = np.clip(shifted + rng.normal(0, 12, shifted.shape), 0, 255)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=48, help="images per folder for the inception comparison")
    parser.add_argument("--digits", type=int, default=2000, help="stand-in digit images to score")
    args = parser.parse_args()
    load = ForeignLoad()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "GANEVAL_CACHE_DIR": str(tmp / "cache"), "PYTHONPATH": str(ROOT)}
        weights = make_test_weights(tmp / "inception-test.pth", seed=0)
        fake = write_pngs(tmp / "fake", make_test_images(args.n, seed=1, smoothness=4).numpy())
        real = write_pngs(tmp / "real", make_test_images(args.n, seed=2, smoothness=8).numpy())
        peer = [
            "fidelity",
            "--cpu",
            "--input1",
            str(fake),
            "--input2",
            str(real),
            "--fid",
            "--kid",
            "--isc",
            "--feature-extractor-weights-path",
            str(weights),
            "--kid-subset-size",
            str(args.n),
            "--no-cache",
            "--silent",
        ]
        ours = [
            sys.executable,
            "-m",
            "ganeval.cli",
            "score",
            str(fake),
            "--ref",
            str(real),
            "--extractor",
            "inception",
            "--weights",
            str(weights),
            "--metrics",
            "fid,kid,inception_score",
            "--kid-subset-size",
            str(args.n),
            "--bootstrap",
            "0",
            "--quiet",
        ]
        t_peer = timed(peer, env)
        t_cold = timed(ours, env)
        t_warm = timed(ours, env)
        t_boot = timed([*ours[:-3], "--quiet"], env)  # default bootstrap (100), reference cached

        digits = write_pngs(tmp / "digits", stand_in_digits(args.digits))
        score_digits = [sys.executable, "-m", "ganeval.cli", "score", str(digits), "--ref", "digits", "--quiet"]
        d_cold = timed(score_digits, env)
        d_warm = timed(score_digits, env)

    print(f"inception, {args.n} + {args.n} images of 64x64, FID + KID + IS, wall seconds per command")
    print(f"  torch-fidelity `fidelity --no-cache`      {t_peer:7.1f} s")
    print(f"  ganeval score, cold cache               {t_cold:7.1f} s   ratio {t_cold / t_peer:.2f} (target <= 1.0)")
    print(f"  ganeval score, warm cache               {t_warm:7.1f} s   ratio {t_warm / t_peer:.2f} (target <= 0.6)")
    print(f"  ganeval score, warm, 100 bootstrap      {t_boot:7.1f} s   ratio {t_boot / t_peer:.2f}")
    print(f"digits, {args.digits} PNGs against bundled digits, all metrics, 100 bootstrap resamples")
    print(f"  ganeval score, cold cache               {d_cold:7.1f} s")
    print(f"  ganeval score, warm cache               {d_warm:7.1f} s   (target < 15 s)")
    print(load.report())
    print(
        f"summary: inception cold {t_cold / t_peer:.2f}x, warm {t_warm / t_peer:.2f}x of torch-fidelity's time; "
        f"digits {args.digits} images warm {d_warm:.1f} s"
    )


if __name__ == "__main__":
    main()
