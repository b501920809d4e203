"""The store below HTTP, on a real PostgreSQL: recovery from dropped connections, and ordering of
versions written through two stores (two server processes) sharing one database."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from server.processes import Postgres
from server.storage import open_store

pytestmark = pytest.mark.postgres


def test_store_recovers_when_the_database_drops_its_connections(postgres: Postgres,
                                                                tmp_path: Path) -> None:
    store = open_store(tmp_path, postgres.new_database("clinicdesk_recover"))
    try:
        with store.write() as tx:
            v, _ = tx.create("Patient", {"resourceType": "Patient"})
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = 'clinicdesk_recover'")
            while admin.execute("SELECT 1 FROM pg_stat_activity "
                                "WHERE datname = 'clinicdesk_recover'").fetchone():
                time.sleep(0.01)  # ended: each told its client before it went
        with store.read() as tx:  # the ended connections are not used: no statement fails
            assert tx.read("Patient", v.rid).version == 1
    finally:
        store.close()


def test_two_stores_on_one_database_keep_time_in_commit_order(postgres: Postgres,
                                                              tmp_path: Path) -> None:
    url = postgres.new_database("clinicdesk_two")
    first, second = open_store(tmp_path, url), open_store(tmp_path, url)
    try:
        first._last = first._last.replace(year=2099)  # a process whose clock runs ahead
        for n in range(6):
            with (first if n % 2 else second).write() as tx:
                tx.create("Patient", {"resourceType": "Patient"})
        with first.read() as tx:
            page = tx.history(None, None, None, 100, None)
        stamps = [v.last_updated for v in reversed(page.versions)]
        assert stamps == sorted(stamps) and len(set(stamps)) == 6
    finally:
        first.close()
        second.close()
