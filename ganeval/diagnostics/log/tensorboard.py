"""TensorBoard event files (`events.out.tfevents.*`) from any trainer, read into the vocabulary.

- **What is read**: the scalars of every event file of one run: TF1 `simple_value`s (as torch's
  SummaryWriter writes them) and TF2 tensor summaries of the `scalars` plugin; images, histograms and
  graphs are skipped. Values are float32, as TensorBoard stores them (a FID of 1e57 reads inf), and
  are kept as read, non-finite ones included. The step is the event's step.
- **A run** is TensorBoard's: the event files directly in one folder, plus the subfolders that torch's
  `add_scalars(main_tag, {key: ...})` writes beside them (`MAINTAG_key/`, holding tag `main_tag` only;
  read as tag `MAINTAG_key`). A folder whose subfolders hold several runs is refused with their list:
  point at one. Files are read in name order (the name holds the writer's start time); a tag whose step
  goes back (a restarted run) loses its values from that step on, as TensorBoard purges them.
- **Tags**: `TAGS` maps the conventions of StyleGAN2-ADA/StyleGAN3 (`Loss/...`, `Metrics/...`,
  `Progress/...`) and of common GAN repositories (`loss_D`, `errG`, `D(x)`, `D(G(z))`, `FID`, ...),
  ignoring case, spaces and `_-/.:`. The column map {ours: TAG} names any other tag and overrides the
  table. Metric tags (and StyleGAN's `Metrics/*`) go to `evals`, the rest to `steps`; unknown tags are
  kept under their own names. StyleGAN repeats the last metric value at every tick until the next
  evaluation: in its logs a repeated value is no new evaluation. D's logits (`Loss/scores/*`) are kept
  as d_*_logit and their sigmoid is d_real/d_fake; `D(x)`-style tags are probabilities, and are not
  read as such when a value lies outside [0, 1] (a critic's scores).
- **Files are data**: each is a regular file under MAX_EVENT_BYTES, checked before it is opened, and
  read once with a bounded read; every record's length and CRC are checked. A torn last record (a
  killed or still running writer) is dropped with a LogWarning; any other damage is a GanevalError
  naming the file and the record. The record framing is read here, not by tensorboard's loaders,
  because those stop silently at the first damaged record.
"""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ganeval.diagnostics.log.columns import (
    D_OUTPUT,
    EVAL_COLUMNS,
    LOG_FORMAT,
    SOURCE_FILES,
    STEP,
    STEP_UNIT,
    check_column_map,
    stylegan_metric,
    tag_key,
)
from ganeval.diagnostics.logfile import LogWarning, read_log_bytes
from ganeval.errors import GanevalError, printable

PREFIX = "events.out.tfevents."
#: The largest event file read. Without TensorFlow, tensorboard checks CRCs in Python (about 8 MB/s),
#: and a file of scalars is a few MB even for long runs; larger ones hold images (log scalars apart).
MAX_EVENT_BYTES = 256 * 1024**2
MAX_DEPTH = 4  # subfolder levels searched for event files (runs/DATE/HOST/version_0/...)
MAX_ENTRIES = 20_000  # folder entries looked at in that search: a home folder is not walked whole
INSTALL = 'pip install "ganeval[tensorboard]"'
KIMG_TAG = "Progress/kimg"  # StyleGAN's: its presence means the step is kimg

#: Known tags, by their key (`columns.tag_key`: lowercase, spaces and _-/.: dropped) -> our column.
TAGS = {
    **dict.fromkeys(
        ("lossd", "dloss", "errd", "lossdis", "disloss", "lossdiscriminator", "discriminatorloss", "l(d)", "lossdloss")
        + ("losslossd", "lossdtotal", "dlosstotal", "losscritic", "criticloss"),
        "loss_d",
    ),
    **dict.fromkeys(
        ("lossg", "gloss", "errg", "lossgen", "genloss", "lossgenerator", "generatorloss", "l(g)", "lossgloss")
        + ("losslossg", "lossgtotal", "glosstotal"),
        "loss_g",
    ),
    **dict.fromkeys(("d(x)", "dx", "d(real)"), "d_real"),
    **dict.fromkeys(("d(g(z))", "dgz", "dgz1", "d(g(z1))", "d(g(z))before", "d(g(z))beforeupdate"), "d_fake"),
    "lossscoresreal": "d_real_logit",
    "lossscoresfake": "d_fake_logit",
    "losssignsreal": "ada_rt",
    "progressaugment": "ada_p",
    **dict.fromkeys(("gradnormd", "dgradnorm", "gradnormdiscriminator"), "grad_norm_d"),
    **dict.fromkeys(("gradnormg", "ggradnorm", "gradnormgenerator"), "grad_norm_g"),
    **dict.fromkeys(("lrd", "lr(d)", "dlr", "lrdiscriminator"), "lr_d"),
    **dict.fromkeys(("lrg", "lr(g)", "glr", "lrgenerator"), "lr_g"),
    **dict.fromkeys(("fid", "fidscore", "metricsfid", "metricfid", "evalfid", "valfid"), "fid"),
    **dict.fromkeys(("kid", "kidscore", "metricskid", "metrickid", "evalkid", "valkid"), "kid"),
    **dict.fromkeys(("precision", "metricsprecision", "metricprecision"), "precision"),
    **dict.fromkeys(("recall", "metricsrecall", "metricrecall"), "recall"),
    **dict.fromkeys(("is", "inceptionscore", "ismean", "metricsis", "metricsinceptionscore"), "inception_score"),
    **dict.fromkeys(("ppl", "metricsppl"), "ppl"),
}
PROBABILITIES = ("d_real", "d_fake")
LOGITS = {"d_real_logit": "d_real", "d_fake_logit": "d_fake"}


def known_column(tag: str) -> str | None:
    """Our column for a tag of a known convention (TAGS; StyleGAN's `Metrics/*`: columns.STYLEGAN_METRICS), or None."""
    return TAGS.get(tag_key(tag)) or stylegan_metric(tag)


class TensorBoardFormat:
    """TensorBoard event files in a run folder (or below it), or one event file given alone."""

    name = "tensorboard"
    looks_for = (
        "TensorBoard event files (events.out.tfevents.*) of one run, in a folder or its subfolders, or given "
        f"alone (needs {INSTALL})"
    )

    def recognizes(self, path: Path) -> bool:
        try:
            path = Path(path)
            if path.is_file():
                return path.name.startswith(PREFIX)
            return path.is_dir() and bool(_event_folders(path, strict=False))
        except (OSError, GanevalError):
            return False

    def read(self, path: Path, column_map: dict[str, str] | None = None):
        """(steps, evals, manifest) of the run at `path` (module docstring)."""
        proto = _tensorboard()
        path, column_map = Path(path), check_column_map(column_map)
        if STEP in column_map:
            raise GanevalError(
                f"--map {STEP}=...: a TensorBoard scalar's step is its event's step; drop {STEP} from --map.",
                argument="map",
            )
        tags, files = _read_run(path, proto)
        steps, evals, manifest = frames(tags, column_map, shown=printable(str(path)))
        base = path if path.is_dir() else path.parent
        manifest[SOURCE_FILES] = [file.relative_to(base).as_posix() for file in files]
        return steps, evals, manifest


def _tensorboard():
    """tensorboard's protobufs and CRC, imported here: tensorboard is an optional dependency."""
    try:
        from google.protobuf.message import DecodeError
        from tensorboard.compat.proto import event_pb2
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
        from tensorboard.util import tensor_util
    except ImportError:
        raise GanevalError(
            f"reading TensorBoard event files needs the tensorboard package: {INSTALL} (or pip install tensorboard)."
        ) from None
    return event_pb2, masked_crc32c, tensor_util, DecodeError


def frames(tags: dict[str, dict[int, float]], column_map: dict[str, str], shown: str = "the log"):
    """(steps, evals, manifest) from {tag: {step: value}}: tags named by the map or the table become our
    columns, the others keep their names; metric columns and StyleGAN's Metrics/* go to evals."""
    columns = _columns(tags, column_map, shown)
    series = {column: pd.Series(tags[tag], dtype=np.float64) for column, tag in columns.items()}
    read = set(columns.values())
    series.update({tag: pd.Series(values, dtype=np.float64) for tag, values in tags.items() if tag not in read})
    manifest = {LOG_FORMAT: "tensorboard", STEP_UNIT: "kimg" if KIMG_TAG in tags else "step"}
    for logit, probability in LOGITS.items():
        if logit in series and probability not in series:
            series[probability] = 1.0 / (1.0 + np.exp(-series[logit].clip(-700, 700)))
    if any(logit in series for logit in LOGITS):
        manifest[D_OUTPUT] = "logit"
    elif any(probability in series for probability in PROBABILITIES):
        manifest[D_OUTPUT] = "probability"
    is_eval = {name: name in EVAL_COLUMNS or name.lower().startswith("metrics/") for name in series}
    steps = _frame({name: s for name, s in series.items() if not is_eval[name]})
    evals = _frame({name: s for name, s in series.items() if is_eval[name]})
    return steps, evals, manifest


def _columns(tags: dict[str, dict[int, float]], column_map: dict[str, str], shown: str) -> dict[str, str]:
    """our column -> the tag read as it: the map's, then the table's (one tag per column)."""
    missing = [f"{ours}={theirs}" for ours, theirs in column_map.items() if theirs not in tags]
    if missing:
        raise GanevalError(
            f"--map {printable(', '.join(missing))}: {shown} has no scalar tag of that name; its tags are: "
            f"{printable(', '.join(sorted(tags)[:40]))}.",
            argument="map",
        )
    columns, found = dict(column_map), {}
    for tag in tags:
        column = known_column(tag)
        if column and column not in columns and tag not in column_map.values():
            found.setdefault(column, []).append(tag)
    for column, candidates in found.items():
        if len(candidates) > 1:
            raise GanevalError(
                f"{shown}: the tags {printable(', '.join(candidates))} would each be read as {column}; choose "
                f"one with --map {column}=TAG (the others are then kept under their own names).",
                argument="map",
            )
        columns[column] = candidates[0]
    for column in PROBABILITIES:
        tag = columns.get(column)
        values = np.array(list(tags[tag].values()) if tag else [], dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size and (values.min() < 0 or values.max() > 1):
            outside = f"values from {values.min():.4g} to {values.max():.4g}, outside [0, 1]"
            if column in column_map:
                raise GanevalError(
                    f"--map {column}={printable(tag)}: {shown} holds {outside}, so they are no probabilities; "
                    f"map logits with --map {column}_logit={printable(tag)}, or leave a critic's scores unmapped.",
                    argument="map",
                )
            warnings.warn(
                f"{shown}: tag {printable(tag)} holds {outside} (a critic's scores?), so it is not read as "
                f"{column}, D's probability; if they are logits, --map {column}_logit={printable(tag)}.",
                LogWarning,
                stacklevel=4,
            )
            del columns[column]
    return columns


def _frame(series: dict[str, pd.Series]) -> pd.DataFrame:
    """One frame from columns indexed by step: rows at the union of their steps, step first."""
    if not series:
        return pd.DataFrame()
    frame = pd.DataFrame(series).sort_index()
    frame.index = frame.index.astype(np.int64)
    return frame.rename_axis(STEP).reset_index()


def _event_folders(folder: Path, strict: bool = True) -> dict[Path, list[Path]]:
    """folder -> its event files (name order), for `folder` and its subfolders to MAX_DEPTH; hidden names
    and links to folders skipped. Past MAX_ENTRIES entries: GanevalError when strict, else what was found."""
    found, pending, seen = {}, [(folder, 0)], 0
    while pending:
        current, depth = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                seen += 1
                if seen > MAX_ENTRIES:
                    if strict:
                        raise GanevalError(
                            f"{printable(str(folder))} holds more than {MAX_ENTRIES:,} files and folders; point at "
                            "the run folder that holds the event files (events.out.tfevents.*)."
                        )
                    return found
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if depth < MAX_DEPTH:
                        pending.append((Path(entry.path), depth + 1))
                elif entry.name.startswith(PREFIX):
                    found.setdefault(Path(current), []).append(Path(entry.path))
    return {place: sorted(files) for place, files in found.items()}


def _read_run(path: Path, proto) -> tuple[dict[str, dict[int, float]], list[Path]]:
    """({tag: {step: value}}, files read) of the run at `path`: an event file, or a folder
    holding one run (module docstring); GanevalError when it holds none or several."""
    shown = printable(str(path))
    if path.is_file() or not path.is_dir():
        if not path.name.startswith(PREFIX):
            raise GanevalError(
                f"{shown} is not a TensorBoard event file (their names start with {PREFIX}); pass one, or the "
                "folder that holds them."
            )
        return _merge({path: _scalars(path, proto)}), [path]
    folders = _event_folders(path)
    if not folders:
        raise GanevalError(
            f"{shown} holds no TensorBoard event file ({PREFIX}*) in it or in its subfolders to depth {MAX_DEPTH}; "
            "point at the folder the SummaryWriter wrote."
        )
    read = {file: _scalars(file, proto) for files in folders.values() for file in files}
    children = {place: _scalars_child(place, folders[place], read) for place in folders if place.parent in folders}
    runs = sorted(place for place in folders if not children.get(place))
    if len(runs) > 1:
        listed = ", ".join(printable(str(run.relative_to(path)) or ".") for run in runs[:10])
        more = f" and {len(runs) - 10} more" if len(runs) > 10 else ""
        raise GanevalError(
            f"{shown} holds {len(runs)} TensorBoard runs (folders with event files): {listed}{more}; point at one "
            "of them (ganeval compare takes several runs)."
        )
    root = runs[0]
    members = [root, *sorted(place for place, tag in children.items() if tag and place.parent == root)]
    tagged = {}
    for place in members:
        for file in folders[place]:
            scalars = read[file]
            # an add_scalars folder's one tag (main_tag) is read under the folder's name (MAINTAG_key)
            tagged[file] = scalars if place == root else dict(zip([children[place]], scalars.values()))
    return _merge(tagged), list(tagged)


def _scalars_child(place: Path, files: list[Path], read: dict) -> str | None:
    """The tag name for a folder that torch's add_scalars wrote (`MAINTAG_key`, holding one tag
    `main_tag`): the folder's name; None for any other folder."""
    tags = {tag for file in files for tag in read[file]}
    if len(tags) != 1:
        return None
    (tag,) = tags
    return place.name if place.name.startswith(tag.replace("/", "_") + "_") else None


def _merge(tagged: dict[Path, dict[str, list[tuple[int, float]]]]) -> dict[str, dict[int, float]]:
    """{tag: {step: value}} from each file's (step, value) lists, files in order. A step that goes back
    (a restarted run) drops the tag's values from that step on, as TensorBoard does (LogWarning);
    in StyleGAN's logs a Metrics/* value equal to the one before is its repeat, not an evaluation."""
    merged: dict[str, dict[int, float]] = {}
    for file, scalars in tagged.items():
        for tag, points in scalars.items():
            values = merged.setdefault(tag, {})
            for step, value in points:
                if values and step <= next(reversed(values)):
                    dropped = [s for s in values if s >= step]
                    warnings.warn(
                        f"{printable(str(file))}: tag {printable(tag)} goes back to step {step} (a restarted run); "
                        f"its {len(dropped)} value(s) from step {step} on were dropped, as TensorBoard does.",
                        LogWarning,
                        stacklevel=5,
                    )
                    for s in dropped:
                        del values[s]
                values[step] = value
    if KIMG_TAG in merged:
        for tag, values in merged.items():
            if tag.startswith("Metrics/"):
                merged[tag] = _changes(values)
    return merged


def _changes(values: dict[int, float]) -> dict[int, float]:
    """The values that differ from the one before (NaN equal to NaN): StyleGAN's new evaluations."""
    kept, last = {}, None
    for step, value in values.items():
        if last is None or not (value == last or (np.isnan(value) and np.isnan(last))):
            kept[step] = value
        last = value
    return kept


def _scalars(path: Path, proto) -> dict[str, list[tuple[int, float]]]:
    """{tag: [(step, value), ...]} of the scalar summaries in one event file, in file order."""
    event_pb2, _, tensor_util, decode_error = proto
    scalars: dict[str, list[tuple[int, float]]] = {}
    plugins: dict[str, str] = {}  # TF2 writes a tag's plugin (metadata) with its first value only
    for number, record in enumerate(_records(path, proto), 1):
        try:
            event = event_pb2.Event.FromString(record)
        except decode_error:
            raise GanevalError(
                f"{printable(str(path))}, record {number}: not a TensorBoard event (its checksum holds, its content "
                "does not parse); the file is not an event file or was written by another program."
            ) from None
        if not event.HasField("summary"):
            continue
        if event.step < 0:
            raise GanevalError(f"{printable(str(path))}, record {number}: step {event.step} is negative.")
        for value in event.summary.value:
            if value.HasField("metadata") and value.metadata.plugin_data.plugin_name:
                plugins.setdefault(value.tag, value.metadata.plugin_data.plugin_name)
            if value.HasField("simple_value"):
                number_ = float(value.simple_value)
            elif value.HasField("tensor") and plugins.get(value.tag) == "scalars":
                array = tensor_util.make_ndarray(value.tensor)
                if array.size != 1 or array.dtype.kind not in "fiub":
                    continue
                number_ = float(array.reshape(()))
            else:
                continue
            scalars.setdefault(value.tag, []).append((int(event.step), number_))
    return scalars


def _records(path: Path, proto):
    """The records of a TFRecord file (length, its masked CRC, data, its masked CRC), checked."""
    masked_crc32c = proto[1]
    data, offset, number = (
        read_log_bytes(
            path,
            MAX_EVENT_BYTES,
            "an event file",
            "it holds images or histograms besides scalars: write the scalars to a SummaryWriter of their own, "
            "or export them as CSV (--format table --map ...)",
        ),
        0,
        0,
    )
    while offset < len(data):
        number += 1
        header, end = data[offset : offset + 12], len(data) + 1
        if len(header) == 12:
            if struct.unpack("<I", header[8:])[0] != masked_crc32c(header[:8]):
                raise GanevalError(
                    f"{printable(str(path))}, record {number} (byte {offset}): its length fails its checksum; the "
                    "file is damaged (restore it from a copy)."
                )
            end = offset + 12 + struct.unpack("<Q", header[:8])[0] + 4
        if end > len(data):
            warnings.warn(
                f"{printable(str(path))}: the last record (record {number}) is incomplete, as a writer that was "
                "stopped (or still runs) leaves it; it was ignored.",
                LogWarning,
                stacklevel=6,
            )
            return
        record = data[offset + 12 : end - 4]
        if struct.unpack("<I", data[end - 4 : end])[0] != masked_crc32c(record):
            raise GanevalError(
                f"{printable(str(path))}, record {number} (byte {offset}): its data fails its checksum; the file is "
                "damaged (restore it from a copy)."
            )
        yield record
        offset = end


FORMAT = TensorBoardFormat()

__all__ = ["FORMAT", "MAX_EVENT_BYTES", "TAGS", "TensorBoardFormat", "frames", "known_column"]
