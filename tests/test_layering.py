"""Rules of the package's layout (issue 18), checked over its source so they keep holding:
no import cycles, namespaces and IRI layouts written out only in iris.py, and modules of one concern
(no module over 600 lines, none of the links package over 400)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dhr_graph import iris

PACKAGE = Path(iris.__file__).resolve().parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in PACKAGE.rglob("*.py")}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(name: str, path: Path) -> set[str]:
    """The package modules `name` imports, at module level or inside a function (a lazy import
    hides a cycle, it does not remove it); imports made only for type checking are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = {id(n) for top in ast.walk(tree) if _type_checking_only(top) for n in ast.walk(top)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:  # `from . import x` imports the module x
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    # a package's own __init__ runs before its modules: importing it from inside is no cycle
    return {m for m in found if m in MODULES and m != name and not name.startswith(m + ".")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None (depth-first search, colouring the modules on the path)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_import_graph_finds_imports_of_every_kind() -> None:
    """The checker itself: relative, `from . import x`, package and lazy imports all count."""
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    assert "dhr_graph.iris" in graph["dhr_graph.store"] or "dhr_graph.iris" in graph["dhr_graph.queries"]
    assert "dhr_graph.links.record" in graph["dhr_graph.links.write"]  # from . import record
    assert "dhr_graph.store" in graph["dhr_graph.links.write"]  # from ..store import ...
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_package_has_no_import_cycles() -> None:
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants that are not docstrings."""
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


@pytest.mark.parametrize("namespace", sorted({iris.DHR_BASE, *iris.PREFIXES.values()}))
def test_namespaces_are_written_out_only_in_iris_py(namespace: str) -> None:
    """The toolkit's base IRI and the vocabularies it uses are named, not restated, outside iris.py
    (data files, such as the ontology and the queries, are where they belong too)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "iris.py":
            continue
        found += [f"{path.relative_to(PACKAGE)}:{n.lineno}: {n.value!r}"
                  for n in _strings(ast.parse(path.read_text(encoding="utf-8"))) if namespace in n.value]
    assert not found, f"use the names of iris.py for {namespace}:\n" + "\n".join(found)


def test_no_module_is_over_600_lines_and_none_of_links_over_400() -> None:
    """One concern per module: a module that grows past this holds more than one (issue 18)."""
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        limit = 400 if path.parent.name == "links" else 600
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            too_long.append(f"{path.relative_to(PACKAGE)}: {lines} lines (at most {limit})")
    assert not too_long, "\n".join(too_long)
