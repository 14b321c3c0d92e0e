"""The integrations import on a machine without their optional extra (as `--doctest-modules` collects them
on a fresh install), and using one says which extra to install."""

import subprocess
import sys

import pytest

CASES = [("lightning", "GanevalCallback", "lightning"), ("torchmetrics", "GanevalFID", "torchmetrics")]


@pytest.mark.parametrize(("module", "name", "extra"), CASES)
def test_an_integration_without_its_extra_imports_and_names_the_extra(module, name, extra):
    code = (
        f"import sys; sys.modules[{extra!r}] = None\n"  # as if the package were not installed
        f"from ganeval.integrations.{module} import {name}\n"
        "from ganeval.errors import GanevalError\n"
        "try:\n"
        f"    {name}('ring8', **({{'sample': len}} if {name!r} == 'GanevalCallback' else {{}}))\n"
        "except GanevalError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f'pip install "ganeval[{extra}]"' in done.stdout
