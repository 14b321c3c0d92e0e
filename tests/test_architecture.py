"""What docs/architecture.md promises beyond import-linter's contracts: the diagnostics and the report never load
torch, and `score` stays a short pipeline of named steps (issue 22)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "ganeval"


def test_reading_and_diagnosing_a_log_and_rendering_a_report_do_not_load_torch():
    heavy = ("torch", "ganeval.scoring", "ganeval.sources", "ganeval.training")
    code = (
        "import sys; import ganeval.diagnostics, ganeval.diagnostics.log, ganeval.report, ganeval.render.figures; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _function(path: Path, name: str) -> ast.FunctionDef:
    return next(node for node in ast.parse(path.read_text()).body if getattr(node, "name", None) == name)


def test_score_is_under_80_lines_and_calls_each_step_once():
    score = _function(ROOT / "scoring" / "score.py", "score")
    assert score.end_lineno - score.lineno + 1 < 80  # its docstring included
    pipeline = _function(ROOT / "scoring" / "score.py", "score_inputs")
    called = [
        node.func.id for node in ast.walk(pipeline) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]
    for step in ("extract_inputs", "metric_samples", "plan", "compute"):
        assert called.count(step) == 1, step
    raises = [node for node in ast.walk(pipeline) if isinstance(node, (ast.Raise, ast.Try))]
    assert raises == []  # no control flow by exception: the other ranks return


def test_diagnostics_has_no_lazy_attributes():
    import ganeval.diagnostics

    assert not hasattr(ganeval.diagnostics, "__getattr__")
    assert "TrainingLogger" not in ganeval.diagnostics.__all__
