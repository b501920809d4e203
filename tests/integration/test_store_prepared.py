"""The statements of every audited read on PostgreSQL (the bearer check, the AuditEvent's
append) go through libpq's prepared-statement calls (server.storage.prepared): what psycopg
gave them must still hold — a statement deallocated under it runs again, an error is psycopg's,
a dropped connection leaves the pool."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from server.processes import Postgres
from server.storage import chain, open_store, prepared

pytestmark = pytest.mark.postgres


def test_a_statement_deallocated_under_it_is_prepared_again(postgres: Postgres) -> None:
    """psycopg sends DEALLOCATE ALL after a ROLLBACK or a DROP on a connection where it has
    prepared statements of its own: ours are gone with its."""
    with psycopg.connect(postgres.new_database("clinicdesk_prepared_again"),
                         autocommit=True) as conn:
        text = "SELECT ? || 'x', ?::text, ? + 1"
        assert prepared.rows(conn, prepared.run(conn, text, ("a", None, 41))) == [("ax", None, 42)]
        conn.execute("DEALLOCATE ALL")
        assert prepared.rows(conn, prepared.run(conn, text, ("b", None, 1))) == [("bx", None, 2)]


def test_an_error_is_psycopgs_and_the_connection_goes_on(postgres: Postgres) -> None:
    with psycopg.connect(postgres.new_database("clinicdesk_prepared_error"),
                         autocommit=True) as conn:
        conn.execute("CREATE TABLE once (k TEXT PRIMARY KEY)")
        insert = "INSERT INTO once (k) VALUES (?)"
        assert prepared.count(prepared.run(conn, insert, ("a",))) == 1
        with pytest.raises(psycopg.errors.UniqueViolation):
            prepared.run(conn, insert, ("a",))
        assert prepared.count(prepared.run(conn, insert, ("b",))) == 1


def test_a_connection_the_database_ended_is_an_operational_error(postgres: Postgres) -> None:
    """What psycopg raises for a lost connection (the store then leaves it: `broken`), not
    the DatabaseError of a statement."""
    url = postgres.new_database("clinicdesk_prepared_ended")
    with psycopg.connect(url, autocommit=True) as conn:
        assert prepared.rows(conn, prepared.run(conn, "SELECT ?::int", (1,))) == [(1,)]
        _terminate(postgres, "clinicdesk_prepared_ended", keep=None)
        with pytest.raises(psycopg.OperationalError):
            prepared.run(conn, "SELECT ?::int", (1,))


def test_a_connection_the_database_ended_leaves_the_pool(postgres: Postgres,
                                                         tmp_path: Path) -> None:
    """Ended while pooled: dropped before its next use (its socket is read: no round trip),
    and the read goes on a new connection; ended under a statement: a 503 to retry."""
    store = open_store(tmp_path, postgres.new_database("clinicdesk_prepared_drop"))
    try:
        lane = store.lane
        assert chain.read_head(store, lane) == (0, chain.GENESIS)
        _terminate(postgres, "clinicdesk_prepared_drop", keep=_lane_holder_pid(store))
        assert chain.read_head(store, lane) == (0, chain.GENESIS)  # a new connection
    finally:
        store.close()


def _terminate(postgres: Postgres, database: str, keep: int | None) -> None:
    """End every session of `database` but `keep`'s, and wait until they are gone (their
    last message, FATAL, is then in their sockets)."""
    others = "datname = %s AND pid <> %s"
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as admin:
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}",
                      (database, keep or 0))
        for _ in range(500):
            left = admin.execute(f"SELECT count(*) FROM pg_stat_activity WHERE {others}",
                                 (database, keep or 0)).fetchone()
            if left is not None and left[0] == 0:
                return
            time.sleep(0.01)
    raise AssertionError("the sessions were not ended")


def _lane_holder_pid(store: object) -> int:
    """The backend of the session that holds this process's lane (left alone: the lane is
    not what this test is about)."""
    holder = store._lane_holder  # type: ignore[attr-defined]
    return int(holder.info.backend_pid)
