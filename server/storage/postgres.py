"""PostgreSQL back-end (psycopg 3): the same tables. Writers of resource versions take no
global lock: each resource's row in resource_current is locked by its writer (Tx.current),
conditional matches by an advisory lock on their type and patient (Tx.search), and `_since`
answers stop at a fence (Store.fence) below every clinical write still in flight. Audit writers
queue on their lane's head row (a lane per process: `claim_lane`); `serial` writers (sign-in
budgets, migrations) on one key. A new index of a table that holds rows already is built
CONCURRENTLY at start (`apply_schema`): writers go on meanwhile. A start on an up-to-date database
runs no DDL (what is there is read from the catalogs first: `missing`), so it takes no lock
stronger than ACCESS SHARE; what must be made waits for its table's lock a short while at a time
(`_make`): the other processes' audit appends never queue behind a starting one."""

from __future__ import annotations

import logging
import re
import select
import time
from collections.abc import Sequence
from datetime import datetime

import psycopg

from server.storage import chain, prepared
from server.storage.base import StorageError
from server.storage.sqlite import BASE

WRITE_LOCK_KEY = 0x434C4445  # "CLDE": the key `serial` writers and the DDL lock on
MATCH_LOCKS = 0x434C4443  # "CLDC": the key space (classid) of the conditional-match locks
LANE_LOCKS = 0x434C414C  # "CLAL": the key space of the audit lanes' locks (one per lane)
INDEX_LOCK_KEY = 0x434C4449  # "CLDI": one concurrent index build at a time (`_build_concurrently`)
# The application_name of a transaction writing resource versions while it is open: the fence
# is the start of the oldest one (SET LOCAL: it reverts at commit, after the commit is visible)
WRITING = "clinicdesk:write"
FENCE = ("SELECT least(statement_timestamp(), min(xact_start)) FROM pg_stat_activity "
         f"WHERE application_name = '{WRITING}' AND datname = current_database()")
# Without it no transaction's start is in pg_stat_activity: a fence would be "now", unsafe
TRACKED = ("DO $$ BEGIN IF current_setting('track_activities') <> 'on' THEN RAISE EXCEPTION "
           "'clinicdesk needs track_activities = on (the _since fence reads pg_stat_activity)'; "
           "END IF; END $$")
SCHEMA = [s.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED ALWAYS AS IDENTITY "
                    "PRIMARY KEY").replace("seq INTEGER", "seq BIGINT")
          .replace("value TEXT NOT NULL", 'value TEXT COLLATE "C" NOT NULL')  # byte order
          for s in BASE] + chain.schema("postgres")
INDEX = re.compile(r"CREATE INDEX IF NOT EXISTS (\w+) ON (\w+) ")
# True: the index is valid; False: a build left it INVALID (it crashed, or runs now); None: none
VALID = "SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s))"
CREATES = re.compile(r"CREATE (?:TABLE|SEQUENCE) IF NOT EXISTS (\w+)")
DROPS = re.compile(r"DROP INDEX IF EXISTS (\w+)")
FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION (\w+)\(\) RETURNS trigger AS \$\$(.*)\$\$ "
                      r"LANGUAGE (\w+)$", re.S)
TRIGGER = re.compile(r"CREATE OR REPLACE TRIGGER (\w+) .* ON (\w+) ")
PROCEDURE = ("SELECT p.prosrc, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
             "WHERE p.proname = %s AND p.pronargs = 0 AND p.prorettype = 'trigger'::regtype "
             "AND p.pronamespace = current_schema()::regnamespace")
TRIGGER_DEF = ("SELECT pg_get_triggerdef(oid), tgenabled FROM pg_trigger WHERE tgname = %s "
               "AND tgrelid = to_regclass(%s) AND NOT tgisinternal")
LOCK_TIMEOUT = "200ms"  # of one try at a schema change (`_make`)
SCHEMA_PATIENCE = 120.0  # seconds of tries before the start gives up
log = logging.getLogger(__name__)


class PostgresDialect:
    name = "postgres"
    lock_row = " FOR UPDATE"

    def __init__(self, url: str):
        self.url = url

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def apply_schema(self, conn: psycopg.Connection) -> None:
        """The tables, indexes and the audit trail's guard that are missing or different
        (`missing`: plain reads of the catalogs), made under the DDL lock (several server
        processes may start at once on a fresh database) with a short lock_timeout at a time
        (`_make`); an index missing on a table that exists (a database from before it)
        afterwards, CONCURRENTLY (`_build_concurrently`): a plain CREATE INDEX would block
        every write of the table while it builds (and even IF NOT EXISTS of one that exists
        takes the table's SHARE lock first: a valid index is not asked for)."""
        conn.execute(TRACKED)
        tables = {name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
        now, later = [], []
        for statement in self.missing(conn, SCHEMA):
            index = INDEX.match(statement)
            if index and index[2] in tables:
                later.append((index[1], statement))
            else:
                now.append(statement)
        if now:
            _make(conn, now)
        for name, statement in later:
            _build_concurrently(conn, name, statement)

    def missing(self, conn: psycopg.Connection, statements: Sequence[str]) -> list[str]:
        """The schema `statements` whose object is missing or differs from what they make
        (read from the catalogs: no lock on any table), in their order."""
        return [s for s in statements if _missing(conn, s)]

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def rows(self, conn: psycopg.Connection, text: str, args: Sequence[object]) -> list[tuple]:
        """One statement's rows, prepared once per connection (server.storage.prepared: the
        bearer check of every request)."""
        return prepared.rows(conn, prepared.run(conn, text, args))

    def changed(self, conn: psycopg.Connection, text: str, args: Sequence[object]) -> int:
        """The rows one statement inserted, updated or deleted, prepared once per connection
        (an audited read's one-row append)."""
        return prepared.count(prepared.run(conn, text, args))

    def begin(self, conn: psycopg.Connection, write: bool, durable: bool = True,
              clinical: bool = True, serial: bool = False) -> datetime | None:
        """A write's clock (None: a read, or an audit-only write, which queues on the audit
        head row: server.storage.chain.lock_head). `clinical`: the transaction is marked as
        writing (WRITING) BEFORE its clock is read, so every lastUpdated it stamps is at or
        after a start the fence sees. `serial`: one such writer at a time."""
        if not write:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return None
        parts = ["BEGIN"]  # one round trip (no parameters: several statements in one query)
        if not durable:  # the WAL writer flushes it within 3 × wal_writer_delay
            parts.append("SET LOCAL synchronous_commit = off")
        if serial:
            parts.append(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        if clinical:
            parts += [f"SET LOCAL application_name = '{WRITING}'", "SELECT clock_timestamp()"]
        try:
            cursor = conn.execute("; ".join(parts))
            while cursor.nextset():  # to the last statement's result
                pass
            return cursor.fetchone()[0] if clinical else None  # type: ignore[index]
        except BaseException:  # never pool a connection left inside a transaction
            if not self.broken(conn) and \
                    conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            raise

    def end(self, conn: psycopg.Connection, write: bool, commit: bool,
            durable: bool = True) -> None:
        conn.execute("COMMIT" if commit else "ROLLBACK")

    def lock(self, conn: psycopg.Connection, key: int) -> None:
        """Until the transaction ends: one writer at a time per `key` (a 32-bit integer)."""
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (MATCH_LOCKS, key))

    def claim_lane(self, prefer: int | None = None) -> tuple[int, psycopg.Connection]:
        """The audit lane `prefer` if no other session holds it, else the first one free
        (server.storage.chain), and the connection that holds it (a session advisory lock,
        released when that connection closes or its process dies, or the database restarts:
        the lane is then free to be continued); its head row made if the lane is new."""
        conn = self.connect()
        try:
            lane = prefer or 1
            if not _try_lock(conn, lane):
                lane = 1
                while not _try_lock(conn, lane):
                    lane += 1
            conn.execute(self.sql(chain.NEW_LANE), (lane,))
        except BaseException:
            conn.close()
            raise
        return lane, conn

    def held(self, lane: int, holder: psycopg.Connection) -> tuple[str, tuple]:
        """An expression true while `holder`'s session holds the lane's lock, and its
        parameters (server.storage.chain.lock_head: no append on a lane this process lost)."""
        return ("EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                f"classid::bigint = {LANE_LOCKS} AND objid::bigint = ? AND objsubid = 2 AND "
                "pid = ?)", (lane, holder.info.backend_pid))

    def lost(self, conn: psycopg.Connection) -> bool:
        """An idle connection closed, or told something since its last answer: the database
        ended its session (a restart, pg_terminate_backend: its FATAL, then end of file). No
        round trip: a look at the socket."""
        if conn.closed or conn.broken:
            return True
        try:
            if hasattr(select, "poll"):
                waiting = select.poll()
                waiting.register(conn.fileno(), select.POLLIN)
                return bool(waiting.poll(0))
            return bool(select.select([conn.fileno()], [], [], 0)[0])  # Windows
        except (OSError, ValueError):
            return True

    def unavailable(self, error: BaseException) -> bool:
        """Of a connection being made: the database cannot be reached (or refused it)."""
        return isinstance(error, psycopg.OperationalError)

    def fence(self, conn: psycopg.Connection) -> datetime | None:
        """The start of the oldest open clinical write, else now (statement_timestamp: before
        the activity is read)."""
        return conn.execute(FENCE).fetchone()[0]  # type: ignore[index]

    def analyze(self, conn: psycopg.Connection) -> None:
        conn.execute("ANALYZE")  # every table of this database; no write lock needed

    def columns(self, conn: psycopg.Connection, table: str) -> set[str]:
        return {row[0] for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = current_schema()", (table,))}

    def duplicate(self, error: BaseException, table: str, column: str) -> bool:
        """A unique violation of `table`'s UNIQUE `column` (its constraint's default name)."""
        return isinstance(error, psycopg.errors.UniqueViolation) and \
            error.diag.constraint_name == f"{table}_{column}_key"

    def contention(self, error: BaseException) -> bool:
        """Rolled back for what another writer held (two writers locking the same rows or
        matches in opposite orders): the same request may succeed again."""
        return isinstance(error, psycopg.errors.DeadlockDetected)

    def broken(self, conn: psycopg.Connection) -> bool:
        return conn.closed or conn.info.transaction_status == psycopg.pq.TransactionStatus.UNKNOWN


def _try_lock(conn: psycopg.Connection, lane: int) -> bool:
    return bool(conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                             (LANE_LOCKS, lane)).fetchone()[0])  # type: ignore[index]


def _build_concurrently(conn: psycopg.Connection, name: str, statement: str) -> None:
    """The index `statement` makes, CREATE INDEX CONCURRENTLY (writers of the table go on
    while it builds), unless it is valid; one left INVALID (a build that crashed) is dropped
    and built again. One build at a time, under a lock waited for by polling: a session
    waiting in pg_advisory_lock would hold a snapshot that the build waits for."""
    if conn.execute(VALID, (name,)).fetchone()[0]:  # type: ignore[index]
        return
    while not conn.execute("SELECT pg_try_advisory_lock(%s)",
                           (INDEX_LOCK_KEY,)).fetchone()[0]:  # type: ignore[index]
        time.sleep(0.2)
    try:
        valid = conn.execute(VALID, (name,)).fetchone()[0]  # type: ignore[index]
        if valid:  # another process built it meanwhile
            return
        log.warning("building the index %s (CONCURRENTLY: writes go on)", name)
        if valid is False:
            conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        conn.execute(statement.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (INDEX_LOCK_KEY,))


def _missing(conn: psycopg.Connection, statement: str) -> bool:
    """False: what `statement` makes is there as it makes it (unknown statements: True)."""
    def row(query: str, *args: object) -> tuple | None:
        return conn.execute(query, args).fetchone()

    def first(query: str, *args: object) -> object:
        found = row(query, *args)
        return found[0] if found else None

    if found := INDEX.match(statement):
        return not first(VALID, found[1])
    if found := CREATES.match(statement):
        return first("SELECT to_regclass(%s)", found[1]) is None
    if found := DROPS.match(statement):
        return first("SELECT to_regclass(%s)", found[1]) is not None
    if found := FUNCTION.match(statement):
        return row(PROCEDURE, found[1]) != (found[2], found[3])
    if found := TRIGGER.match(statement):
        made = row(TRIGGER_DEF, found[1], found[2])
        return made is None or made[1] != "O" or _plain(made[0]) != _plain(statement)
    if statement == chain.NEW_LANE.replace("?", "1"):
        return first("SELECT to_regclass('audit_head')") is None or \
            row("SELECT 1 FROM audit_head WHERE id = 1") is None
    return True


def _plain(definition: str) -> str:
    """A trigger's definition without what pg_get_triggerdef adds (OR REPLACE, the table's
    schema, parentheses, case, spaces), to compare with the statement that made it."""
    text = definition.lower().replace("create or replace trigger", "create trigger")
    text = re.sub(r" on \w+\.", " on ", text)
    return re.sub(r"[\s()]", "", text)


def _make(conn: psycopg.Connection, statements: list[str]) -> None:
    """Runs the `statements` still missing under the DDL lock, each waiting at most
    LOCK_TIMEOUT for its table's lock: a session holding one (an append in flight, autovacuum)
    makes it let go and try again later, so the other processes' appends never queue behind
    it. Gives up after SCHEMA_PATIENCE seconds (the process does not start)."""
    deadline = time.monotonic() + SCHEMA_PATIENCE
    pause = 0.1
    while True:
        conn.execute(f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})")
        conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        statement = ""
        try:
            for statement in statements:
                if _missing(conn, statement):  # another process may have made it meanwhile
                    conn.execute(statement)
            return
        except psycopg.errors.LockNotAvailable as error:
            what = " ".join(statement.split()[:6])
            if time.monotonic() > deadline:
                raise StorageError(f"schema change not made, its table stays locked: {what}") \
                    from error
            log.warning("schema change waits for a lock another session holds, tried again "
                        "in %.1f s: %s", pause, what)
        finally:
            conn.execute("RESET lock_timeout")
            conn.execute(f"SELECT pg_advisory_unlock({WRITE_LOCK_KEY})")
        time.sleep(pause)
        pause = min(pause * 2, 2.0)
