"""The gate cannot be bypassed: baselines are validated against their schema (a removed or null
metric, an ill-typed entry or an incredible spread is exit 2 naming the key path), and generator code
that raises or calls sys.exit is exit 2 naming the generator, with its traceback: never a pass
(exit 0), a regression (exit 1) or a ganeval bug (exit 3)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganeval.cli import main
from ganeval.data.mixtures import RING8
from ganeval.errors import GanevalError, UserCodeError
from ganeval.gate import BASELINE_FORMAT, check, load_baseline, make_baseline
from ganeval.options import Extraction, MetricOptions

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "ci" / "dcgan-digits.baseline.json"


class Ring:
    """A faithful ring8 generator: draws the mixture itself."""

    def sample(self, n, seed):
        return RING8.sample(n, seed=seed)[0]


@pytest.fixture(scope="module")
def ring_baseline(tmp_path_factory):
    """A small version-2 baseline of Ring (200 points, 2 repeats; seconds)."""
    path = tmp_path_factory.mktemp("gate") / "ring.json"
    make_baseline(
        Ring(),
        "ring8",
        path,
        options=MetricOptions(n=200, bootstrap=10),
        repeats=2,
        extraction=Extraction(progress=False),
    )
    return path


@pytest.fixture(scope="module")
def version_1(tmp_path_factory):
    """The committed baseline as version 1 wrote it: no list of the gated metrics in its block."""
    payload = json.loads(COMMITTED.read_text())
    payload["baseline"]["format"] = "ganeval-baseline-1"
    del payload["baseline"]["metrics"]
    path = tmp_path_factory.mktemp("gate") / "version-1.json"
    path.write_text(json.dumps(payload))
    return path


def edited(tmp_path, source: Path, edit) -> Path:
    payload = json.loads(source.read_text())
    edit(payload)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(payload))
    return path


# ---------------------------------------------------------------- the schema


def test_make_baseline_writes_version_2_listing_the_gated_metrics(ring_baseline):
    payload = json.loads(ring_baseline.read_text())
    assert BASELINE_FORMAT == "ganeval-baseline-2" and payload["baseline"]["format"] == BASELINE_FORMAT
    assert payload["baseline"]["metrics"] == list(payload["metrics"]) and "fid" in payload["metrics"]
    assert "not_gated" not in payload["baseline"]


def test_version_1_files_still_read(tmp_path, version_1):
    assert load_baseline(version_1).block["format"] == "ganeval-baseline-1"
    plain = edited(tmp_path, COMMITTED, lambda p: p.pop("baseline"))  # a plain `ganeval score --json` file
    assert list(load_baseline(plain).metrics) == list(json.loads(COMMITTED.read_text())["metrics"])


def _drop(key):
    return lambda p: p["metrics"].pop(key)


def _set(*keys, value):
    def edit(payload):
        node = payload
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


@pytest.mark.parametrize(
    "source, edit, message",
    [
        ("committed", _drop("fid"), r"metric 'fid' is listed in 'baseline.spread.sd' .* but missing from 'metrics'"),
        (
            "ring",
            _drop("precision"),
            r"metric 'precision' is listed in 'baseline.metrics' .* but missing from 'metrics'",
        ),
        (
            "committed",
            _set("metrics", "fid", "value", value=None),
            r"metrics.fid.value is null: a baseline needs a finite value",
        ),
        ("ring", _set("metrics", "recall", "value", value=None), r"metrics.recall.value is null"),
        (
            "committed",
            _set("metrics", "fid", "value", value="201"),
            r"metrics.fid.value is '201', but must be a finite number",
        ),
        (
            "committed",
            _set("metrics", "precision", "value", value=6.02),
            r"metrics.precision.value is 6.02, but must be within precision's range \[0.0, 1.0\]",
        ),
        (
            "committed",
            _set("metrics", "fid", "ci", value=[300, 100]),
            r"metrics.fid.ci is \[300, 100\], but must be an interval with low <= high",
        ),
        (
            "committed",
            _set("baseline", "spread", "sd", "fid", value=-1.0),
            r"baseline.spread.sd.fid is -1.0, but must be null or a finite number >= 0",
        ),
        (
            "committed",
            _set("baseline", "spread", "sd", "fid", value=1e9),
            r"baseline.spread.sd.fid is 1000000000.0, but the recorded draws give 7.82",
        ),
        (
            "committed",
            _set("baseline", "spread", "mean", "fid", value=1e4),
            r"baseline.spread.mean.fid is 10000.0, but the recorded draws give 207.2",
        ),
        (
            "committed",
            _set("baseline", "spread", "repeats", value="20"),
            r"baseline.spread.repeats is '20', but must be an integer >= 2",
        ),
        (
            "committed",
            _set("baseline", "format", value="ganeval-baseline-9"),
            r"'baseline.format' is 'ganeval-baseline-9'; this ganeval reads",
        ),
        (
            "committed",
            _set("provenance", "options", "k", value=0),
            r"provenance.options.k is 0, but must be an integer >= 1",
        ),
        (
            "committed",
            _set("provenance", "reference", "count", value=True),
            r"provenance.reference.count is True, but must be an integer >= 1",
        ),
        (
            "ring",
            _set("baseline", "metrics", value="fid"),
            r"baseline.metrics is 'fid', but must be the list of the metrics",
        ),
        # forged intervals: each made every candidate pass
        (
            "committed",
            _set("metrics", "fid", "ci", value=[None, None]),
            r"metrics.fid.ci is \[None, None\], but must be finite at both ends",
        ),
        (
            "committed",
            _set("metrics", "kid", "ci", 1, value=None),
            r"metrics.kid.ci is \[623.7.*, None\], but must be finite",
        ),
        (
            "committed",
            _set("metrics", "fid", "ci", value=[1000.0, 2000.0]),
            r"metrics.fid.ci is \[1000.0, 2000.0\], which does not hold the value 201.03",
        ),
        (
            "committed",
            _set("metrics", "fid", "ci", value=[183.8, 1e6]),
            r"metrics.fid.ci is \[183.8, 1000000.0\], wider than 39.2 times the value 201",
        ),
        (
            "ring",
            _set("metrics", "precision", "ci", value=[-0.5, 1.5]),
            r"metrics.precision.ci is \[-0.5, 1.5\], outside precision's range \[0.0, 1.0\]",
        ),
        (
            "committed",
            _set("metrics", "fid", "ci", value=None),
            r"metrics.fid.ci is null, but the baseline was bootstrapped",
        ),
        # forged draws: out of the metric's range, or gone (nothing to recompute the spread from)
        (
            "committed",
            _set("baseline", "spread", "values", "precision", 3, value=1.5),
            r"baseline.spread.values.precision\[3\] is 1.5, but must be within precision's range",
        ),
        (
            "committed",
            lambda p: [p["baseline"]["spread"].pop(key) for key in ("values", "mean")],
            r"'baseline.spread.values' is missing: the mean and sd of the seeded draws cannot be checked",
        ),
    ],
)
def test_damaged_baselines_are_refused_with_the_key_path(
    ring_baseline, version_1, tmp_path, capsys, source, edit, message
):
    path = edited(tmp_path, version_1 if source == "committed" else ring_baseline, edit)
    with pytest.raises(GanevalError, match=message):
        load_baseline(path)
    assert main(["check", str(ROOT / "ci" / "dcgan-digits"), "--baseline", str(path), "--quiet"]) == 2
    assert "edited.json" in capsys.readouterr().err


def forge_draws(payload, name: str, values: list) -> None:
    """Replace a metric's recorded draws, with the mean and sd to match (what a careful forger writes)."""
    spread = payload["baseline"]["spread"]
    spread["values"][name] = values
    spread["mean"][name] = float(np.mean(values))
    spread["sd"][name] = float(np.std(values, ddof=1))


def test_a_huge_spread_is_refused_even_with_draws_to_match(tmp_path):
    def inflate(payload):
        value = payload["metrics"]["kid"]["value"]
        forge_draws(payload, "kid", [value] + [1e5, -1e5] * 10)

    with pytest.raises(GanevalError, match=r"baseline.spread.sd.kid is 1e\+05, over 10 times the metric's scale"):
        load_baseline(edited(tmp_path, COMMITTED, inflate))
    with pytest.raises(GanevalError, match=r"'baseline.spread.values' is missing"):  # a spread without its draws
        load_baseline(
            edited(tmp_path, COMMITTED, lambda p: [p["baseline"]["spread"].pop(key) for key in ("values", "mean")])
        )


def test_a_forged_spread_under_the_cap_cannot_open_the_gate(tmp_path):
    """Before: FID draws forged to a spread of 4.4 times the value (consistent, under the 10x cap) let a blurred
    generator's FID pass; the spread may no longer weaken the bootstrap's test."""
    from scipy.ndimage import gaussian_filter

    import reference_models

    def forge(payload):
        value = payload["metrics"]["fid"]["value"]
        forge_draws(payload, "fid", [value] + [0.0] * 19 + [20 * value])  # the same mean

    forged = edited(tmp_path, COMMITTED, forge)
    assert load_baseline(forged).block["spread"]["sd"]["fid"] > 4 * 201  # valid: under the cap, draws to match
    images = reference_models.load(ROOT / "ci" / "dcgan-digits").sample(1000, 7).astype(float)
    blurred = np.round(gaussian_filter(images, sigma=(0, 0, 1.5, 1.5))).astype(np.uint8)
    fid = {c.metric: c for c in check(blurred, forged).decisions}["fid"]
    assert fid.verdict == "regressed" and fid.z > fid.z_critical


def test_the_committed_baseline_validates_and_its_ci_check_passes(capsys):
    """The nothing-wrong case of the checks above: CI runs this command."""
    assert load_baseline(COMMITTED).block["spread"]["repeats"] == 20
    assert main(["check", str(ROOT / "ci" / "dcgan-digits"), "--baseline", str(COMMITTED), "--quiet"]) == 0


def test_the_null_bypass_is_closed_end_to_end(ring_baseline, tmp_path, capsys):
    """Before: a baseline with precision null skipped precision and a collapsed candidate passed."""
    np.save(tmp_path / "collapsed.npy", np.repeat(RING8.centres[:1], 200, axis=0))
    path = edited(tmp_path, ring_baseline, _set("metrics", "precision", "value", value=None))
    assert main(["check", str(tmp_path / "collapsed.npy"), "--baseline", str(path), "--quiet"]) == 2
    assert "metrics.precision.value is null" in capsys.readouterr().err


FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(cut=st.integers(0, 6000), flips=st.lists(st.tuples(st.integers(0, 5999), st.integers(0, 7)), max_size=4))
def test_fuzz_truncated_and_bit_flipped_baselines(tmp_path_factory, cut, flips):
    data = bytearray(COMMITTED.read_bytes()[:6000])
    data = data[:cut] if not flips else data
    for position, bit in flips:
        if position < len(data):
            data[position] ^= 1 << bit
    path = tmp_path_factory.mktemp("fuzz") / "baseline.json"
    path.write_bytes(bytes(data))
    try:
        load_baseline(path)
    except GanevalError:
        pass


KEY_PATHS = [
    ("metrics",),
    ("provenance",),
    ("baseline",),
    ("metrics", "fid"),
    ("metrics", "fid", "ci"),
    ("provenance", "options"),
    ("provenance", "generated"),
    ("provenance", "bootstrap"),
    ("baseline", "candidate"),
    ("baseline", "n"),
    ("baseline", "spread"),
    ("baseline", "spread", "sd"),
    ("baseline", "spread", "seeds"),
    ("baseline", "spread", "values", "fid"),
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@FUZZ
@given(document=JSON_VALUES, where=st.sampled_from(KEY_PATHS))
def test_fuzz_ill_typed_entries(tmp_path_factory, document, where):
    payload = json.loads(COMMITTED.read_text())
    node = payload
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = document
    path = tmp_path_factory.mktemp("fuzz") / "baseline.json"
    path.write_text(json.dumps(payload))
    try:
        load_baseline(path)
    except GanevalError:
        pass


# ---------------------------------------------------------------- generator code that fails


GENERATORS = """
import sys
from ganeval.data.mixtures import RING8
from ganeval.options import Extraction


class Good:
    def sample(self, n, seed):
        return RING8.sample(n, seed=seed)[0]


class Exits:
    def sample(self, n, seed):
        sys.exit(0)


class Raises:
    def sample(self, n, seed):
        return helper(n)


def helper(n):
    return n / 0


class Broken:
    def __init__(self):
        raise RuntimeError("cannot build")
"""


@pytest.fixture
def user_generators(tmp_path, monkeypatch):
    (tmp_path / "user_generators.py").write_text(textwrap.dedent(GENERATORS))
    (tmp_path / "user_crashes_on_import.py").write_text("raise RuntimeError('bad import-time code')\n")
    (tmp_path / "user_needs_missing.py").write_text("import no_such_dependency_h3\n")
    monkeypatch.syspath_prepend(str(tmp_path))


@pytest.mark.parametrize(
    "spec, what",
    [
        ("user_generators:Exits", r"called sys.exit\(0\) while drawing 200 samples"),
        ("user_generators:Raises", r"raised ZeroDivisionError: division by zero while drawing 200 samples"),
        ("user_generators:Broken", r"raised RuntimeError: cannot build while building the generator"),
        (
            "user_crashes_on_import:g",
            r"raised RuntimeError: bad import-time code while importing user_crashes_on_import",
        ),
        ("user_needs_missing:g", r"raised ModuleNotFoundError: No module named 'no_such_dependency_h3'"),
    ],
)
def test_generator_code_that_fails_exits_2_with_its_traceback(user_generators, ring_baseline, capsys, spec, what):
    assert main(["check", "--generator", spec, "--baseline", str(ring_baseline), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"the generator {spec} " in err and "not a regression" in err
    assert len(__import__("re").findall(what, err)) == 1
    assert "Traceback of the generator's code" in err and "user_" in err and "ganeval/gate" not in err


def test_the_good_generator_passes_and_sys_exit_never_does(user_generators, ring_baseline):
    assert main(["check", "--generator", "user_generators:Good", "--baseline", str(ring_baseline), "--quiet"]) == 0
    with pytest.raises(UserCodeError, match="called sys.exit") as caught:
        check("user_generators:Exits", ring_baseline)
    assert isinstance(caught.value, GanevalError) and "line" in caught.value.user_traceback


def test_a_missing_module_is_still_a_plain_import_error(ring_baseline, capsys):
    assert main(["check", "--generator", "no_such_module_h3:g", "--baseline", str(ring_baseline), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cannot import no_such_module_h3" in err and "Traceback" not in err


def test_pytest_fixture_fails_when_the_generator_fails(ganeval_check, user_generators, ring_baseline):
    from ganeval.pytest_plugin import pytest as plugin_pytest

    with pytest.raises(
        plugin_pytest.fail.Exception, match=r"ganeval check could not run against .*called sys.exit\(0\)"
    ):
        ganeval_check("user_generators:Exits", baseline=ring_baseline)
    with pytest.raises(plugin_pytest.fail.Exception, match=r"ZeroDivisionError"):
        ganeval_check("user_generators:Raises", baseline=ring_baseline)
    assert ganeval_check("user_generators:Good", baseline=ring_baseline).passed


def test_reference_identity_of_a_pytorch_fid_statistics_file(tmp_path):
    """A mu/sigma file (no features) is identified by its statistics; before, baseline crashed (KeyError)."""
    from ganeval.gate.core import reference_identity

    def identity(sigma_scale: float) -> dict:
        path = tmp_path / f"stats-{sigma_scale}.npz"
        np.savez(path, mu=np.zeros(4), sigma=np.eye(4) * sigma_scale)
        return reference_identity(str(path))

    assert identity(1.0) == identity(1.0)
    assert identity(1.0) != identity(2.0)
    assert identity(1.0)["kind"] == "stats"


# ---------------------------------------------------------------- generator outputs, as score reads samples


class Pixels:
    """A generator whose float images are 8-bit pixel values (0..255): in no value range that ganeval converts."""

    def sample(self, n, seed):
        import torch

        return torch.rand(n, 1, 32, 32, generator=torch.Generator().manual_seed(seed)) * 255


PIXELS_FIX = "convert with np.round(x).astype(np.uint8) if the values are 8-bit pixels"


def test_floats_in_0_255_from_a_generator_are_refused_as_score_refuses_them(tmp_path, monkeypatch, capsys):
    """The gate used to clip them to the value range (all white), and score the result."""
    from ganeval import score

    with pytest.raises(GanevalError, match=r"float32 images with values [0-9.e-]+\.\.255; pass uint8") as gate:
        check(Pixels(), COMMITTED)
    with pytest.raises(GanevalError, match=r"float32 images with values [0-9.e-]+\.\.255; pass uint8") as scored:
        score(Pixels().sample(20, 0).numpy(), "digits", extraction=Extraction(progress=False, cache=False))
    assert PIXELS_FIX in str(gate.value) and PIXELS_FIX in str(scored.value)
    (tmp_path / "pixel_generators.py").write_text(
        "import torch\n\n\ndef pixels(z):\n    return torch.sigmoid(z[:, :1024].reshape(-1, 1, 32, 32)) * 255\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    argv = ["check", "--generator", "pixel_generators:pixels", "--nz", "1024", "--baseline", str(COMMITTED), "--quiet"]
    assert main(argv) == 2
    assert PIXELS_FIX in capsys.readouterr().err


def test_generator_floats_in_their_value_range_convert_as_before():
    import torch

    from ganeval.gate.candidate import as_drawer

    values = torch.tensor([-1.0, 0.0, 1.0, 0.5]).reshape(1, 1, 2, 2)
    tanh = as_drawer(lambda z: values.expand(len(z), 1, 2, 2), "tanh", 4, (-1.0, 1.0))
    assert tanh.sample(2, seed=0)[0].flatten().tolist() == [0, 128, 255, 191]  # the ends included, none refused
    sigmoid = as_drawer(lambda z: (values.expand(len(z), 1, 2, 2) + 1) / 2, "sigmoid", 4, (0.0, 1.0))
    assert sigmoid.sample(2, seed=0)[0].flatten().tolist() == [0, 128, 255, 191]
    with pytest.raises(GanevalError, match=r"float images in \[0, 1\]: for tanh outputs in \[-1, 1\]"):
        as_drawer(lambda z: values.expand(len(z), 1, 2, 2), "tanh", 4, (0.0, 1.0)).sample(2, seed=0)
    integers = type("Integers", (), {"sample": lambda self, n, seed: values.expand(n, 1, 2, 2).long() * 255})
    with pytest.raises(GanevalError, match="Integer images other than uint8 are not guessed at"):
        as_drawer(integers(), "ints", None, (-1.0, 1.0)).sample(2, seed=0)
