"""`ganeval CMD --help` answers without importing torch: from the help cache, which never serves a stale text."""

import json
import os
import subprocess
import sys

import pytest

from ganeval import launch

SCRIPT = (
    "import sys; from ganeval.launch import main; code = main(['{command}', '--help']); "
    "print('loaded:', sorted({{'torch', 'scipy', 'pandas'}} & set(sys.modules)), 'exit:', code)"
)


def _help(command: str, env: dict) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(command=command)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    text, _, last = done.stdout.rstrip("\n").rpartition("\n")
    return text + "\n", last


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps to the terminal's width: the same in every process here
    return dict(os.environ)


def test_command_help_is_the_parsers_and_the_second_call_imports_no_torch(env):
    from ganeval.cli import build_parser

    first, loaded = _help("score", env)  # builds the parser once and caches every command's help
    assert loaded == "loaded: ['pandas', 'scipy', 'torch'] exit: 0"
    commands = build_parser()._subparsers._group_actions[0].choices
    assert first == commands["score"].format_help() and "--kid-subset-size" in first
    for command in ("score", "train", "compare", "baseline"):
        text, loaded = _help(command, env)
        if loaded != "loaded: [] exit: 0":  # a source file changed meanwhile (a new key): that call cached anew
            text, loaded = _help(command, env)
        assert loaded == "loaded: [] exit: 0", command
        assert text == commands[command].format_help()
    assert "eval_every" in _help("train", env)[0]  # the plug-in's command, with its settings' defaults


def test_a_cached_text_is_served_only_under_its_key_and_never_through_a_link(env, tmp_path):
    cache = tmp_path / "cache" / "help.json"
    cache.parent.mkdir()
    cache.write_text(json.dumps({"key": "k1", "texts": {"score": "usage: ganeval score\x1b[2J ...\n"}}))
    assert launch.cached_help("score", "k1") == "usage: ganeval score\\x1b[2J ...\n"  # control characters escaped
    assert launch.cached_help("score", "k2") is None and launch.cached_help("stats", "k1") is None
    elsewhere = tmp_path / "elsewhere.json"
    cache.rename(elsewhere)
    cache.symlink_to(elsewhere)
    assert launch.cached_help("score", "k1") is None
    cache.unlink()
    for damaged in ("{not json", "[]", json.dumps({"key": "k1", "texts": {"score": 3}})):
        cache.write_text(damaged)
        assert launch.cached_help("score", "k1") is None


def test_the_key_changes_with_the_terminal_width(monkeypatch):
    narrow = launch.help_key()
    monkeypatch.setenv("COLUMNS", "160")
    assert launch.help_key() != narrow and launch.help_key() == launch.help_key()


def test_an_unknown_command_is_still_a_usage_error(env, capsys):
    with pytest.raises(SystemExit) as done:
        launch.main(["no-such-command", "--help"])
    assert done.value.code == 2 and "invalid choice: 'no-such-command'" in capsys.readouterr().err
