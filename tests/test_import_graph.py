"""No import cycles among the project's own modules, hidden or not.

Every ``import``/``from … import`` of a ``fastio``/``zoo`` module counts — at module top
and inside functions alike: a function-local import that closes a cycle only postpones
the cycle to the first call. Imports under ``if TYPE_CHECKING:`` never run and are left
out. A package's lazy exports (its ``__init__.pyi`` lazy-loader stub) are not edges of
the package: ``from zoo.evaluate import run_gwas`` is an edge from the importer to the
module that defines ``run_gwas``, which is what actually gets imported — and so is
``import fastio`` followed by ``fastio.convert(...)``.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("fastio", "zoo")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(root: Path) -> dict[str, Path]:
    return {_module_name(p, root): p for package in PACKAGES
            for p in sorted((root / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every Import/ImportFrom node that can run (skips ``if TYPE_CHECKING:`` bodies)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _lazy_exports(stub: ast.Module, package: str) -> dict[str, str]:
    """``public name -> defining module`` of a package's ``__init__.pyi`` (the stub
    ``lazy_loader.attach_stub`` serves the package's names from: ``from .mod import name``
    and ``from . import submodule``)."""
    resolved = {}
    for node in stub.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                resolved[alias.name] = (f"{package}.{node.module}" if node.module
                                        else f"{package}.{alias.name}")
    return resolved


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """``module -> project modules it imports`` for every module under ``PACKAGES``."""
    modules = _modules(root)
    trees = {name: ast.parse(path.read_text(encoding="utf-8"), str(path))
             for name, path in modules.items()}
    exports = {name: _lazy_exports(ast.parse(stub.read_text(encoding="utf-8"), str(stub)), name)
               for name, path in modules.items()
               if path.name == "__init__.py" and (stub := path.with_suffix(".pyi")).is_file()}

    def owner(dotted: str) -> str | None:
        """The project module ``dotted`` names, or the closest enclosing one."""
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in trees.items():
        is_package = modules[name].name == "__init__.py"
        bound: dict[str, str] = {}  # local name -> the package module it is bound to
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets = [owner(alias.name) for alias in node.names]
                for alias in node.names:
                    bound[alias.asname or alias.name.partition(".")[0]] = (
                        alias.name if alias.asname else alias.name.partition(".")[0])
            else:
                base = node.module or ""
                if node.level:
                    anchor = name if is_package else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                targets = []
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    if full in modules:
                        targets.append(full)
                        bound[alias.asname or alias.name] = full
                    elif alias.name in exports.get(base, {}):
                        targets.append(owner(exports[base][alias.name]))
                    else:
                        targets.append(owner(base))
            graph[name].update(t for t in targets if t and t != name)
        # a lazy name used through its package: ``import fastio`` ... ``fastio.convert(...)``
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.attr in exports.get(bound.get(node.value.id, ""), {})):
                target = owner(exports[bound[node.value.id]][node.attr])
                if target and target != name:
                    graph[name].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative); components of more than one module, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def _cycle_in(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One concrete cycle through the component's first module (breadth-first)."""
    members = set(component)
    start = component[0]
    parents = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & members):
            if child == start:
                path = [node]
                while parents[path[-1]] is not None:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if child not in parents:
                parents[child] = node
                queue.append(child)
    raise AssertionError(f"{component} is not a cycle")


def test_no_import_cycles():
    graph = import_graph()
    cycles = [" -> ".join(_cycle_in(c, graph)) for c in strongly_connected(graph)]
    assert cycles == [], "import cycles among project modules:\n" + "\n".join(cycles)


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_function_local_cycle_is_found(tmp_path):
    """Negative control: a cycle hidden by a function-local import is reported."""
    root = _write(tmp_path, {
        "fastio/__init__.py": "",
        "fastio/a.py": "from fastio.b import g\n",
        "fastio/b.py": "def g():\n    from fastio import a\n    return a\n",
        "zoo/__init__.py": "",
    })
    graph = import_graph(root)
    assert strongly_connected(graph) == [["fastio.a", "fastio.b"]]
    assert _cycle_in(["fastio.a", "fastio.b"], graph) == ["fastio.a", "fastio.b", "fastio.a"]


def test_lazy_exports_and_type_checking_are_not_edges(tmp_path):
    """A package's lazy stub points importers at the defining module, and a
    TYPE_CHECKING import never runs: neither closes a cycle here."""
    root = _write(tmp_path, {
        "fastio/__init__.py": "import lazy_loader\n",
        "fastio/__init__.pyi": "from .a import f\nfrom . import b\n",
        "fastio/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from fastio.b import g\ndef f():\n    pass\n",
        "fastio/b.py": "from fastio import f\nfrom . import a\n",
        "zoo/__init__.py": "",
        "zoo/c.py": "from fastio import b\n",
    })
    graph = import_graph(root)
    assert graph["fastio.b"] == {"fastio.a"}
    assert graph["zoo.c"] == {"fastio.b"}
    assert graph["fastio.a"] == set() and graph["fastio"] == set()
    assert strongly_connected(graph) == []


def test_a_lazy_name_used_through_its_package_is_an_edge(tmp_path):
    """``import fastio`` then ``fastio.f()`` imports the module defining ``f`` on first use:
    a cycle closed that way is found too."""
    root = _write(tmp_path, {
        "fastio/__init__.py": "import lazy_loader\n",
        "fastio/__init__.pyi": "from .a import f\n",
        "fastio/a.py": "from fastio.b import g\ndef f():\n    pass\n",
        "fastio/b.py": "import fastio\ndef g():\n    return fastio.f()\n",
        "zoo/__init__.py": "",
        "zoo/c.py": "import fastio as io\nfrom zoo import d\nio.f()\n",
        "zoo/d.py": "",
    })
    graph = import_graph(root)
    assert graph["fastio.b"] == {"fastio", "fastio.a"}
    assert graph["zoo.c"] == {"fastio", "fastio.a", "zoo.d"}
    assert strongly_connected(graph) == [["fastio.a", "fastio.b"]]


@pytest.mark.parametrize("relative", ["from .b import g", "from . import b", "import fastio.b"])
def test_relative_and_absolute_imports_resolve(tmp_path, relative):
    root = _write(tmp_path, {
        "fastio/__init__.py": "", "zoo/__init__.py": "",
        "fastio/a.py": f"def f():\n    {relative}\n",
        "fastio/b.py": "def g():\n    pass\n",
    })
    assert import_graph(root)["fastio.a"] == {"fastio.b"}
