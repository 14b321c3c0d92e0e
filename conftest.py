"""Collection for the whole checkout: the doctests of ganeval's modules (`--doctest-modules`) import every
module, so the integrations whose optional extra is not installed are left out (their tests skip)."""

import importlib.util

OPTIONAL = ("lightning", "torchmetrics")  # ganeval/integrations/NAME.py needs the package NAME
collect_ignore = [f"ganeval/integrations/{name}.py" for name in OPTIONAL if importlib.util.find_spec(name) is None]
