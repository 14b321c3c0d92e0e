"""How the inception extractor brings images to its 299 x 299 input: `--resize legacy-tf|clean`.

  legacy-tf (default): torch-fidelity's TF-compatible bilinear resize inside the network, which
      reproduces the original TensorFlow FID code (no antialiasing: downscaling aliases). The
      numbers papers quote.
  clean: clean-fid's "clean" mode (Parmar et al., "On Aliased Resizing and Surprising Subtleties in
      GAN Evaluation", CVPR 2022): each channel resized on its own by PIL's bicubic filter, which
      antialiases when it downscales, in PIL's 32-bit float mode "F"; the result clipped to
      [0, 255] and kept in float (not rounded back to uint8). Equal to
      `cleanfid.resize.make_resizer("PIL", False, "bicubic", (299, 299))`, which tests check.

Only PIL and numpy here, so the gate and the CLI can name the choices without importing torch-fidelity.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from ganeval.errors import GanevalError

LEGACY_TF = "legacy-tf"
CLEAN = "clean"
RESIZES = {
    LEGACY_TF: "torch-fidelity's TF-compatible bilinear resize inside the network, as the original TensorFlow FID "
    "(no antialiasing; the FID papers quote)",
    CLEAN: "clean-fid's PIL bicubic with antialiasing, per channel in float, not re-quantised (Parmar et al. 2022)",
}
DEFAULT_RESIZE = LEGACY_TF


def check_resize(resize: str) -> str:
    """`resize` if it names a resize (RESIZES); a GanevalError naming --resize and the choices otherwise."""
    if resize not in RESIZES:
        raise GanevalError(
            f"resize must be one of {', '.join(RESIZES)} ({LEGACY_TF}: the default, as the FID papers quote; "
            f"{CLEAN}: clean-fid's antialiased resize); got {resize!r}.",
            argument="resize",
        )
    return resize


def clean_resize(images: torch.Tensor, size: int = 299) -> torch.Tensor:
    """uint8 images N x C x H x W resized as clean-fid's "clean" mode does: float32 N x C x size x size in
    [0, 255]. Each channel goes through PIL on its own in float mode "F" (PIL's bicubic works on one
    8-bit or float plane; on an RGB image it would round to uint8), so no value is re-quantised."""
    planes = images.cpu().numpy()
    resized = np.empty((*planes.shape[:2], size, size), dtype=np.float32)
    for index, image in enumerate(planes):
        for channel, plane in enumerate(image):
            as_float = Image.fromarray(plane.astype(np.float32))  # a float32 plane is PIL mode "F"
            resized[index, channel] = np.asarray(as_float.resize((size, size), Image.Resampling.BICUBIC))
    return torch.from_numpy(np.clip(resized, 0, 255, out=resized))
