"""Artifacts are data, never code: a crafted checkpoint or weights file must not run through any command.

Each hostile file below, when unpickled the ordinary way (torch.load weights_only=False), creates a
marker file. Every command that reads checkpoints or extractor weights must refuse it with exit 2
and a message naming the file, and the marker must never appear.
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
from pathlib import Path

import pytest
import torch

import reference_models
from ganeval.cli import main
from ganeval.features.digits import load_classifier
from ganeval.torchfile import load_plain

ROOT = Path(__file__).resolve().parents[1]
CI_RUN = ROOT / "ci" / "dcgan-digits"


class CreatesFile:
    """Unpickling this calls open(path, "w"): the file appears if the pickle's code runs."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def write_hostile(path: Path, marker: Path, form: str) -> Path:
    """A file that runs code when unpickled: torch's zip format, or a plain pickle stream."""
    payload = {"generator": CreatesFile(marker), "variant": "gan", "data": "ring8", "config": {}, "step": 1}
    path.parent.mkdir(parents=True, exist_ok=True)
    if form == "torch":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload))
    return path


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """A tiny real run (log, manifest, checkpoint) whose checkpoint the tests replace."""
    out = tmp_path_factory.mktemp("real") / "run"
    return reference_models.train(
        "gan", "ring8", out=out, steps=2, batch_size=16, eval_every=2, eval_n=50, checkpoint_every=2
    )


@pytest.fixture(scope="module")
def baseline(real_run, tmp_path_factory):
    """A baseline of the real run, so that `check` gets as far as loading the candidate."""
    path = tmp_path_factory.mktemp("baseline") / "baseline.json"
    assert (
        main(
            [
                "baseline",
                str(real_run),
                "--ref",
                "ring8",
                "-o",
                str(path),
                "--n",
                "200",
                "--bootstrap",
                "20",
                "--repeats",
                "2",
                "--quiet",
            ]
        )
        == 0
    )
    return path


def hostile_run(real_run: Path, where: Path, marker: Path, form: str) -> Path:
    run = where / "run"
    shutil.copytree(real_run, run)
    write_hostile(run / "checkpoint.pt", marker, form)
    return run


@pytest.mark.parametrize("form", ["torch", "pickle"])
def test_the_hostile_files_do_run_code_when_unpickled_the_ordinary_way(tmp_path, form):
    marker = tmp_path / "marker"
    path = write_hostile(tmp_path / "evil.pt", marker, form)
    with contextlib.suppress(RuntimeError):  # a plain pickle runs its code, then fails torch's magic-number check
        torch.load(path, weights_only=False)  # what the code did before: proves the tests below test something
    assert marker.exists()


def run_cli(argv, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def refused(code: int, err: str, path: Path, marker: Path) -> None:
    assert not marker.exists(), "the hostile file ran code"
    assert code == 2, err
    assert str(path) in err and "Traceback" not in err, err


COMMANDS = {
    "sample": lambda run, tmp, baseline: ["sample", run, "--n", "10", "-o", tmp / "out.npy"],
    "check": lambda run, tmp, baseline: ["check", run, "--baseline", baseline, "--quiet"],
    "check-file": lambda run, tmp, baseline: ["check", run / "checkpoint.pt", "--baseline", baseline, "--quiet"],
    "baseline": lambda run, tmp, baseline: [
        "baseline",
        run,
        "--ref",
        "ring8",
        "-o",
        tmp / "b.json",
        "--n",
        "50",
        "--bootstrap",
        "0",
        "--quiet",
    ],
    "compare": lambda run, tmp, baseline: ["compare", run, run, "--out", tmp / "report", "--quiet"],
    "train --resume": lambda run, tmp, baseline: [
        "train",
        "gan",
        "--data",
        "ring8",
        "--out",
        run,
        "--resume",
        "--steps",
        "4",
    ],
}


@pytest.mark.parametrize("form", ["torch", "pickle"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_hostile_checkpoint_runs_no_code_in_any_command(command, form, real_run, baseline, tmp_path, capsys):
    marker = tmp_path / "marker"
    run = hostile_run(real_run, tmp_path, marker, form)
    code, err = run_cli(COMMANDS[command](run, tmp_path, baseline), capsys)
    refused(code, err, run / "checkpoint.pt", marker)
    assert "cannot be loaded" in err


@pytest.mark.parametrize("form", ["torch", "pickle"])
def test_a_hostile_file_given_as_a_generator_file_runs_no_code(tmp_path, form, baseline, capsys):
    marker = tmp_path / "marker"
    path = write_hostile(tmp_path / "generator.pt", marker, form)  # not named checkpoint.pt: tried as TorchScript only
    code, err = run_cli(["check", path, "--baseline", baseline, "--nz", "16", "--quiet"], capsys)
    refused(code, err, path, marker)


def test_hostile_checkpoint_message_says_why(tmp_path):
    path = write_hostile(tmp_path / "checkpoint.pt", tmp_path / "marker", "torch")
    with pytest.raises(ValueError, match=r"holds the Python object .*open, and ganeval never unpickles objects"):
        reference_models.load(tmp_path)
    assert not (tmp_path / "marker").exists() and path.exists()


@pytest.mark.parametrize("form", ["torch", "pickle"])
def test_hostile_inception_weights_run_no_code(tmp_path, form, capsys):
    marker = tmp_path / "marker"
    weights = write_hostile(tmp_path / "evil.pth", marker, form)
    code, err = run_cli(
        [
            "score",
            "digits",
            "--ref",
            "digits",
            "--extractor",
            "inception",
            "--weights",
            weights,
            "--n",
            "10",
            "--bootstrap",
            "0",
            "--quiet",
            "--no-cache",
        ],
        capsys,
    )
    refused(code, err, weights, marker)


def test_hostile_downloaded_inception_weights_run_no_code(tmp_path, monkeypatch):
    from ganeval.features import inception

    marker = tmp_path / "marker"
    monkeypatch.delenv(inception.WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(inception, "network_reachable", lambda timeout=0: True)
    monkeypatch.setattr(
        torch.hub, "download_url_to_file", lambda url, dst, **kwargs: write_hostile(Path(dst), marker, "torch")
    )
    with pytest.raises(inception.InceptionWeightsInvalid, match="cannot be loaded: it holds the Python object"):
        inception.InceptionExtractor()  # the download lands in torch-fidelity's cache, then is read safely
    assert not marker.exists() and inception.cached_weights_path().exists()


@pytest.mark.parametrize("form", ["torch", "pickle"])
def test_hostile_digits_weights_run_no_code(tmp_path, form, capsys):
    marker = tmp_path / "marker"
    weights = write_hostile(tmp_path / "evil.pth", marker, form)
    with pytest.raises(ValueError, match="DigitsClassifier weights file .* cannot be loaded"):
        load_classifier(weights)
    code, err = run_cli(
        ["stats", "digits", "-o", tmp_path / "s.npz", "--extractor", "digits", "--weights", weights, "--quiet"], capsys
    )
    refused(code, err, weights, marker)


def test_committed_checkpoint_is_plain_data_and_still_samples():
    state = load_plain(CI_RUN / "checkpoint.pt", "checkpoint", "")  # weights_only=True
    assert set(state) >= {"generator", "variant", "data", "config", "step"} and isinstance(state["config"], dict)
    images = reference_models.load(CI_RUN).sample(4, seed=0)
    assert images.shape == (4, 1, 32, 32) and images.dtype.name == "uint8" and images.std() > 0


def test_checkpoints_written_by_train_hold_only_plain_values(real_run):
    state = load_plain(real_run / "checkpoint.pt", "checkpoint", "")  # raises if anything but tensors and plain values
    assert state["variant"] == "gan" and state["config"]["batch_size"] == 16 and state["step"] == 2
    assert isinstance(state["draws"], torch.Tensor) and isinstance(state["torch_rng"], torch.Tensor)
