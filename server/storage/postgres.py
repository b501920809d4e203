"""PostgreSQL back-end (psycopg 3): the same tables. Writers of resource versions take no
global lock: each resource's row in resource_current is locked by its writer (Tx.current),
conditional matches by an advisory lock on their type and patient (Tx.search), and `_since`
answers stop at a fence (Store.fence) below every clinical write still in flight. Audit writers
queue on the audit head row; `serial` writers (sign-in budgets, migrations) on one key."""

from __future__ import annotations

from datetime import datetime

import psycopg

from server.storage import chain
from server.storage.sqlite import BASE

WRITE_LOCK_KEY = 0x434C4445  # "CLDE": the key `serial` writers and the DDL lock on
MATCH_LOCKS = 0x434C4443  # "CLDC": the key space (classid) of the conditional-match locks
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


class PostgresDialect:
    name = "postgres"
    lock_row = " FOR UPDATE"

    def __init__(self, url: str):
        self.url = url

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def schema(self) -> list[str]:
        # Several server processes may start at once on a fresh database: serialise the DDL.
        return [TRACKED, f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})", *SCHEMA,
                f"SELECT pg_advisory_unlock({WRITE_LOCK_KEY})"]

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

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

    def contention(self, error: BaseException) -> bool:
        """Rolled back for what another writer held (two writers locking the same rows or
        matches in opposite orders): the same request may succeed again."""
        return isinstance(error, psycopg.errors.DeadlockDetected)

    def broken(self, conn: psycopg.Connection) -> bool:
        return conn.closed or conn.info.transaction_status == psycopg.pq.TransactionStatus.UNKNOWN
