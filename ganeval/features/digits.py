"""The `digits` extractor: a small CNN trained on the bundled digits, for features, logits and modes.

It plays the role Inception plays for natural images, for digit-like data: penultimate activations
feed FID/KID/PRDC, logits feed the Inception Score and the predicted class gives mode labels. The
weights are trained by `scripts/train_digits_classifier.py` and committed, so scores are comparable
between machines and need no download. With `channels=3` it scores Stacked-MNIST samples: each
channel is classified on its own, giving 1,000 modes.

The features leave out the hidden units that are dead (zero on all but a handful of the real
digits): constant features add nothing to FID or PRDC but make the covariance of the real digits
singular. Which units are live is stored with the weights (`live_units`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganeval.device import check_precision, extraction_context, resolve_device
from ganeval.errors import GanevalError
from ganeval.features.base import Extractor, as_uint8_batch, refuse_resize, sha256_of_file, weights_of
from ganeval.options import Extraction
from ganeval.torchfile import load_plain

INPUT_SIZE = 32
N_CLASSES = 10
FEATURE_DIM = 128  # hidden units; the features are the live ones among them (`live_units`)
CHANNELS = (1, 3)
BATCH = 512  # images per forward pass: bounds memory, large enough to keep both cores busy
DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "digits_cnn.pt"
TRAIN_SCRIPT = "python3 scripts/train_digits_classifier.py"


class DigitsClassifier(nn.Module):
    """Three strided conv/ReLU layers (32, 64, 64 channels), a 128-unit hidden layer, 10 logits.

    Input: float32 N x 1 x 32 x 32 with pixel values scaled to [0, 1] (uint8 / 255).
    About 190k parameters and 2 M multiply-adds per image; strided convolutions instead of
    max-pooling keep it at several thousand images per second on two CPU cores.
    """

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(  # strided convolutions: no pooling, a quarter of the work per layer
            nn.Conv2d(1, 32, 4, stride=2, padding=1),
            nn.ReLU(inplace=True),  # 32 x 16 x 16
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.ReLU(inplace=True),  # 64 x 8 x 8
            nn.Conv2d(64, 64, 3, stride=2, padding=1),
            nn.ReLU(inplace=True),  # 64 x 4 x 4
        )
        self.hidden = nn.Linear(64 * 4 * 4, FEATURE_DIM)
        self.dropout = nn.Dropout(0.3)  # training only
        self.head = nn.Linear(FEATURE_DIM, N_CLASSES)
        # Hidden units active on the real digits (set by the training script's mark_live_units,
        # saved with the weights); the features leave the dead ones out.
        self.register_buffer("live_units", torch.ones(FEATURE_DIM, dtype=torch.bool))

    def hidden_units(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations, N x 128 (after ReLU), dead units included."""
        return F.relu(self.hidden(self.conv(x).flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.hidden_units(x)))

    @property
    def feature_dim(self) -> int:
        return int(self.live_units.sum())

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The live units' activations (N x feature_dim) and the logits (N x 10)."""
        hidden = self.hidden_units(x)
        return hidden[:, self.live_units], self.head(hidden)


def load_classifier(weights: str | Path | None = None) -> tuple[DigitsClassifier, Path]:
    """A DigitsClassifier in eval mode with the given state_dict file (None: the committed one).

    The file is read with weights_only=True (ganeval.torchfile): tensors only, a crafted pickle cannot run code."""
    path = DEFAULT_WEIGHTS if weights is None else Path(weights)
    how_to_fix = f"Pass weights=None for the bundled weights, or regenerate them with `{TRAIN_SCRIPT}`."
    state = load_plain(path, "DigitsClassifier weights file", how_to_fix)
    with torch.random.fork_rng(devices=[]):  # initial weights, replaced below: the caller's random state stays
        model = DigitsClassifier()
    if isinstance(state, dict):  # files from before live_units was stored keep all 128 units
        state.setdefault("live_units", model.live_units)
    try:
        model.load_state_dict(state)
    except Exception as error:  # noqa: BLE001 - wrong keys or shapes (RuntimeError), or not a dict at all
        reason = " ".join(str(error).split())[:300]
        raise GanevalError(
            f"weights={str(path)!r} could not be loaded as DigitsClassifier weights ({type(error).__name__}: "
            f"{reason}). {how_to_fix}",
            argument="--weights",
        ) from None
    if model.feature_dim == 0:
        raise GanevalError(
            f"weights={str(path)!r} mark no hidden unit live (live_units is all false), so they give no features. "
            f"{how_to_fix}",
            argument="--weights",
        )
    return model.eval(), path


class DigitsExtractor(Extractor):
    """Features, logits and modes of the bundled digits CNN; 1 channel (digits) or 3 (stacked digits).

    channels=1: "features" N x D (D = the live hidden units, 92 of 128 with the committed weights),
    "logits" N x 10, "modes" = predicted digit (10 modes).
    channels=3: each channel classified separately; "features" N x 3D (R, G, B feature vectors
    concatenated), "logits" N x 1000 = log p_R(a) + log p_G(b) + log p_B(c) at index 100a + 10b + c,
    "modes" = 100a + 10b + c (1,000 modes).
    Images of another size are resized to 32 x 32 (bilinear, antialiased) first; `preprocessing_for`
    says so for given sizes (the extractor itself never changes).
    weights: the CNN's weights file; None: the extraction's, else the bundled one.
    extraction: where and how the CNN runs (`ganeval.options.Extraction`; None: the CPU at fp32): its device
        ("cpu", "cuda", "auto", ...) and precision ("fp32" or "bf16", autocast); a resize is refused. The loose
        keywords device= and precision= of the release before still work, with a DeprecationWarning.
    """

    name = "digits"
    kind = "images"

    def __init__(
        self,
        channels: int = 1,
        weights: str | Path | None = None,
        *,
        extraction: Extraction | None = None,
        **keywords,
    ):
        extraction = Extraction.merged(extraction, "DigitsExtractor", keywords, device="cpu")
        if isinstance(channels, bool) or channels not in CHANNELS:
            raise GanevalError(
                f"channels must be 1 (digits) or 3 (stacked digits, one digit per RGB channel); got {channels!r}."
            )
        refuse_resize(self.name, extraction)
        self.channels = int(channels)
        self.device, self.precision = resolve_device(extraction.device), check_precision(extraction.precision)
        self.model, self.weights_path = load_classifier(weights_of(weights, extraction))
        self.model.to(self.device)
        self.weights_sha256 = sha256_of_file(self.weights_path)
        self.feature_dim = self.model.feature_dim * self.channels
        self.n_modes = N_CLASSES**self.channels
        self.preprocessing = "uint8 / 255 -> float32 [0, 1]" + (
            "; each RGB channel classified as a grayscale digit" if self.channels == 3 else ""
        )

    def preprocessing_for(self, sizes) -> str:
        """`preprocessing`, and the resizing of the sizes other than 32 x 32."""
        resized = sorted({(int(h), int(w)) for h, w in sizes} - {(INPUT_SIZE, INPUT_SIZE)})
        if not resized:
            return self.preprocessing
        listed = ", ".join(f"{h}x{w}" for h, w in resized)
        return f"{self.preprocessing}; resized {listed} -> {INPUT_SIZE}x{INPUT_SIZE} (bilinear, antialias)"

    def _run(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Features and logits (float32, on the CPU) of uint8 M x 1 x H x W grayscale images, in chunks
        on the extractor's device (TF32 off; bf16 autocast when asked)."""
        features, logits = [], []
        for start in range(0, images.shape[0], BATCH):
            with extraction_context(self.device, self.precision):
                x = images[start : start + BATCH].to(self.device, non_blocking=True).to(torch.float32)
                if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
                    x = F.interpolate(
                        x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False, antialias=True
                    ).clamp_(0.0, 255.0)
                f, z = self.model.features_and_logits(x.mul_(1.0 / 255.0))
            features.append(f.float().cpu())
            logits.append(z.float().cpu())
        if not features:
            return torch.zeros(0, self.model.feature_dim), torch.zeros(0, N_CLASSES)
        return torch.cat(features), torch.cat(logits)

    def extract(self, batch: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
        images = as_uint8_batch(batch, self.channels, "digits")
        n, _, height, width = images.shape
        features, logits = self._run(images.reshape(n * self.channels, 1, height, width))
        features = features.double().numpy()
        logits = logits.double().numpy()
        if self.channels == 1:
            return {"features": features, "logits": logits, "modes": logits.argmax(axis=1).astype(np.int64)}
        log_p = torch.log_softmax(torch.from_numpy(logits), dim=1).numpy().reshape(n, 3, N_CLASSES)
        joint = log_p[:, 0, :, None, None] + log_p[:, 1, None, :, None] + log_p[:, 2, None, None, :]
        digits = log_p.argmax(axis=2)
        return {
            "features": features.reshape(n, self.feature_dim),
            "logits": joint.reshape(n, N_CLASSES**3),  # index 100a + 10b + c (C order)
            "modes": (100 * digits[:, 0] + 10 * digits[:, 1] + digits[:, 2]).astype(np.int64),
        }

    def provenance(self) -> dict[str, object]:
        """The base provenance and the features' dimension (live units x channels): part of the cache key."""
        return {**super().provenance(), "feature_dim": self.feature_dim}
