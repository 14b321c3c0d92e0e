"""Extractor outputs on disk: reference-statistics files and the cache of reference features.

One npz format serves both: the per-sample outputs (features, logits, modes, high_quality), the
Gaussian statistics (mu, sigma, count) and a JSON provenance string. Files are written to a
temporary name in the same folder, then renamed: a reader never sees half a file.
The cache key hashes everything that changes the features: the file list with sizes and
modification times (or the bundled set, size and seed), the extractor, its weights' hash and the
preprocessing.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from ganeval.atomic import atomic_write
from ganeval.features.base import OUTPUTS
from ganeval.metrics import gaussian_stats
from ganeval.errors import GanevalError

FORMAT = "ganeval-stats-1"


def cache_dir() -> Path:
    """$GANEVAL_CACHE_DIR, else $XDG_CACHE_HOME/ganeval, else ~/.cache/ganeval."""
    if os.environ.get("GANEVAL_CACHE_DIR"):
        return Path(os.environ["GANEVAL_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ganeval"


def files_fingerprint(files: list[Path], root: Path) -> list[list]:
    """Relative path, size and modification time of each file: a cheap content key."""
    rows = []
    for path in files:
        stat = path.stat()
        rows.append([str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns])
    return rows


def cache_key(source: dict, extractor_provenance: dict) -> str:
    text = json.dumps({"format": FORMAT, "source": source, "extractor": extractor_provenance}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def save_outputs(path: str | Path, outputs: dict[str, np.ndarray], provenance: dict) -> Path:
    """Write outputs, their Gaussian statistics and provenance to an npz file, atomically."""
    path = Path(path)
    arrays = {key: outputs[key] for key in OUTPUTS if key in outputs}
    if len(outputs["features"]) >= 2:
        arrays["mu"], arrays["sigma"] = gaussian_stats(outputs["features"])
    arrays["meta"] = np.array(json.dumps({"format": FORMAT, **provenance}, default=str))
    with atomic_write(path) as stream:
        np.savez(stream, **arrays)
    return path


def load_outputs(path: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """Outputs and provenance from a file written by save_outputs (`ganeval stats`)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"])) if "meta" in archive else {}
            outputs = {key: archive[key] for key in OUTPUTS if key in archive}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise GanevalError(f"{path}: not a readable statistics file ({error}); recreate it with `ganeval stats`.") from None
    if meta.get("format") != FORMAT or "features" not in outputs:
        raise GanevalError(
            f"{path} is not a ganeval statistics file (format {meta.get('format')!r}, expected {FORMAT!r}); "
            "create one with `ganeval stats REFERENCE -o FILE`."
        )
    return outputs, meta
