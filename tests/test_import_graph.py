"""The package's import graph has no cycle: a contract imports no implementation, a command imports
what it runs, and nothing holds a cycle apart with an import inside a function.

The graph is read from the source with ``ast`` (every ``import`` and ``from … import``, at any
depth, ``TYPE_CHECKING`` blocks included): an edge A → B when module A imports module B (or a name
from it). Strongly connected components of more than one module are cycles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "ganbench"


def modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the package."""
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _owner(name: str, known: dict[str, Path]) -> str | None:
    """The module that ``name`` (a module, or a name inside one) belongs to."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports."""
    known = modules()
    graph: dict[str, set[str]] = {m: set() for m in known}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            else:
                continue
            for target in targets:
                owner = _owner(target, known) if target.startswith("ganbench") else None
                if owner and owner != name:
                    graph[name].add(owner)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 100 and sum(len(e) for e in graph.values()) > 300  # the graph was read
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_contracts_import_no_implementation():
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith("ganbench.contracts"):
            outside = {t for t in targets if not t.startswith(("ganbench.contracts", "ganbench.errors"))}
            assert not outside, f"{name} imports {sorted(outside)}"


def test_the_spec_and_the_trainer_are_apart():
    """The spec names a device without the trainer, and the trainer imports neither MLflow code
    nor the executor."""
    graph = import_graph()
    assert not {t for t in graph["ganbench.experiment.spec"] if t.startswith("ganbench.train.build")}
    for name, targets in graph.items():
        if name.startswith("ganbench.train."):
            assert not {t for t in targets if t.startswith(("ganbench.tracking", "ganbench.executor"))}, name
