"""PostgreSQL back-end (psycopg 3): the same tables; writers of resource versions take one
advisory lock, audit writers the audit head row."""

from __future__ import annotations

import psycopg

from server.storage import chain
from server.storage.sqlite import BASE

WRITE_LOCK_KEY = 0x434C4445  # "CLDE": the one key every writer locks on
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
        return [f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})", *SCHEMA,
                f"SELECT pg_advisory_unlock({WRITE_LOCK_KEY})"]

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def begin(self, conn: psycopg.Connection, write: bool, durable: bool = True,
              clinical: bool = True) -> None:
        """`clinical`: the write lock (resource versions: lastUpdated follows seq, which
        `_since` relies on); an audit-only write queues on the audit head row instead
        (server.storage.chain.lock_head)."""
        if write:  # one round trip (no parameters: several statements in one query)
            parts = ["BEGIN"]
            if not durable:  # the WAL writer flushes it within 3 × wal_writer_delay
                parts.append("SET LOCAL synchronous_commit = off")
            if clinical:
                parts.append(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
            try:
                conn.execute("; ".join(parts))
            except BaseException:  # never pool a connection left inside a transaction
                if not self.broken(conn) and \
                        conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")
                raise
        else:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def end(self, conn: psycopg.Connection, write: bool, commit: bool,
            durable: bool = True) -> None:
        conn.execute("COMMIT" if commit else "ROLLBACK")

    def analyze(self, conn: psycopg.Connection) -> None:
        conn.execute("ANALYZE")  # every table of this database; no write lock needed

    def columns(self, conn: psycopg.Connection, table: str) -> set[str]:
        return {row[0] for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = current_schema()", (table,))}

    def broken(self, conn: psycopg.Connection) -> bool:
        return conn.closed or conn.info.transaction_status == psycopg.pq.TransactionStatus.UNKNOWN
