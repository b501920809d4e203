"""SQLite back-end: one file, WAL (readers never wait for the writer), one writer at a time
(one server process per file: the fence, Store.fence, knows this process's writer only)."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from server.storage import care, chain

BASE = [
    "CREATE TABLE IF NOT EXISTS resource_version (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "rtype TEXT NOT NULL, rid TEXT NOT NULL, version INTEGER NOT NULL, ts TEXT NOT NULL, "
    "deleted INTEGER NOT NULL, content TEXT, patient TEXT, method TEXT NOT NULL, "
    "data_class TEXT, UNIQUE (rtype, rid, version))",
    "CREATE INDEX IF NOT EXISTS version_type ON resource_version (rtype, seq)",
    "CREATE INDEX IF NOT EXISTS version_ts ON resource_version (ts)",
    "CREATE TABLE IF NOT EXISTS resource_current (rtype TEXT NOT NULL, rid TEXT NOT NULL, "
    "version INTEGER NOT NULL, ts TEXT NOT NULL, deleted INTEGER NOT NULL, seq INTEGER NOT NULL, "
    "content TEXT, patient TEXT, data_class TEXT, PRIMARY KEY (rtype, rid))",
    "CREATE INDEX IF NOT EXISTS current_type ON resource_current (rtype, seq)",
    "CREATE INDEX IF NOT EXISTS current_patient ON resource_current (patient, seq)",
    # One patient's resources of one type (server.storage.query.where): the patient's Consents
    # are read for every audited read of a chart (server.identity.patients); by current_patient,
    # a walk of the whole chart. Not partial (WHERE rtype = 'Consent'): SQLite then prepares
    # every statement with `rtype = ?` anew at each execution, to match the index's condition
    "CREATE INDEX IF NOT EXISTS current_patient_type ON resource_current (patient, rtype, seq)",
    "CREATE TABLE IF NOT EXISTS search_token (rtype TEXT NOT NULL, rid TEXT NOT NULL, "
    "name TEXT NOT NULL, system TEXT NOT NULL, value TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS token_value ON search_token (name, value, rtype)",
    "CREATE INDEX IF NOT EXISTS token_resource ON search_token (rtype, rid)",
    *care.SCHEMA,
]
SCHEMA = [*BASE, *chain.schema("sqlite")]
WAL_SPARE = 64  # frames the presized WAL holds beyond the auto-checkpoint's threshold
PRESIZE_CACHE = 16  # pages: the page cache of the transaction that grows the WAL
log = logging.getLogger(__name__)


class _Connection(sqlite3.Connection):
    """Remembers its `synchronous` level: switched only when a write needs the other one (an
    audit-only write after a read of the same pooled connection keeps NORMAL, no PRAGMA)."""

    durable = True


def _synchronous(conn: sqlite3.Connection, durable: bool) -> None:
    """Before a write: FULL (`durable`: the server is the record, no lost commit) or NORMAL (in
    WAL the commit is written, not fsynced; the next FULL one is). A read ignores it; one
    connection keeps serving reads and audit writes alike (its page cache stays valid)."""
    if getattr(conn, "durable", True) != durable:
        conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        conn.durable = durable  # type: ignore[attr-defined]


class SqliteDialect:
    name = "sqlite"
    lock_row = ""  # BEGIN IMMEDIATE: the one writer holds the database

    def __init__(self, path: Path):
        self.path = path
        self._write_lock = threading.Lock()
        self._fence_lock = threading.Lock()  # the writer's start and the fence's read of it
        self._writing_since: datetime | None = None
        path.parent.mkdir(parents=True, exist_ok=True)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                               timeout=30, factory=_Connection)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # the server is the record: no lost commit
        return conn

    def apply_schema(self, conn: sqlite3.Connection) -> None:
        for statement in SCHEMA:
            conn.execute(statement)
        presize_wal(conn, self.path)

    def missing(self, conn: sqlite3.Connection, statements: Sequence[str]) -> list[str]:
        """All of them: SQLite's IF NOT EXISTS is cheap (one process per file)."""
        return list(statements)

    def sql(self, text: str) -> str:
        return text

    def rows(self, conn: sqlite3.Connection, text: str, args: Sequence[object]) -> list[tuple]:
        """One statement's rows."""
        return conn.execute(text, args).fetchall()

    def changed(self, conn: sqlite3.Connection, text: str, args: Sequence[object]) -> int:
        """The rows one statement inserted, updated or deleted."""
        return conn.execute(text, args).rowcount

    def begin(self, conn: sqlite3.Connection, write: bool, durable: bool = True,
              clinical: bool = True, serial: bool = False) -> datetime | None:
        """None: lastUpdated comes from Store.tick (the one writer holds the database)."""
        if write:
            self._write_lock.acquire()
            with self._fence_lock:  # before any lastUpdated of this write is stamped
                self._writing_since = datetime.now(UTC)
            try:
                _synchronous(conn, durable)
                conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._release()
                raise
        else:
            conn.execute("BEGIN")
        return None

    def _release(self) -> None:
        with self._fence_lock:  # after the commit: what it wrote is visible
            self._writing_since = None
        self._write_lock.release()

    def end(self, conn: sqlite3.Connection, write: bool, commit: bool,
            durable: bool = True) -> None:
        try:
            conn.execute("COMMIT" if commit else "ROLLBACK")
        except sqlite3.Error:
            if conn.in_transaction:  # a failed COMMIT leaves it open: never pool it that way
                conn.execute("ROLLBACK")
            raise
        finally:
            if write:
                self._release()

    def lock(self, conn: sqlite3.Connection, key: int) -> None:
        pass  # the one writer holds the database

    def fence(self, conn: sqlite3.Connection) -> datetime | None:
        """The start of the open write, else now."""
        with self._fence_lock:
            now = datetime.now(UTC)
            return min(now, self._writing_since) if self._writing_since else now

    def duplicate(self, error: BaseException, table: str, column: str) -> bool:
        """A unique violation of `table`'s UNIQUE `column`."""
        return isinstance(error, sqlite3.IntegrityError) and \
            str(error) == f"UNIQUE constraint failed: {table}.{column}"

    def contention(self, error: BaseException) -> bool:
        return False  # one writer: no deadlock

    def claim_lane(self, prefer: int | None = None) -> tuple[int, None]:
        return 1, None  # one writer: one audit lane (server.storage.chain)

    def held(self, lane: int, holder: None) -> tuple[str, tuple]:
        return "1", ()  # the one writer's lane

    def lost(self, conn: sqlite3.Connection | None) -> bool:
        return False

    def unavailable(self, error: BaseException) -> bool:
        return False

    def broken(self, conn: sqlite3.Connection) -> bool:
        return False

    def analyze(self, conn: sqlite3.Connection) -> None:
        with self._write_lock:  # it writes sqlite_stat1
            conn.execute("ANALYZE")

    def columns(self, conn: sqlite3.Connection, table: str) -> set[str]:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def presize_wal(conn: sqlite3.Connection, path: Path) -> None:
    """Grow the WAL to the size it reaches between two checkpoints (SQLite then writes it from
    its start again, never shrinking it) as the store opens, not while reads are answered: a
    durable commit (synchronous FULL) ends with an fdatasync of the WAL, which, while the file
    grows, also journals its new size (measured on ext4: a 5-frame commit 240 µs appended, 157
    µs written over). SQLite grows it itself: a transaction that spills its pages into the WAL
    (a tiny page cache), rolled back: those frames were never committed, the database is
    unchanged, and the next commit writes over them. Then one fsync, so that the first
    audited read does not flush these megabytes. Skipped if the WAL is that large already."""
    wal = path.with_name(path.name + "-wal")
    page = int(conn.execute("PRAGMA page_size").fetchone()[0])
    frames = max(int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]), 0) + WAL_SPARE
    try:
        if wal.stat().st_size >= 32 + frames * (page + 24):  # its header, then the frames
            return
    except FileNotFoundError:
        return  # not in WAL mode (nothing to grow)
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    try:
        conn.execute(f"PRAGMA cache_size = {PRESIZE_CACHE}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE wal_presize (b BLOB)")
            conn.execute("INSERT INTO wal_presize VALUES (zeroblob(?))",
                         ((frames + 2 * PRESIZE_CACHE) * page,))  # the cached pages unspilled
        finally:
            conn.execute("ROLLBACK")
        fd = os.open(wal, os.O_RDWR)  # (Windows flushes only what it may write)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except (sqlite3.Error, OSError) as error:  # only slower commits until the WAL has grown
        log.warning("the WAL could not be presized (%s)", type(error).__name__)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")
