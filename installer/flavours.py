"""What each bundle flavour leaves out (read by clinicdesk.spec and by the tests)."""

from __future__ import annotations

# Modules that only the demo needs: the reference server, the demo command with its environment
# (app.commands.demo, demo_key, the in-memory demo_keyring), and the package of
# demo and test material, app.demo (the virtual QHR key, its PIV applet, the test CA with its
# private key, the private pcscd): one rule for the whole package, so a module added there is
# left out of the workstation bundle without anyone editing this list.
DEMO_ONLY = ("server", "app.commands.demo", "app.demo")

# Never in any bundle: test and build tools, and libraries nothing at run time imports.
NEVER = ("pytest", "_pytest", "pytestqt", "hypothesis", "ruff", "PyInstaller", "tkinter",
         "IPython", "pip", "psycopg", "psycopg_binary", "psycopg_pool", "tests", "bench")

# The reference server's stack: a production workstation does not carry a web server.
SERVER_STACK = ("fastapi", "uvicorn", "starlette", "pydantic", "pydantic_core", "watchfiles",
                "websockets", "uvloop", "httptools")


def is_demo_only(module: str) -> bool:
    """`server`, `server.app`, `app.demo.virtual_key`… but not `serverless`."""
    return any(module == name or module.startswith((name + ".", name + "_"))
               for name in DEMO_ONLY)


def excluded_modules(flavour: str) -> list[str]:
    if flavour == "demo":
        return list(NEVER)
    return [*NEVER, *DEMO_ONLY, *SERVER_STACK]


# Qt plugins pulled in by PySide6's hook that a widgets app does not use, with the libraries
# only they need: the virtual keyboard drags in Qt Quick and QML (≈ 17 MB), the PDF image
# plugin Qt Pdf (≈ 5 MB). Kept when the app itself imports those modules (e.g. QtWebEngine
# needs Quick).
UNUSED_QT = {
    "libqtvirtualkeyboardplugin": ("libQt6VirtualKeyboard", "libQt6Quick", "libQt6Qml"),
    "libqpdf": ("libQt6Pdf",),
}
QT_LANGUAGES = ("fr", "en")


def _basename(dest: str) -> str:
    return dest.replace("\\", "/").rsplit("/", 1)[-1]


def trim_qt(binaries: list, datas: list) -> tuple[list, list]:
    """Drop unused Qt plugins and libraries, and Qt's own translations other than fr/en."""
    names = {_basename(entry[0]) for entry in binaries}
    wanted_by_app = any(n.startswith(("QtQuick", "QtQml", "QtWebEngine", "QtPdf")) for n in names)
    drop: set[str] = set()
    for plugin, libs in UNUSED_QT.items():
        drop.add(plugin)
        if not wanted_by_app:
            drop.update(libs)
    dropped = tuple(drop)
    kept_binaries = [e for e in binaries if not _basename(e[0]).startswith(dropped)]
    # datas also hold the top-level symlinks PyInstaller makes to Qt's libraries (Linux)
    kept_datas = [e for e in datas if not _basename(e[0]).startswith(dropped)
                  and not _foreign_qt_translation(e[0])]
    return kept_binaries, kept_datas


def _foreign_qt_translation(dest: str) -> bool:
    dest = dest.replace("\\", "/")
    if "/Qt/translations/" not in dest or not dest.endswith(".qm"):
        return False
    lang = _basename(dest)[:-3].split("_", 1)[-1]
    return not lang.startswith(QT_LANGUAGES)
