"""The `dinov2` extractors: DINOv2's CLS embedding, as dgm-eval computes FD_DINOv2 (Stein et al., NeurIPS 2023).

dgm-eval's `DINOv2Encoder` (dgm_eval/models/dinov2.py, default clean_resize=False) takes each image as a
PIL RGB image (dgm_eval/dataloaders.py: `Image.open(path).convert("RGB")`) and applies
`Resize((224, 224), BICUBIC)`, `ToTensor()` and `Normalize(ImageNet mean, std)`. On a PIL image,
torchvision's Resize is PIL's `Image.resize((224, 224), BICUBIC)`: a bicubic filter widened by the
scale factor when shrinking (antialiased), rounded back to uint8. There is no crop: the image is
stretched to a square. ToTensor divides by 255 in float32, Normalize subtracts the mean and divides by the
standard deviation. The network is torch.hub's `facebookresearch/dinov2` model, whose forward returns
its head (Identity) of `x_norm_clstoken`: the CLS token after the final LayerNorm. `preprocess` does
the same on uint8 N x 3 x H x W batches, with PIL, so the network's input is bit-identical.

The network is timm's (`vit_<size>_patch14_dinov2.lvd142m` at img_size 224, num_classes 0: its forward
is the same normalised CLS token). Weights, never downloaded (`ganeval.features.weightfiles`): the
`weights` argument (--weights), GANEVAL_DINOV2_WEIGHTS (GANEVAL_DINOV2_<ARCH>_WEIGHTS for the other
sizes), torch.hub's checkpoint folder (where dgm-eval's torch.hub download lands), then timm's Hugging
Face cache. Meta's file and timm's both go through timm's own `checkpoint_filter_fn` (Meta's keys to
timm's). The released position embedding is a 37 x 37 grid (518-pixel training); torch.hub's model
resamples it to the 16 x 16 grid of 224 pixels at every forward (`interpolate_pos_encoding`: bicubic,
no antialiasing, scale factor (16 + 0.1) / 37), where timm's filter resamples it once to size 16 with
antialiasing, which moves every feature by about 0.5%. `hub_position_embedding` does the torch.hub
resampling once, at load: with it timm's forward equals torch.hub's bit for bit (measured with
benchmarks/compare_dinov2_hub.py against the facebookresearch/dinov2 source).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ganeval.features.encoder import EncoderExtractor, normalise
from ganeval.features.weightfiles import WeightsFile, hf_snapshot, hub_cache

SIZE = 224  # dgm-eval's Resize((224, 224))
PATCH = 14
HUB_OFFSET = 0.1  # torch.hub's DINOv2 adds it to the target grid side to form its scale factor
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
PREPROCESSING = (
    "RGB uint8 stretched to 224x224 by PIL bicubic (antialiased, rounded to uint8; no crop), /255, "
    "ImageNet mean/std normalisation (dgm-eval's DINOv2 transform); normalised CLS token; "
    "position embedding resampled as torch.hub's DINOv2 does at 224 (bicubic, scale (16+0.1)/grid)"
)
META_URL = "https://dl.fbaipublicfiles.com/dinov2/dinov2_{arch}/dinov2_{arch}_pretrain.pth"


@dataclass(frozen=True)
class Arch:
    """One DINOv2 size: its timm model, its name in messages and its feature width."""

    timm: str
    what: str
    dim: int


ARCHS = {
    "vits14": Arch("vit_small_patch14_dinov2.lvd142m", "DINOv2 ViT-S/14", 384),
    "vitb14": Arch("vit_base_patch14_dinov2.lvd142m", "DINOv2 ViT-B/14", 768),
    "vitl14": Arch("vit_large_patch14_dinov2.lvd142m", "DINOv2 ViT-L/14", 1024),
    "vitg14": Arch("vit_giant_patch14_dinov2.lvd142m", "DINOv2 ViT-g/14", 1536),
}
DEFAULT_ARCH = "vitl14"


def extractor_name(arch: str) -> str:
    """The registry name: "dinov2" for ViT-L/14 (dgm-eval's default), "dinov2-<arch>" otherwise."""
    return "dinov2" if arch == DEFAULT_ARCH else f"dinov2-{arch}"


def weights_file(arch: str) -> WeightsFile:
    """Where the weights of `arch` come from: Meta's file, or timm's safetensors from the Hugging Face cache."""
    file = f"dinov2_{arch}_pretrain.pth"
    env = "GANEVAL_DINOV2_WEIGHTS" if arch == DEFAULT_ARCH else f"GANEVAL_DINOV2_{arch.upper()}_WEIGHTS"
    return WeightsFile(
        what=ARCHS[arch].what,
        file=file,
        url=META_URL.format(arch=arch),
        env=env,
        caches=(hub_cache() / file, hf_snapshot(f"timm/{ARCHS[arch].timm}", "model.safetensors")),
    )


def preprocess(batch: torch.Tensor) -> torch.Tensor:
    """float32 N x 3 x 224 x 224 from uint8 RGB N x 3 x H x W, as dgm-eval's DINOv2 transform makes it
    from PIL images: `resize` (PIL bicubic to 224 x 224), then /255 and (x - mean) / std in float32."""
    return normalise(resize(batch), IMAGENET_MEAN, IMAGENET_STD)


def resize(batch: torch.Tensor) -> torch.Tensor:
    """uint8 N x 3 x 224 x 224: each image stretched to 224 x 224 by PIL's bicubic resize (antialiased,
    rounded to uint8), as torchvision's Resize((224, 224)) does on a PIL image; one of that size is left as it is."""
    resized = torch.empty((batch.shape[0], SIZE, SIZE, 3), dtype=torch.uint8)
    for index, image in enumerate(batch.cpu()):
        pil = Image.fromarray(image.permute(1, 2, 0).contiguous().numpy())
        if pil.size != (SIZE, SIZE):  # torchvision's Resize returns an image of the right size as it is
            pil = pil.resize((SIZE, SIZE), Image.Resampling.BICUBIC)
        resized[index] = torch.from_numpy(np.array(pil))
    return resized.permute(0, 3, 1, 2)


def hub_position_embedding(pos_embed: torch.Tensor, grid: int = SIZE // PATCH) -> torch.Tensor:
    """The position embedding torch.hub's DINOv2 adds at `grid` x `grid` patches (224 pixels: 16): the class
    entry as it is, the M x M patch entries resampled by bicubic interpolation without antialiasing at scale
    factor (grid + 0.1) / M, in float32, as its interpolate_pos_encoding does; unchanged when M == grid."""
    if pos_embed.ndim != 3 or pos_embed.shape[0] != 1:
        raise ValueError(f"pos_embed has shape {tuple(pos_embed.shape)}; expected 1 x (1 + M*M) x D")
    side = math.isqrt(pos_embed.shape[1] - 1)
    if side * side != pos_embed.shape[1] - 1:
        raise ValueError(f"pos_embed has {pos_embed.shape[1] - 1} patch entries, not a square grid")
    if side == grid:
        return pos_embed
    dim = pos_embed.shape[2]
    patches = pos_embed[:, 1:].float().reshape(1, side, side, dim).permute(0, 3, 1, 2)
    scale = (grid + HUB_OFFSET) / side
    resampled = F.interpolate(patches, scale_factor=(scale, scale), mode="bicubic", antialias=False)
    if resampled.shape[-2:] != (grid, grid):
        raise ValueError(f"pos_embed's {side} x {side} grid does not resample to {grid} x {grid}")
    patches = resampled.permute(0, 2, 3, 1).reshape(1, grid * grid, dim).to(pos_embed.dtype)
    return torch.cat([pos_embed[:, :1], patches], dim=1)


def build_network(arch: str, state: dict) -> torch.nn.Module:
    """timm's DINOv2 at 224 pixels with the tensors of `state` (Meta's or timm's layout, any square position
    grid): keys converted by timm's checkpoint_filter_fn, position embedding by `hub_position_embedding`,
    loaded strictly. Raises what loading raises on a misfit."""
    import timm  # optional (ganeval[encoders]) and seconds to import: only when a dinov2 extractor is built
    from timm.models.vision_transformer import checkpoint_filter_fn

    with torch.device("meta"):  # no random initialisation of the parameters the file replaces
        network = timm.create_model(ARCHS[arch].timm, pretrained=False, num_classes=0, img_size=SIZE)
    converted = checkpoint_filter_fn(dict(state), network)
    if isinstance(state.get("pos_embed"), torch.Tensor):
        converted["pos_embed"] = hub_position_embedding(state["pos_embed"])
    network.load_state_dict(converted, strict=True, assign=True)
    return network.float().eval()


class DINOv2Extractor(EncoderExtractor):
    """DINOv2 CLS embeddings (N x 384/768/1024/1536, float64) after dgm-eval's preprocessing.

    weights: Meta's dinov2_<arch>_pretrain.pth or timm's model.safetensors; None: the extraction's, else looked up
        (module docstring).
    extraction: where and how the network runs (`ganeval.options.Extraction`; None: the CPU at fp32): its device,
        and its precision, "fp32" or "bf16" (torch.autocast on the forward); device= and precision= still work,
        with a DeprecationWarning.
    arch: "vits14", "vitb14", "vitl14" (default, dgm-eval's) or "vitg14".
    Raises WeightsNotFound (no file) or WeightsInvalid (unreadable, or not this architecture's tensors).
    """

    library = ("timm", "timm")
    archs = ARCHS
    default_arch = DEFAULT_ARCH
    preprocessing = PREPROCESSING

    def name_of(self, arch: str) -> str:
        return extractor_name(arch)

    def weights_file(self, arch: str) -> WeightsFile:
        return weights_file(arch)

    def build_network(self, arch: str, state: dict) -> torch.nn.Module:
        return build_network(arch, state)

    def preprocessor(self, arch: str):
        return resize

    def input_stats(self, arch: str):
        return IMAGENET_MEAN, IMAGENET_STD
