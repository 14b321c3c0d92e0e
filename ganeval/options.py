"""`MetricOptions` and `Extraction`: the settings of the metrics and of feature extraction, each with
its one set of defaults.

Every entry point (score, make_baseline, check, compare, TrainingLogger) takes a `MetricOptions`,
and the CLI builds its flags from the fields' `Setting`s, so a default, a range or a help text is
written once, here. The module sits at the bottom of the layers: it imports only `errors`.

    >>> from ganeval.options import MetricOptions
    >>> MetricOptions(k=3).k, MetricOptions().kid_subsets
    (3, 100)
    >>> MetricOptions(k=0)
    Traceback (most recent call last):
    ...
    ganeval.errors.GanevalError: --k (k) is a number of neighbours and must be an integer >= 1; got 0.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from numbers import Integral
from pathlib import Path

from ganeval.errors import GanevalError

__all__ = ["MAX_SEED", "Extraction", "MetricOptions", "Setting", "extraction_settings", "settings"]

MAX_SEED = 2**32 - 1  # numpy's RandomState, used for KID subsets and IS splits, takes seeds 0 .. 2**32 - 1


@dataclass(frozen=True)
class Setting:
    """How a whole-number option is given and checked: its command-line flag, help text, range.

    flag: the option the CLI offers (None: set by the library, no flag); help: the flag's help text
    without the default; what: the middle of the error message ("is a number of neighbours");
    optional: None is allowed and means "all" / "automatic"; alias: a second spelling of the flag
    (`--samples` for `--n`, which torchrun's own parser refuses as an abbreviation of its options).
    Help texts are plain text: argparse needs "%" doubled.
    """

    flag: str | None
    help: str
    what: str
    minimum: int
    maximum: int | None = None
    optional: bool = False
    alias: str | None = None

    def check(self, name: str, value) -> None:
        """Refuse a value that is not a whole number in range, naming the flag and the parameter."""
        if value is None and self.optional:
            return
        whole = not isinstance(value, bool) and isinstance(value, Integral)
        if not whole or value < self.minimum or (self.maximum is not None and value > self.maximum):
            named = f"{self.flag} ({name})" if self.flag else name
            raise GanevalError(
                f"{named} {self.what} and must be an integer >= {self.minimum}; got {value!r}.", argument=name
            )

    def parse(self, text: str) -> int:
        """A flag's text as a whole number in range; ValueError says what is wrong (the CLI passes it
        to argparse as ArgumentTypeError, which reports `argument --flag: ...` and exits 2)."""
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"expected a whole number >= {self.minimum}; got {text!r}") from None
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            allowed = f">= {self.minimum}" if self.maximum is None else f"from {self.minimum} to {self.maximum}"
            raise ValueError(f"must be a whole number {allowed}; got {value}")
        return value


def _option(default, setting: Setting):
    return field(default=default, metadata={"setting": setting})


@dataclass(frozen=True)
class MetricOptions:
    """Settings of the metrics; defaults follow the papers and torch-fidelity.

    Frozen and checked on creation (GanevalError naming the setting), so one object can travel through
    `score`, `make_baseline`, `check` and the logger unchanged. Each field's `Setting` metadata builds its
    CLI flag.

    Attributes:
        k: neighbours for precision, recall, density and coverage (at least 1).
        kid_subsets: KID subsets (at least 1).
        kid_subset_size: samples per KID subset (at least 2), reduced to the sample count if larger.
        is_splits: Inception Score splits, each of at least 2 generated samples.
        bootstrap: resamples behind the 95% intervals; 0 turns the intervals off.
        seed: seeds every random step (subsample, KID subsets, IS splits, bootstrap).
        n: at most this many samples per side (a seeded subsample); None: all (`--n`, `--samples` under
            torchrun).
        calibration_bins: bins of D's reliability curve.
        n_modes: not a user setting: `score` fills it in from the extractor (the reference's true modes);
            required for the mode metrics.

    Raises:
        GanevalError: a field out of its range (the message names the setting and the allowed values).

    Examples:
        >>> from ganeval import MetricOptions
        >>> options = MetricOptions(n=500, bootstrap=0)
        >>> options.replace(seed=1).seed, options.n
        (1, 500)
    """

    k: int = _option(
        5, Setting("--k", "neighbours for precision/recall/density/coverage", "is a number of neighbours", 1)
    )
    kid_subsets: int = _option(100, Setting("--kid-subsets", "KID subsets", "is a number of KID subsets", 1))
    kid_subset_size: int = _option(
        1000,
        Setting(
            "--kid-subset-size",
            "KID subset size, reduced to the sample count if larger",
            "is the samples per KID subset",
            2,
        ),
    )
    is_splits: int = _option(
        10,
        Setting(
            "--is-splits",
            "Inception Score splits, each of at least 2 generated samples",
            "is a number of Inception Score splits",
            1,
        ),
    )
    bootstrap: int = _option(
        100,
        Setting(
            "--bootstrap",
            "bootstrap resamples for the 95% intervals; 0 turns them off",
            "is a number of resamples (0 turns intervals off)",
            0,
        ),
    )
    seed: int = _option(
        0, Setting("--seed", "seed for every random step", f"seeds every random step, at most {MAX_SEED}", 0, MAX_SEED)
    )
    n: int | None = _option(
        None,
        Setting(
            "--n",
            "use at most N samples per side (a seeded subsample; --samples under torchrun)",
            "caps the samples per side",
            1,
            optional=True,
            alias="--samples",
        ),
    )
    calibration_bins: int = _option(
        15, Setting(None, "bins of D's reliability curve", "is a number of calibration bins", 1)
    )
    n_modes: int | None = None  # set by score from the extractor; required for mode metrics

    def __post_init__(self):
        for name, setting in settings().items():
            setting.check(name, getattr(self, name))

    @classmethod
    def from_values(cls, values: Mapping, base: MetricOptions | None = None) -> MetricOptions:
        """Options from a mapping of field values, as the CLI's parsed flags give them.

        Args:
            values: field name -> value, e.g. `vars(args)`; keys that are not fields, and None values, are
                ignored.
            base: the options to start from; None: the defaults.

        Returns:
            `base` with the fields that `values` holds, checked again.
        """
        names = {f.name for f in fields(cls)}
        return replace(
            base or cls(), **{key: value for key, value in values.items() if key in names and value is not None}
        )

    def replace(self, **changes) -> MetricOptions:
        """A copy with some fields changed.

        Args:
            **changes (Any): field name -> new value.

        Returns:
            The new options, checked again (GanevalError for a value out of range).
        """
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def settings() -> dict[str, Setting]:
    """Field name -> its Setting, in field order: what the CLI turns into flags (those with a flag)."""
    return {f.name: f.metadata["setting"] for f in fields(MetricOptions) if "setting" in f.metadata}


# Images per extractor batch when none is given. On the CPU, 64. On a GPU, InceptionV3 at 299 x 299 keeps the device
# busy only from a few hundred images per batch (torch-fidelity's 64 and clean-fid's 32 leave it waiting on launches
# and copies); 256 needs about 5 GB of activations in fp32, which any GPU that trains GANs has.
CPU_BATCH_SIZE = 64
GPU_BATCH_SIZE = 256
EXTRACTION_KEYWORDS = (
    "weights",
    "resize",
    "device",
    "precision",
    "batch_size",
    "workers",
    "cache",
    "skip_bad",
    "progress",
)


@dataclass(frozen=True)
class Extraction:
    """How features are extracted: the network's weights, device and precision, and how inputs are read.

    The execution settings, as `MetricOptions` holds the metrics': one frozen object that `score`,
    `stats`, `make_baseline`, `check`, `compare_*`, `ReferenceScorer.of`, `TrainingLogger` and
    `Source.extract` take as `extraction=`, built from the CLI's flags in one call (`from_args`).
    None of them changes a number, except `weights`, `resize` and `precision`, which the provenance
    and the cache key record.

    Attributes:
        weights: the extractor's weights file; None: looked up (torch-fidelity's download, the bundled file).
        resize: how inception brings images to 299 x 299, "legacy-tf" or "clean"; None: the extractor's own.
        device: where the extractor runs: "auto" (CUDA when available, else the CPU), "cpu", "cuda", "cuda:N",
            "mps", or a torch.device.
        precision: "fp32" (equal to torch-fidelity) or "bf16" (autocast on the extractor).
        batch_size: images per extractor batch; None: 64 on the CPU, 256 on a GPU (`resolved`).
        workers: image-decoding worker processes; None: 0 below 512 files, else up to 4.
        cache: read and write the reference feature cache.
        skip_bad: skip and count unreadable image files instead of stopping.
        progress: show progress bars.

    Raises:
        GanevalError: a batch size or worker count out of range, or an unknown precision (naming the flag).

    Examples:
        >>> from ganeval.options import Extraction
        >>> Extraction(device="cpu").resolved().batch_size
        64
        >>> Extraction(precision="fp16")
        Traceback (most recent call last):
        ...
        ganeval.errors.GanevalError: --precision (precision) must be fp32 or bf16; got 'fp16'.
    """

    weights: str | None = None
    resize: str | None = None
    device: object = "auto"
    precision: str = "fp32"
    batch_size: int | None = _option(
        None,
        Setting(
            "--batch-size",
            "images per extractor batch (default: 64 on the CPU, 256 on a GPU)",
            "is the images per extractor batch",
            1,
            optional=True,
        ),
    )
    workers: int | None = _option(
        None,
        Setting(
            "--workers",
            "image-decoding worker processes (default: 0 below 512 files, else up to 4)",
            "is a number of decoding processes (0: decode in this one)",
            0,
            optional=True,
        ),
    )
    cache: bool = True
    skip_bad: bool = False
    progress: bool = True

    def __post_init__(self):
        for name, setting in extraction_settings().items():
            setting.check(name, getattr(self, name))
        if self.precision not in ("fp32", "bf16"):
            raise GanevalError(
                f"--precision (precision) must be fp32 or bf16; got {self.precision!r}.", argument="precision"
            )
        if self.weights is not None:  # a path given as a Path or a string: kept as the string
            object.__setattr__(self, "weights", str(self.weights))

    def resolved(self) -> Extraction:
        """The same settings with the device resolved (a torch.device; GanevalError naming the devices there
        are) and the batch size picked for it: what the extraction runs with. Resolving twice is a no-op."""
        from ganeval.device import resolve_device  # torch: only where something is extracted

        device = resolve_device(self.device)
        batch_size = self.batch_size
        if batch_size is None:
            batch_size = CPU_BATCH_SIZE if device.type == "cpu" else GPU_BATCH_SIZE
        return replace(self, device=device, batch_size=batch_size)

    def replace(self, **changes) -> Extraction:
        """A copy with some fields changed, checked again."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_args(cls, args) -> Extraction:
        """The settings a command's parsed flags give: --weights, --resize, --device, --precision,
        --batch-size, --workers, --no-cache, --skip-bad and --quiet, each where the command has it."""
        given = vars(args)
        values = {name: given[name] for name in ("weights", "resize", "device", "precision") if given.get(name)}
        values |= {name: given[name] for name in ("batch_size", "workers") if given.get(name) is not None}
        if "no_cache" in given:
            values["cache"] = not given["no_cache"]
        if "skip_bad" in given:
            values["skip_bad"] = bool(given["skip_bad"])
        if "quiet" in given:
            values["progress"] = not given["quiet"]
        return cls(**values)

    @classmethod
    def merged(cls, extraction: Extraction | None, caller: str, keywords: Mapping, **defaults) -> Extraction:
        """`extraction` with the loose keywords of the release before (batch_size=, device=, ...) laid over it,
        each with a DeprecationWarning; what the entry points call on their `**keywords`.

        Args:
            extraction: the settings passed as `extraction=`; None: the defaults.
            caller: the entry point's name, for the messages ("score").
            keywords: the keywords the caller got that are not its own parameters.
            **defaults: the caller's own defaults where they differ from Extraction's (progress=False).

        Raises:
            TypeError: a keyword that is no extraction setting (as Python says it), or a setting given both
                ways.
        """
        unknown = sorted(set(keywords) - set(EXTRACTION_KEYWORDS) - {"use_cache"})
        if unknown:
            raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
        base = extraction if extraction is not None else cls(**defaults)
        if not keywords:
            return base
        values = {("cache" if name == "use_cache" else name): value for name, value in keywords.items()}
        if extraction is not None:
            raise TypeError(
                f"{caller}() got extraction= and {', '.join(sorted(values))}=; put the setting in the Extraction"
            )
        warnings.warn(
            f"{caller}({', '.join(f'{name}=' for name in sorted(keywords))}) is deprecated and goes in the next "
            f"release; pass extraction=Extraction({', '.join(f'{name}=...' for name in sorted(values))})",
            DeprecationWarning,
            stacklevel=_callers_level(),
        )
        return base.replace(**values)


def _callers_level() -> int:
    """The warnings stack level of the first frame outside ganeval, counted from the function that calls this
    one: a deprecation names the user's line, not the entry point's wrapper (distributed.each_rank and the like)."""
    package = str(Path(__file__).resolve().parent)
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def extraction_settings() -> dict[str, Setting]:
    """Extraction's whole-number fields (batch_size, workers) -> their Setting, for the CLI's flags."""
    return {f.name: f.metadata["setting"] for f in fields(Extraction) if "setting" in f.metadata}
