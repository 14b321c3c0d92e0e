"""`ganeval score` on bundled digits with the bundled classifier: mode coverage with ground truth."""

import pytest

from ganeval.cli import main
from ganeval.data.digits import load_digits_images, stacked_digits
from ganeval.options import Extraction, MetricOptions
from ganeval.scoring import score


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def test_real_digits_cover_all_modes_and_removed_classes_are_missed():
    images, labels = load_digits_images()
    full = score(
        images[:, 0], "digits", options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False)
    )  # N x H x W grayscale array
    assert full.metrics["modes_covered"].value == 10
    assert full.metrics["fid"].value == pytest.approx(0.0, abs=1e-6)  # the reference itself
    assert full.metrics["inception_score"].value > 8
    without = score(
        images[labels >= 3][:, 0], "digits", options=MetricOptions(bootstrap=0), extraction=Extraction(progress=False)
    )
    assert without.metrics["modes_covered"].value == 7
    assert without.metrics["fid"].value > 10 and without.metrics["recall"].value < 0.85


def test_stacked_digits_modes_follow_the_channels():
    images, modes = stacked_digits(6000, seed=11)
    keep = modes // 100 != 0  # drop the 100 modes whose red digit is 0
    kept = images[keep].transpose(0, 2, 3, 1)  # N x H x W x C, numpy's layout
    result = score(
        kept,
        "stacked-digits",
        metrics=["modes_covered", "mode_kl"],
        options=MetricOptions(n=len(kept), bootstrap=0),
        extraction=Extraction(progress=False),
    )
    covered = result.metrics["modes_covered"].value
    assert 880 <= covered <= 905  # 900 modes remain; a few rare ones go unseen, a few misreadings add one
    assert result.metrics["mode_kl"].value > 0.1


def test_folder_of_pngs_and_cli(tmp_path, capsys):
    assert main(["export", "digits", str(tmp_path / "real"), "--n", "200", "--seed", "1"]) == 0
    assert len(list((tmp_path / "real").glob("*.png"))) == 200
    code = main(["score", str(tmp_path / "real"), "--ref", "digits", "--bootstrap", "10", "--json", "-", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert '"modes_covered"' in out and '"extractor": "digits"' in out
    assert main(["export", "digits", str(tmp_path / "real")]) == 2  # refuses a non-empty folder
    assert "exists and is not an empty folder" in capsys.readouterr().err


def test_rgb_stacked_digit_folders_keep_their_three_channels(tmp_path):
    assert main(["export", "stacked-digits", str(tmp_path / "a"), "--n", "300", "--seed", "1"]) == 0
    assert main(["export", "stacked-digits", str(tmp_path / "b"), "--n", "300", "--seed", "2"]) == 0
    result = score(
        str(tmp_path / "b"),
        str(tmp_path / "a"),
        extractor="digits",
        metrics=["modes_covered"],
        options=MetricOptions(bootstrap=0),
        extraction=Extraction(progress=False),
    )
    assert result.provenance["reference"]["count"] == 300
    assert (
        result.metrics["modes_covered"].value > 10
    )  # stacked modes (of the ~260 in the reference), not 10 gray classes
    assert result.provenance["image_conversion"].startswith("RGB")
