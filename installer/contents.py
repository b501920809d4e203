"""What the bundle carries besides Python code, read by clinicdesk.spec, build.py and the tests:
resources/ (the compiled translations, styles, icons, token table) and, on Windows, libusb.

The `.qm` translations are build output (git-ignored): build.py compiles them first, and both the
spec and build.py refuse a bundle without them, which would show English while "Français
(Canada)" is selected.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = Path("resources") / "translations"


class MissingTranslations(RuntimeError):
    pass


def required_translations(root: Path = ROOT) -> list[Path]:
    """One `.qm` per `clinicdesk_<lang>.ts` source (relative to `root`)."""
    sources = sorted((root / TRANSLATIONS).glob("clinicdesk_*.ts"))
    return [ts.relative_to(root).with_suffix(".qm") for ts in sources]


def resource_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """PyInstaller `datas` for resources/: every file but sources (.py, .ts), each to its folder
    under the bundle. Raises MissingTranslations when a `.qm` is not built."""
    missing = [str(qm) for qm in required_translations(root) if not (root / qm).is_file()]
    if missing:
        raise MissingTranslations(
            f"translations not built: {', '.join(missing)} (run resources/translations/build.py "
            "--release-only; installer/build.py does)")
    datas = []
    for path in sorted((root / "resources").rglob("*")):
        if path.is_file() and path.suffix not in {".py", ".ts", ".pyc"}:
            datas.append((str(path), str(path.parent.relative_to(root))))
    return datas


def missing_from_bundle(bundle: Path, root: Path = ROOT) -> list[str]:
    """The required `.qm` files that a built one-folder bundle lacks (under _internal/)."""
    return [qm.name for qm in required_translations(root)
            if not (bundle / "_internal" / qm).is_file()]
