"""The API's imports, read with ``ast`` (lazy imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "chalicelib" / "api"
# The store's cursor and paging internals: the API gets them through services/paging.py.
STORE_PAGING = ("chalicelib.store.cursor", "chalicelib.store.dynamo")


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, a ``from package import name`` as ``package.name``
    too (the name may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _api_modules() -> dict[str, set[str]]:
    return {f"chalicelib.api.{path.stem}": _imports(path) for path in sorted(API.glob("*.py"))}


def test_no_api_module_imports_the_stores_cursors_or_pages() -> None:
    modules = _api_modules()
    assert "chalicelib.api.paging" in modules  # the test reads the real folder
    offenders = {name: sorted(i for i in imports if i.startswith(STORE_PAGING))
                 for name, imports in modules.items()}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_api_modules_import_each_other_without_a_cycle() -> None:
    modules = _api_modules()
    edges = {name: {i for i in imports if i in modules and i != name}
             for name, imports in modules.items()}
    assert "chalicelib.api.idempotency" in edges["chalicelib.api.routing"]
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        if name in done:
            return
        for following in sorted(edges[name]):
            visit(following, (*path, name))
        done.add(name)

    for name in sorted(edges):
        visit(name, ())
