"""The `clip` extractors: CLIP image embeddings as clean-fid computes CLIP-FID (Kynkäänniemi et al., ICLR 2023),
and `clip-vitl14-336` as CMMD's reference code embeds images (Jayasumana et al., CVPR 2024).

clean-fid 0.1.35 (`compute_fid(..., model_name="clip_vit_b_32")`, cleanfid/fid.py) reads each file as
`Image.open(path).convert("RGB")` into a uint8 H x W x 3 array (cleanfid/utils.py `ResizeDataset`) and
resizes it with `img_preprocess_clip` (cleanfid/clip_features.py): torchvision's `Resize(224, BICUBIC)`
on the PIL image (shorter side to 224, longer side to int(224 * long / short); an image already that size
is left as it is; otherwise PIL's bicubic resize, antialiased, rounded to uint8), then `CenterCrop(224)`
(offsets int(round((side - 224) / 2)), Python's round: halves to even). `ResizeDataset` turns the uint8
array into float32 with `ToTensor()` (/255) times 255, and `CLIP_fx.__call__` divides by 255.0 and applies
`Normalize` with OpenAI CLIP's mean and std, then takes `model.encode_image`: the image embedding, not
L2-normalised (CMMD normalises it itself). `preprocess` does the same on uint8 N x 3 x H x W batches, with
PIL, so the network's input is bit-identical (in float32, u / 255 * 255 == u for every uint8 u, so
the round trip changes nothing).

The network is open_clip's `CLIP` as `open_clip.create_model(arch, force_quick_gelu=True)` builds it
(quick_gelu: open_clip's table says so for the "openai" weights, `open_clip.get_pretrained_cfg(arch,
"openai")`); its image tower alone runs, and its forward is `CLIP.encode_image(x)`. clean-fid loads the
same network from OpenAI's `clip` package (`clip.load`), which on a GPU keeps the weights in float16
(clip/model.py `convert_weights`; `model.float()` only on the CPU): ganeval does not copy that, it runs
fp32 by default and bf16 by choice.

Weights, never downloaded (`ganeval.features.weightfiles`): the `weights` argument (--weights),
GANEVAL_CLIP_WEIGHTS (GANEVAL_CLIP_VITB32_WEIGHTS for ViT-B/32), then open_clip's Hugging Face cache
(open_clip_model.safetensors or open_clip_pytorch_model.bin of the repository open_clip downloads the
"openai" weights from). OpenAI's own ViT-L-14.pt is a TorchScript program, not data: it is refused.

`clip-vitl14-336` (open_clip "ViT-L-14-336", OpenAI's weights, quick_gelu) takes CMMD's preprocessing instead
(google-research/google-research, cmmd/io_util.py and cmmd/embedding.py): `_center_crop_and_resize` crops the
PIL image to the centre square of side min(w, h), offsets ((w - side) // 2, (h - side) // 2) (floor), and
resizes it to 336 x 336 with `Image.BICUBIC` on the uint8 image (antialiased, rounded to uint8; PIL returns
an image already 336 x 336 as it is); `_read_image` casts to float32 and grayscale is tiled to 3 channels;
the batch is divided by 255.0 (float32); `_clip_preprocess` resizes with `jax.image.resize(..., "bicubic")`
to 336 x 336, which leaves every dimension already that size untouched (no resampling at all), then scenic's
`normalize_image`, (x - mean) / std with OpenAI CLIP's mean and std. scenic's CLIP then L2-normalises the
embedding (`encode_image(normalize=True)`); ganeval returns it unnormalised, as for `clip` (CMMD normalises).
GANEVAL_CLIP_VITL14_336_WEIGHTS may name its weights file.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganeval.features.encoder import EncoderExtractor, normalise
from ganeval.features.weightfiles import WeightsFile, WeightsInvalid, hf_snapshot
from ganeval.options import Extraction

SIZE = 224  # img_preprocess_clip's Resize(224) and CenterCrop(224); ViT-L/14 and ViT-B/32 take 224 x 224
CMMD_SIZE = 336  # scenic's IMAGE_RESOLUTION["vit_l14_336px"]: CMMD's crop, resize and network input
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)  # CLIP_fx's Normalize (OpenAI CLIP's constants)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
PREPROCESSING = (
    "RGB uint8, shorter side resized to 224 by PIL bicubic (antialiased, rounded to uint8), centre crop "
    "224x224, /255, CLIP mean/std normalisation (clean-fid's CLIP-FID: img_preprocess_clip, CLIP_fx); "
    "open_clip encode_image embedding (quick_gelu, not L2-normalised)"
)
CMMD_PREPROCESSING = (
    "RGB uint8, centre square crop of side min(h, w) (offsets (side - min) // 2, floor), resized to 336x336 by PIL "
    "bicubic (antialiased, rounded to uint8; an image already 336x336 is left as it is), /255, CLIP mean/std "
    "normalisation (CMMD's reference code, google-research cmmd: io_util._center_crop_and_resize, "
    "embedding._clip_preprocess, whose jax.image.resize to 336x336 changes nothing); open_clip encode_image "
    "embedding (quick_gelu, not L2-normalised)"
)
WEIGHTS_FILE = "open_clip_model.safetensors"  # open_clip's file in the Hugging Face repository
OTHER_FILE = "open_clip_pytorch_model.bin"  # the same tensors as a torch pickle, in the same repository


@dataclass(frozen=True)
class Arch:
    """One CLIP size: the extractor's name, its name in messages, open_clip's Hugging Face repository of
    the OpenAI weights, its embedding width, the environment variable that may name its weights, and whose
    preprocessing it takes: "clean-fid" (CLIP-FID's) or "cmmd" (CMMD's reference code's)."""

    name: str
    what: str
    repo: str
    dim: int
    env: str
    preprocessing: str = "clean-fid"


ARCHS = {
    "ViT-L-14": Arch(
        "clip", "CLIP ViT-L/14 (OpenAI)", "timm/vit_large_patch14_clip_224.openai", 768, "GANEVAL_CLIP_WEIGHTS"
    ),
    "ViT-B-32": Arch(
        "clip-vitb32",
        "CLIP ViT-B/32 (OpenAI)",
        "timm/vit_base_patch32_clip_224.openai",
        512,
        "GANEVAL_CLIP_VITB32_WEIGHTS",
    ),
    "ViT-L-14-336": Arch(
        "clip-vitl14-336",
        "CLIP ViT-L/14 at 336 pixels (OpenAI)",
        "timm/vit_large_patch14_clip_336.openai",
        768,
        "GANEVAL_CLIP_VITL14_336_WEIGHTS",
        "cmmd",
    ),
}
DEFAULT_ARCH = "ViT-L-14"


def weights_file(arch: str) -> WeightsFile:
    """Where the weights of `arch` come from: open_clip's files of the OpenAI weights on Hugging Face."""
    spec = ARCHS[arch]
    return WeightsFile(
        what=spec.what,
        file=WEIGHTS_FILE,
        url=f"https://huggingface.co/{spec.repo}/resolve/main/{WEIGHTS_FILE}",
        env=spec.env,
        caches=(hf_snapshot(spec.repo, WEIGHTS_FILE), hf_snapshot(spec.repo, OTHER_FILE)),
    )


def preprocess(batch: torch.Tensor) -> torch.Tensor:
    """float32 N x 3 x 224 x 224 from uint8 RGB N x 3 x H x W, as clean-fid's CLIP-FID makes it from files
    (module docstring): `resize_and_crop`, then `normalised`."""
    return normalised(resize_and_crop(batch))


def normalised(images: torch.Tensor) -> torch.Tensor:
    """uint8 images /255, then (x - mean) / std with CLIP's constants, in float32 (clean-fid's and CMMD's alike)."""
    return normalise(images, CLIP_MEAN, CLIP_STD)


def resize_and_crop(batch: torch.Tensor) -> torch.Tensor:
    """uint8 N x 3 x 224 x 224: clean-fid's `img_preprocess_clip` on each image, with PIL (shorter side to 224
    by bicubic resampling, rounded to uint8, then the centre 224 x 224)."""
    from PIL import Image

    resized = torch.empty((batch.shape[0], SIZE, SIZE, 3), dtype=torch.uint8)
    for index, image in enumerate(batch.cpu()):
        pil = Image.fromarray(image.permute(1, 2, 0).contiguous().numpy())
        width, height = pil.size
        size = _resized_size(width, height)
        if size != (width, height):  # torchvision's Resize returns an image of the right size as it is
            pil = pil.resize(size, Image.Resampling.BICUBIC)
        left, top = int(round((size[0] - SIZE) / 2.0)), int(round((size[1] - SIZE) / 2.0))  # CenterCrop's offsets
        resized.numpy()[index] = np.asarray(pil.crop((left, top, left + SIZE, top + SIZE)))
    return resized.permute(0, 3, 1, 2)


def _resized_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) after torchvision's Resize(224) on a PIL image: shorter side 224, longer side truncated."""
    short, long = min(width, height), max(width, height)
    longer = int(SIZE * long / short)
    return (SIZE, longer) if width <= height else (longer, SIZE)


def preprocess_cmmd(batch: torch.Tensor) -> torch.Tensor:
    """float32 N x 3 x 336 x 336 from uint8 RGB N x 3 x H x W, as CMMD's reference code makes it from files
    (module docstring): `crop_and_resize_cmmd`, then `normalised`."""
    return normalised(crop_and_resize_cmmd(batch))


def crop_and_resize_cmmd(batch: torch.Tensor) -> torch.Tensor:
    """uint8 N x 3 x 336 x 336: CMMD's `_center_crop_and_resize` on each image, with PIL (the centre square of
    side min(h, w), offsets floored, then bicubic resampling to 336 x 336, rounded to uint8)."""
    from PIL import Image

    resized = torch.empty((batch.shape[0], CMMD_SIZE, CMMD_SIZE, 3), dtype=torch.uint8)
    for index, image in enumerate(batch.cpu()):
        pil = Image.fromarray(image.permute(1, 2, 0).contiguous().numpy())
        width, height = pil.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        pil = pil.crop((left, top, left + side, top + side)).resize((CMMD_SIZE, CMMD_SIZE), Image.Resampling.BICUBIC)
        resized.numpy()[index] = np.asarray(pil)
    return resized.permute(0, 3, 1, 2)


#: Arch.preprocessing -> (the network's input from uint8 images, the provenance's text)
PREPROCESSINGS = {"clean-fid": (preprocess, PREPROCESSING), "cmmd": (preprocess_cmmd, CMMD_PREPROCESSING)}
#: Arch.preprocessing -> its resizing and cropping alone (uint8), the extractor's cpu_step
RESIZINGS = {"clean-fid": resize_and_crop, "cmmd": crop_and_resize_cmmd}


def refuse_torchscript(path: Path, source: WeightsFile) -> None:
    """WeightsInvalid for a TorchScript archive (OpenAI's ViT-L-14.pt): a program, which ganeval never runs."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: safetensors, or an old-style pickle that the reader judges
    if any(name.endswith("/constants.pkl") or "/code/" in name for name in names):
        raise WeightsInvalid(
            f"{source.what} weights file {str(path)!r} is a TorchScript archive (a program with code, as OpenAI's "
            f"ViT-L-14.pt and ViT-B-32.pt are), and ganeval never runs code from files. Use open_clip's "
            f"plain tensors of the same weights instead: download {source.file} from {source.url}.",
            argument="--weights",
        )


def visual_state(state: dict) -> dict:
    """The image tower's tensors (keys under "visual.") of a CLIP state dict, in float32 as open_clip loads them."""
    if state and all(key.startswith("module.") for key in state):  # saved from DataParallel, as open_clip accepts
        state = {key[len("module.") :]: value for key, value in state.items()}
    visual = {key[len("visual.") :]: value for key, value in state.items() if key.startswith("visual.")}
    if not visual:
        raise KeyError(
            "no 'visual.*' tensors: this is not an open_clip CLIP state dict (the model.safetensors in the same "
            "repository is timm's image-tower layout)"
        )
    return {key: value.float() if value.is_floating_point() else value for key, value in visual.items()}


def build_network(arch: str, state: dict) -> torch.nn.Module:
    """open_clip's image tower of `arch` (OpenAI's settings: quick_gelu) with the visual tensors of `state`,
    loaded strictly. Raises what loading raises on a misfit."""
    import open_clip  # optional (ganeval[encoders]) and seconds to import: only when a clip extractor is built

    visual = visual_state(state)
    config = {**open_clip.get_model_config(arch), "quick_gelu": True}
    with torch.device("meta"):  # no random initialisation of the parameters the file replaces
        model = open_clip.CLIP(**config)  # what create_model(arch, force_quick_gelu=True) builds at fp32, unlogged
    network = model.visual  # CLIP.encode_image(x) is model.visual(x) when not normalised
    network.load_state_dict(visual, strict=True, assign=True)
    return network.eval()


class CLIPExtractor(EncoderExtractor):
    """CLIP image embeddings (N x 768 for ViT-L/14, N x 512 for ViT-B/32, float64) after clean-fid's preprocessing,
    or CMMD's for ViT-L/14 at 336 pixels.

    weights: open_clip's open_clip_model.safetensors (or open_clip_pytorch_model.bin) of the OpenAI weights;
        None: the extraction's, else looked up (module docstring).
    extraction: where and how the network runs (`ganeval.options.Extraction`; None: the CPU at fp32): its device,
        and its precision, "fp32" or "bf16" (torch.autocast on the forward); device= and precision= still work,
        with a DeprecationWarning.
    arch: "ViT-L-14" (default: extractor "clip"), "ViT-B-32" ("clip-vitb32", clean-fid's CLIP-FID model) or
        "ViT-L-14-336" ("clip-vitl14-336", CMMD's model and preprocessing).
    Raises WeightsNotFound (no file) or WeightsInvalid (unreadable, code, or not this architecture's tensors).
    """

    library = ("open_clip", "open_clip_torch")
    archs = ARCHS
    default_arch = DEFAULT_ARCH
    preprocessing = PREPROCESSING

    def __init__(self, weights=None, *, extraction: Extraction | None = None, arch: str = DEFAULT_ARCH, **keywords):
        extraction = Extraction.merged(extraction, "CLIPExtractor", keywords, device="cpu")  # warns where called
        super().__init__(weights, extraction=extraction, arch=arch)
        self.preprocessing = PREPROCESSINGS[ARCHS[self.arch].preprocessing][1]

    def name_of(self, arch: str) -> str:
        return ARCHS[arch].name

    def weights_file(self, arch: str) -> WeightsFile:
        return weights_file(arch)

    def check_file(self, path: Path, source: WeightsFile) -> None:
        refuse_torchscript(path, source)

    def build_network(self, arch: str, state: dict) -> torch.nn.Module:
        return build_network(arch, state)

    def preprocessor(self, arch: str):
        return RESIZINGS[ARCHS[arch].preprocessing]

    def input_stats(self, arch: str):
        return CLIP_MEAN, CLIP_STD
