"""Layers point one way: each package imports only the packages below it.

The table is the architecture's import rule; docs/architecture.md draws it. A part of the
hall never imports the command line (`jiaohao`), the server never imports the board
(`display`) or the kiosk, and nothing the hall runs imports the tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

#: what each package may import besides itself and the standard library. `common` and the
#: pure core `hall` import no other package of the project; `protocol` (the wire protocol's
#: names and payload shapes) only the core's event kinds
BASE = {"common", "hall", "protocol"}
MAY_IMPORT: dict[str, set[str]] = {
    "common": set(),
    "hall": set(),
    "protocol": {"hall"},
    "client": BASE,
    "printer": BASE,
    "display": BASE | {"client"},
    "bridge": BASE | {"client"},
    "kiosk": BASE | {"client", "printer"},
    "server": BASE | {"printer"},
    "jiaohao": BASE | {"client", "printer", "kiosk", "display", "bridge", "server", "bench"},
    "bench": BASE | {"client", "printer", "kiosk", "display", "bridge", "server", "jiaohao"},
}
PROJECT = set(MAY_IMPORT) | {"tests"}


def modules_of(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def imported_packages(path: Path) -> set[tuple[str, int]]:
    return imports_in(path.read_text(encoding="utf-8"), path.relative_to(REPO).parts[0])


def imports_in(source: str, package: str) -> set[tuple[str, int]]:
    """The project packages a module of `package` imports, with the line of each import
    (imports inside functions too: a late import is still a dependency)."""
    found = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # a relative import stays inside its own package (checked below)
            names = [node.module or ""] if node.level == 0 else [package]
        else:
            continue
        found |= {(name.split(".")[0], node.lineno) for name in names}
    return {(name, line) for name, line in found if name in PROJECT}


def test_every_package_of_the_hall_is_in_the_layer_table():
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests"}
    assert packages <= set(MAY_IMPORT), f"add {sorted(packages - set(MAY_IMPORT))} to MAY_IMPORT"


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_the_layers_below_it(package):
    allowed = MAY_IMPORT[package] | {package}
    wrong = [f"{path.relative_to(REPO)}:{line} imports {name}"
             for path in modules_of(package)
             for name, line in sorted(imported_packages(path)) if name not in allowed]
    assert wrong == []


def test_relative_imports_never_climb_out_of_their_package():
    climbing = []
    for package in MAY_IMPORT:
        for path in modules_of(package):
            depth = len(path.relative_to(REPO / package).parts)   # 1 for package/module.py
            tree = ast.parse(path.read_text(encoding="utf-8"))
            climbing += [f"{path.relative_to(REPO)}:{node.lineno}" for node in ast.walk(tree)
                         if isinstance(node, ast.ImportFrom) and node.level > depth]
    assert climbing == []


def test_the_checker_sees_a_forbidden_import_even_inside_a_function():
    source = "from . import db\ndef later():\n    from jiaohao.cli import main\n    import display.speech\n"
    assert imports_in(source, "server") == {("server", 1), ("jiaohao", 3), ("display", 4)}
