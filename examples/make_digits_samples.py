"""Write examples/digits-samples: 500 stand-in 'generated' digits for the README's first command.

Until a trained generator ships its samples, these are bundled digits with the flaws generators
have: shifted strokes (1-2 pixels), pixel noise, and one class (7) missing, so the scores show a
measurable gap (FID above zero, 9 of 10 modes) rather than a perfect copy. Deterministic.

    python examples/make_digits_samples.py
"""

from pathlib import Path

import numpy as np
from PIL import Image

from ganeval.data.digits import load_digits_images

OUT = Path(__file__).parent / "digits-samples"


def main(n: int = 500, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    images, labels = load_digits_images()
    pool = np.flatnonzero(labels != 7)
    OUT.mkdir(exist_ok=True)
    for index, pick in enumerate(rng.choice(pool, n, replace=False)):
        image = np.roll(images[pick, 0].astype(float), tuple(rng.integers(-2, 3, 2)), axis=(0, 1))
        image = np.clip(image + rng.normal(0, 12, image.shape), 0, 255).astype(np.uint8)
        Image.fromarray(image).save(OUT / f"{index:03d}.png")


if __name__ == "__main__":
    main()
