"""Image trainers (dcgan, cgan, cyclegan on digits; dcgan on stacked digits): the log, sample grids, resume,
sample -> PNGs -> score, refusals."""

import json

import pandas as pd
import pytest
import torch
from PIL import Image

import reference_models
from ganeval.cli import main
from ganeval.diagnostics import load_log

FAST = dict(batch_size=16, eval_every=3, eval_n=200, checkpoint_every=3)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def _weights(run):
    return torch.load(run / "checkpoint.pt", weights_only=True)["generator"]


def _same_runs(a, b):
    for name in ("steps.csv", "evals.csv"):
        left, right = (pd.read_csv(run / name).drop(columns="time", errors="ignore") for run in (a, b))
        pd.testing.assert_frame_equal(left, right)
    for key, value in _weights(a).items():
        assert torch.equal(value, _weights(b)[key]), key


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_dcgan_on_digits_logs_grids_resumes_and_samples_pngs(tmp_path):
    whole = reference_models.train("dcgan", "digits", out=tmp_path / "whole", steps=6, seed=3, **FAST)
    steps, evals, manifest = load_log(whole)
    assert steps.step.tolist() == list(range(6)) and evals.step.tolist() == [3, 6]
    for column in ("fid", "modes_covered", "mode_kl", "d_auc", "mode_counts"):
        assert evals[column].notna().all(), column
    assert manifest["variant"] == "dcgan" and manifest["data"] == "digits" and manifest["finished"] is True
    config = manifest["config"]  # dcgan's own defaults, not those of the gan-ns it inherits its losses from
    assert (config["z_dim"], config["lr_d"], config["betas"]) == (64, 2e-4, [0.5, 0.999]) and reference_models.VARIANTS[
        "dcgan"
    ].r1 == 0
    grid = Image.open(whole / "samples" / "step_000006.png")
    assert grid.mode == "L" and grid.size == (8 * 34 + 2, 8 * 34 + 2)
    assert (whole / "checkpoint.pt").exists()

    # interrupted after 3 steps (a checkpoint), then resumed to 6: the same weights and log
    reference_models.train("dcgan", "digits", out=tmp_path / "split", steps=3, seed=3, **FAST)
    _same_runs(
        whole, reference_models.train("dcgan", "digits", out=tmp_path / "split", steps=6, seed=3, resume=True, **FAST)
    )

    images = reference_models.load(whole).sample(5, seed=1)
    assert images.shape == (5, 1, 32, 32) and images.dtype.name == "uint8"
    out = tmp_path / "pngs"
    assert main(["sample", str(whole), "--n", "300", "--seed", "1", "-o", str(out)]) == 0
    assert len(list(out.glob("*.png"))) == 300 and Image.open(out / "000000.png").size == (32, 32)
    assert (
        main(
            [
                "score",
                str(out),
                "--ref",
                "digits",
                "--bootstrap",
                "0",
                "--quiet",
                "--n",
                "300",
                "--metrics",
                "fid,modes_covered",
            ]
        )
        == 0
    )


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_cgan_on_digits_logs_class_accuracy_resumes_and_samples_a_class(tmp_path, capsys):
    settings = {**FAST, "eval_every": 2, "checkpoint_every": 2}
    whole = reference_models.train("cgan", "digits", out=tmp_path / "whole", steps=4, seed=3, **settings)
    steps, evals, manifest = load_log(whole)
    assert evals.step.tolist() == [2, 4] and manifest["variant"] == "cgan"
    assert evals.class_accuracy.between(0, 1).all() and evals.fid.notna().all() and evals.d_auc.notna().all()

    # interrupted after 2 steps (a checkpoint), then resumed to 4: the same weights and log
    reference_models.train("cgan", "digits", out=tmp_path / "split", steps=2, seed=3, **settings)
    _same_runs(
        whole,
        reference_models.train("cgan", "digits", out=tmp_path / "split", steps=4, seed=3, resume=True, **settings),
    )

    generator = reference_models.load(whole)
    threes = generator.sample(6, seed=1, label=3)
    assert threes.shape == (6, 1, 32, 32) and threes.dtype.name == "uint8"
    assert (generator.sample(6, seed=1, label=None) != threes).any()  # label None: the classes in turn
    assert main(["sample", str(whole), "--n", "4", "--label", "3", "-o", str(tmp_path / "threes")]) == 0
    assert len(list((tmp_path / "threes").glob("*.png"))) == 4

    # an unconditional run refuses --label: exit 2, with the reason
    dcgan = reference_models.train(
        "dcgan", "digits", out=tmp_path / "dcgan", steps=1, seed=3, **{**FAST, "eval_every": 1}
    )
    capsys.readouterr()
    assert main(["sample", str(dcgan), "--n", "4", "--label", "3", "-o", str(tmp_path / "no")]) == 2
    assert "--label needs a class-conditional run (cgan)" in capsys.readouterr().err and not (tmp_path / "no").exists()
    with pytest.raises(ValueError, match="unconditional"):
        reference_models.load(dcgan).sample(2, label=3)


def test_points_and_image_variants_refuse_the_other_kind(tmp_path):
    with pytest.raises(
        ValueError,
        match="the dcgan variant has convolutional networks for images \\(digits, stacked-digits\\); "
        "ring8 is a set of 2-D points: train it with gan, gan-ns, wgan or wgan-gp",
    ):
        reference_models.train("dcgan", "ring8", out=tmp_path / "a", steps=2)
    with pytest.raises(
        ValueError,
        match="the gan variant has MLPs for 2-D points \\(ring8, grid25\\); digits is an image set: "
        "train it with one of the image variants \\(dcgan, cgan, cyclegan\\)",
    ):
        reference_models.train("gan", "digits", out=tmp_path / "b", steps=2)
    with pytest.raises(
        ValueError, match="cyclegan translates digits into thick digits: train it with --data digits; got 'ring8'"
    ):
        reference_models.train("cyclegan", "ring8", out=tmp_path / "c", steps=2)
    with pytest.raises(ValueError, match="the image variants train on digits or stacked-digits; got 'digits-thick'"):
        reference_models.train("dcgan", "digits-thick", out=tmp_path / "d", steps=2)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_cyclegan_logs_translation_quality_resumes_and_translates(tmp_path):
    settings = {**FAST, "eval_every": 2, "checkpoint_every": 2}
    whole = reference_models.train("cyclegan", "digits", out=tmp_path / "whole", steps=4, seed=3, **settings)
    steps, evals, manifest = load_log(whole)
    assert steps.step.tolist() == [0, 1, 2, 3] and evals.step.tolist() == [2, 4]
    assert manifest["variant"] == "cyclegan" and manifest["reference"] == "digits-thick"
    assert evals.label_preservation.between(0, 1).all() and (evals.cycle_error > 0).all() and evals.fid.notna().all()
    assert steps.d_real.between(0, 1).all() and set(evals.d_input) == {"probability"}

    # interrupted after 2 steps (a checkpoint), then resumed to 4: the same weights and log
    reference_models.train("cyclegan", "digits", out=tmp_path / "split", steps=2, seed=3, **settings)
    _same_runs(
        whole,
        reference_models.train("cyclegan", "digits", out=tmp_path / "split", steps=4, seed=3, resume=True, **settings),
    )

    translated = reference_models.load(whole).sample(6, seed=1)
    assert translated.shape == (6, 1, 32, 32) and translated.dtype.name == "uint8"
    with pytest.raises(ValueError, match="unconditional"):
        reference_models.load(whole).sample(2, label=3)


def test_thick_digits_domain_keeps_labels_and_differs_from_digits():
    """cyclegan's target domain: thicker strokes (more ink, never less),
    the same digits as far as the classifier sees."""
    from ganeval.data import get_bundled
    from ganeval.features.digits import DigitsExtractor

    digits, labels = get_bundled("digits").sample()
    thick, thick_labels = get_bundled("digits-thick").sample()
    assert (thick >= digits).all() and thick.mean() > 1.2 * digits.mean() and (thick_labels == labels).all()
    assert (DigitsExtractor().extract(torch.from_numpy(thick))["modes"] == labels).mean() > 0.99


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_dcgan_on_stacked_digits_scores_against_1000_modes(tmp_path):
    run = reference_models.train(
        "dcgan", "stacked-digits", out=tmp_path / "s", steps=2, seed=0, **{**FAST, "eval_every": 2}
    )
    _, evals, manifest = load_log(run)
    assert manifest["reference"] == "stacked-digits" and len(json.loads(evals.mode_counts.iloc[-1])) == 1000
    assert reference_models.load(run).sample(3, seed=0).shape == (3, 3, 32, 32)
    images, labels = reference_models.data.ImageData("stacked-digits").batch(
        5, torch.Generator().manual_seed(0), with_labels=True
    )
    assert images.shape == (5, 3, 32, 32) and labels.max() < 1000
