"""The layering rule: imports run ui → workstation → qhr, sync, ramq, devices, store →
central → core.

The same rules as the before-stop hook's grep, plus the layer table: app.ui is imported only
inside app/ui and by the entry points (app/cli.py, app/__main__.py); the workstation layer and
everything below it import no Qt at all; every module of app/ui is Qt code; the store's table
modules are imported only inside app/store (every write goes through `Store`).

Why not import-linter contracts (issue #21, item 9; read in its docs): its `layers` (with `|`
for independent siblings), `forbidden` and `protected` contracts would hold the layer table and
the private store tables, but its forbidden external modules are root packages only (`PySide6`,
not `PySide6.QtWidgets`: the UI's ownership of QtWidgets/QtGui beside QtCore elsewhere is not
expressible), "every module of app/ui is Qt code" and "every package has a layer" are not import
constraints at all (they would stay here), and showing that each rule fails on a bad import
would mean a fixture package and a lint-imports run per case. About 12 contracts plus this file's
two checks, for what one table and a 25-line AST walk do now: not simpler."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"

# Which app sub-packages each layer may import (besides itself). Every sub-package of app/ must
# be a key (test_every_package_has_a_layer); a package listed but absent is harmless.
ALLOWED = {
    "core": set(),
    "store": {"core"},
    "central": {"core"},  # the one HTTP seam to the central server
    "sync": {"core", "store", "central"},
    "ramq": {"core", "store", "central"},
    "devices": {"core"},
    "demo": {"core", "devices"},  # virtual key, PIV applet, test PKI (#18): tests and demo only
    "qhr": {"core", "devices", "central", "store"},
    "workstation": {"core", "store", "devices", "qhr", "central", "sync", "ramq"},
    "commands": {"core", "store", "devices", "demo", "qhr", "workstation", "central", "sync",
                 "ramq"},
    "ui": {"core", "workstation", "demo"},
}
# Layers that import no Qt at all (not even QtCore): the UI's adapters relay their callbacks.
NO_QT = {"core", "store", "central", "sync", "ramq", "devices", "qhr", "workstation"}
# Third-party modules that only one layer may import.
OWNED = {"PySide6.QtWidgets": "ui", "PySide6.QtGui": "ui", "smartcard": "devices",
         "usb": "devices", "pkcs11": "devices", "sqlcipher3": "store"}
# The store's table modules: private to app/store, every write goes through `Store` methods.
STORE_TABLES = {"db", "resources", "patients", "outbox", "chart_access", "drafts", "ramq_cache"}
# Outside app/ui, only these start the UI.
UI_ENTRIES = {"cli.py", "__main__.py"}


def imports(path: Path):
    """(line, dotted name) of each absolute import; `from a import b` gives `a.b`, so
    `from app import ui` and `from PySide6 import QtWidgets` are seen too."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def forbidden(parts: tuple[str, ...], module: str) -> bool:
    layer = parts[0] if len(parts) > 1 else None
    if any(within(module, owned) and layer != owner for owned, owner in OWNED.items()):
        return True
    if within(module, "app.ui") and layer != "ui" and parts not in {(e,) for e in UI_ENTRIES}:
        return True
    if layer in NO_QT and within(module, "PySide6"):
        return True
    if layer != "store" and any(within(module, f"app.store.{t}") for t in STORE_TABLES):
        return True
    if layer == "core" and within(module, "app"):
        return not within(module, "app.core")
    if layer in ALLOWED and within(module, "app"):
        target = module.split(".")[1]
        return target in ALLOWED and target != layer and target not in ALLOWED[layer]
    return False


def violations(app: Path = APP):
    for path in sorted(app.rglob("*.py")):
        parts = path.relative_to(app).parts
        seen = set()
        for lineno, module in imports(path):
            if lineno not in seen and forbidden(parts, module):
                seen.add(lineno)
                yield f"{path.relative_to(app.parent)}:{lineno} imports {module}"


def qt_free_ui_modules(app: Path = APP) -> list[str]:
    """Modules of app/ui (but its __init__) that import nothing of PySide6: they belong in
    app/workstation, or app/commands for a command (the demo's gets the window from app.cli)."""
    return [f"app.ui.{path.stem}" for path in sorted((app / "ui").glob("*.py"))
            if path.stem != "__init__"
            and not any(within(m, "PySide6") for _, m in imports(path))]


def test_imports_follow_the_layers():
    assert list(violations()) == []


def test_every_module_of_the_ui_is_qt_code():
    assert qt_free_ui_modules() == []


def test_every_package_has_a_layer():
    packages = {p.parent.name for p in APP.glob("*/__init__.py")}
    assert packages - set(ALLOWED) == set()


def write(root: Path, files: dict[str, str]) -> Path:
    app = root / "app"
    for name, source in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(source)
    return app


def found_in(app: Path) -> list[str]:
    return [line.split(":")[0] for line in violations(app)]


def test_the_walker_catches_a_forbidden_import(tmp_path):
    app = write(tmp_path, {"core/x.py": "import app.store.db\nfrom PySide6.QtWidgets import "
                           "QWidget\nfrom PySide6 import QtCore\nfrom app import paths\n"})
    assert len(list(violations(app))) == 4


@pytest.mark.parametrize("source", [
    "from PySide6.QtCore import QObject\n", "import PySide6\n", "from PySide6 import QtCore\n",
    "from PySide6.QtWidgets import QWidget\n"])
def test_a_qt_import_in_the_workstation_layer_fails(tmp_path, source):
    app = write(tmp_path, {"workstation/x.py": source, "ui/x.py": source})
    assert found_in(app) == ["app/workstation/x.py"]


@pytest.mark.parametrize("table", sorted(STORE_TABLES))
def test_a_store_table_import_outside_the_store_fails(tmp_path, table):
    files = {f"{layer}/x.py": f"from app.store import {table}\n"
             for layer in ("store", "sync", "central", "qhr", "workstation", "commands")}
    files["sync/y.py"] = f"import app.store.{table}\n"
    files["sync/z.py"] = "from app.store import Store, OutboxChange\n"  # the facade: fine
    assert found_in(write(tmp_path, files)) == [
        "app/central/x.py", "app/commands/x.py", "app/qhr/x.py", "app/sync/x.py",
        "app/sync/y.py", "app/workstation/x.py"]


UPHILL = [(low, high) for low in ALLOWED for high in ALLOWED
          if high != low and high not in ALLOWED[low] and high != "ui"]


@pytest.mark.parametrize(("low", "high"), UPHILL)
def test_an_import_running_uphill_fails(tmp_path, low, high):
    app = write(tmp_path, {f"{low}/x.py": f"from app.{high} import thing\n"})
    assert found_in(app) == [f"app/{low}/x.py"]


def test_the_table_runs_one_way():
    """ui → workstation → qhr, sync, ramq → central, store → core; no two layers import each
    other."""
    pairs = {(a, b) for a, deps in ALLOWED.items() for b in deps}
    cycles = {(a, b) for a, b in pairs if (b, a) in pairs}
    assert cycles == set()
    assert "ui" not in set().union(*ALLOWED.values())


def test_only_the_ui_and_the_entry_points_import_the_ui(tmp_path):
    importer = "from app.ui.app import main\n"
    app = write(tmp_path, {"cli.py": importer, "__main__.py": importer, "ui/main.py": importer,
                           "commands/demo.py": importer, "workstation/x.py": importer,
                           "settings.py": "from app import ui\n",
                           "store/x.py": "import app.ui.signin\n"})
    assert found_in(app) == ["app/commands/demo.py", "app/settings.py", "app/store/x.py",
                             "app/workstation/x.py"]


def test_a_ui_module_without_qt_is_found(tmp_path):
    app = write(tmp_path, {"ui/__init__.py": "", "ui/demo.py": "import argparse\n",
                           "ui/window.py": "from PySide6.QtWidgets import QWidget\n",
                           "ui/remote.py": "import httpx\n",
                           "ui/core_only.py": "from PySide6.QtCore import QObject\n"})
    assert qt_free_ui_modules(app) == ["app.ui.demo", "app.ui.remote"]
