"""Deterministic stand-in weights for torch-fidelity's InceptionV3, for tests and benchmarks.

The real weights (about 92 MB) cannot be downloaded in CI. Plain random weights are no
substitute: activations shrink or blow up layer after layer and every image ends up with nearly
the same features (FID ~ 0, IS ~ 1), so a test comparing two implementations would pass
whatever they compute. These weights are seeded random convolutions whose batch-norm statistics
are calibrated on seeded random images, and whose classifier is scaled so that logits vary
across images by about `LOGIT_SPREAD`: different image sets then give clearly different features
(FID well above 0, IS well above 1).

    from inception_test_weights import make_test_weights, make_test_images
    path = make_test_weights(tmp_path / "inception-test.pth", seed=0)   # 5-12 s on 2 cores
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch_fidelity import feature_extractor_inceptionv3 as tf_inception

CALIBRATION_IMAGES = 32  # one batch: the running statistics are then exactly that batch's
LOGIT_SPREAD = 3.0  # std of each logit across the calibration images


def make_test_images(n: int, seed: int, size: int = 64, smoothness: int = 4) -> torch.Tensor:
    """n seeded random RGB images (uint8, n x 3 x size x size): smooth colour blobs plus noise.

    `smoothness` is the side of the random grid that is upsampled to `size` (smaller: larger
    blobs); sets drawn with different seeds or smoothness have different content statistics.
    """
    rng = np.random.default_rng(seed)
    grid = torch.from_numpy(rng.standard_normal((n, 3, smoothness, smoothness)).astype(np.float32))
    blobs = F.interpolate(grid, size=(size, size), mode="bicubic", align_corners=False)
    tint = torch.from_numpy(rng.uniform(-0.5, 0.5, (n, 3, 1, 1)).astype(np.float32))
    noise = torch.from_numpy(rng.standard_normal((n, 3, size, size)).astype(np.float32))
    contrast = torch.from_numpy(rng.uniform(0.3, 1.0, (n, 1, 1, 1)).astype(np.float32))
    images = 128 + 60 * contrast * (blobs + tint) + 12 * noise
    return images.round().clamp(0, 255).to(torch.uint8)


def _calibration_images(seed: int) -> torch.Tensor:
    """Varied content: large and small blobs, faint and strong noise, at several sizes."""
    quarter = CALIBRATION_IMAGES // 4
    sets = [
        make_test_images(quarter, seed * 10 + 1, size=64, smoothness=3),
        make_test_images(quarter, seed * 10 + 2, size=96, smoothness=8),
        make_test_images(quarter, seed * 10 + 3, size=64, smoothness=16),
        torch.from_numpy(np.random.default_rng(seed * 10 + 4).integers(0, 256, (quarter, 3, 96, 96), dtype=np.uint8)),
    ]
    same_size = [F.interpolate(s.float(), size=(96, 96), mode="nearest").to(torch.uint8) for s in sets]
    return torch.cat(same_size)


def _uninitialised_network() -> tf_inception.FeatureExtractorInceptionV3:
    """torch-fidelity's InceptionV3 with PyTorch's default (random) initialisation, no weights loaded."""
    with (
        mock.patch.object(tf_inception, "load_state_dict_from_url", return_value=None),
        mock.patch.object(tf_inception.FeatureExtractorInceptionV3, "load_state_dict", lambda self, state_dict: None),
    ):
        return tf_inception.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], verbose=False)


def _calibrate_batch_norm(net: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Sets every BN's running mean/var to the statistics of `images` (one train-mode pass).

    Returns the pooled 2048-d features of that pass, which equal the eval-mode features up to
    the n/(n-1) variance correction.
    """
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average: one batch gives exactly its statistics
    net.train()
    with torch.no_grad():
        (features,) = net(images)
    net.eval()
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = 0.1
    return features.double()


def _calibrate_classifier(fc: nn.Linear, features: torch.Tensor, generator: torch.Generator) -> None:
    """Random classifier rows on the centred, standardised features, scaled to LOGIT_SPREAD.

    Rows are made orthogonal to the mean feature (in standardised units), so no class gets a
    large constant offset that would make every image's prediction the same.
    """
    mean, std = features.mean(0), features.std(0).clamp_min(1e-6)
    direction = mean / std
    direction = direction / direction.norm()
    rows = torch.randn(fc.weight.shape, generator=generator, dtype=torch.float64)
    rows -= (rows @ direction)[:, None] * direction[None, :]
    weight = rows / std
    spread = ((features - mean) @ weight.T).std(0).clamp_min(1e-12)
    weight *= (LOGIT_SPREAD / spread)[:, None]
    with torch.no_grad():
        fc.weight.copy_(weight.float())
        fc.bias.zero_()


def make_test_weights(path: str | Path, seed: int = 0) -> Path:
    """Writes a calibrated random state_dict for FeatureExtractorInceptionV3 to `path` (atomically).

    The same seed gives the same file on the same torch build and thread count. Load it with
    `FeatureExtractorInceptionV3(..., feature_extractor_weights_path=path)` or
    `InceptionExtractor(weights=path)`.
    """
    path = Path(path)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = _uninitialised_network()
    features = _calibrate_batch_norm(net, _calibration_images(seed))
    _calibrate_classifier(net.fc, features, torch.Generator().manual_seed(seed + 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:  # a stream, not a path: torch.save would put the
            torch.save(net.state_dict(), stream)  # random temporary name inside the archive
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
