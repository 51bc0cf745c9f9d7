"""The names of the project's Python functions, read from udfs/functions.py without importing PyFlink."""
from __future__ import annotations

import ast

from order_analytics.paths import UDFS


def python_functions() -> list[str]:
    """The functions udfs/functions.py defines (`name = udf(...)` or `udaf(...)`), read without
    importing PyFlink: each is registered under its own name."""
    tree = ast.parse((UDFS / "functions.py").read_text(encoding="utf-8"))
    return [node.targets[0].id for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) in ("udf", "udaf")]
