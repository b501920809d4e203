"""A start on an existing PostgreSQL database whose index is missing (a database from before it)
or left INVALID (a concurrent build that crashed) builds it CONCURRENTLY
(server.storage.postgres.apply_schema): the table's writers go on while it builds, and the
index ends valid, as the schema defines it.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psycopg
import pytest

from server.seed import load
from server.storage import open_store

pytestmark = pytest.mark.postgres
INDEX = "current_patient_type"
DEFINITION = "(patient, rtype, seq)"
# A row of resource_current written by hand (rolled back): a writer of the table
ROW = ("INSERT INTO resource_current (rtype, rid, version, ts, deleted, seq) "
       "VALUES ('Basic', %s, 1, '2026-01-01T00:00:00Z', 0, 0)")


def _existing(request: pytest.FixtureRequest, data_dir: Path, name: str) -> str:
    url = request.getfixturevalue("postgres").new_database(f"{name}_{os.getpid()}")
    store = open_store(data_dir, url)
    load.load_staff(store)
    load.load_patients(store, 10, 7)
    store.close()
    return url


def _index(url: str) -> tuple[bool, str] | None:
    """(valid, definition) of the index, None: there is none."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
                           "WHERE indexrelid = to_regclass(%s)", (INDEX,)).fetchone()
    return (row[0], row[1]) if row else None


def _building(url: str, timeout: float = 30) -> str:
    """The query of the session that builds the index, once it waits for a lock."""
    end = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < end:
            row = conn.execute("SELECT query FROM pg_stat_activity WHERE query LIKE "
                               "'CREATE INDEX%%' AND wait_event_type = 'Lock' AND "
                               "datname = current_database()").fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    raise AssertionError("no index build waiting")


def test_a_missing_index_is_built_while_the_table_is_written(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """A writer of the table is in flight when the server starts: the build waits for it (as
    any build does) but holds no lock that stops the next writer meanwhile; once the first
    writer ends the build finishes, valid."""
    url = _existing(request, tmp_path, "index_missing")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP INDEX {INDEX}")
    assert _index(url) is None
    failed: list[BaseException] = []

    def start() -> None:
        try:
            open_store(tmp_path, url).close()
        except BaseException as error:  # told to the test below
            failed.append(error)

    with psycopg.connect(url) as first:  # a transaction, open until the end of the block
        first.execute(ROW, ("first",))
        starting = threading.Thread(target=start)
        starting.start()
        try:
            building = _building(url)
            with psycopg.connect(url) as second:
                second.execute("SET lock_timeout = '5s'")
                second.execute(ROW, ("second",))  # not stopped by the build
                second.rollback()
            assert "CONCURRENTLY" in building
        finally:
            first.rollback()
            starting.join(60)
    assert not starting.is_alive() and not failed, failed
    found = _index(url)
    assert found is not None and found[0] and DEFINITION in found[1], found


def test_an_invalid_index_left_by_a_crashed_build_is_built_again(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = _existing(request, tmp_path, "index_invalid")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP INDEX {INDEX}")
        with pytest.raises(psycopg.errors.UniqueViolation):  # leaves it INVALID
            conn.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {INDEX} ON resource_current (rtype)")
    found = _index(url)
    assert found is not None and not found[0]
    open_store(tmp_path, url).close()
    found = _index(url)
    assert found is not None and found[0] and DEFINITION in found[1], found
