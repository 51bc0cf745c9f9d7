"""The infrastructure (lesson3/infra/) never imports the application, lazy imports included."""
import ast

import pytest

from lesson3.paths import ROOT

BELOW = ("lesson3.infra", "lesson3.errors", "lesson3.paths")  # what the infrastructure may import


def imported(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            names |= {f"{base}.{alias.name}" if base == "lesson3" else base for alias in node.names}
    return {name for name in names if name.split(".")[0] == "lesson3"}


@pytest.mark.parametrize("path", sorted((ROOT / "lesson3" / "infra").glob("*.py")), ids=lambda p: p.name)
def test_the_infrastructure_imports_only_what_lies_below_the_application(path):
    above = {name for name in imported(path) if not name.startswith(BELOW)}
    assert not above, f"{path.name} imports {sorted(above)}"


def test_the_check_finds_an_import_of_the_application(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from lesson3 import session\n    from lesson3.infra import ports\n")
    assert imported(module) == {"lesson3.session", "lesson3.infra"}
