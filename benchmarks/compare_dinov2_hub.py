"""ganeval's `dinov2` against torch.hub's DINOv2 (what dgm-eval runs), on the same weights and images.

torch.hub's code is not a package: point --dinov2-source at a checkout of facebookresearch/dinov2
(the folder holding hubconf.py). Both networks get the deterministic test weights of
tests/dinov2_test_weights.py, in Meta's layout (the hub model loads them strictly), and the same
preprocessed images (ganeval.features.dinov2.preprocess; its equality with dgm-eval's torchvision
transform is tested in tests/test_dinov2.py). Printed: the largest feature difference of ganeval's
extractor from torch.hub's forward, and, for scale, that of timm's own position-embedding resampling
(checkpoint_filter_fn alone, antialiased), with the Frechet distances between two image sets.

    python3 benchmarks/compare_dinov2_hub.py --dinov2-source /path/to/dinov2 [--arch vits14]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import ROOT

from ganeval.data.bundled import get_bundled
from ganeval.features.dinov2 import ARCHS, SIZE, DINOv2Extractor, preprocess
from ganeval.metrics.fid import fid_from_features

sys.path.insert(0, str(ROOT / "tests"))
from dinov2_test_weights import make_test_state, meta_layout, save_meta  # noqa: E402


def images(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n bundled digits (gray to RGB) and n stacked digits, uint8."""
    digits, _ = get_bundled("digits").sample(n, 0)
    stacked, _ = get_bundled("stacked-digits").sample(n, 0)
    return torch.from_numpy(np.repeat(digits, 3, axis=1)), torch.from_numpy(stacked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dinov2-source", required=True, type=Path, help="a checkout of facebookresearch/dinov2")
    parser.add_argument("--arch", default="vits14", choices=list(ARCHS))
    parser.add_argument("--images", type=int, default=16, help="images per set")
    args = parser.parse_args()
    sys.path.insert(0, str(args.dinov2_source))
    import timm
    from dinov2.hub import backbones  # torch.hub's entry points (hubconf.py imports them from here)
    from timm.models.vision_transformer import checkpoint_filter_fn

    warnings.simplefilter("ignore")  # few samples for FD; xformers absent
    state = make_test_state(args.arch, seed=0)
    hub = getattr(backbones, f"dinov2_{args.arch}")(pretrained=False)
    hub.load_state_dict(meta_layout(state), strict=True)
    hub.eval()
    with tempfile.TemporaryDirectory() as folder:
        ours = DINOv2Extractor(save_meta(Path(folder) / f"dinov2_{args.arch}_pretrain.pth", state), arch=args.arch)
    with torch.device("meta"):
        timm_default = timm.create_model(ARCHS[args.arch].timm, pretrained=False, num_classes=0, img_size=SIZE)
    timm_default.load_state_dict(checkpoint_filter_fn(meta_layout(state), timm_default), strict=True, assign=True)
    timm_default.eval()

    one, other = images(args.images)
    inputs = preprocess(torch.cat([one, other]))
    with torch.inference_mode():
        reference = hub(inputs).double().numpy()
        default = timm_default(inputs).double().numpy()
    mine = ours.extract(torch.cat([one, other]))["features"]
    n = args.images
    print(f"DINOv2 {args.arch}, test weights, {n} digits + {n} stacked digits, 224x224, CPU fp32")
    print(f"{'features':<44} {'max |diff|':>11} {'max rel':>9} {'FD(hub, it)':>12} {'FD(sets)':>9}")
    for label, features in [
        ("torch.hub's forward (dgm-eval)", reference),
        ("ganeval dinov2 (hub position embedding)", mine),
        ("timm checkpoint_filter_fn alone", default),
    ]:
        rel = np.linalg.norm(features - reference, axis=1) / np.linalg.norm(reference, axis=1)
        gap, sets = fid_from_features(reference[:n], features[:n]), fid_from_features(features[:n], features[n:])
        print(f"{label:<44} {np.abs(features - reference).max():>11.3g} {rel.max():>9.2%} {gap:>12.4g} {sets:>9.3f}")


if __name__ == "__main__":
    main()
