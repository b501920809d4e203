"""`Settings.audit_durability`: a transaction written with `store.write(durable=False)` commits
without an fsync (SQLite WAL synchronous=NORMAL, PostgreSQL synchronous_commit=off) and leaves
the connection it ran on as durable as before for every other write."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.storage import open_store
from tests.fixtures.server import BACKENDS

SETTING = {"sqlite": ("PRAGMA synchronous", {1: "relaxed", 2: "durable"}),
           "postgres": ("SHOW synchronous_commit", {"off": "relaxed", "on": "durable"})}


@pytest.mark.parametrize("backend", BACKENDS)
def test_only_the_relaxed_transaction_skips_the_flush(backend: str, tmp_path: Path,
                                                      request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres").new_database("clinicdesk_durability") \
        if backend == "postgres" else None
    store = open_store(tmp_path, url)
    query, meaning = SETTING[backend]
    seen = []
    try:
        for durable in (True, False, True):
            with store.write(durable) as tx:  # one pooled connection, reused each time
                seen.append(meaning[tx.conn.execute(query).fetchone()[0]])
                tx.create("Patient", {"resourceType": "Patient"})
        with store.write() as tx:
            seen.append(meaning[tx.conn.execute(query).fetchone()[0]])
        with store.read() as tx:
            assert len(tx.history("Patient", None, None, 10, None).versions) == 3
    finally:
        store.close()
    assert seen == ["durable", "relaxed", "durable", "durable"]
