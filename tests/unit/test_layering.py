"""The layers' guarantees, read from the source with ``ast`` (lazy imports inside functions
count too): the API pages without the store's internals and its modules import each other
without a cycle; key strings and query plans live only in ``store/``; boto3 clients are
made in one place and used only by the adapters. (The runtime guarantees — bounded reads,
no lost updates, every route guarded — are in tests/integration/test_guarantees.py.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
API = CHALICELIB / "api"
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


# What a DynamoDB key looks like in our code: a prefix such as ``T#``, ``USER#``, ``RL#``, an
# index name, or the ``#~`` upper bound of a range.
KEY_STRING = re.compile(r"^[A-Z][A-Z0-9_]*#|#~|^GSI\d|^LSI\d")
KEY_ATTRIBUTES = {"PK", "SK"}
# The adapters: the only modules that talk to AWS through a boto3 client.
ADAPTERS = ("chalicelib/store/", "chalicelib/notify/senders.py", "chalicelib/identity/cognito.py")


def _outside_store() -> list[Path]:
    paths = [p for p in sorted(CHALICELIB.rglob("*.py"))
             if p.relative_to(CHALICELIB).parts[0] != "store"]
    assert any(p.parts[-2] == "services" for p in paths)  # the test reads the real tree
    return paths


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _key_strings(source: str) -> list[str]:
    """The string constants of ``source`` (f-string parts too, docstrings not) that are key
    prefixes, index names or key attribute names, and the names it imports that build keys
    (``*_pk``, ``*_sk``)."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings \
                and (KEY_STRING.search(node.value) or node.value in KEY_ATTRIBUTES):
            found.append(f"{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.ImportFrom):
            found += [f"{node.lineno}: import {alias.name}" for alias in node.names
                      if alias.name.endswith(("_pk", "_sk"))]
    return found


def test_the_key_check_sees_the_keys_it_is_meant_to_refuse() -> None:
    attack = ('from chalicelib.store.tables import tenant_pk\n'
              'key = {"PK": tenant_pk(t), "SK": f"USER#{user_id}"}\n'
              'plan = ("GSI3", f"{after}#~")\n'
              'def f():\n    """T#<tenant> in a docstring is prose."""\n')
    assert sorted(_key_strings(attack)) == [
        "1: import tenant_pk", "2: 'PK'", "2: 'SK'", "2: 'USER#'", "3: '#~'", "3: 'GSI3'"]


def test_no_key_string_or_key_builder_outside_the_store() -> None:
    offenders = {str(p.relative_to(CHALICELIB)): found for p in _outside_store()
                 if (found := _key_strings(p.read_text()))}
    assert offenders == {}


def test_boto3_clients_are_made_in_store_clients_and_used_only_by_the_adapters() -> None:
    made_elsewhere, used_elsewhere = [], []
    for path in sorted(CHALICELIB.rglob("*.py")):
        where = str(path.relative_to(CHALICELIB.parent))
        imports = _imports(path)
        # boto3.dynamodb.types (the item serialiser) makes no client.
        if any(i == "boto3" or i.startswith(("boto3.session", "boto3.client", "boto3.resource"))
               for i in imports) and where != "chalicelib/store/clients.py":
            made_elsewhere.append(where)
        if "chalicelib.store.clients" in imports and not where.startswith(ADAPTERS):
            used_elsewhere.append(where)
    assert (made_elsewhere, used_elsewhere) == ([], [])
