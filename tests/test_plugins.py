"""ganeval's plug-in points: an extractor and a CLI command added the way a newcomer (or another
package) adds them, used through the command line; the reference trainers found through their entry points."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import pytest

from ganeval import features, plugins
from ganeval.cli import main
from ganeval.features import Extractor, extractor_names, get_extractor, register_extractor

CI_RUN = Path(__file__).resolve().parent.parent / "ci" / "dcgan-digits"


class DoubledPoints(Extractor):
    """A toy extractor: 2-D points, doubled."""

    name = "doubled"
    kind = "points"
    channels = 0
    preprocessing = "points times two"

    def extract(self, batch) -> dict[str, np.ndarray]:
        return {"features": 2 * np.asarray(batch, dtype=np.float64)}


def add_hello(commands) -> None:
    """A toy command, added as a `ganeval.commands` entry point adds one."""
    hello = commands.add_parser("hello", help="say hello")
    hello.add_argument("--name", default="world")
    hello.set_defaults(handler=lambda args: print(f"hello {args.name}") or 0)


@pytest.fixture
def doubled():
    register_extractor("doubled", DoubledPoints, "toy: 2-D points, doubled")
    yield
    features._FACTORIES.pop("doubled")
    features.EXTRACTORS.pop("doubled")


def fake_entry_points(group_objects: dict):
    """importlib.metadata.entry_points(group=...) answering from {group: {name: "module:attribute"}}."""

    def entry_points(group: str):
        return [EntryPoint(name, value, group) for name, value in group_objects.get(group, {}).items()]

    return entry_points


def test_a_registered_extractor_scores_through_the_cli(doubled, tmp_path, capsys):
    assert "doubled" in extractor_names()
    points = tmp_path / "points.npy"
    np.save(points, np.random.default_rng(0).standard_normal((300, 2)))
    arguments = ["--extractor", "doubled", "--metrics", "fid", "--bootstrap", "0", "--quiet", "--no-cache"]
    assert main(["score", str(points), "--ref", "ring8", *arguments]) == 0
    assert "fd_doubled " in capsys.readouterr().out  # the Frechet distance on its features, named after it


def test_registering_a_taken_name_is_refused(doubled):
    with pytest.raises(ValueError, match="'doubled' is taken"):
        register_extractor("doubled", DoubledPoints)


def test_extractors_and_commands_come_from_entry_points(monkeypatch, capsys):
    installed = {
        plugins.EXTRACTORS: {"doubled": f"{__name__}:DoubledPoints"},
        plugins.COMMANDS: {"hello": f"{__name__}:add_hello"},
    }
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points(installed))
    assert isinstance(get_extractor("doubled"), DoubledPoints)
    assert "doubled" in extractor_names()
    assert main(["hello", "--name", "ganeval"]) == 0
    assert capsys.readouterr().out == "hello ganeval\n"


def test_without_the_reference_trainers_train_says_how_to_get_them(monkeypatch, capsys):
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points({}))
    assert main(["train", "gan", "--data", "ring8", "--out", "runs/x"]) == 2
    message = "ganeval train needs the reference trainers, which are not installed: install ganeval from its repository"
    assert message in capsys.readouterr().err


def test_a_broken_plugin_is_named(monkeypatch):
    broken = {plugins.RUNS: {"broken": "no_such_module_here:FORMAT"}}
    monkeypatch.setattr(plugins, "entry_points", fake_entry_points(broken))
    with pytest.raises(ValueError, match="ganeval.runs entry point 'broken' .* failed to load: ModuleNotFoundError"):
        plugins.load_group(plugins.RUNS)


def test_the_reference_trainers_register_themselves():
    """Installed ganeval (pip install -e .) finds reference_models through its entry points only."""
    assert {"gan", "wgan-gp", "cgan"} <= set(plugins.trainers())
    assert "train" in plugins.load_group(plugins.COMMANDS)
    assert plugins.run_format(CI_RUN) is not None
    run = plugins.load_run(CI_RUN)
    assert isinstance(run, plugins.Generator)
    assert (run.kind, run.reference, run.conditional) == ("images", "digits", False)
    assert run.sample(2, seed=0).shape == (2, 1, 32, 32)
