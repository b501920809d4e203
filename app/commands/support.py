"""`clinicdesk support-bundle [--output PATH]`: one zip to send to support, without patient data.

It holds: versions.json (ClinicDesk, Python, Qt, PySide6, pyscard, SQLCipher, the OS),
locations.json (where settings, stores and logs live, the home folder written `~`),
settings.ini (secret values masked, the others redacted), environment.json (CLINICDESK_* and
QT_* variables, masked the same way), key-diagnose.json (`clinicdesk key diagnose --json`), and
logs/ (every log file passed through the redaction again: the logging set-up's own filter,
app.logsetup.redact, then app.commands.redact's wider rules). The encrypted store is never
read nor copied.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the rest is imported where used: every command's parser imports this module
    from app.commands.redact import Redactor

LOG_TAIL_BYTES = 4_000_000  # per file: the end of a long log is what support reads
DIAGNOSE_TIMEOUT_S = 20.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("support-bundle",
                            help="collect versions, settings, key diagnosis and redacted logs")
    parser.add_argument("--output", type=Path, help="zip to write (default: ./clinicdesk-support-"
                        "<date>.zip)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = args.output or Path(f"clinicdesk-support-{datetime.now(UTC):%Y%m%d-%H%M%S}.zip")
    summary = write_bundle(out)
    print(json.dumps({"output": str(out), **summary}, ensure_ascii=False))
    return 0


def write_bundle(out: Path) -> dict[str, Any]:
    """Write the zip at `out`; return what it holds (file names and redaction counts)."""
    import zipfile

    from app import logsetup, paths
    from app.commands.redact import Redactor, mask_settings

    where = paths.locations()
    redact = Redactor(extra=logsetup.redact)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("versions.json", _json(versions()))
        zf.writestr("locations.json", _json(_home_as_tilde(where.as_dict())))
        zf.writestr("environment.json", _json(environment(redact)))
        if where.settings_file.is_file():
            text = where.settings_file.read_text(encoding="utf-8", errors="replace")
            zf.writestr("settings.ini", mask_settings(text, redact))
        else:
            zf.writestr("settings.ini", "; no settings file yet\n")
        zf.writestr("key-diagnose.json", key_diagnose())
        logs = log_files(where.log_dir)
        for log in logs:
            zf.writestr(f"logs/{log.relative_to(where.log_dir).as_posix()}",
                        redact(_tail(log)))
        zf.writestr("redaction.json", _json(dict(redact.counts)))
        names = zf.namelist()
    os.chmod(out, 0o600)
    return {"files": names, "logs": len(logs), "redactions": dict(redact.counts)}


def versions() -> dict[str, str]:
    import platform

    found = {"clinicdesk": _dist_version("clinicdesk"), "python": platform.python_version(),
             "os": platform.platform(), "frozen": str(bool(getattr(sys, "frozen", False)))}
    try:
        from PySide6 import QtCore
        from PySide6 import __version__ as pyside_version

        found.update(qt=QtCore.qVersion(), pyside6=pyside_version)
    except ImportError as err:
        found.update(qt=f"unavailable ({err})")
    found["pyscard"] = _dist_version("pyscard")
    found["sqlcipher3"] = _dist_version("sqlcipher3")
    found["sqlcipher"] = _sqlcipher_version()
    return found


def _dist_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _sqlcipher_version() -> str:
    """SQLCipher's own version, asked of the store (only app.store may import sqlcipher3)."""
    from app.store import sqlcipher_version

    try:
        return sqlcipher_version()
    except Exception as err:  # a broken SQLCipher build must not stop the bundle
        return f"unavailable ({type(err).__name__})"


def environment(redact: Redactor) -> dict[str, str]:
    from app.commands.redact import MASK, is_secret_key

    return {key: MASK if is_secret_key(key) else redact(value)
            for key, value in sorted(os.environ.items())
            if key.startswith(("CLINICDESK_", "QT_", "PCSC", "PYTHON_KEYRING"))}


def key_diagnose() -> str:
    """What `clinicdesk key diagnose --json` prints (app.devices.diagnose), in a thread with a
    time limit: a wedged smart-card service must not stop the bundle."""
    try:
        from app.devices.diagnose import diagnose
    except ImportError as err:
        return _json({"unavailable": f"no key diagnosis in this build ({err})"})
    result: dict[str, Any] = {}

    def call() -> None:
        try:
            result["report"] = diagnose().as_dict()
        except Exception as err:  # reported in the bundle: that is what support needs
            result["error"] = f"{type(err).__name__}: {err}"

    worker = threading.Thread(target=call, name="support-key-diagnose", daemon=True)
    worker.start()
    worker.join(DIAGNOSE_TIMEOUT_S)
    if worker.is_alive():
        return _json({"error": f"key diagnose did not answer within {DIAGNOSE_TIMEOUT_S:.0f} s"})
    return _json(result.get("report", result))


def log_files(log_dir: Path) -> list[Path]:
    if not log_dir.is_dir():
        return []
    return sorted(p for p in log_dir.rglob("*") if p.is_file() and ".log" in p.name)


def _tail(path: Path) -> str:
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - LOG_TAIL_BYTES))
        data = fh.read()
    text = data.decode("utf-8", errors="replace")
    if size > LOG_TAIL_BYTES:  # drop the partial first line
        text = f"[… {size - LOG_TAIL_BYTES} bytes before this point left out]\n" + \
            text.split("\n", 1)[-1]
    return text


def _home_as_tilde(values: dict[str, str]) -> dict[str, str]:
    home = str(Path.home())
    return {k: v.replace(home, "~", 1) if v.startswith(home) else v for k, v in values.items()}


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
