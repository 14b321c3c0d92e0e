"""What `ganeval check` scores: samples on disk, or a generator drawn in memory (no images written).

A candidate is one of
- a folder of images, an .npz/.npy array or a bundled set name (scored as `ganeval score` does);
- a run folder that an installed run format reads (`ganeval.plugins`; the reference trainers' runs),
  or its checkpoint.pt: `load_run(run).sample(n, seed)`, read as data (`torch.load(weights_only=True)`);
- code you name (`load_generator`, the one place that loads a generator's code): `--generator
  package.module:attribute` or `--generator FILE` for a TorchScript file (`torch.jit.save`, called on
  noise z of shape (n, nz)); in Python, a 'package.module:attribute' string, or a path with trust_code=True.
  A path given as CANDIDATE is data: a TorchScript file there is refused, never loaded;
- a Python object (API, pytest fixture) or what `load_generator` returns:
  * an object with `.sample(n, seed)` returning samples (numpy or torch);
  * a `torch.nn.Module`, or any callable taking z (a float32 tensor n x nz, standard normal drawn
    from `seed`) and returning samples;
  * a function or class taking no required arguments: called once to build one of the above.
Samples returned are uint8 images N x C x H x W, float images N x C x H x W in the value range
(default [-1, 1], tanh; `--value-range 0,1` for sigmoid outputs; values outside it are refused, as `score`
refuses float images outside [0, 1]), or N x 2 points.
Modules are run in eval mode (their mode is restored after) under torch.no_grad, in batches.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganeval import errors
from ganeval.data.arrays import check_image_values
from ganeval.errors import GanevalError, printable
from ganeval.plugins import load_run, run_format
from ganeval.torchfile import load_plain

RUN_CHECKPOINT = "checkpoint.pt"
VALUE_RANGES = {"-1,1": (-1.0, 1.0), "0,1": (0.0, 1.0)}


@dataclass
class Drawn:
    """A generator turned into a sampling function, and how to describe it in the report."""

    sample: object  # (n, seed) -> array
    description: dict


DEFAULT_VALUE_RANGE = VALUE_RANGES["-1,1"]  # tanh outputs


def parse_value_range(text: str) -> tuple[float, float]:
    """The CLI's --value-range text ('-1,1' or '0,1') as the tuple the Python API takes."""
    key = str(text).replace(" ", "")
    if key not in VALUE_RANGES:
        raise GanevalError(
            f"--value-range must be one of {', '.join(VALUE_RANGES)} (float outputs of the generator); got {text!r}.",
            argument="value_range",
        )
    return VALUE_RANGES[key]


def check_value_range(value_range) -> tuple[float, float]:
    """A (low, high) pair of float outputs that ganeval converts: (-1, 1) (tanh) or (0, 1) (sigmoid)."""
    try:
        pair = (
            (float(value_range[0]), float(value_range[1]))
            if len(value_range) == 2 and not isinstance(value_range, str)
            else None
        )
    except (TypeError, ValueError):
        pair = None
    if pair not in VALUE_RANGES.values():
        allowed = " or ".join(f"({low:g}, {high:g})" for low, high in VALUE_RANGES.values())
        raise GanevalError(
            f"value_range is the range of the generator's float outputs, {allowed}; got {value_range!r}.",
            argument="value_range",
        )
    return pair


def running_user_code(label: str, doing: str):
    """The generator's code in the block: its exceptions and sys.exit become a UserCodeError (errors.running_user_code),
    so a crash never reads as a regression (exit 1), a bug in ganeval (exit 3) or, for sys.exit(0), a pass."""
    return errors.running_user_code("generator", label, doing, not_ours="not a regression")


def import_generator(spec: str):
    """The object named by 'package.module:attribute' (attribute may be dotted). Errors in the
    module's own code (at import, or in a module __getattr__) become UserCodeError."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise GanevalError(
            "--generator takes package.module:attribute (for example mypkg.models:generator) or the path of a "
            f"TorchScript file (torch.jit.save); got {spec!r}, which is neither.",
            argument="generator",
        )
    with running_user_code(spec, f"importing {module_name}"):
        try:
            target = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if (
                error.name is not None
                and module_name.startswith(error.name)
                and module_name[len(error.name) :][:1] in ("", ".")
            ):
                raise GanevalError(
                    f"--generator {spec}: cannot import {module_name} ({error}); "
                    "install the package or run from its folder.",
                    argument="generator",
                ) from None
            raise
        for part in attribute.split("."):
            if not hasattr(target, part):
                raise GanevalError(
                    f"--generator {spec}: {module_name} has no attribute {attribute!r}.", argument="generator"
                )
            target = getattr(target, part)
    return target


def is_run_folder(path: Path) -> bool:
    return path.is_dir() and run_format(path) is not None


def is_import_spec(candidate) -> bool:
    """'package.module:attribute' (and not a path that happens to hold a colon)."""
    return isinstance(candidate, str) and ":" in candidate and not Path(candidate).exists() and candidate[1:3] != ":\\"


def is_torchscript(path: Path) -> bool:
    """True for a TorchScript archive (torch.jit.save): a zip holding constants.pkl, as torch.load tells them apart."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.partition("/")[2] == "constants.pkl" for name in archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def load_generator(spec):
    """Load a generator from code you chose to run.

    The one loader of a generator's code: the CLI reaches it only through --generator, Python through
    trust_code=True, a 'package.module:attribute' string or a call of this function
    (`ganeval.load_generator`), so that a file given as data never runs.

    Args:
        spec (str | Path): 'package.module:attribute' (imported) or a TorchScript file (torch.jit.load,
            which runs the file's code).

    Returns:
        generator (Any): the imported object or the loaded torch.jit.ScriptModule, for `make_baseline` and
            `check` as their candidate.

    Raises:
        GanevalError: the file is not a TorchScript file, or the module or attribute cannot be found (a
            UserCodeError when the module's own code raises).
    """
    path = Path(spec)
    if not path.is_file():
        return import_generator(str(spec))
    try:
        with warnings.catch_warnings():  # torch 2.x marks TorchScript deprecated; the files still load
            warnings.simplefilter("ignore", FutureWarning)
            return torch.jit.load(str(path), map_location="cpu")
    except (RuntimeError, ValueError) as error:
        raise GanevalError(
            f"--generator {printable(str(path))}: not a TorchScript file ({printable(str(error).splitlines()[0])}); "
            "save the generator with torch.jit.save, or pass a run folder or its checkpoint.pt as CANDIDATE "
            "(read as data).",
            argument="generator",
        ) from None


def load_path(path: Path):
    """The generator of a run folder or of its checkpoint.pt, read as data (the run format's
    torch.load(weights_only=True)). Never code: a TorchScript file is refused, naming the flag that runs it."""
    if path.is_dir():
        return load_run(path)
    shown = printable(str(path))
    if is_torchscript(path):
        raise GanevalError(
            f"{shown} is a TorchScript program (code), and ganeval runs code only where you name it: if you trust "
            f"this file, pass it as --generator {shown} (Python: trust_code=True, or ganeval.load_generator). "
            "A run's checkpoint.pt holds tensors only: pass it or its run folder as CANDIDATE."
        )
    if path.name == RUN_CHECKPOINT and run_format(path.parent) is not None:  # a trainer's checkpoint
        return load_run(path.parent)
    fix = (
        "Pass a run folder written by `ganeval train` (or its checkpoint.pt), or a TorchScript generator "
        "with --generator FILE."
    )
    load_plain(path, "generator file", fix)  # tensors and plain values only: a crafted file is refused here
    raise GanevalError(f"{shown} holds tensors, not a generator that ganeval can draw from. {fix}")


def generator_candidate(candidate) -> bool:
    """True when `candidate` is a generator (object, run folder, checkpoint or torch file), not samples."""
    if isinstance(candidate, (str, Path)):
        path = Path(candidate)
        return is_run_folder(path) or (path.is_file() and path.suffix in (".pt", ".pth", ".ts", ".jit"))
    if isinstance(candidate, np.ndarray) or hasattr(candidate, "detach") and not hasattr(candidate, "forward"):
        return False  # arrays and tensors are samples
    return hasattr(candidate, "sample") or callable(candidate)


def as_drawer(generator, label: str, nz: int | None, value_range: tuple[float, float], batch_size: int = 500) -> Drawn:
    """A seeded sampling function (n, seed) -> numpy samples for any supported generator."""
    if inspect.isclass(generator) or (inspect.isfunction(generator) and _no_required_arguments(generator)):
        with running_user_code(label, "building the generator"):
            generator = generator()  # a factory building the generator
    if hasattr(generator, "sample") and not isinstance(generator, torch.nn.Module):

        def sample(n: int, seed: int):
            with running_user_code(label, f"drawing {n} samples"):
                drawn = generator.sample(n, seed)
            return _convert(drawn, value_range, label)

        return Drawn(sample, {"generator": label, "draws": "generator.sample(n, seed)"})
    if not callable(generator):
        raise GanevalError(
            f"{label} is neither a generator (callable on noise z, or an object with .sample(n, seed)) nor samples."
        )
    if nz is None:
        raise GanevalError(
            f"{label} takes noise z of shape (n, nz): pass --nz (nz=...), the length of its noise vector.",
            argument="nz",
        )
    if isinstance(nz, bool) or not isinstance(nz, int) or nz < 1:
        raise GanevalError(f"--nz (nz) is the length of the noise vector, an integer >= 1; got {nz!r}.", argument="nz")

    @torch.no_grad()
    def sample(n: int, seed: int):
        z = torch.randn(n, nz, generator=torch.Generator().manual_seed(seed))  # the CPU's: the same noise anywhere
        module = generator if isinstance(generator, torch.nn.Module) else None
        z = z.to(_device_of(module))  # a module runs where its weights are (a GPU generator stays on its GPU)
        training = module.training if module is not None else False
        if module is not None:
            module.eval()
        try:
            with running_user_code(label, f"drawing {n} samples"):
                outputs = [generator(z[i : i + batch_size]) for i in range(0, n, batch_size)]
            parts = [_as_tensor(output, label).float() for output in outputs]
        finally:
            if module is not None:
                module.train(training)
        return _convert(torch.cat(parts), value_range, label)

    return Drawn(
        sample,
        {
            "generator": label,
            "draws": f"generator(z), z ~ N(0, 1) of shape (n, {nz}) from the seed",
            "nz": nz,
            "value_range": list(value_range),
        },
    )


def _device_of(module: torch.nn.Module | None) -> torch.device:
    """Where a module's weights are (the first parameter's or buffer's device); the CPU for anything else."""
    tensors = [] if module is None else [*module.parameters(), *module.buffers()]
    return tensors[0].device if tensors else torch.device("cpu")


def _no_required_arguments(function) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return not any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


def _as_tensor(output, label: str):
    if isinstance(output, (tuple, list)) and output and hasattr(output[0], "shape"):
        output = output[0]  # generators that also return features or logits
    if isinstance(output, np.ndarray):
        output = torch.from_numpy(output)
    if not isinstance(output, torch.Tensor):
        raise GanevalError(
            f"{label} returned {type(output).__name__}; a generator must return a tensor or array of samples."
        )
    return output


def _convert(samples, value_range: tuple[float, float], label: str):
    """uint8 N x C x H x W images or float64 N x 2 points, as a torch tensor (torch layout) or numpy points."""
    samples = _as_tensor(samples, label).detach().cpu()
    if samples.ndim == 2 and samples.shape[1] == 2:
        return samples.double().numpy()
    if samples.ndim != 4:
        raise GanevalError(
            f"{label} returned samples of shape {tuple(samples.shape)}; expected images N x C x H x W or points N x 2."
        )
    if samples.dtype == torch.uint8:
        return samples
    floats = samples.float() if samples.is_floating_point() else samples  # bf16 and half as float32
    check_image_values(floats.numpy(), label, value_range)  # what `score` refuses (0..255 floats, NaN) is refused
    low, high = value_range
    return ((floats - low) / (high - low) * 255).round().to(torch.uint8)
