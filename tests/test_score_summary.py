"""What a user sees first: `score` answers in one line, and our own digits extractor causes no warning."""

import json
import math
import warnings

import numpy as np
import pytest
import torch

from ganeval.cache.keys import cache_key
from ganeval.cli import main
from ganeval.data.digits import load_digits_images
from ganeval.data.mixtures import GRID25
from ganeval.features.digits import DEFAULT_WEIGHTS, FEATURE_DIM, DigitsExtractor
from ganeval.metrics import Interval, SingularCovarianceWarning, fid_from_features
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import KID_DIGITS_NOTE, Modes, Result, score

README_RESULT = {  # the README's first command, as ganeval 0.1.0 scores it
    "fid": Interval(147.6193, 126.8014, 180.2688),
    "kid": Interval(226.39, 106.13, 405.36),
    "modes_covered": Interval(9.0, 9.0, 9.0),
    "precision": Interval(0.806, 0.762, 0.834),
    "recall": Interval(0.8965, 0.8831, 0.9076),
}
PROVENANCE = {
    "extractor": "digits",
    "generated": {"source": "examples/digits-samples"},
    "reference": {"source": "digits"},
}


def test_summary_line_of_the_readme_command():
    result = Result(README_RESULT, PROVENANCE, Modes(10, [7], ["7"]))
    expected = "digits-samples vs digits: FID 148 [127, 180], 9 of 10 modes (missing: 7), precision 0.806, recall 0.896"
    assert result.summary() == expected
    assert result.table().splitlines()[0] == expected


def test_summary_without_missing_modes_or_intervals():
    metrics = {"fid": Interval(0.01234, math.nan, math.nan), "modes_covered": Interval(25.0, math.nan, math.nan)}
    provenance = {"generated": {"source": "<generated array>"}, "reference": {"source": "grid25"}}
    assert (
        Result(metrics, provenance, Modes(25, [], [])).summary()
        == "<generated array> vs grid25: FID 0.0123, 25 of 25 modes"
    )


def test_summary_falls_back_to_the_metrics_computed():
    result = Result({"kid": Interval(12.3456, 10.0, 15.0)}, PROVENANCE)
    assert result.summary() == "digits-samples vs digits: kid 12.3 [10.0, 15.0]"


def test_table_notes_kids_unit_on_digits_features_only():
    assert f"note: {KID_DIGITS_NOTE}." in Result(README_RESULT, PROVENANCE).table()
    assert "torch-fidelity" not in Result(README_RESULT, {**PROVENANCE, "extractor": "inception"}).table()
    assert "torch-fidelity" not in Result({"fid": README_RESULT["fid"]}, PROVENANCE).table()


@pytest.fixture
def grid_file(tmp_path):
    points, modes = GRID25.sample(500, seed=0)
    path = tmp_path / "points.npy"
    np.save(path, points[modes != 3])
    return path


def test_quiet_prints_only_the_summary_line(grid_file, capsys):
    assert main(["score", str(grid_file), "--ref", "grid25", "--bootstrap", "0", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [out.strip()] and out.startswith("points.npy vs grid25: FID ")
    assert "24 of 25 modes (missing: #3 (-4, 2)), precision " in out


def test_json_to_stdout_stays_json_and_the_summary_goes_to_stderr(grid_file, capsys, tmp_path):
    assert main(["score", str(grid_file), "--ref", "grid25", "--bootstrap", "0", "--quiet", "--json", "-"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert payload["missing_modes"] == {"n_modes": 25, "indices": [3], "names": ["#3 (-4, 2)"]}
    assert captured.err.startswith("points.npy vs grid25: FID ")
    written = tmp_path / "result.json"
    assert (
        main(["score", str(grid_file), "--ref", "grid25", "--bootstrap", "0", "--quiet", "--json", str(written)]) == 0
    )
    assert capsys.readouterr().out.startswith("points.npy vs grid25: ")
    assert json.loads(written.read_text())["missing_modes"]["indices"] == [3]


# -- the digits extractor's dead units -------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_features():
    images, _ = load_digits_images()
    return DigitsExtractor().extract(images)["features"]


def test_digits_features_leave_out_dead_units(digits_features):
    extractor = DigitsExtractor()
    assert digits_features.shape[1] == extractor.feature_dim < FEATURE_DIM
    assert extractor.provenance()["feature_dim"] == extractor.feature_dim
    assert ((digits_features > 0).sum(axis=0) >= 10).all()  # every unit is active on some real digits
    np.linalg.cholesky(np.cov(digits_features, rowvar=False))  # positive definite: no SingularCovarianceWarning


def test_bootstrap_resamples_of_the_digits_are_not_singular(digits_features):
    rng = np.random.default_rng(0)
    fake = digits_features[rng.choice(len(digits_features), 500, replace=False)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SingularCovarianceWarning)
        for _ in range(20):
            fid_from_features(digits_features[rng.integers(0, len(digits_features), len(digits_features))], fake)


def test_score_on_digits_gives_no_warning():
    images, _ = load_digits_images()
    result = score(
        images[:400],
        "digits",
        metrics=["fid", "modes_covered"],
        options=MetricOptions(bootstrap=20),
        extraction=Extraction(cache=False, progress=False),
    )
    assert result.provenance["warnings"] == []


def test_old_weights_keep_every_unit_and_another_cache_key(tmp_path):
    state = torch.load(DEFAULT_WEIGHTS, weights_only=True)
    del state["live_units"]  # a weights file from before the live units were stored
    torch.save(state, tmp_path / "old.pt")
    old = DigitsExtractor(weights=tmp_path / "old.pt")
    new = DigitsExtractor()
    images, _ = load_digits_images()
    assert old.extract(images[:8])["features"].shape == (8, FEATURE_DIM)
    assert cache_key({"name": "digits"}, old.provenance()) != cache_key({"name": "digits"}, new.provenance())


def test_the_same_weights_with_fewer_units_get_another_cache_key():
    """The cache key follows the features' dimension even if the hash of the weights did not change."""
    extractor = DigitsExtractor()
    before = extractor.provenance()
    extractor.feature_dim = FEATURE_DIM
    assert cache_key({"name": "digits"}, before) != cache_key({"name": "digits"}, extractor.provenance())


def test_few_user_samples_still_warn_and_say_what_to_do():
    images, _ = load_digits_images()
    result = score(
        images[:50],
        "digits",
        metrics=["fid"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(cache=False, progress=False),
    )
    dim = DigitsExtractor().feature_dim
    [warning] = result.provenance["warnings"]
    assert f"the fake (50 samples) features have no more samples than dimensions ({dim})" in warning
    assert f"pass more than {dim} samples per side (or a larger --n, if you capped them)" in warning


def test_weights_with_no_live_unit_are_refused(tmp_path):
    state = torch.load(DEFAULT_WEIGHTS, weights_only=True)
    state["live_units"] = torch.zeros(FEATURE_DIM, dtype=torch.bool)
    torch.save(state, tmp_path / "none.pt")
    with pytest.raises(ValueError, match=r"none.pt' mark no hidden unit live \(live_units is all false\)"):
        DigitsExtractor(weights=tmp_path / "none.pt")


def test_summary_of_a_result_without_provenance():
    assert Result({"fid": Interval(3.0, math.nan, math.nan)}).summary() == "result: FID 3"
