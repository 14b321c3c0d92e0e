"""The one vocabulary of the diagnostics: the column names of the `steps` and `evals` frames and the
manifest keys every log format reads into, so the detectors never learn where a column came from.

`steps`: one row per logged step, the int column `step` strictly increasing. `evals`: one row per
evaluation, int `step`. For StyleGAN runs `step` holds kimg as an int (`step_unit` "kimg").
"""

from __future__ import annotations

import re

import numpy as np

from ganeval.errors import GanevalError, printable

STEP = "step"
TIME = "time"  # seconds since training started (TrainingLogger)

#: Per-step scalars. d_real and d_fake are D's mean output as probabilities in [0, 1]; the raw logits,
#: where the log had them, are d_real_logit and d_fake_logit. ada_p: ADA's augmentation probability;
#: ada_rt: ADA's overfitting heuristic r_t = E[sign(D(real))].
STEP_COLUMNS = (
    "loss_d",
    "loss_g",
    "d_real",
    "d_fake",
    "grad_norm_d",
    "grad_norm_g",
    "lr_d",
    "lr_g",
    "ada_p",
    "ada_rt",
    "d_real_logit",
    "d_fake_logit",
)

#: Sample-quality metrics of an evaluation: a row of a single table holding any of them is an eval row.
EVAL_METRICS = ("fid", "kid", "precision", "recall", "inception_score", "ppl")

#: Everything else TrainingLogger writes per evaluation (its docstring): coverage and modes, D's
#: calibration on held-out real vs fresh fake samples, and the JSON text columns.
LOGGER_EVAL_COLUMNS = (
    "density",
    "coverage",
    "modes_covered",
    "mode_kl",
    "high_quality_fraction",
    "realism",
    "diversity",
    "d_accuracy",
    "d_auc",
    "d_brier",
    "d_ece",
    "d_mean_real",
    "d_mean_fake",
    "d_reliability",
    "mode_counts",
    "hq_mode_counts",
    "d_input",
)
EVAL_COLUMNS = EVAL_METRICS + LOGGER_EVAL_COLUMNS

#: Every name a column map may target (`--map ours=theirs`).
VOCABULARY = (STEP, TIME, *STEP_COLUMNS, *EVAL_COLUMNS)

# Manifest keys the readers add.
LOG_FORMAT = "log_format"  # the format's name
STEP_UNIT = "step_unit"  # the unit of the `step` column: one of STEP_UNITS
D_OUTPUT = "d_output"  # what the log had for D's outputs: one of D_OUTPUTS
ADA_TARGET = "ada_target"  # float, ADA's target for r_t (StyleGAN's training_options.json)
SOURCE_FILES = "source_files"  # list of the file names read
STEP_UNITS = ("step", "kimg")
D_OUTPUTS = ("probability", "logit")

#: StyleGAN's metric names carry their settings (metrics/metric_main.py): fid50k_full, kid50k, pr50k3_full_precision,
#: is50k_mean, ppl_zfull, ppl2_wend, ... They are metric-*.jsonl's result keys and, after "Metrics/", TensorBoard
#: tags: one table for both readers, matched on `tag_key` of the name. The rest (is50k_std, ...) are no column of ours.
STYLEGAN_METRICS = (
    (re.compile(r"(metrics?)?fid\d*k?(full)?"), "fid"),
    (re.compile(r"(metrics?)?kid\d*k?(full)?"), "kid"),
    (re.compile(r"(metrics?)?pr\d*k\d*(full)?precision"), "precision"),
    (re.compile(r"(metrics?)?pr\d*k\d*(full)?recall"), "recall"),
    (re.compile(r"(metrics?)?is\d*k?mean"), "inception_score"),
    (re.compile(r"(metrics?)?ppl\d*[zw](full|end)"), "ppl"),
)


def tag_key(name: str) -> str:
    """A log's name for a value as the tables match it: lowercase, without spaces and _-/.: (so loss_D, Loss/D and
    lossD agree, and fid50k_full and Metrics/fid50k_full are one metric)."""
    return re.sub(r"[\s_\-/.:]", "", name.lower())


def stylegan_metric(name: str) -> str | None:
    """Our column for a StyleGAN metric's result key or tag (STYLEGAN_METRICS), or None."""
    key = tag_key(name)
    return next((column for pattern, column in STYLEGAN_METRICS if pattern.fullmatch(key)), None)


def check_column_map(column_map) -> dict[str, str]:
    """A column map {ours: theirs} checked: each key a name of VOCABULARY, each value a non-empty
    string, no column of the log mapped twice. GanevalError naming the entry and the vocabulary."""
    if not column_map:
        return {}
    if not isinstance(column_map, dict):
        raise GanevalError(
            f"a column map is a dict {{our_column: their_column}}, not a {type(column_map).__name__}.",
            argument="map",
        )
    for ours, theirs in column_map.items():
        if ours not in VOCABULARY:
            raise GanevalError(
                f"--map {printable(str(ours))}=...: {printable(str(ours))!r} is not a column the diagnostics "
                f"read; map onto one of: {', '.join(VOCABULARY)}.",
                argument="map",
            )
        if not isinstance(theirs, str) or not theirs:
            raise GanevalError(
                f"--map {ours}=...: the log's column must be a non-empty name, not {theirs!r}.", argument="map"
            )
    twice = sorted({theirs for theirs in column_map.values() if list(column_map.values()).count(theirs) > 1})
    if twice:
        raise GanevalError(
            f"--map maps the log's column(s) {', '.join(map(repr, twice))} onto more than one of ours; "
            "map each of the log's columns once.",
            argument="map",
        )
    return dict(column_map)


def fill_probabilities(steps):
    """(steps, d_output): where the log had D's logits (d_real_logit, d_fake_logit) but not its
    probabilities, d_real and d_fake are their sigmoid and d_output is "logit"; else "probability"."""
    had_logits = False
    for side in ("d_real", "d_fake"):
        logit = f"{side}_logit"
        if logit in steps and side not in steps:
            with np.errstate(over="ignore"):  # a logit of -1000 is a probability of 0.0
                steps = steps.assign(**{side: 1.0 / (1.0 + np.exp(-steps[logit].to_numpy(dtype=np.float64)))})
            had_logits = True
    return steps, "logit" if had_logits else "probability"


def parse_column_map(text: str | None) -> dict[str, str]:
    """`--map loss_d=lossD,fid=FID` as {ours: theirs}, checked (`check_column_map`); None or "" gives {}.
    Their names may hold '=' and ',' nowhere else; spaces around names are dropped."""
    if not text or not text.strip():
        return {}
    column_map: dict[str, str] = {}
    for item in text.split(","):
        ours, equals, theirs = item.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not equals or not ours or not theirs:
            raise GanevalError(
                f"--map {printable(text)}: {printable(item.strip())!r} is not ours=theirs; write --map "
                "loss_d=their_loss_d,fid=their_fid (our names: --help).",
                argument="map",
            )
        if ours in column_map:
            raise GanevalError(f"--map {printable(text)}: {ours!r} is mapped twice; map it once.", argument="map")
        column_map[ours] = theirs
    return check_column_map(column_map)


def rename_columns(frame, column_map: dict[str, str]):
    """`frame` with each of the log's columns renamed to ours ({ours: theirs}); a column of ours that the
    log also has under our name is replaced by the mapped one (the map says which to read)."""
    renames = {theirs: ours for ours, theirs in column_map.items() if theirs in frame.columns and theirs != ours}
    shadowed = [ours for ours in renames.values() if ours in frame.columns and ours not in renames]
    return frame.drop(columns=shadowed).rename(columns=renames)


__all__ = [
    "ADA_TARGET",
    "D_OUTPUT",
    "D_OUTPUTS",
    "EVAL_COLUMNS",
    "EVAL_METRICS",
    "LOGGER_EVAL_COLUMNS",
    "LOG_FORMAT",
    "SOURCE_FILES",
    "STEP",
    "STEP_COLUMNS",
    "STEP_UNIT",
    "STEP_UNITS",
    "TIME",
    "VOCABULARY",
    "check_column_map",
    "fill_probabilities",
    "parse_column_map",
    "rename_columns",
]
