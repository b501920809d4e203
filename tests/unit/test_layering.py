"""ARCHITECTURE.md rule 1: imports run ui → qhr, sync, ramq, devices, store → central → core.

The same rules as the before-stop hook's grep, plus the layer table: app.ui is imported only
inside app/ui and by the entry points (app/cli.py, app/__main__.py); everything else (the
commands, app.settings, app.paths…) sits below the UI."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Which app sub-packages each layer may import (besides itself).
ALLOWED = {
    "core": set(),
    "store": {"core"},
    "central": {"core"},
    "sync": {"core", "store", "central"},
    "ramq": {"core", "store", "central"},
    "devices": {"core"},
    "qhr": {"core", "devices", "central", "store"},
    "ui": {"core", "store", "central", "sync", "ramq", "devices", "qhr"},
}
# Third-party modules that only one layer may import.
OWNED = {"PySide6.QtWidgets": "ui", "PySide6.QtGui": "ui", "smartcard": "devices",
         "usb": "devices", "sqlcipher3": "store"}
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
    if layer == "core" and (within(module, "PySide6") or within(module, "app")):
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


def test_imports_follow_the_layers():
    assert list(violations()) == []


def test_the_walker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "app" / "core"
    bad.mkdir(parents=True)
    (bad / "x.py").write_text("import app.store.db\nfrom PySide6.QtWidgets import QWidget\n"
                              "from PySide6 import QtCore\nfrom app import paths\n")
    assert len(list(violations(tmp_path / "app"))) == 4


def test_only_the_ui_and_the_entry_points_import_the_ui(tmp_path):
    app = tmp_path / "app"
    for folder in ("commands", "ui", "store"):
        (app / folder).mkdir(parents=True)
    importer = "from app.ui.app import main\n"
    for allowed in ("cli.py", "__main__.py", "ui/demo.py"):
        (app / allowed).write_text(importer)
    (app / "commands" / "demo.py").write_text(importer)
    (app / "settings.py").write_text("from app import ui\n")
    (app / "store" / "x.py").write_text("import app.ui.services\n")
    found = list(violations(app))
    assert [line.split(":")[0] for line in found] == [
        "app/commands/demo.py", "app/settings.py", "app/store/x.py"]
