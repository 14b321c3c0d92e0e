"""Feature extractors by name: the bundled `inception`, `digits` and `points`, those other packages
register under the entry-point group `ganeval.extractors`, your own named as `package.module:attribute`
(a torch.nn.Module or callable is wrapped by ganeval.features.custom), and those registered in code:

    from ganeval.features import Extractor, register_extractor
    register_extractor("mine", MyExtractor, "my network's 512-d features")
    ganeval.score(fakes, reference=reals, extractor="mine")

A factory (usually the Extractor class) is called with the keywords weights (a file or None),
channels (1 or 3), mixture (a bundled 2-D mixture or None), device (a torch.device), precision
("fp32" or "bf16") and resize (a name from ganeval.features.resize, or None for the extractor's own);
it takes those it uses. One that takes no device runs where it runs (its `device` attribute, the CPU
by default, is what the provenance records); one that takes no precision is refused bf16, and one that
takes no resize is refused any. A factory registered in code with a parameter named `extraction` (as the
bundled ones) is called with the `ganeval.options.Extraction` instead of weights, device, precision and resize,
and with those of channels, mixture and spatial it names; it then refuses what it cannot do itself.
"""

from __future__ import annotations

from collections.abc import Callable

from ganeval.errors import GanevalError
from ganeval.features import custom
from ganeval.features.base import OUTPUTS, Extractor, refuse_resize, sha256_of_file
from ganeval.features.custom import accepted_keywords
from ganeval.features.digits import DigitsExtractor
from ganeval.features.points import PointsExtractor
from ganeval.features.resize import check_resize
from ganeval.options import Extraction
from ganeval.plugins import EXTRACTORS as ENTRY_POINTS
from ganeval.plugins import entry_point_modules, load_group


def _inception(extraction: Extraction, spatial: bool = False) -> Extractor:
    """torch-fidelity's network, imported when asked for: importing torch-fidelity takes seconds."""
    from ganeval.features.inception import InceptionExtractor

    return InceptionExtractor(extraction=extraction, spatial=spatial)


def _dinov2(arch: str) -> Callable[..., Extractor]:
    """A factory of DINOv2 (timm's architecture, dgm-eval's preprocessing), imported when asked for."""

    def build(extraction: Extraction) -> Extractor:
        from ganeval.features.dinov2 import DINOv2Extractor

        return DINOv2Extractor(extraction=extraction, arch=arch)

    return build


def _clip(arch: str) -> Callable[..., Extractor]:
    """A factory of CLIP image embeddings (open_clip's architecture; clean-fid's CLIP preprocessing, or CMMD's for
    ViT-L-14-336)."""

    def build(extraction: Extraction) -> Extractor:
        from ganeval.features.clip import CLIPExtractor

        return CLIPExtractor(extraction=extraction, arch=arch)

    return build


#: name -> description of the bundled extractors and those registered (entry points are added on lookup)
EXTRACTORS = {
    "inception": "torch-fidelity's TF-compatible InceptionV3: 2048-d pool features and logits "
    "(FID comparable with papers)",
    "digits": "bundled CNN trained on scikit-learn's digits: features, logits and labels (modes) for digit images",
    "points": "identity features for 2-D points; modes from the nearest centre of a bundled mixture",
    "dinov2": "DINOv2 ViT-L/14 CLS embedding (1024-d), dgm-eval's preprocessing: FD_DINOv2 (Stein et al. 2023)",
    "dinov2-vits14": "DINOv2 ViT-S/14 CLS embedding (384-d), dgm-eval's preprocessing",
    "dinov2-vitb14": "DINOv2 ViT-B/14 CLS embedding (768-d), dgm-eval's preprocessing",
    "dinov2-vitg14": "DINOv2 ViT-g/14 CLS embedding (1536-d), dgm-eval's preprocessing",
    "clip": "CLIP ViT-L/14 image embedding (768-d), clean-fid's CLIP preprocessing: CLIP-FD, CMMD",
    "clip-vitb32": "CLIP ViT-B/32 image embedding (512-d), clean-fid's CLIP-FID model (clip_vit_b_32)",
    "clip-vitl14-336": "CLIP ViT-L/14 at 336 px image embedding (768-d), CMMD's reference model and preprocessing "
    "(Jayasumana et al. 2024)",
}
_FACTORIES: dict[str, Callable[..., Extractor]] = {
    "inception": _inception,
    "digits": DigitsExtractor,
    "points": PointsExtractor,
    "dinov2": _dinov2("vitl14"),
    "dinov2-vits14": _dinov2("vits14"),
    "dinov2-vitb14": _dinov2("vitb14"),
    "dinov2-vitg14": _dinov2("vitg14"),
    "clip": _clip("ViT-L-14"),
    "clip-vitb32": _clip("ViT-B-32"),
    "clip-vitl14-336": _clip("ViT-L-14-336"),
}


def register_extractor(name: str, factory: Callable[..., Extractor], description: str = "") -> None:
    """Make `factory` (an Extractor class or a function building one) available as extractor `name`."""
    if not isinstance(name, str) or not name or name in _FACTORIES:
        raise GanevalError(f"extractor names are unique, non-empty strings; {name!r} is taken or invalid.", "name")
    _FACTORIES[name] = factory
    EXTRACTORS[name] = description or getattr(factory, "__doc__", None) or name


def extractor_names() -> list[str]:
    """Every extractor name: bundled, registered and installed through entry points."""
    return [*_FACTORIES, *(name for name in _entry_points() if name not in _FACTORIES)]


def _entry_points() -> dict[str, Callable[..., Extractor]]:
    return load_group(ENTRY_POINTS)


def get_extractor(
    name: str,
    extraction: Extraction | None = None,
    *,
    channels: int = 1,
    mixture=None,
    spatial: bool = False,
    **keywords,
) -> Extractor:
    """An extractor by name.

    Args:
        name: a registered name (`extractor_names()`), or your own as package.module:attribute.
        extraction: what the extractor is built with, resolved by the caller (`Extraction.resolved()`; None: the
            CPU at fp32): its weights file (inception, digits, dinov2, clip; None: the extractor's own), device
            ("auto", "cpu", "cuda", "cuda:N", "mps"), precision ("fp32" or "bf16") and resize, how inception
            brings images to its input size ("legacy-tf" or "clean"; None: the extractor's default;
            ganeval.features.resize). Its other settings are the extraction's, not the extractor's.
        channels: 1 for digits, 3 for stacked digits.
        mixture: the bundled mixture whose centres give the points' modes.
        spatial: also sFID's "spatial" features, from an extractor that has them (inception; any other is made
            without, and sfid is then not available).
        **keywords: weights=, device=, precision= and resize= of the release before: still taken, with a
            DeprecationWarning.

    Returns:
        The extractor, on the extraction's device.

    Raises:
        GanevalError: an unknown name, or a setting the extractor cannot honour (naming the flag).
    """
    import warnings  # INTERIM (engineer 6): silent until scoring's call passes the extraction; removed then

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        extraction = Extraction.merged(extraction, "get_extractor", keywords, device="cpu")
    factory = _FACTORIES.get(name)
    installed = {} if factory is not None or custom.is_spec(name) else _entry_points()
    if factory is None and name not in installed and not custom.is_spec(name):
        raise GanevalError(
            f"unknown extractor {name!r}; choose one of: {', '.join(extractor_names())}, or your own as {custom.FORM}."
        )
    extraction = extraction.resolved()  # a no-op on the caller's resolved one; a bad device fails here, named
    offered = {
        "weights": extraction.weights,
        "channels": channels,
        "mixture": mixture,
        "device": extraction.device,
        "precision": extraction.precision,
    }
    if extraction.resize is not None:  # offered only when chosen: factories taking **keywords get what they got before
        offered["resize"] = check_resize(extraction.resize)
    if custom.is_spec(name):  # your own, by module and attribute: ganeval.features.custom wraps it
        return custom.from_spec(name, offered)
    if factory is None:  # an entry point's object: an Extractor factory as above, or a model to wrap
        return custom.from_entry_point(name, installed[name], entry_point_modules(ENTRY_POINTS).get(name), offered)
    if "extraction" in accepted_keywords(factory, {"extraction": extraction}, named_only=True):  # the bundled ones
        wanted = {"extraction": extraction, "channels": channels, "mixture": mixture}
        accepted = accepted_keywords(factory, wanted, named_only=True)
    else:
        accepted = accepted_keywords(factory, offered)
        if extraction.precision != "fp32" and "precision" not in accepted:
            raise GanevalError(
                f"the {name} extractor runs no network at a chosen precision (it takes no precision); "
                f"use --precision fp32 with it.",
                argument="precision",
            )
        if "resize" not in accepted:
            refuse_resize(name, extraction)
    if spatial and "spatial" in accepted_keywords(factory, {"spatial": True}, named_only=True):
        accepted["spatial"] = True  # never offered to a factory taking **keywords, nor to your own extractors
    return factory(**accepted)


__all__ = [
    "EXTRACTORS",
    "OUTPUTS",
    "Extractor",
    "extractor_names",
    "get_extractor",
    "register_extractor",
    "sha256_of_file",
]
