"""The versioned resource store, written once in portable SQL; a `Dialect` adapts it to SQLite or
PostgreSQL. Every version is kept in `resource_version` (its `seq` orders all changes); the
current one is mirrored in `resource_current` with its patient and search tokens.

SQLite has one writer at a time. PostgreSQL writers run at once: a writer locks the rows of
resource_current it changes (Tx.current: version numbers and If-Match checks stay exact) and,
before a conditional match, an advisory lock on the match's type and patient (Tx.search: a
conditional create never creates twice). lastUpdated is then not in `seq` order, nor in commit
order: a `_since` query selects by `ts` (never by a seq found from a ts), and an answer that
serves changes since an instant carries Store.fence as its clock: every version stamped before
it was committed before the answer's snapshot. AuditEvents are not versions: they live in the
audit trail (server.storage.chain, served by server.storage.audit_trail).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from server.storage import care, chain, index
from server.storage.base import Contention, Unavailable
from server.storage.checkpoint import Checkpoint
from server.storage.index import utc_instant as format_instant
from server.storage.tx import Tx

# A fence stays a fence (what was committed before it still is): one is reused this long (s),
# so that a search costs no scan of the database's activity of its own
FENCE_REUSE = 0.05
UNREACHABLE = "the database cannot be reached: retry"
log = logging.getLogger(__name__)


class Dialect(Protocol):
    name: str
    lock_row: str  # appended to a SELECT of a row the transaction will update

    def connect(self) -> Any: ...
    def apply_schema(self, conn: Any) -> None: ...
    def sql(self, text: str) -> str: ...
    def begin(self, conn: Any, write: bool, durable: bool = True, clinical: bool = True,
              serial: bool = False) -> datetime | None: ...
    def end(self, conn: Any, write: bool, commit: bool, durable: bool = True) -> None: ...
    def broken(self, conn: Any) -> bool: ...
    def columns(self, conn: Any, table: str) -> set[str]: ...
    def analyze(self, conn: Any) -> None: ...
    def lock(self, conn: Any, key: int) -> None: ...
    def fence(self, conn: Any) -> datetime | None: ...
    def contention(self, error: BaseException) -> bool: ...
    def duplicate(self, error: BaseException, table: str, column: str) -> bool: ...
    def claim_lane(self, prefer: int | None = None) -> tuple[int, Any]: ...
    def held(self, lane: int, holder: Any) -> tuple[str, tuple]: ...
    def lost(self, conn: Any) -> bool: ...
    def unavailable(self, error: BaseException) -> bool: ...
    def rows(self, conn: Any, text: str, args: Sequence[object]) -> list[tuple]: ...
    def changed(self, conn: Any, text: str, args: Sequence[object]) -> int: ...


class Store:
    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        # idle connections, the last returned taken first; list.pop and append are atomic:
        # no lock of a queue.Queue (two per checkout, three checkouts a request)
        self._pool: list[Any] = []
        self._all: list[Any] = []
        self._fence = (-FENCE_REUSE, "")  # (time.monotonic() when read, the fence)
        self._lane: int | None = None  # claimed at the first audit append
        self._lane_holder: Any = None  # what holds the lane for this process (PostgreSQL)
        self._last_lane: int | None = None  # the lane claimed last: claimed again if lost
        self._lane_lock = threading.Lock()  # the three above, and the holder's statements
        self.checkpoint = Checkpoint(None)  # open_store: the data directory's file
        with self._connection() as conn:
            self._new_care = not dialect.columns(conn, "care_team")
            dialect.apply_schema(conn)
            last = conn.execute("SELECT max(ts) FROM resource_version").fetchone()[0]
        self._last = datetime.fromisoformat(last) if last else datetime.fromtimestamp(0, UTC)
        self._migrate()

    def _migrate(self) -> None:
        """A database written before versions carried their data class gets the column, filled
        from the stored versions, in one transaction (under the write lock: several processes
        may start at once on one PostgreSQL database)."""
        with self.write(serial=True) as tx:
            # a database written before the care team was kept in SQL (unless another process
            # did it), or before care_change
            if self._new_care and not tx._q("SELECT 1 FROM care_team LIMIT 1"):
                care.fill(tx)
            care.fill_changes(tx)
            chain.migrate_lanes(tx)
        with self.write(serial=True) as tx:
            if "data_class" in self.dialect.columns(tx.conn, "resource_version"):
                return
            for table in ("resource_version", "resource_current"):
                tx._x(f"ALTER TABLE {table} ADD COLUMN data_class TEXT")
            for (rtype,) in tx._q("SELECT DISTINCT rtype FROM resource_version"):
                if not index.by_content(rtype):
                    tx._x("UPDATE resource_version SET data_class = ? WHERE rtype = ?",
                          (index.data_class(rtype, None), rtype))
                    continue
                rows = [(index.data_class(rtype, json.loads(text) if text else None), seq)
                        for seq, text in tx._q("SELECT seq, content FROM resource_version "
                                               "WHERE rtype = ?", (rtype,))]
                tx.conn.cursor().executemany(self.dialect.sql(
                    "UPDATE resource_version SET data_class = ? WHERE seq = ?"), rows)
            tx._x("UPDATE resource_current SET data_class = (SELECT v.data_class FROM "
                  "resource_version v WHERE v.seq = resource_current.seq)")

    @property
    def lane(self) -> int:
        return self.held_lane()[0]

    def held_lane(self) -> tuple[int, Any]:
        """The audit lane this process appends to (server.storage.chain) and what holds it:
        claimed at its first append, held until `close`. A lock lost (its connection ended:
        the database restarted) is claimed again here, before the next append: the same lane
        if still free, else a free one. Never call it while holding a head row locked
        (`appending` holds the lock below while its statement waits for that row)."""
        with self._lane_lock:
            return self._hold()

    def _hold(self) -> tuple[int, Any]:
        """(Holding `_lane_lock`.)"""
        if self._lane is not None and self.dialect.lost(self._lane_holder):
            log.warning("the audit lane's lock was lost (its connection ended): claimed again")
            self._drop_lane()
        if self._lane is None:
            try:
                self._lane, self._lane_holder = self.dialect.claim_lane(self._last_lane)
            except Exception as error:
                if self.dialect.unavailable(error):
                    raise Unavailable(UNREACHABLE) from error
                raise
            self._last_lane = self._lane
        return self._lane, self._lane_holder

    def _drop_lane(self) -> None:
        """(Holding `_lane_lock`.)"""
        holder, self._lane, self._lane_holder = self._lane_holder, None, None
        if holder is not None:
            with contextlib.suppress(Exception):
                holder.close()

    def lane_lost(self, lane: int) -> None:
        """The database says this process no longer holds `lane` (chain.lock_head)."""
        with self._lane_lock:
            if self._lane == lane:
                log.warning("the audit lane's lock was lost: claimed again")
                self._drop_lane()

    @contextmanager
    def appending(self) -> Iterator[tuple[int, Any]]:
        """(lane, the connection that holds its lock) for one statement appending to the lane
        in that session (PostgreSQL, chain._if_head): it runs while the lock is held, or
        fails with the connection."""
        with self._lane_lock:
            lane, holder = self._hold()
            try:
                yield lane, holder
            except Exception as error:
                if self.dialect.broken(holder):
                    self._drop_lane()
                    raise Unavailable(UNREACHABLE) from error
                raise

    @property
    def backend(self) -> str:
        return self.dialect.name

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        conn = self._pooled()
        try:
            yield conn
        except BaseException as error:
            if self.dialect.broken(conn):  # e.g. the database restarted: open a new one later
                self._discard(conn)
                if isinstance(error, Exception) and not isinstance(error, Unavailable):
                    raise Unavailable(UNREACHABLE) from error
                raise
            self._pool.append(conn)
            raise
        self._pool.append(conn)

    def _pooled(self) -> Any:
        """An idle connection, or a new one; those the database ended meanwhile (a restart)
        are closed on the way."""
        while True:
            try:
                conn = self._pool.pop()
            except IndexError:
                break
            if not self.dialect.lost(conn):
                return conn
            self._discard(conn)
        try:
            conn = self.dialect.connect()
        except Exception as error:
            if self.dialect.unavailable(error):
                raise Unavailable(UNREACHABLE) from error
            raise
        self._all.append(conn)
        return conn

    def _discard(self, conn: Any) -> None:
        with contextlib.suppress(ValueError):
            self._all.remove(conn)
        with contextlib.suppress(Exception):
            conn.close()

    @contextmanager
    def _tx(self, write: bool, durable: bool = True, clinical: bool = True,
            serial: bool = False, head: bool = True) -> Iterator[Tx]:
        with self._connection() as conn:
            clock = self.dialect.begin(conn, write, durable, clinical, serial)
            try:
                tx = Tx(self, conn, write, clock)
                if write and not clinical and head:
                    chain.lock_head(tx)
                yield tx
            except BaseException as error:
                self.dialect.end(conn, write, False, durable)
                if self.dialect.contention(error):
                    raise Contention("concurrent writes: retry") from error
                raise
            self.dialect.end(conn, write, True, durable)
        if tx.audit_lane is not None:  # the transaction appended AuditEvents (uploads, posts)
            self.checkpoint.note((tx.audit_lane, *tx.audit_head))  # type: ignore[misc]

    def read(self) -> Any:
        """`with store.read() as tx:` a consistent snapshot for reads."""
        return self._tx(write=False)

    def write(self, durable: bool = True, clinical: bool = True, serial: bool = False,
              head: bool = True) -> Any:
        """`with store.write() as tx:` all or nothing (see the module's text for who waits for
        whom). `serial`: one such writer at a time on PostgreSQL too, for a read-then-write of
        rows no resource lock covers (sign-in budgets, migrations). `durable=False`:
        the commit is in the database (it survives the death of this process) but not yet
        flushed to disk (a power cut or an OS crash may lose it): see Settings.audit_durability.
        `clinical=False`: the transaction only appends AuditEvents (on PostgreSQL it waits for
        other audit writers, not for writers of resource versions); `head=False`: its head is
        not read and locked first (chain.commit on SQLite: the one writer's lock holds it).
        """
        return self._tx(write=True, durable=durable, clinical=clinical, serial=serial, head=head)

    def fence(self) -> str:
        """The clock of an answer that serves changes since an instant (Bundle.meta.lastUpdated,
        the client's next `_since`), read BEFORE the answer's read transaction: every version
        stamped before it is committed and in any snapshot taken after. Now, or the start of
        the oldest write still in flight, as read at most FENCE_REUSE s ago."""
        read_at, fence = self._fence
        if time.monotonic() - read_at < FENCE_REUSE:
            return fence
        read_at = time.monotonic()
        with self._connection() as conn:
            fence = format_instant(self.dialect.fence(conn) or datetime.now(UTC))
        self._fence = (read_at, fence)
        return fence

    @contextmanager
    def alone(self, single: bool = False) -> Iterator[Tx]:
        """`with store.alone() as tx:` statements outside a transaction, each its own snapshot
        (no BEGIN and COMMIT: two round trips fewer on PostgreSQL): for one read alone.
        `single`: the read must be ONE statement (one snapshot); a second raises
        `NeedsSnapshot` before it is sent: what was read is then read again in `read()`."""
        with self._connection() as conn:
            yield Tx(self, conn, single=single, alone=True)

    def query(self, text: str, args: tuple = ()) -> list[tuple]:
        """One read statement alone, outside an explicit transaction (it is its own snapshot):
        no BEGIN and COMMIT around it, two round trips fewer on PostgreSQL (the bearer check
        of every request). On PostgreSQL a prepared statement sent through libpq
        (server.storage.prepared)."""
        with self._connection() as conn:
            return self.dialect.rows(conn, text, args)

    def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk change (seed, RAMQ import): until
        then PostgreSQL plans as for empty tables (a no-change sync round cost 66 ms instead of
        3 ms until autovacuum came by)."""
        with self._connection() as conn:
            self.dialect.analyze(conn)

    def tick(self, floor: str | None = None) -> datetime:
        """Now, but strictly after the previous write, this process's or the database's
        (`floor`: its latest lastUpdated, read under the write lock): SQLite's writer, and a
        seed written alone."""
        last = max(self._last, datetime.fromisoformat(floor)) if floor else self._last
        self._last = max(datetime.now(UTC), last + timedelta(microseconds=1))
        return self._last

    def close(self) -> None:
        self.checkpoint.flush()
        for conn in self._all:
            conn.close()
        self._all.clear()
        with self._lane_lock:
            self._drop_lane()
