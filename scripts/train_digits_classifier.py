"""Train the `digits` extractor's CNN on the bundled digits and write its committed weights.

Deterministic: fixed seeds for the weights, the data order and the augmentation, a fixed number of
threads and torch's deterministic algorithms, so a rerun on the same torch version writes the same
file. Trains on the train split of `digits_split()` with light augmentation (random shifts of up to
3 pixels, scale 0.9-1.1, rotation up to 8 degrees) so it also recognises the slightly off-centre,
blurry digits that generators produce; prints the held-out accuracy. About a minute on 2 cores.
Then marks the live hidden units (active on at least MIN_ACTIVE_DIGITS of the 1,797 real digits): the
extractor's features leave the dead ones out, so the covariance of real digits' features is not singular.

    python3 scripts/train_digits_classifier.py              # writes ganeval/features/weights/digits_cnn.pt
    python3 scripts/train_digits_classifier.py --out /tmp/digits_cnn.pt --epochs 5
    python3 scripts/train_digits_classifier.py --live-units-only   # re-mark the live units, no training
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing ganeval
    sys.path.insert(0, str(ROOT))

from ganeval.data.digits import digits_split, load_digits_images  # noqa: E402
from ganeval.features.digits import DEFAULT_WEIGHTS, DigitsClassifier, load_classifier  # noqa: E402


def augment(
    x: torch.Tensor,
    generator: torch.Generator,
    max_shift: float = 3.0,
    max_scale: float = 0.1,
    max_degrees: float = 8.0,
) -> torch.Tensor:
    """Random shift, scale and rotation of a float N x 1 x 32 x 32 batch (bilinear, zero background)."""
    n, size = x.shape[0], x.shape[-1]
    uniform = lambda low, high: low + (high - low) * torch.rand(n, generator=generator)  # noqa: E731
    angle = uniform(-max_degrees, max_degrees) * (math.pi / 180.0)
    scale = uniform(1.0 - max_scale, 1.0 + max_scale)
    shift = (torch.rand(n, 2, generator=generator) * 2.0 - 1.0) * (max_shift * 2.0 / size)  # pixels -> [-1, 1] units
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale  # the grid maps output to input
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@torch.inference_mode()
def accuracy(model: DigitsClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return float((model(x).argmax(1) == y).double().mean())


# A hidden unit is live when it is non-zero on at least this many real digits. A unit active on one
# digit (the committed weights have one) is constant in 37% of the bootstrap resamples of the digits,
# which makes their covariance singular; a resample misses all of 10 digits with probability e^-10.
MIN_ACTIVE_DIGITS = 10


@torch.inference_mode()
def mark_live_units(model: DigitsClassifier) -> int:
    """Set model.live_units to the hidden units active on at least MIN_ACTIVE_DIGITS real digits;
    returns their number."""
    images, _ = load_digits_images()
    hidden = model.eval().hidden_units(torch.from_numpy(images.astype("float32") / 255.0))
    model.live_units.copy_((hidden > 0).sum(dim=0) >= MIN_ACTIVE_DIGITS)
    return model.feature_dim


def save_atomically(state: dict, out: Path) -> None:
    """Write to a temporary file in the target folder, then rename: readers never see half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(state, handle)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the weights are meant to be read by everyone
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def train(epochs: int, batch_size: int, lr: float, seed: int) -> tuple[DigitsClassifier, float]:
    images, labels = load_digits_images()
    train_idx, held_idx = digits_split()
    x = torch.from_numpy(images.astype("float32") / 255.0)
    y = torch.from_numpy(labels.copy())
    x_train, y_train, x_held, y_held = x[train_idx], y[train_idx], x[held_idx], y[held_idx]

    torch.manual_seed(seed)
    model = DigitsClassifier()
    generator = torch.Generator().manual_seed(seed)  # data order and augmentation
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * math.ceil(len(train_idx) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train_idx), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch_size):
            pick = order[start : start + batch_size]
            loss = F.cross_entropy(model(augment(x_train[pick], generator)), y_train[pick])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(pick)
        if (epoch + 1) % 5 == 0 or epoch + 1 == epochs:
            print(
                f"epoch {epoch + 1:3d}  train loss {total / len(order):.4f}  "
                f"held-out accuracy {accuracy(model, x_held, y_held):.4f}",
                flush=True,
            )
    return model.eval(), accuracy(model, x_held, y_held)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS, help="weights file (default: the bundled one)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads; results depend on it, keep 1")
    parser.add_argument(
        "--live-units-only", action="store_true", help="only re-mark the live units of the --out weights"
    )
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1; got {getattr(args, name)}.")

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    start = time.perf_counter()
    if args.live_units_only:
        model, _ = load_classifier(args.out)
        summary = "live units re-marked"
    else:
        model, held_out = train(args.epochs, args.batch_size, args.lr, args.seed)
        summary = f"held-out accuracy {held_out:.4f}"
    live = mark_live_units(model)
    save_atomically(model.state_dict(), args.out)
    print(
        f"{summary}; {live} of {model.live_units.numel()} hidden units live; {time.perf_counter() - start:.0f} s; "
        f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
