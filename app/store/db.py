"""Opening SQLCipher connections and turning SQLite failures into the store's errors.

Every connection: raw key, `cipher_log_level = NONE` (a wrong key is an answer, not stderr
noise), WAL, `synchronous = FULL` (the outbox and the access log share the file and must
survive a power cut), `secure_delete = ON` (purged rows are overwritten, not just unlinked),
`temp_store = MEMORY` (no clear-text temporary files), foreign keys on, a 32 MB page
cache (a cached page is already decrypted: the index of 100,000 patients fits).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from app.store.errors import CorruptDatabase, DiskFull, StoreError, WrongKey

log = logging.getLogger(__name__)
Error = sqlcipher.Error
SALT_BYTES = 16
Connection = Any  # a sqlcipher3 connection (the library ships no type hints)
PRAGMAS = ("journal_mode = WAL", "synchronous = FULL", "secure_delete = ON",
           "temp_store = MEMORY", "foreign_keys = ON", "busy_timeout = 5000",
           "cache_size = -32000")  # 32 MB: index pages stay decrypted in memory


def connect(path: Path, key: bytes, *, db_salt: str = "",
            readonly: bool = False) -> Connection:
    """An open, keyed connection in autocommit mode (transactions are explicit)."""
    conn = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        for pragma in PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
    except Error as err:
        conn.close()
        raise classify(err, path, db_salt) from None
    return conn


def sqlcipher_version() -> str:
    conn = sqlcipher.connect(":memory:")
    try:
        return str(conn.execute("PRAGMA cipher_version").fetchone()[0])
    finally:
        conn.close()


def header_salt(path: Path) -> str:
    """SQLCipher's per-database salt: the first 16 bytes of the file, hex."""
    try:
        with open(path, "rb") as f:
            return f.read(SALT_BYTES).hex()
    except OSError:
        return ""


def classify(err: Exception, path: Path | None = None, db_salt: str = "") -> StoreError:
    """The StoreError that says what an SQLite/SQLCipher failure means for the user."""
    name = getattr(err, "sqlite_errorname", "") or ""
    message = str(err)
    if name.startswith("SQLITE_FULL") or "disk is full" in message:
        return DiskFull(name)
    if name.startswith("SQLITE_IOERR") and _no_space(path):
        return DiskFull(name)
    if name.startswith("SQLITE_NOTADB") or "not a database" in message:
        found = header_salt(path) if path else ""
        if db_salt and len(found) == 2 * SALT_BYTES and found != db_salt:
            return WrongKey("database salt differs from the key's")
        return CorruptDatabase(name or "not a database")
    if name.startswith("SQLITE_CORRUPT") or "malformed" in message:
        return CorruptDatabase(name)
    return StoreError(name or type(err).__name__)


def _no_space(path: Path | None) -> bool:
    try:
        return path is not None and shutil.disk_usage(path.parent).free < 64 * 1024
    except OSError:
        return False


@contextlib.contextmanager
def transaction(conn: Connection) -> Iterator[Any]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error; SQLite errors become StoreErrors."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except Error as err:
        raise classify(err) from None
    try:
        yield conn
        conn.execute("COMMIT")
    except Error as err:
        _rollback(conn)
        raise classify(err) from None
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: Connection) -> None:
    with contextlib.suppress(Error):
        conn.execute("ROLLBACK")


def integrity_problems(conn: Connection) -> list[str]:
    """`PRAGMA cipher_integrity_check` + `quick_check`: empty when every page is sound."""
    try:
        bad = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
        quick = [r[0] for r in conn.execute("PRAGMA quick_check")]
    except Error as err:
        return [str(err)]
    return bad + [q for q in quick if q != "ok"]
