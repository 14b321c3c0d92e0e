"""Where the networks run and at which precision: device names, TF32 off, bf16 autocast, provenance.

    resolve_device("auto")          # cuda when available, else cpu
    resolve_device("cuda:1")        # GanevalError(argument="device") naming the devices there are
    with extraction_context(device, "fp32"):   # TF32 off (it changes FID), restored afterwards
        features = network(batch)

Feature extraction runs at "fp32" (the default, equal to torch-fidelity) or "bf16" (opt-in:
torch.autocast on the extractor's forward, features returned as float32). Matrix products and
convolutions on NVIDIA GPUs since Ampere use TF32 by default in cuDNN, which rounds inputs to 10
mantissa bits and moves FID; extraction turns it off and puts the caller's setting back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from ganeval.errors import GanevalError

__all__ = [
    "PRECISIONS",
    "available_devices",
    "check_precision",
    "describe_device",
    "extraction_context",
    "resolve_device",
    "tf32_off",
]

PRECISIONS = ("fp32", "bf16")  # fp32 first: the default
DEVICE_NAMES = "auto, cpu, cuda, cuda:N or mps"


def available_devices() -> list[str]:
    """The devices this machine offers, by name: cpu, then cuda:0 .. cuda:N-1, then mps."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """The torch.device for a name: "auto" (or None) is CUDA when available, else the CPU; "cpu",
    "cuda", "cuda:N" and "mps" are checked against this machine. A name torch does not know, or a
    device this machine lacks, raises GanevalError(argument="device") naming the available ones."""
    if device is None or (isinstance(device, str) and device.strip().lower() == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    here = available_devices()
    try:
        chosen = device if isinstance(device, torch.device) else torch.device(str(device).strip().lower())
    except (RuntimeError, ValueError):
        raise GanevalError(
            f"--device (device) {device!r} is not a device name; give one of {DEVICE_NAMES} "
            f"(available here: auto, {', '.join(here)}).",
            argument="device",
        ) from None
    if chosen.type == "cpu":
        return torch.device("cpu")
    if chosen.type == "cuda" and torch.cuda.is_available():
        index = 0 if chosen.index is None else chosen.index
        if index < torch.cuda.device_count():
            return chosen
    elif chosen.type == "mps" and "mps" in here:
        return chosen
    elif chosen.type not in ("cuda", "mps"):
        raise GanevalError(
            f"--device (device) {device!r}: ganeval runs its networks on {DEVICE_NAMES}; got a {chosen.type} device "
            f"(available here: auto, {', '.join(here)}).",
            argument="device",
        )
    if chosen.type == "mps":
        why = "this torch build or machine has no Apple GPU, MPS"
    elif torch.cuda.is_available():
        why = f"this machine has {torch.cuda.device_count()} CUDA device(s), numbered from 0"
    else:
        why = "this torch build or machine has no CUDA"
    raise GanevalError(
        f"--device (device) {device!r} is not available ({why}); available here: auto, {', '.join(here)}.",
        argument="device",
    )


def check_precision(precision: str) -> str:
    """ "fp32" or "bf16", else GanevalError(argument="precision") naming both."""
    if precision not in PRECISIONS:
        raise GanevalError(
            f"--precision (precision) is one of {', '.join(PRECISIONS)} (fp32: the default, equal to torch-fidelity; "
            f"bf16: faster on GPUs, FID within the deviation the README gives); got {precision!r}.",
            argument="precision",
        )
    return precision


@contextlib.contextmanager
def tf32_off() -> Iterator[None]:
    """TF32 off for CUDA matrix products and cuDNN convolutions inside the block; the caller's
    settings (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) come back after."""
    matmul, cudnn = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul, cudnn


@contextlib.contextmanager
def extraction_context(device: torch.device, precision: str = "fp32") -> Iterator[None]:
    """What an extractor's forward runs under: inference mode, TF32 off, and for bf16 torch.autocast
    on the device (the caller returns the outputs as float32 or float64)."""
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()
    with torch.inference_mode(), tf32_off(), autocast:
        yield


def describe_device(device: torch.device, precision: str = "fp32") -> dict:
    """What the provenance records of where features were extracted: the device (and the GPU's name),
    the torch and CUDA versions (CUDA None off CUDA), the TF32 setting during extraction (always off),
    and the precision."""
    device = torch.device(device)
    cuda = device.type == "cuda"
    described = {
        "device": str(device),
        "name": torch.cuda.get_device_name(device) if cuda else None,
        "torch": torch.__version__,
        "cuda": torch.version.cuda if cuda else None,
        "tf32": False,
        "precision": precision,
    }
    return described
