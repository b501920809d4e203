"""The store is closed (ARCHITECTURE rule 1, issue #21): its table modules are imported only
inside app/store; everything else writes and reads through `Store` (app.store's API)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
TABLES = ("access_log", "chart_access", "db", "drafts", "migrations", "outbox", "patients",
          "ramq_cache", "resources")
PRIVATE = {f"app.store.{t}" for t in TABLES}


def table_imports(source: str, path: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, path)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found += [n for n in names if any(n == p or n.startswith(p + ".") for p in PRIVATE)]
    return found


def test_no_store_table_module_is_imported_outside_the_store() -> None:
    bad = [f"{path.relative_to(APP.parent)}: {name}"
           for path in sorted(APP.rglob("*.py")) if "store" not in path.relative_to(APP).parts[:1]
           for name in table_imports(path.read_text(), str(path))]
    assert bad == []


@pytest.mark.parametrize("line", [
    "from app.store import outbox as outbox_rows",
    "from app.store.resources import gc_paused",
    "import app.store.chart_access",
    "from app.store.access_log import Access",
    "def f():\n    from app.store import resources\n",
])
def test_the_check_sees_every_form_of_table_import(line: str) -> None:
    assert table_imports(line, "x.py")


def test_the_api_is_allowed() -> None:
    assert not table_imports("from app.store import Access, Store, gc_paused", "x.py")
