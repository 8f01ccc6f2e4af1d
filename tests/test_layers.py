"""The layers of the tree (docs/layers.md), read from every import statement of every module.

A static parse, so that imports inside functions count as much as those at the top (only
``if TYPE_CHECKING:`` blocks, which never run, are left out). It fails on any import cycle,
and on any import that runs upward: autograd imports nothing of ours, nn's library never
imports viz (viz may import nn: it draws nn's networks and reads its labels), and no library
module imports the application ``nn.app``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "viz")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ours that ``name`` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from nn import notation` imports the module nn.notation (and nn itself).
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def layer(name: str) -> str:
    if name == "nn.app" or name.startswith("nn.app."):
        return "app"
    return name.split(".")[0]


def is_launcher(name: str) -> bool:
    """``python -m nn`` and ``python -m viz``: entry points, which start the application."""
    return name.endswith("__main__")


#: Which layers each layer may import (besides itself).
ALLOWED = {
    "autograd": set(),
    "nn": {"autograd"},
    "viz": {"autograd", "nn"},
    "app": {"autograd", "nn", "viz"},
}


def test_the_parse_sees_imports_inside_functions_and_packages() -> None:
    graph = import_graph()
    # nn.app.commands.graph imports viz only inside its functions.
    assert "viz.render" in graph["nn.app.commands.graph"]
    assert "nn.notation" in graph["nn.module"]  # `from nn import notation`
    assert "nn.app.commands" in graph["nn.app.main"]


def test_every_import_runs_down_the_layers() -> None:
    upward = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        for target in sorted(targets)
        if not is_launcher(name)
        and layer(target) != layer(name)
        and layer(target) not in ALLOWED[layer(name)]
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = import_graph()
    # Cycles through a package's __init__ that imports its own submodules are the package
    # loading itself; edges *into* a package __init__ from its own submodules are not.
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                walk(target)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)
    assert cycles == []


def test_every_package_is_shipped() -> None:
    """pyproject.toml lists every package of the tree, so that a wheel holds them all."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = set(config["tool"]["setuptools"]["packages"])
    packages = {
        module_name(path) for package in PACKAGES for path in (REPO / package).rglob("__init__.py")
    }
    assert packages <= shipped
