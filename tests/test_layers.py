"""The infrastructure (order_analytics/infra/) never imports the application, lazy imports included."""
import ast

import pytest

from order_analytics.paths import ROOT

BELOW = ("order_analytics.infra", "order_analytics.errors", "order_analytics.paths")  # what the infrastructure may import


def imported(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            names |= {f"{base}.{alias.name}" if base == "order_analytics" else base for alias in node.names}
    return {name for name in names if name.split(".")[0] == "order_analytics"}


@pytest.mark.parametrize("path", sorted((ROOT / "order_analytics" / "infra").glob("*.py")), ids=lambda p: p.name)
def test_the_infrastructure_imports_only_what_lies_below_the_application(path):
    above = {name for name in imported(path) if not name.startswith(BELOW)}
    assert not above, f"{path.name} imports {sorted(above)}"


def test_the_check_finds_an_import_of_the_application(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from order_analytics import session\n    from order_analytics.infra import ports\n")
    assert imported(module) == {"order_analytics.session", "order_analytics.infra"}
