"""`Settings.audit_durability`: a transaction written with `store.write(durable=False)` commits
without an fsync (SQLite WAL synchronous=NORMAL, PostgreSQL synchronous_commit=off) and leaves
the connection it ran on as durable as before for every other write; so does PostgreSQL's
one-statement audit append (server.storage.chain.commit after the head it knows)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.identity.audit import Access, audit_event
from server.storage import chain, open_store
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


# Notes, for each AuditEvent row inserted, the commit mode its transaction runs with
NOTE_SETTING = [
    "CREATE TABLE seen (setting TEXT NOT NULL)",
    "CREATE FUNCTION note_setting() RETURNS trigger AS $$ BEGIN INSERT INTO seen VALUES "
    "(current_setting('synchronous_commit')); RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER note_setting BEFORE INSERT ON audit_event FOR EACH ROW "
    "EXECUTE FUNCTION note_setting()"]


@pytest.mark.postgres
def test_only_the_relaxed_audit_append_skips_the_flush(tmp_path: Path,
                                                      request: pytest.FixtureRequest) -> None:
    store = open_store(tmp_path, request.getfixturevalue("postgres").new_database(
        "clinicdesk_durability_chain"))
    try:
        with store._connection() as conn:
            for statement in NOTE_SETTING:
                conn.execute(statement)
        head = (store.lane, *chain.read_head(store, store.lane))
        for n, durable in enumerate((True, False, True)):
            event = audit_event(Access("alice", "Alice", f"p{n}", "read", {"labs"}),
                                datetime.now(UTC))
            before, head = head, chain.commit(store, [event], durable, head)
            assert head[1] == before[1] + 1  # one row, after the head it knew (lane, k, hash)
        with store._connection() as conn:  # the one pooled connection each commit ran on
            after = conn.execute(SETTING["postgres"][0]).fetchone()[0]  # type: ignore[index]
            seen = [row[0] for row in conn.execute("SELECT setting FROM seen")]
    finally:
        store.close()
    assert seen == ["on", "off", "on"]
    assert after == "on"
