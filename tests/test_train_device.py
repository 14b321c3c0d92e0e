"""Training on a device (issue 11, part 1): the networks and optimisers train where --device says,
every random draw is still made on the CPU from the seed, checkpoints hold CPU tensors, the manifest
records the device, and a run resumes on another device. CI has no GPU: the "meta" device stands in
for one where the variants move their inputs (a CPU tensor given to a network on another device
raises), and on the CPU `--device cpu` must give the weights and log of a run without the flag."""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import pytest
import torch

import reference_models
from ganeval.cli import main
from ganeval.options import Extraction, MetricOptions
from reference_models.cyclegan import Translation
from reference_models.placement import device_of, to_cpu, to_device

NO_CUDA = not torch.cuda.is_available()
TINY = {"steps": 2, "batch_size": 8, "eval_every": 2, "eval_n": 50, "checkpoint_every": 2}
# 50 samples of 92-d digits features: FID's covariance is singular, and ganeval rightly says so; these
# tests compare runs with each other, not FID with papers.
pytestmark = pytest.mark.filterwarnings("ignore::ganeval.metrics.fid.SingularCovarianceWarning")
META = torch.device("meta")  # shapes without data: a device other than the CPU that every machine has


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


def run(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return stop.code


def checkpoint_tensors(run_dir: Path) -> dict[str, torch.Tensor]:
    """Every tensor in the run's checkpoint, by its path in the nested state."""
    found = {}

    def walk(value, name):
        if isinstance(value, torch.Tensor):
            found[name] = value
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{name}/{key}")
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk(item, f"{name}/{index}")

    walk(torch.load(run_dir / "checkpoint.pt", weights_only=True), "")
    return found


def assert_same_run(left: Path, right: Path) -> None:
    """Bit-identical weights, optimiser states and draws, and the same log bar the time column."""
    a, b = checkpoint_tensors(left), checkpoint_tensors(right)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    for log in ("steps.csv", "evals.csv"):
        pd.testing.assert_frame_equal(
            pd.read_csv(left / log).drop(columns="time", errors="ignore"),
            pd.read_csv(right / log).drop(columns="time", errors="ignore"),
        )


@pytest.mark.skipif(not NO_CUDA, reason="with CUDA, no flag (auto) trains on the GPU")
@pytest.mark.parametrize(("variant", "data"), [("wgan-gp", "ring8"), ("cgan", "digits"), ("cyclegan", "digits")])
def test_device_cpu_is_the_run_without_the_flag(variant, data, tmp_path):
    default = reference_models.train(variant, data, out=tmp_path / "default", **TINY)
    cpu = reference_models.train(variant, data, out=tmp_path / "cpu", device="cpu", **TINY)
    assert_same_run(default, cpu)
    assert json.loads((cpu / "manifest.json").read_text())["device"] == "cpu"


def test_checkpoints_hold_cpu_tensors_and_the_manifest_the_device(tmp_path):
    folder = tmp_path / "dcgan"
    argv = ["train", "dcgan", "--data", "digits", "--out", folder, "--steps", 2, "--device", "cpu"]
    assert run([*argv, *[f"--set={key}={value}" for key, value in TINY.items() if key != "steps"]]) == 0
    tensors = checkpoint_tensors(folder)
    assert any(name.startswith("/opt_d/state") for name in tensors)  # Adam's moments travel too
    assert {str(tensor.device) for tensor in tensors.values()} == {"cpu"}
    assert json.loads((folder / "manifest.json").read_text())["device"] == "cpu"


def test_resume_on_another_device_continues_the_run(tmp_path):
    """A run started with auto resumes with --device cpu (on a CPU machine: exactly the whole run); the
    device is not a setting, so a manifest from a GPU session does not stop the resume."""
    whole = reference_models.train("gan-ns", "ring8", out=tmp_path / "whole", device="cpu", **{**TINY, "steps": 4})
    split = tmp_path / "split"
    reference_models.train("gan-ns", "ring8", out=split, device="auto", **TINY)
    manifest = json.loads((split / "manifest.json").read_text())
    (split / "manifest.json").write_text(json.dumps({**manifest, "device": "cuda:0"}))  # as if trained on a GPU
    assert run(["train", "gan-ns", "--data", "ring8", "--out", split, "--resume", "--steps", 4, "--device", "cpu"]) == 0
    assert json.loads((split / "manifest.json").read_text())["device"] == "cpu"
    if NO_CUDA:
        assert_same_run(whole, split)


@pytest.mark.parametrize(
    ("variant", "data"),
    [
        ("gan-ns", "ring8"),
        ("wgan", "ring8"),
        ("wgan-gp", "ring8"),
        ("dcgan", "digits"),
        ("cgan", "stacked-digits"),
        ("cyclegan", "digits"),
    ],
)
def test_variants_move_their_draws_to_the_networks_device(variant, data):
    """With the networks on another device, every batch, noise vector and loss draw made on the CPU
    reaches them there (a CPU tensor given to a layer on the meta device raises)."""
    chosen = reference_models.get_variant(variant)
    source = chosen.training_data(data)
    config = chosen.defaults.override(batch_size=4, eval_n=50)
    generator, discriminator, loss_draws = chosen.build_seeded(source, config)
    generator, discriminator = generator.to(META), discriminator.to(META)
    draws = torch.Generator().manual_seed(1)
    real, real_extras = to_device(chosen.real_batch(source, 4, draws), META)
    fake, fake_extras = chosen.generate(generator, source, 4, draws, config)
    loss_d, _, _ = chosen.d_loss(discriminator, real, fake, *real_extras, *fake_extras, draws=loss_draws)
    loss_g = chosen.g_loss(discriminator, fake, *fake_extras)
    chosen.after_d_step(discriminator)
    assert loss_d.device == loss_g.device == META
    assert chosen.sample(generator, source, config, 5, seed=0).device == META
    if variant != "cyclegan":  # its evaluation labels the translations with the digits classifier: data needed
        with torch.no_grad():
            evaluation = chosen.evaluation(generator, discriminator, source, config, step=2)
        assert evaluation.fake.device == evaluation.d_real.device == evaluation.d_fake.device == META


def test_placement_keeps_structures_and_returns_cpu_tensors_themselves():
    tensor = torch.arange(3.0)
    assert to_device(tensor, torch.device("cpu")) is tensor and to_cpu(tensor) is tensor
    state = OrderedDict(weight=tensor)
    state._metadata = {"": {"version": 2}}
    moved = to_cpu({"net": state, "steps": [tensor, 3], "name": "x"})
    assert isinstance(moved["net"], OrderedDict) and moved["net"]._metadata == state._metadata
    assert moved["steps"][1] == 3 and moved["name"] == "x"
    translation = Translation(*[tensor] * 8)
    assert type(to_device(translation, META)) is Translation and to_device(translation, META).a.device == META
    assert device_of(torch.nn.ReLU()) == torch.device("cpu") and device_of(torch.nn.Linear(1, 1).to(META)) == META


def test_compare_draws_final_samples_on_its_device(tmp_path, monkeypatch):
    from ganeval.compare.runs import final_scores

    folder = reference_models.train("gan", "ring8", out=tmp_path / "gan", device="cpu", **TINY)
    asked = []
    sample = reference_models.TrainedGenerator.sample

    def recording(self, n, seed=0, device=None, label=None):
        asked.append(device)
        return sample(self, n, seed, device, label)

    monkeypatch.setattr(reference_models.TrainedGenerator, "sample", recording)
    final_scores(folder, MetricOptions(n=200, seed=1, bootstrap=0), extraction=Extraction(device=torch.device("cpu")))
    assert asked == [torch.device("cpu")]


@pytest.mark.parametrize(("variant", "data"), [("cgan", "digits"), ("cyclegan", "digits")])
def test_sampling_on_a_device_is_the_cpu_sample(variant, data, tmp_path):
    folder = reference_models.train(variant, data, out=tmp_path / variant, device="cpu", **TINY)
    generator = reference_models.load(folder)
    on_cpu = generator.sample(12, seed=4)
    assert (generator.sample(12, seed=4, device="cpu") == on_cpu).all()
    if not NO_CUDA:  # the same inputs on the GPU: rounding apart, the same images
        assert abs(generator.sample(12, seed=4, device="cuda").astype(int) - on_cpu.astype(int)).max() <= 2
