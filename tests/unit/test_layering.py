"""ARCHITECTURE.md rule 1: imports run ui → qhr, sync, devices, store → core."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Which app sub-packages each layer may import (besides itself).
ALLOWED = {
    "core": set(),
    "store": {"core"},
    "sync": {"core", "store"},
    "devices": {"core"},
    "qhr": {"core", "devices", "sync", "store"},
    "ui": {"core", "store", "sync", "devices", "qhr"},
}
# Third-party modules that only one layer may import.
OWNED = {"PySide6.QtWidgets": "ui", "PySide6.QtGui": "ui", "smartcard": "devices",
         "usb": "devices", "sqlcipher3": "store"}


def imports(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def violations(app: Path = APP):
    for path in sorted(app.rglob("*.py")):
        parts = path.relative_to(app).parts
        layer = parts[0] if len(parts) > 1 else None
        for lineno, module in imports(path):
            where = f"{path.relative_to(app.parent)}:{lineno} imports {module}"
            for owned, owner in OWNED.items():
                if (module == owned or module.startswith(owned + ".")) and layer != owner:
                    yield where
            if layer == "core" and module.split(".")[0] == "PySide6" and module not in OWNED:
                yield where
            if module.startswith("app.") and layer in ALLOWED:
                target = module.split(".")[1]
                if target in ALLOWED and target != layer and target not in ALLOWED[layer]:
                    yield where
                if target not in ALLOWED and layer == "core":
                    yield where


def test_imports_follow_the_layers():
    assert list(violations()) == []


def test_the_walker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "app" / "core"
    bad.mkdir(parents=True)
    (bad / "x.py").write_text("import app.store.db\nfrom PySide6.QtWidgets import QWidget\n")
    assert len(list(violations(tmp_path / "app"))) == 2
