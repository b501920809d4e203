"""Refresh the translation sources and compile them (run by `./dev.sh setup`).

1. extract.py (an `ast` walk: pyside6-lupdate skips `QT_TRANSLATE_NOOP(CTX, …)` whose context
   is a module constant) updates clinicdesk_<lang>.ts: new strings are added as unfinished,
   existing translations are kept, strings no longer in the code are kept as "vanished" (never
   dropped, so a string that comes back keeps its translation).
2. `pyside6-lrelease` compiles each .ts to .qm (build output, git-ignored).

Source strings are English. `--release-only` skips step 1 (the tests compile without touching
the .ts files). Exit status 1 when a tool fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LANGUAGES = ("fr_CA", "en")


def tool(name: str) -> str:
    """The PySide6 tool next to this Python (the venv), else on PATH."""
    exe = name + ".exe" if sys.platform == "win32" else name  # venv\Scripts\pyside6-lrelease.exe
    beside = Path(sys.executable).with_name(exe)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PySide6 in this environment")
    return found


def ts_file(language: str) -> Path:
    return HERE / f"clinicdesk_{language}.ts"


def update(language: str) -> None:
    sys.path.insert(0, str(HERE))
    from extract import extract, merge

    added, vanished = merge(ts_file(language), language, extract(ROOT))
    if added or vanished:
        print(f"translations {language}: {added} new string(s) to translate, "
              f"{vanished} no longer used")


def release(language: str) -> Path:
    ts = ts_file(language)
    qm = ts.with_suffix(".qm")
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
    return qm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release-only", action="store_true", help="only compile .ts → .qm")
    args = parser.parse_args(argv)
    try:
        for language in LANGUAGES:
            if not args.release_only:
                update(language)
            release(language)
    except subprocess.CalledProcessError as err:
        print(f"translations: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
