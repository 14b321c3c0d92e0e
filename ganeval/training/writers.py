"""Writers: where `TrainingLogger` also sends what it records, for watching a run live.

    TrainingLogger("runs/mine", scorer, writers=["tensorboard"])        # events in runs/mine/tensorboard
    TrainingLogger("runs/mine", scorer, writers=[TensorBoardWriter("tb/mine"), "wandb", "mlflow"])

Each writer takes scalars (every step row and evaluation), text (the diagnosis so far: verdict and
findings) and images (the evaluated samples: a grid of images, or a density picture of 2-D points).
The CSV log stays the source of truth: `ganeval report` reads the run folder, never a writer. The
packages are imported when a writer is made, so ganeval needs none of them. A writer that fails warns
once, naming it, and is switched off for the rest of the run: a writer never stops training.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Protocol

import numpy as np

from ganeval.errors import GanevalError, printable

__all__ = [
    "Writer",
    "TensorBoardWriter",
    "WandbWriter",
    "MlflowWriter",
    "Writers",
    "check_writers",
    "make_writer",
    "points_image",
]

WRITERS = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow"}  # name -> the pip package
POINTS_PIXELS = 256  # side of the density picture of 2-D samples


class Writer(Protocol):
    """A sink for a run's scalars, text and images (uint8 H x W x C), each labelled with its training step."""

    name: str

    def scalars(self, step: int, values: dict[str, float]) -> None: ...

    def text(self, step: int, tag: str, text: str) -> None: ...

    def image(self, step: int, tag: str, image: np.ndarray) -> None: ...

    def close(self) -> None: ...


def _require(module: str, where: str = "TrainingLogger(writers=...)"):
    """The writer's package, or a GanevalError that says how to install it (or to leave it out of `where`)."""
    try:
        return __import__(module)
    except ImportError:
        raise GanevalError(
            f"the {module} writer needs the {WRITERS[module]} package, which is not installed; "
            f"pip install {WRITERS[module]}, or leave {module!r} out of {where}."
        ) from None


class TensorBoardWriter:
    """torch.utils.tensorboard's SummaryWriter into `log_dir`; text is shown as a code block (nothing in it is
    rendered as Markdown)."""

    name = "tensorboard"

    def __init__(self, log_dir):
        _require("tensorboard")
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(log_dir))

    def scalars(self, step, values):
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)

    def text(self, step, tag, text):
        self.writer.add_text(tag, "\n".join("    " + line for line in text.splitlines()), step)

    def image(self, step, tag, image):
        self.writer.add_image(tag, image, step, dataformats="HWC")

    def close(self):
        self.writer.close()


class WandbWriter:
    """Weights & Biases: the active run (`wandb.run`), or one started with `wandb.init(**init)`."""

    name = "wandb"

    def __init__(self, **init):
        self.wandb = _require("wandb")
        self.run = self.wandb.run if self.wandb.run is not None else self.wandb.init(**init)

    def scalars(self, step, values):
        self.run.log(dict(values), step=step)

    def text(self, step, tag, text):
        self.run.log({tag: self.wandb.Html(f"<pre>{_html(text)}</pre>")}, step=step)

    def image(self, step, tag, image):
        self.run.log({tag: self.wandb.Image(image)}, step=step)

    def close(self):
        pass  # the run belongs to the caller (or to wandb's own exit hook)


class MlflowWriter:
    """MLflow: the active run (`mlflow.active_run()`), or one started with `mlflow.start_run(**start)`."""

    name = "mlflow"

    def __init__(self, **start):
        self.mlflow = _require("mlflow")
        if self.mlflow.active_run() is None:
            self.mlflow.start_run(**start)

    def scalars(self, step, values):
        self.mlflow.log_metrics({_mlflow_key(tag): value for tag, value in values.items()}, step=step)

    def text(self, step, tag, text):
        self.mlflow.log_text(text, f"{tag}/step_{step:06d}.txt")

    def image(self, step, tag, image):
        self.mlflow.log_image(image, f"{tag}/step_{step:06d}.png")

    def close(self):
        pass


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mlflow_key(tag: str) -> str:
    """MLflow keys allow letters, digits, _ - . space / only."""
    return "".join(c if c.isalnum() or c in "_-. /" else "_" for c in tag)


def check_writers(writers, where: str = "TrainingLogger(writers=...)") -> None:
    """Refuse what `make_writer` would, before any writer is made (none starts a run or makes a folder): an
    unknown name, a writer whose package is not installed, an object without a writer's methods. For callers
    that must fail before they change anything (`ganeval train`, before it clears or starts a run); `where`
    names the argument in the message."""
    for writer in writers or ():
        if not isinstance(writer, str):
            _check_methods(writer, where)
        elif writer in WRITERS:
            _require(writer, where)
        else:
            raise GanevalError(
                f"{where}: unknown writer {printable(repr(writer))}; "
                f"choose from {', '.join(map(repr, WRITERS))} or pass a writer object."
            )


def _check_methods(writer, where: str) -> None:
    for method in ("scalars", "text", "image", "close"):
        if not callable(getattr(writer, method, None)):
            raise GanevalError(
                f"{where}: {printable(repr(writer))} has no {method}() method; pass "
                f"{', '.join(map(repr, WRITERS))} or an object with scalars, text, image and close methods."
            )


def make_writer(writer, run_dir: Path) -> Writer:
    """A writer from its name ("tensorboard": events in run_dir/tensorboard; "wandb", "mlflow": their active
    run) or a writer object as it is."""
    check_writers([writer])
    if not isinstance(writer, str):
        return writer
    if writer == "tensorboard":
        return TensorBoardWriter(Path(run_dir) / "tensorboard")
    return WandbWriter() if writer == "wandb" else MlflowWriter()


class Writers:
    """The writers of one logger. Every call goes to each writer that has not failed; the first failure of a
    writer warns, naming it, and switches it off, so training goes on."""

    def __init__(self, writers, run_dir: Path):
        self.active = [make_writer(writer, run_dir) for writer in writers or ()]

    def __bool__(self) -> bool:
        return bool(self.active)

    def send(self, method: str, *args) -> None:
        for writer in list(self.active):
            try:
                getattr(writer, method)(*args)
            except Exception as error:  # a writer's failure is never the run's
                self.active.remove(writer)
                name = printable(str(getattr(writer, "name", type(writer).__name__)))
                warnings.warn(
                    f"ganeval: the {name} writer failed ({printable(f'{type(error).__name__}: {error}')}) and is "
                    "switched off for the rest of this run; training and the CSV log go on.",
                    RuntimeWarning,
                    stacklevel=3,
                )

    def close(self) -> None:
        self.send("close")


def points_image(points: np.ndarray, reference: np.ndarray, pixels: int = POINTS_PIXELS) -> np.ndarray:
    """2-D samples as a uint8 pixels x pixels x 3 density picture over the reference's extent: the reference in
    red, the samples in green (yellow where both are); a picture without matplotlib, cheap at every evaluation."""
    low, high = reference.min(axis=0), reference.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-12)
    ranges = [(low[0] - margin[0], high[0] + margin[0]), (low[1] - margin[1], high[1] + margin[1])]
    image = np.zeros((pixels, pixels, 3), dtype=np.uint8)
    for channel, data in ((0, reference), (1, points)):
        counts, _, _ = np.histogram2d(data[:, 1], data[:, 0], bins=pixels, range=ranges[::-1])
        if counts.max() > 0:
            image[..., channel] = (255 * np.sqrt(counts / counts.max())).astype(np.uint8)
    return image[::-1]  # y up
