"""`ganeval` alone prints a tour of the commands (exit 0), not a usage error."""

import subprocess
import sys

from ganeval import __version__
from ganeval.cli import TOUR, build_parser, main
from ganeval.launch import help_text
from ganeval.launch import main as launch


def test_tour_lists_every_command_with_an_example(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"\n  {name} " in out, f"the tour misses {name}"
        assert f"ganeval {name}" in out, f"the tour has no example of {name}"


def test_tour_examples_parse():
    parser = build_parser()
    for line in TOUR.splitlines():
        line = line.strip()
        if line.startswith("ganeval ") and "COMMAND" not in line:
            parser.parse_args(line.split()[1:])  # exits 2 (SystemExit) if an example is stale


def test_bare_command_exits_zero():
    done = subprocess.run([sys.executable, "-m", "ganeval.cli"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Commands, with one example each" in done.stdout


def test_help_lists_every_command_without_loading_the_library():
    """`ganeval --help` answers at once: the tour of every command, and no torch imported."""
    commands = build_parser()._subparsers._group_actions[0].choices
    text = help_text()
    assert text.startswith("usage: ganeval") and all(f"\n  {name} " in text for name in commands)
    script = (
        "import sys; from ganeval.launch import main; main(['--help']); "
        "print(sorted({'torch', 'scipy', 'pandas'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "[]"


def test_version_and_commands_go_through_the_launcher(tmp_path, capsys):
    assert launch(["--version"]) == 0 and capsys.readouterr().out == f"ganeval {__version__}\n"
    # a command: the full command line, with its errors and exit codes
    assert launch(["export", "no-such-set", str(tmp_path / "out")]) == 2
    assert "no-such-set" in capsys.readouterr().err


def test_training_that_diverges_exits_2_not_the_gate_code(tmp_path, poison_generator_loss, capsys):
    """Exit 1 means a failed quality gate only; a training stopped by a NaN loss is a settings problem (2)."""
    poison_generator_loss("gan-ns", call=3)
    code = main(
        [
            "train",
            "gan-ns",
            "--data",
            "ring8",
            "--out",
            str(tmp_path / "nan"),
            "--steps",
            "10",
            "--set",
            "batch_size=16",
            "--set",
            "eval_every=100",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert (
        "training stopped: gan-ns on ring8: the generator loss became nan at step 2" in err
        and "Lower the learning rates" in err
    )
