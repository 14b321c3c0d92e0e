"""Reading torch files that come from users (checkpoints, extractor weights) without running their code.

A `.pt`/`.pth` file is a pickle, and unpickling can call any Python function the file names.
`load_plain` reads it with `torch.load(..., weights_only=True)`, which accepts only tensors and plain
values (numbers, strings, lists, tuples, dicts), so a crafted file is refused before anything in it
runs. Every failure becomes a GanevalError that names the file, says what is wrong and how to fix it.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from ganeval.errors import GanevalError

_FORBIDDEN_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")
_UNPICKLER_DETAIL = re.compile(r"WeightsUnpickler error:\s*(.+)")


def load_plain(path: str | Path, what: str, fix: str):
    """The contents of torch file `path` (tensors and plain values only), on the CPU.

    what: what the file should be, for messages ("reference_models checkpoint");
    fix: the sentence that says how to get a good one.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        problem = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise GanevalError(f"{what} {path} {problem}. {fix}")
    try:
        with warnings.catch_warnings():  # torch's notes on pickle protocols are not the user's business
            warnings.simplefilter("ignore", UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except PermissionError as error:
        raise GanevalError(f"{what} {path} cannot be read ({error.strerror}). {fix}") from None
    except Exception as error:  # noqa: BLE001 - torch raises many types for a damaged or hostile file
        raise GanevalError(f"{what} {path} cannot be loaded: {_reason(error)}. {fix}") from None


def _reason(error: Exception) -> str:
    """Why torch.load(weights_only=True) refused a file, in one clause."""
    forbidden = _FORBIDDEN_GLOBAL.search(str(error))
    if forbidden:
        return (
            f"it holds the Python object {forbidden.group(1)}, and ganeval never unpickles objects from files "
            "(unpickling can run code); only tensors and plain values are accepted"
        )
    if isinstance(error, EOFError):
        return "the file is empty"
    return (
        f"it is not a complete torch file (truncated, damaged or another format; {type(error).__name__}: "
        f"{_first_line(error)})"
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    detail = _UNPICKLER_DETAIL.search(text)
    text = detail.group(1) if detail else text
    return (text.splitlines()[0].split(". ")[0] if text else "no detail")[:200]
