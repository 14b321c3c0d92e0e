"""`ganeval score` end to end on 2-D mixtures (fast: the points extractor needs no network)."""

import json

import numpy as np
import pytest

from ganeval.cli import main
from ganeval.data import GRID25, RING8
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def test_real_sample_covers_every_mode_and_dropping_modes_removes_exactly_those():
    points, modes = GRID25.sample(3000, seed=5)
    full = score(points, "grid25", options=MetricOptions(n=None, bootstrap=0), extraction=Extraction(progress=False))
    assert full.metrics["modes_covered"].value == 25
    assert full.metrics["precision"].value > 0.95
    kept = points[modes >= 7]  # modes 0..6 removed
    dropped = score(kept, "grid25", options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False))
    assert dropped.metrics["modes_covered"].value == 18
    assert dropped.metrics["recall"].value < full.metrics["recall"].value - 0.2
    assert dropped.metrics["mode_kl"].value == pytest.approx(np.log(25 / 18), abs=0.02)


def test_result_dict_and_frame_and_provenance():
    points, _ = RING8.sample(2000, seed=1)
    result = score(points, "ring8", options=MetricOptions(bootstrap=20, seed=3), extraction=Extraction(progress=False))
    payload = result.to_dict()
    assert set(payload["metrics"]) == {
        "fid",
        "kid",
        "precision",
        "recall",
        "density",
        "coverage",
        "modes_covered",
        "mode_kl",
        "high_quality_fraction",
    }
    for entry in payload["metrics"].values():
        assert entry["ci"][0] <= entry["value"] <= entry["ci"][1] or entry["value"] == 0
    provenance = payload["provenance"]
    assert provenance["extractor"] == "points" and provenance["seed"] == 3
    assert provenance["generated"]["count"] == 2000 and provenance["reference"]["count"] == 10_000
    frame = result.to_frame()
    assert frame.loc["fid", "higher_is_better"] == False  # noqa: E712
    assert "modes_covered" in result.table()


def test_same_seed_same_numbers_and_n_caps_samples():
    points, _ = RING8.sample(3000, seed=2)
    a = score(
        points, "ring8", options=MetricOptions(n=1500, bootstrap=10, seed=4), extraction=Extraction(progress=False)
    )
    b = score(
        points, "ring8", options=MetricOptions(n=1500, bootstrap=10, seed=4), extraction=Extraction(progress=False)
    )
    assert a.to_dict()["metrics"] == b.to_dict()["metrics"]
    assert a.provenance["generated"]["count"] == 1500 and a.provenance["reference"]["count"] == 1500


def test_reference_cache_is_written_once_then_hit(tmp_path):
    first = score("ring8", "ring8", options=MetricOptions(n=2000, bootstrap=0), extraction=Extraction(progress=False))
    second = score("ring8", "ring8", options=MetricOptions(n=2000, bootstrap=0), extraction=Extraction(progress=False))
    assert first.provenance["reference"]["cache"] == "written"
    assert second.provenance["reference"]["cache"] == "hit"
    cache = list((tmp_path / "cache").iterdir())
    assert len(cache) == 1 and cache[0].is_dir() and not cache[0].name.startswith(".")  # no staging folder left behind
    assert first.to_dict()["metrics"] == second.to_dict()["metrics"]


def test_cli_json_and_exit_codes(tmp_path, capsys):
    points, _ = RING8.sample(1000, seed=0)
    np.save(tmp_path / "fake.npy", points)
    out = tmp_path / "result.json"
    code = main(
        ["score", str(tmp_path / "fake.npy"), "--ref", "ring8", "--bootstrap", "5", "--json", str(out), "--quiet"]
    )
    assert code == 0
    payload = json.loads(out.read_text())
    assert payload["metrics"]["modes_covered"]["value"] == 8
    assert capsys.readouterr().out.startswith("fake.npy vs ring8: FID ")  # --quiet: the summary line alone

    assert main(["score", str(tmp_path / "fake.npy"), "--ref", "ring8", "--metrics", "fdi", "--quiet"]) == 2
    assert "unknown metric 'fdi'; valid metrics are" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "fake.npy"), "--ref", "ring8", "--metrics", "inception_score", "--quiet"]) == 2
    assert "cannot compute inception_score with the points extractor" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "missing"), "--ref", "ring8"]) == 2
    assert "missing: no such file or folder" in capsys.readouterr().err


def test_stats_file_round_trip(tmp_path):
    path = tmp_path / "ring8.npz"
    assert main(["stats", "ring8", "-o", str(path), "--quiet"]) == 0
    points, _ = RING8.sample(2000, seed=9)
    direct = score(
        points, "ring8", options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False, cache=False)
    )
    from_file = score(points, str(path), options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False))
    assert from_file.to_dict()["metrics"] == direct.to_dict()["metrics"]
    with pytest.raises(
        ValueError, match="generated samples \\(<generated array>\\) are images but the reference .* is points"
    ):
        score(
            np.zeros((10, 32, 32), dtype=np.uint8),
            str(path),
            extractor="digits",
            options=MetricOptions(bootstrap=0),
            extraction=Extraction(progress=False),
        )


def test_stats_made_with_other_weights_are_refused(tmp_path):
    from ganeval.cache.statsfile import load_outputs, save_outputs

    path = tmp_path / "digits.npz"
    assert main(["stats", "digits", "-o", str(path), "--quiet", "--n", "300"]) == 0
    outputs, meta = load_outputs(path)
    save_outputs(path, outputs, {**meta, "weights_sha256": "0" * 64})  # as if made with other weights
    with pytest.raises(ValueError, match="was computed with other settings: weights_sha256 '0000"):
        score("digits", str(path), options=MetricOptions(n=300, bootstrap=0), extraction=Extraction(progress=False))
    assert main(["stats", "digits", "-o", str(tmp_path / "noext")]) == 2


def test_export_points(tmp_path):
    assert main(["export", "ring8", str(tmp_path / "r.npy"), "--n", "100"]) == 0
    points = np.load(tmp_path / "r.npy")
    assert points.shape == (100, 2)
    assert main(["export", "grid25", str(tmp_path / "out")]) == 0
    assert np.load(tmp_path / "out" / "grid25.npy").shape == (10_000, 2)


def test_corrupt_cache_entry_is_recomputed(tmp_path):
    first = score("ring8", "ring8", options=MetricOptions(n=500, bootstrap=0), extraction=Extraction(progress=False))
    (entry,) = (tmp_path / "cache").iterdir()
    features, torn = entry / "features.npy", entry / "torn.npy"
    torn.write_bytes(features.read_bytes()[:300])  # truncated, as by a full disk; a new file (truncating the mapped one
    torn.replace(features)  # in place would fault this process's memory map of it, as with any memory-mapped file)
    again = score("ring8", "ring8", options=MetricOptions(n=500, bootstrap=0), extraction=Extraction(progress=False))
    assert again.provenance["reference"]["cache"] == "written"
    assert again.to_dict()["metrics"] == first.to_dict()["metrics"]


def test_shared_files_get_normal_permissions(tmp_path):
    assert main(["stats", "ring8", "-o", str(tmp_path / "s.npz"), "--n", "300", "--quiet"]) == 0
    assert (tmp_path / "s.npz").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask():
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--k", "600", "--n", "300"],
            "with --k 600 need more than 600 samples per side; got 300 reference and 300 generated",
        ),
    ],
)
def test_bad_counts_exit_2_naming_the_option(args, message, capsys):
    import re

    assert main(["score", "ring8", "--ref", "ring8", "--quiet", *args]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_non_finite_values_become_null_in_json():
    from ganeval.metrics import Interval
    from ganeval.scoring import Result

    payload = Result(
        {"mode_kl": Interval(float("inf"), 0.5, float("inf")), "fid": Interval(1.0, float("nan"), float("nan"))}
    ).to_dict()
    assert payload["metrics"] == {"mode_kl": {"value": None, "ci": [0.5, None]}, "fid": {"value": 1.0, "ci": None}}
    json.dumps(payload, allow_nan=False)  # valid JSON
