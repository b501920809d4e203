"""A server process starting on a PostgreSQL database that other processes serve from runs no
DDL when the schema is up to date (server.storage.postgres.missing: the catalogs are read
first), so it takes no lock stronger than ACCESS SHARE and never makes the others' audit appends
(and so their reads) queue behind it; what is missing (a trigger an owner dropped) is made
again, waiting for its table's lock a short while at a time (`_make`).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from server.ramq.db import RamqDb
from server.seed import load
from server.storage import chain, open_store
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server_forks import ForkedServer

pytestmark = pytest.mark.postgres
USER = "1000009"
# Every DDL command run in the database, as PostgreSQL starts it (even IF NOT EXISTS that skips)
RECORD_DDL = [
    "CREATE TABLE ddl_seen (tag TEXT NOT NULL)",
    "CREATE FUNCTION ddl_seen() RETURNS event_trigger AS $$ BEGIN "
    "INSERT INTO ddl_seen VALUES (tg_tag); END $$ LANGUAGE plpgsql",
    "CREATE EVENT TRIGGER ddl_seen ON ddl_command_start EXECUTE FUNCTION ddl_seen()",
]
TABLES = ("SELECT string_agg(tablename, ', ') FROM pg_tables WHERE schemaname = "
          "current_schema() AND tablename <> 'ddl_seen'")


def _database(request: pytest.FixtureRequest, data_dir: Path, name: str) -> str:
    """An up-to-date database with staff and charts, as a first start leaves it."""
    url = request.getfixturevalue("postgres").new_database(f"{name}_{os.getpid()}")
    store = open_store(data_dir, url)
    try:
        load.load_staff(store)
        load.load_patients(store, 10, 7)
    finally:
        store.close()
    return url


def _read(base: str, tokens: dict, chart: str, timeout: float) -> int:
    """An audited read of a chart (answered once its AuditEvent is durable)."""
    return httpx.get(f"{base}/fhir/Patient/{chart}", headers=bearer(tokens),
                     timeout=timeout).status_code


def _chart(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT min(rid) FROM resource_current "
                            "WHERE rtype = 'Patient'").fetchone()[0]  # type: ignore[index]


def test_a_start_does_not_wait_for_an_append_in_flight_nor_stall_the_others_reads(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """A session holds audit_event's ROW EXCLUSIVE lock (as an append does), and
    oauth_token's (a sign-in), while a second process starts and serves its first sign-in
    and read: they complete, and the first process serves reads meanwhile."""
    url = _database(request, tmp_path / "first", "schema_start_append")
    first = ForkedServer(tmp_path / "first", url).start()
    second = ForkedServer(tmp_path / "second", url)
    try:
        tokens, chart = sign_in(first.base, USER), _chart(url)
        assert _read(first.base, tokens, chart, 30) == 200
        answers: list[object] = []  # the first process's reads while the second starts
        started = threading.Event()

        def read() -> None:  # in a thread: a child started by one ends with its thread
            while not started.is_set():
                try:
                    answers.append(_read(first.base, tokens, chart, 10))
                except httpx.TimeoutException as error:
                    answers.append(error)
                time.sleep(0.2)

        reading = threading.Thread(target=read)
        with psycopg.connect(url) as appending:  # a transaction, open until rolled back
            appending.execute("LOCK TABLE audit_event IN ROW EXCLUSIVE MODE")
            appending.execute("LOCK TABLE oauth_token IN ROW EXCLUSIVE MODE")  # a sign-in
            reading.start()
            try:
                second.start(timeout=30, attempts=1)
            finally:
                started.set()
                reading.join(30)
            # its first sign-in (the identity tables) and read, the locks still held
            assert _read(second.base, sign_in(second.base, USER), chart, 10) == 200
            appending.rollback()
        assert answers and set(answers) == {200}, answers  # none stalled
    finally:
        second.stop()
        first.stop()


def _ramq(url: str, data_dir: Path) -> None:
    store = open_store(data_dir, url)
    try:
        RamqDb(store, data_dir)
    finally:
        store.close()


def test_a_start_on_an_up_to_date_database_runs_no_ddl_and_takes_no_write_lock(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Every table is held in EXCLUSIVE mode (only ACCESS SHARE goes on beside it) while a
    server starts: it starts; and no DDL command ran, then or at its first requests."""
    url = _database(request, tmp_path / "seed", "schema_start_ddl")
    ForkedServer(tmp_path / "first", url).start().stop()
    _ramq(url, tmp_path / "first")  # its tables too
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in RECORD_DDL:
            conn.execute(statement)
        tables = conn.execute(TABLES).fetchone()[0]  # type: ignore[index]
    server = ForkedServer(tmp_path / "second", url)
    try:
        with psycopg.connect(url) as holding:
            holding.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
            try:
                server.start(timeout=30, attempts=1)
            finally:
                holding.rollback()
        # what a process makes at its first request (identity), or the first use of RAMQ
        assert _read(server.base, sign_in(server.base, USER), _chart(url), 30) == 200
        _ramq(url, tmp_path / "second")
        with psycopg.connect(url) as conn:
            seen = conn.execute("SELECT tag FROM ddl_seen").fetchall()
        assert seen == []
    finally:
        server.stop()


REWRITE = "DELETE FROM audit_head WHERE id = 1"  # the row every database has (chain.schema)


@pytest.mark.parametrize("weaken", [  # the trigger dropped, disabled, changed; its function
    "DROP TRIGGER append_only_audit_head_delete ON audit_head",
    "ALTER TABLE audit_head DISABLE TRIGGER append_only_audit_head_delete",
    "CREATE OR REPLACE TRIGGER append_only_audit_head_delete BEFORE DELETE ON audit_head "
    "FOR EACH ROW WHEN (false) EXECUTE FUNCTION audit_append_only()",
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; "
    "END $$ LANGUAGE plpgsql",
])
def test_a_guard_an_owner_weakened_is_made_again_at_the_next_start(
        request: pytest.FixtureRequest, tmp_path: Path, weaken: str) -> None:
    url = _database(request, tmp_path, "schema_start_guard")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(weaken)
        with conn.transaction(force_rollback=True):
            conn.execute(REWRITE)  # weakened: the trail's head could be removed
    open_store(tmp_path, url).close()
    with psycopg.connect(url, autocommit=True) as conn, \
            pytest.raises(psycopg.errors.RaiseException, match=chain.REFUSED):
        conn.execute(REWRITE)


def test_a_missing_guard_waits_for_its_table_a_short_while_at_a_time(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The trigger must be made while an append holds audit_head: the start tries again
    (other sessions' appends are not queued behind it) and makes it once the append ends."""
    url = _database(request, tmp_path, "schema_start_retry")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(chain.drop_append_only("postgres")[-1])  # audit_head's DELETE
    failed: list[BaseException] = []

    def start() -> None:
        try:
            open_store(tmp_path, url).close()
        except BaseException as error:  # told to the test below
            failed.append(error)

    with psycopg.connect(url) as appending:
        appending.execute("LOCK TABLE audit_head IN ROW EXCLUSIVE MODE")
        starting = threading.Thread(target=start)
        starting.start()
        try:
            for _ in range(10):  # another append meanwhile: not queued behind the start
                with psycopg.connect(url) as other:
                    other.execute("SET lock_timeout = '2s'")
                    other.execute("LOCK TABLE audit_head IN ROW EXCLUSIVE MODE")
                    other.rollback()
                time.sleep(0.1)
            assert starting.is_alive()  # the guard is not given up: it waits
        finally:
            appending.rollback()
            starting.join(60)
    assert not starting.is_alive() and not failed, failed
    with psycopg.connect(url, autocommit=True) as conn, \
            pytest.raises(psycopg.errors.RaiseException, match=chain.REFUSED):
        conn.execute(REWRITE)
