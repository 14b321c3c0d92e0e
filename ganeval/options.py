"""`MetricOptions`: the settings of the metrics and their one set of defaults.

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

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from numbers import Integral

from ganeval.errors import GanevalError

__all__ = ["MAX_SEED", "MetricOptions", "Setting", "settings"]

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
