"""Your own extractor: `--extractor package.module:attribute` (extractor="package.module:attribute" in Python),
or a `ganeval.extractors` entry point, wrapped into the `Extractor` interface.

The attribute (or the entry point's object) is one of
- an `Extractor`, an Extractor subclass, or a function taking no required arguments (a factory): a factory is
  called with the keywords it accepts among weights, channels, mixture, device, precision (and resize when
  chosen), as registered factories are, and returns an Extractor (used as is) or one of the models below;
- a model: a `torch.nn.Module` instance, a class of one (built with the keywords it accepts among weights and
  device), or any callable taking one argument, the batch.
A model is called on uint8 RGB images N x 3 x H x W of any size, as read (N x 1 x H x W grayscale when the
model has an attribute `channels = 1`), on the chosen device: it does its own resizing and normalisation. It
returns its features, a tensor or array N x D, or a dict {"features": N x D, "logits": N x C} (logits optional:
they give the Inception Score), or a tuple (features, logits). It runs under torch.inference_mode (a module in
eval mode, moved to the device); outputs become float64 numpy arrays. An attribute `preprocessing` (a string)
says what it does to the images, for the provenance.

Only the module form is taken, not a file path: the module must be importable (its package installed, or
the folder holding it on PYTHONPATH), so the name, which the provenance, the cache key and baselines record,
is the same from any working directory. The provenance adds `code_sha256`, a sha256 of the module's source
file (and of the file defining the object, when another module of the same package), and for a module
`weights_sha256`, a sha256 of its state_dict tensors: other code or other weights give other cache entries,
and a baseline refuses a candidate scored with them. Importing the module runs its code: name only code you
trust, as for --generator.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import sys
import weakref
from collections.abc import Callable
from pathlib import PurePath
from types import ModuleType

import numpy as np
import torch

from ganeval import errors
from ganeval.device import extraction_context
from ganeval.errors import GanevalError, printable
from ganeval.features.base import Extractor, as_uint8_batch, sha256_of_file

EXAMPLE = "mylab.encoders:xray_encoder"
FORM = f"package.module:attribute (for example {EXAMPLE})"
MODEL_PREPROCESSING = "uint8 images as read, any size (resizing and normalisation: the model's own)"
MODEL_KEYWORDS = ("weights", "device")  # what a model's class is offered: its channels are its own
NOT_USER_CODE = ("torch", "ganeval", "builtins", "numpy")  # packages whose files are not the extractor's code
# The hash of a module's file when ganeval first saw the module: the code that runs (a module is imported once
# per process), even if the file is edited afterwards.
_CODE_HASHES: weakref.WeakKeyDictionary[ModuleType, str | None] = weakref.WeakKeyDictionary()


def is_spec(name: str) -> bool:
    """Whether an extractor name is a 'package.module:attribute' spec rather than a registered name."""
    return ":" in name


def check_spec(spec: str) -> tuple[str, str]:
    """(module, attribute) of a 'package.module:attribute' spec (attribute may be dotted); GanevalError otherwise."""
    module, _, attribute = spec.partition(":")
    dotted = (module, attribute)
    if not all(part.isidentifier() for name in dotted for part in name.split(".")):
        hint = ""
        if "/" in module or "\\" in module or module.endswith(".py"):
            file = PurePath(module)
            folder, stem = str(file.parent), file.stem if file.suffix == ".py" else file.name
            hint = (
                f": name the file's module instead, with its folder on PYTHONPATH (PYTHONPATH={printable(folder)} "
                f"ganeval ... --extractor {printable(stem)}:{printable(attribute)})"
            )
        raise GanevalError(
            f"extractor {printable(spec)!r} is neither a registered name nor {FORM}{hint}.", argument="extractor"
        )
    return module, attribute


def accepted_keywords(factory: Callable, offered: dict, *, named_only: bool = False) -> dict:
    """The keywords of `offered` that `factory` takes (all of them when it takes **keywords, unless `named_only`:
    a torch.nn.Module subclass without an __init__ of its own has torch's, which takes **keywords)."""
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {} if named_only else offered
    if not named_only and any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return offered
    return {key: value for key, value in offered.items() if key in parameters}


def running_extractor_code(name: str, doing: str):
    """The extractor's code in the block: its exceptions and sys.exit become a UserCodeError naming the extractor
    (errors.running_user_code): their bug (exit 2), not ganeval's (exit 3)."""
    return errors.running_user_code("extractor", name, doing, not_ours="not in ganeval", argument="extractor")


def import_spec(spec: str) -> tuple[ModuleType, object]:
    """The module and the object a 'package.module:attribute' spec names. Errors in the module's own code
    (at import, or in a module __getattr__) become UserCodeError."""
    module_name, attribute = check_spec(spec)
    with running_extractor_code(spec, f"importing {module_name}"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            missing = error.name
            if missing is not None and (module_name == missing or module_name.startswith(missing + ".")):
                top = module_name.split(".")[0]
                raise GanevalError(
                    f"--extractor {spec}: cannot import {module_name} ({error}); make it importable: install its "
                    f"package, or put the folder that holds {top} on PYTHONPATH (PYTHONPATH=/path/to/folder "
                    "ganeval ...).",
                    argument="extractor",
                ) from None
            raise  # a module their code imports is missing: their error, with its traceback
        target = module
        for part in attribute.split("."):
            if not hasattr(target, part):
                raise GanevalError(
                    f"--extractor {spec}: {module_name} has no attribute {attribute!r}.", argument="extractor"
                )
            target = getattr(target, part)
    return module, target


def from_spec(spec: str, offered: dict) -> Extractor:
    """The extractor named by 'package.module:attribute'; `offered`: the keywords get_extractor offers factories."""
    module, target = import_spec(spec)
    return build(target, spec, module, offered)


def from_entry_point(name: str, target: object, module_name: str | None, offered: dict) -> Extractor:
    """The extractor of a `ganeval.extractors` entry point (already loaded: `target`, from `module_name`)."""
    return build(target, name, sys.modules.get(module_name) if module_name else None, offered)


def build(target: object, name: str, module: ModuleType | None, offered: dict) -> Extractor:
    """An Extractor named `name` from what `target` is (see the module docstring), its code's hash recorded."""
    code = code_sha256(module, target)
    made = target
    if _is_factory(target):
        model_class = inspect.isclass(target) and not issubclass(target, Extractor)
        keywords = _only(offered, MODEL_KEYWORDS) if model_class else offered
        accepted = accepted_keywords(target, keywords, named_only=model_class)
        _check_weights(name, offered, "weights" in accepted)
        needed = [key for key in _required_names(target) if key not in accepted]
        if needed:
            raise GanevalError(
                f"--extractor {name}: {target.__qualname__} needs arguments ({', '.join(needed)}); name an "
                "instance, or a function with no required arguments that builds one.",
                argument="extractor",
            )
        _check_resize(name, offered, "resize" in accepted)
        with running_extractor_code(name, "building it"):
            made = target(**accepted)
    else:
        _check_weights(name, offered, False)
        _check_resize(name, offered, False)
    if isinstance(made, Extractor):
        if offered["precision"] != "fp32" and made.precision != offered["precision"]:
            raise GanevalError(
                f"the {name} extractor runs no network at a chosen precision (it takes no precision); "
                "use --precision fp32 with it.",
                argument="precision",
            )
        made.name = name  # the name that builds it again (check re-scores a baseline's candidate by it)
        if made.code_sha256 is None:
            made.code_sha256 = code
        return made
    if isinstance(made, torch.nn.Module) or (callable(made) and not inspect.isclass(made) and _one_argument(made)):
        return ModelExtractor(made, name, code_sha256=code, device=offered["device"], precision=offered["precision"])
    raise GanevalError(
        f"--extractor {name}: {_described(made)} is not an extractor. Give an Extractor (or a factory of one), a "
        "torch.nn.Module, or a callable taking uint8 images N x C x H x W and returning features N x D "
        "(see ganeval.features.custom).",
        argument="extractor",
    )


class ModelExtractor(Extractor):
    """A model (torch.nn.Module or callable) from outside ganeval, as an extractor: see the module docstring."""

    kind = "images"

    def __init__(self, model: Callable, name: str, *, code_sha256: str | None, device: torch.device, precision: str):
        self.name, self.model = name, model
        self.device, self.precision = device, precision
        channels = getattr(model, "channels", 3)
        if isinstance(channels, bool) or channels not in (1, 3):
            raise GanevalError(
                f"--extractor {name}: its channels attribute is {channels!r}; it must be 3 (RGB, the default) "
                "or 1 (grayscale).",
                argument="extractor",
            )
        self.channels = int(channels)
        described = getattr(model, "preprocessing", None)
        self.preprocessing = described if isinstance(described, str) and described else MODEL_PREPROCESSING
        self.code_sha256 = code_sha256
        network = _network(model)
        own = getattr(model, "weights_sha256", None)
        self.weights_sha256 = own if isinstance(own, str) else None if network is None else tensors_sha256(network)
        if network is not None:
            with running_extractor_code(name, f"moving it to {device}"):
                network.to(device).eval()

    def extract(self, batch: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
        images = as_uint8_batch(batch, self.channels, self.name)
        n = images.shape[0]
        with running_extractor_code(self.name, f"extracting the features of {n} images"):
            with extraction_context(self.device, self.precision):
                output = self.model(images.to(self.device))
        return model_outputs(output, n, self.name)


def model_outputs(output: object, n: int, name: str) -> dict[str, np.ndarray]:
    """{"features": N x D, "logits": N x C (when given)} as float64 numpy, from a model's output: a tensor or
    array of features, a dict with "features" (and "logits"), or a tuple (features[, logits])."""
    if isinstance(output, dict):
        if "features" not in output:
            keys = ", ".join(repr(key) for key in output) or "none"
            raise GanevalError(
                f"--extractor {name} returned a dict without 'features' (its keys: {keys}); return "
                "{'features': N x D, 'logits': N x C} (logits optional), a tuple (features, logits), or the features.",
                argument="extractor",
            )
        features, logits = output["features"], output.get("logits")
    elif isinstance(output, (tuple, list)) and len(output) in (1, 2):
        features, logits = output[0], output[1] if len(output) == 2 else None
    else:
        features, logits = output, None
    made = {"features": _matrix(features, n, name, "features")}
    if logits is not None:
        made["logits"] = _matrix(logits, n, name, "logits")
    return made


def _matrix(value: object, n: int, name: str, what: str) -> np.ndarray:
    """A float64 n x D array from a tensor or array; GanevalError naming the extractor and what came back."""
    if isinstance(value, torch.Tensor):
        array = value.detach().float().cpu().double().numpy()
    elif isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        array = value.astype(np.float64)
    else:
        raise GanevalError(
            f"--extractor {name} returned {_described(value)} as its {what}; it must return a tensor or array "
            f"N x D (one row per image).",
            argument="extractor",
        )
    if array.ndim != 2 or array.shape[0] != n or array.shape[1] < 1:
        raise GanevalError(
            f"--extractor {name} returned {what} of shape {tuple(array.shape)} for {n} images; expected {n} x D "
            "(one row per image: flatten or pool feature maps first).",
            argument="extractor",
        )
    if not np.isfinite(array).all():
        raise GanevalError(
            f"--extractor {name} returned {what} that are not finite (NaN or inf).", argument="extractor"
        )
    return array


def code_sha256(module: ModuleType | None, target: object) -> str | None:
    """sha256 over the source file of `module` and that of the module defining `target` when it is another
    module of the same package (of any package but torch's and ganeval's when `module` is unknown); each file
    hashed when ganeval first saw its module. None when neither has a file."""
    modules = [module] if module is not None else []
    defining = inspect.getmodule(target if inspect.isclass(target) or inspect.isroutine(target) else type(target))
    if defining is not None and defining is not module:
        package = defining.__name__.split(".")[0]
        if package == module.__name__.split(".")[0] if module is not None else package not in NOT_USER_CODE:
            modules.append(defining)
    digests = [digest for digest in map(_file_sha256, modules) if digest is not None]
    if not digests:
        return None
    return digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()


def _file_sha256(module: ModuleType) -> str | None:
    if module not in _CODE_HASHES:
        path = getattr(module, "__file__", None)
        try:
            _CODE_HASHES[module] = sha256_of_file(path) if path else None
        except OSError:
            _CODE_HASHES[module] = None
    return _CODE_HASHES[module]


def tensors_sha256(network: torch.nn.Module) -> str | None:
    """sha256 over a module's state_dict: each entry's name, dtype, shape and bytes, in order. None when empty."""
    state = network.state_dict()
    if not state:
        return None
    digest = hashlib.sha256()
    for key, tensor in state.items():
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{key}\0{flat.dtype}\0{tuple(tensor.shape)}\0".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _network(model: object) -> torch.nn.Module | None:
    """The torch module whose weights a model uses: itself, or the module of a bound method (net.embed)."""
    if isinstance(model, torch.nn.Module):
        return model
    owner = getattr(model, "__self__", None)
    return owner if isinstance(owner, torch.nn.Module) else None


def _is_factory(target: object) -> bool:
    """A class (built, then used), or a function taking no required arguments (called, then used)."""
    if inspect.isclass(target):
        return True
    return inspect.isfunction(target) and _required(target) == 0


def _one_argument(model: Callable) -> bool:
    """Whether a callable can be called with the batch alone (True when its signature cannot be read)."""
    required = _required(model)
    return required is None or required <= 1


def _required(function: Callable) -> int | None:
    """How many positional arguments `function` requires (None when its signature cannot be read)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


def _required_names(function: Callable) -> list[str]:
    """The names of the arguments `function` requires (none when its signature cannot be read)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _check_weights(name: str, offered: dict, takes_weights: bool) -> None:
    if offered.get("weights") is not None and not takes_weights:
        raise GanevalError(
            f"--weights {printable(str(offered['weights']))}: the extractor {name} takes no weights file (only a "
            "factory or class with a weights parameter does); leave --weights out, or load the weights in its code.",
            argument="weights",
        )


def _check_resize(name: str, offered: dict, takes_resize: bool) -> None:
    """A model resizes images itself: --resize (inception's resizing) is refused, as for any extractor without it."""
    if offered.get("resize") is not None and not takes_resize:
        raise GanevalError(
            f"the {name} extractor prepares its images itself (it takes no resize); drop --resize "
            f"{offered['resize']}, which chooses inception's resizing.",
            argument="resize",
        )


def _only(offered: dict, keys: tuple[str, ...]) -> dict:
    return {key: offered[key] for key in keys if key in offered}


def _described(value: object) -> str:
    return f"the class {value.__qualname__}" if inspect.isclass(value) else f"an object of type {type(value).__name__}"


__all__ = ["ModelExtractor", "accepted_keywords", "check_spec", "from_entry_point", "from_spec", "is_spec"]
