"""The layering the package's layout promises, checked on its import graph (top-level and lazy imports alike).

leaf modules → parsers → engines → rules → registry/runner/commands: parsers import no engine or rule,
engines no rule, rules never the edge (CLI, commands, runner, file-system layer), and no import loop anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "observatory_invariants"
LEAVES = {"errors", "textio", "patterns", "declare", "findings", "layout", "processes"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports anywhere in its code (``from x import y`` counts ``x.y``
    when ``x.y`` is a module)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in MODULES}


def _runtime_nodes(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:`` (annotations only: never imported at run time)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _short(module: str) -> str:
    return module.removeprefix("observatory_invariants.")


def _layer(module: str) -> str:
    short = _short(module)
    top = short.split(".")[0]
    return top if top in ("parsers", "engines", "rules", "commands", "reporters") else short


def _violations(source_layer: str, forbidden: set[str]) -> list[str]:
    return sorted(f"{_short(a)} -> {_short(b)}" for a, targets in GRAPH.items() if _layer(a) == source_layer
                  for b in targets if _layer(b) in forbidden)


def test_the_graph_is_not_empty():
    assert len(MODULES) > 40 and sum(map(len, GRAPH.values())) > 100


@pytest.mark.parametrize("layer, forbidden", [
    ("parsers", {"engines", "rules", "commands", "reporters", "runner", "workspace", "config", "repo", "registry",
                 "api", "cli", "memory"}),
    ("engines", {"rules", "commands", "reporters", "runner", "workspace", "repo", "registry", "api", "cli"}),
    ("rules", {"commands", "reporters", "runner", "repo", "api", "cli", "generate"}),
    ("reporters", {"rules", "engines", "parsers", "registry", "runner", "commands", "config", "repo"}),
])
def test_layers_import_only_downward(layer, forbidden):
    assert _violations(layer, forbidden) == []


def test_leaf_modules_import_only_leaves():
    for leaf in LEAVES:
        module = f"observatory_invariants.{leaf}"
        assert {_short(m) for m in GRAPH[module]} <= LEAVES, leaf


def test_no_import_loop():
    loops = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                loops.append(" -> ".join(_short(m) for m in stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])
    assert loops == []
