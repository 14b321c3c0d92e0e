"""Devices and precision (issue 11, parts 1 and 4): --device on every command that runs a network,
errors naming the available devices, TF32 off during extraction and restored, bf16 recorded in the
provenance and refused by a check against an fp32 baseline. CI has no GPU: CUDA paths are refused here."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import ganeval
import reference_models
from ganeval.cli import main
from ganeval.data.mixtures import RING8
from ganeval.device import available_devices, describe_device, resolve_device, tf32_off
from ganeval.errors import GanevalError
from ganeval.features import get_extractor
from ganeval.options import Extraction, MetricOptions

NO_CUDA = not torch.cuda.is_available()
FAST = MetricOptions(n=60, bootstrap=0)


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture(scope="module")
def points(tmp_path_factory):
    path = tmp_path_factory.mktemp("device") / "points.npy"
    np.save(path, RING8.sample(120, seed=3)[0])
    return str(path)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("device") / "gan"
    return reference_models.train(
        "gan", "ring8", out=out, steps=2, batch_size=16, eval_every=2, eval_n=50, checkpoint_every=2, device="cpu"
    )


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device(None) == resolve_device("auto")
    assert available_devices()[0] == "cpu"
    with pytest.raises(GanevalError, match=r"'bogus' is not a device name.*available here: auto, cpu") as caught:
        resolve_device("bogus")
    assert caught.value.argument == "device"


@pytest.mark.skipif(not NO_CUDA, reason="this machine has CUDA")
@pytest.mark.parametrize("name", ["cuda", "cuda:1", "CUDA:0"])
def test_cuda_without_cuda_names_the_available_devices(name):
    with pytest.raises(
        GanevalError, match=r"is not available \(this torch build or machine has no CUDA\); available here: auto, cpu"
    ):
        resolve_device(name)


def test_tf32_off_restores_the_setting():
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    for setting in (True, False):
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = setting
        with tf32_off():
            assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
        assert torch.backends.cuda.matmul.allow_tf32 is setting and torch.backends.cudnn.allow_tf32 is setting
    with pytest.raises(RuntimeError), tf32_off():  # restored on errors too
        torch.backends.cudnn.allow_tf32 = False
        raise RuntimeError
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def test_describe_device():
    described = describe_device(torch.device("cpu"), "bf16")
    assert described == {
        "device": "cpu",
        "name": None,
        "torch": torch.__version__,
        "cuda": None,
        "tf32": False,
        "precision": "bf16",
    }


def test_precision_is_checked_and_needs_a_network():
    with pytest.raises(GanevalError, match="fp32 or bf16") as caught:
        get_extractor("digits", Extraction(precision="fp16"))
    assert caught.value.argument == "precision"
    with pytest.raises(GanevalError, match="the points extractor runs no network"):
        get_extractor("points", Extraction(precision="bf16"))


def test_score_records_the_device_and_bf16_precision():
    fp32 = ganeval.score(
        "digits",
        "digits",
        metrics=["fid"],
        options=FAST,
        extraction=Extraction(cache=False, progress=False, device="cpu"),
    )
    bf16 = ganeval.score(
        "digits",
        "digits",
        metrics=["fid"],
        options=FAST,
        extraction=Extraction(cache=False, progress=False, device="auto", precision="bf16"),
    )
    assert fp32.provenance["device"]["device"] == "cpu" and fp32.provenance["device"]["precision"] == "fp32"
    assert "precision" not in fp32.provenance  # fp32 keys, cache entries and baselines stay as they were
    assert bf16.provenance["precision"] == "bf16" and bf16.provenance["device"]["precision"] == "bf16"
    assert bf16.provenance["device"]["tf32"] is False
    assert abs(bf16.metrics["fid"].value - fp32.metrics["fid"].value) < 0.05 * fp32.metrics["fid"].value + 1.0


def test_bf16_features_are_float64_and_close():
    images = np.random.default_rng(0).integers(0, 256, (16, 1, 32, 32), dtype=np.uint8)
    fp32 = get_extractor("digits").extract(images)
    bf16 = get_extractor("digits", Extraction(precision="bf16")).extract(images)
    assert bf16["features"].dtype == np.float64 and bf16["features"].shape == fp32["features"].shape
    assert np.abs(bf16["features"] - fp32["features"]).max() < 0.1 * np.abs(fp32["features"]).max()


def test_check_refuses_another_precision(tmp_path):
    samples = tmp_path / "samples.npy"
    np.save(samples, ganeval.data.get_bundled("digits").sample(80, seed=5)[0])
    baseline = tmp_path / "baseline.json"
    assert (
        run(
            [
                "baseline",
                str(samples),
                "--ref",
                "digits",
                "-o",
                str(baseline),
                "--n",
                "60",
                "--bootstrap",
                "0",
                "--metrics",
                "fid",
                "--device",
                "cpu",
                "--quiet",
            ]
        )
        == 0
    )
    assert json.loads(baseline.read_text())["provenance"]["device"]["precision"] == "fp32"
    assert run(["check", str(samples), "--baseline", str(baseline), "--device", "auto", "--quiet"]) == 0
    with pytest.raises(GanevalError, match="scored at fp32 precision; a candidate scored at bf16") as caught:
        ganeval.check(str(samples), str(baseline), extraction=Extraction(precision="bf16", device="cpu"))
    assert caught.value.argument == "precision"
    assert run(["check", str(samples), "--baseline", str(baseline), "--precision", "bf16", "--quiet"]) == 2


def test_check_across_devices_compares_and_says_so(tmp_path):
    """The device is recorded, not compared: a baseline from another device checks, with a note."""
    samples = RING8.sample(100, seed=4)[0]
    baseline = ganeval.make_baseline(
        samples, "ring8", options=FAST, metrics=["fid"], extraction=Extraction(cache=False, progress=False)
    )
    document = baseline.to_dict()
    document["provenance"]["device"] = {**document["provenance"]["device"], "device": "cuda:0", "name": "a GPU"}
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(document))
    report = ganeval.check(samples, str(path), extraction=Extraction(cache=False, device="cpu"))
    assert report.passed
    assert any("extracted on cuda:0, the candidate's on cpu" in note for note in report.notes)


def test_stats_file_keeps_its_precision(tmp_path, capsys):
    stats = tmp_path / "digits-bf16.npz"
    assert (
        run(["stats", "digits", "-o", str(stats), "--n", "60", "--precision", "bf16", "--device", "cpu", "--quiet"])
        == 0
    )
    assert run(["score", "digits", "--ref", str(stats), "--n", "60", "--bootstrap", "0", "--quiet"]) == 2
    assert "precision 'bf16' (file) vs 'fp32'" in capsys.readouterr().err
    assert (
        run(
            [
                "score",
                "digits",
                "--ref",
                str(stats),
                "--n",
                "60",
                "--bootstrap",
                "0",
                "--precision",
                "bf16",
                "--device",
                "auto",
                "--quiet",
            ]
        )
        == 0
    )


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_every_command_takes_device(device, points, run_folder, tmp_path):
    common = ["--device", device]
    assert run(["score", points, "--ref", "ring8", "--n", "60", "--bootstrap", "0", "--quiet", *common]) == 0
    assert run(["stats", "ring8", "-o", str(tmp_path / "s.npz"), "--n", "60", "--quiet", *common]) == 0
    baseline = str(tmp_path / "b.json")
    assert (
        run(
            [
                "baseline",
                points,
                "--ref",
                "ring8",
                "-o",
                baseline,
                "--n",
                "60",
                "--bootstrap",
                "0",
                "--metrics",
                "fid",
                "--quiet",
                *common,
            ]
        )
        == 0
    )
    assert run(["check", points, "--baseline", baseline, "--quiet", *common]) == 0
    assert run(["sample", str(run_folder), "--n", "20", "-o", str(tmp_path / "drawn.npy"), *common]) == 0
    assert (
        run(
            [
                "train",
                "gan",
                "--data",
                "ring8",
                "--out",
                str(tmp_path / "t"),
                "--steps",
                "2",
                "--set",
                "batch_size=16",
                "--set",
                "eval_every=2",
                "--set",
                "eval_n=50",
                "--set",
                "checkpoint_every=2",
                *common,
            ]
        )
        == 0
    )
    runs = [str(run_folder), str(tmp_path / "t")]
    assert run(["compare", *runs, "--json", str(tmp_path / "c.json"), "--quiet", *common]) == 0


@pytest.mark.parametrize("device", ["bogus", "cuda:7", "tpu"])
def test_every_command_refuses_a_bad_device(device, points, run_folder, tmp_path, capsys):
    if device == "cuda:7" and not NO_CUDA:
        pytest.skip("this machine has CUDA")
    commands = [
        ["score", points, "--ref", "ring8", "--quiet"],
        ["stats", "ring8", "-o", str(tmp_path / "s.npz")],
        ["baseline", points, "--ref", "ring8", "-o", str(tmp_path / "b.json")],
        ["sample", str(run_folder), "--n", "5", "-o", str(tmp_path / "d.npy")],
        ["train", "gan", "--data", "ring8", "--out", str(tmp_path / "t"), "--steps", "1"],
        ["compare", str(run_folder), str(run_folder)],
    ]
    for argv in commands:
        assert run([*argv, "--device", device]) == 2, argv
        assert "available here: auto, cpu" in capsys.readouterr().err, argv


def test_sample_on_a_device_is_the_cpu_sample(run_folder):
    generator = reference_models.load(run_folder)
    assert np.array_equal(
        generator.sample(30, seed=1), generator.sample(30, seed=1, device="auto" if NO_CUDA else "cpu")
    )


def test_a_module_generator_draws_where_its_weights_are():
    """The noise is drawn on the CPU from the seed and moved to the module's device, so a generator
    already on a GPU is called there; here, on the CPU, the samples are those of the CPU path."""
    from ganeval.gate.candidate import _device_of, as_drawer

    net = torch.nn.Linear(4, 2)
    assert _device_of(net) == torch.device("cpu") and _device_of(None) == torch.device("cpu")
    drawn = as_drawer(net, "net", 4, (-1.0, 1.0)).sample(8, seed=3)
    with torch.no_grad():
        expected = net(torch.randn(8, 4, generator=torch.Generator().manual_seed(3))).double().numpy()
    assert np.allclose(drawn, expected)
