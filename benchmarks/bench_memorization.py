"""How the memorization metrics separate copying from honest generators, measured on the bundled digits.

Each split draws disjoint thirds of the 1,797 bundled digits (train, held-out reference, generated) with a seed.
"honest": the generated third as it is; "10% exact": a tenth of it replaced by training images; "10% noised": by
training images with Gaussian pixel noise (std 6 of 255). Prints, per generator, the mean and range over the
splits of memorized, authenticity and C_T, and how often each flags copying (memorized > 1%, C_T < -2).

    python3 benchmarks/bench_memorization.py [--splits 20]
"""

from __future__ import annotations

import argparse

import numpy as np

from ganeval.data import get_bundled
from ganeval.features import get_extractor
from ganeval.metrics import authenticity, ct_statistic, memorized

COPIED = 0.10
NOISE = 6.0


def features_of(extractor, images: np.ndarray) -> np.ndarray:
    return np.concatenate([extractor.extract(images[i : i + 512])["features"] for i in range(0, len(images), 512)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", type=int, default=20)
    splits = parser.parse_args().splits
    images, _ = get_bundled("digits").sample()
    extractor = get_extractor("digits")
    features = features_of(extractor, images)
    found: dict[str, list[tuple[float, float, float]]] = {"honest": [], "10% exact": [], "10% noised": []}
    for seed in range(splits):
        train, test, held = np.array_split(np.random.default_rng(seed).permutation(len(images)), 3)
        copies = int(COPIED * len(held))
        noisy = np.clip(
            images[train[:copies]] + np.random.default_rng(seed).normal(0, NOISE, (copies, 1, 32, 32)), 0, 255
        )
        generated = {
            "honest": features[held],
            "10% exact": np.concatenate([features[train[:copies]], features[held[copies:]]]),
            "10% noised": np.concatenate([features_of(extractor, noisy.astype(np.uint8)), features[held[copies:]]]),
        }
        for name, fake in generated.items():
            found[name].append(
                (
                    memorized(features[train], fake).share,
                    authenticity(features[train], fake).share,
                    ct_statistic(features[train], features[test], fake, seed=seed).value,
                )
            )
    print(f"digits features, {splits} splits of 599 train / 599 held-out reference / 599 generated")
    print(f"{'generator':<12}{'memorized':>22}{'authenticity':>22}{'C_T':>24}{'flagged: mem / C_T':>22}")
    for name, rows in found.items():
        values = np.array(rows)
        cells = [f"{v.mean():.3f} [{v.min():.3f}, {v.max():.3f}]" for v in values.T]
        flags = f"{(values[:, 0] > 0.01).mean():.0%} / {(values[:, 2] < -2).mean():.0%}"
        print(f"{name:<12}{cells[0]:>22}{cells[1]:>22}{cells[2]:>24}{flags:>22}")


if __name__ == "__main__":
    main()
