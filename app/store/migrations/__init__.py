"""Numbered schema migrations: `NNNN_name.py`, each with `upgrade(conn)`, applied in order.

`PRAGMA user_version` holds the number of the last one applied. A database whose version is
above `LATEST` was written by a newer ClinicDesk: it is refused (DatabaseTooNew), never
downgraded or deleted. Migrations take any DB-API connection (SQLCipher or plain sqlite3, the
benchmark's peer), in autocommit mode; each runs in its own transaction with the version bump.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

from app.store.db import Connection
from app.store.errors import DatabaseTooNew

_NAME = re.compile(r"^(\d{4})_\w+\.py$")


def _discover() -> list[tuple[int, ModuleType]]:
    found = []
    for path in sorted(Path(__file__).parent.glob("[0-9]*.py")):
        match = _NAME.match(path.name)
        if match:
            module = importlib.import_module(f"{__name__}.{path.stem}")
            found.append((int(match.group(1)), module))
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps: {numbers}")
    return found


MIGRATIONS = _discover()
LATEST = len(MIGRATIONS)


def version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(conn: Connection) -> int:
    found = version(conn)
    if found > LATEST:
        raise DatabaseTooNew(f"user_version {found}", found=found, known=LATEST)
    return found


def migrate(conn: Connection, target: int = LATEST) -> int:
    """Apply the migrations above the database's version up to `target`; the new version."""
    current = check_version(conn)
    for number, module in MIGRATIONS:
        if current < number <= target:
            conn.execute("BEGIN IMMEDIATE")
            try:
                module.upgrade(conn)
                conn.execute(f"PRAGMA user_version = {number}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            current = number
    return current
