"""The audit trail is append-only in the database itself: every statement that would change or
remove a stored AuditEvent (its row in the trail, any of its columns, its search rows) or move
the chain head back is refused by the database (triggers, server.storage.chain.append_only), on
SQLite and PostgreSQL, whoever runs it; clinical data and new AuditEvents are written as
before, and AuditEvents are no resource versions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.storage import Store, chain, chain_verify, open_store
from tests.fixtures.server import BACKENDS

EVENT = {"type": {"code": "rest"}, "recorded": "2026-12-07T02:00:00+00:00",
         "agent": [{"requestor": True}], "source": {"observer": {"display": "x"}},
         "entity": [{"what": {"reference": "Patient/p1",
                              "identifier": {"system": "urn:x", "value": "h1"}}}]}

# every way to rewrite the trail the guard covers (the record is the first AuditEvent)
FORBIDDEN = {
    "edit a record": "UPDATE audit_event SET content = 'x'",
    "move a record to another patient": "UPDATE audit_event SET patient = 'p2'",
    "renumber a record": "UPDATE audit_event SET n = n + 1",
    "edit a hash": "UPDATE audit_event SET hash = 'x'",
    "remove a record": "DELETE FROM audit_event",
    "edit a search row": "UPDATE audit_identifier SET value = 'x'",
    "remove a search row": "DELETE FROM audit_identifier",
    "move the head back": "UPDATE audit_head SET n = 0",
    "remove the head": "DELETE FROM audit_head",
}


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = request.getfixturevalue("postgres").new_database("clinicdesk_append_only") \
        if request.param == "postgres" else None
    opened = open_store(tmp_path, url)
    with opened.write() as tx:
        tx.create("Patient", {"name": [{"family": "Test"}]}, rid="p1")
        tx.create("AuditEvent", EVENT)
    yield opened
    opened.close()


def _trail(store: Store) -> list[tuple]:
    with store.read() as tx:
        return [*tx._q(f"SELECT {chain.ROW} FROM audit_event ORDER BY n"),
                *tx._q("SELECT n, system, value FROM audit_identifier"), *tx._q(chain.HEADS)]


@pytest.mark.parametrize("what", FORBIDDEN)
def test_the_database_refuses_to_rewrite_the_audit_trail(store: Store, what: str) -> None:
    before = _trail(store)
    with pytest.raises(Exception, match="append-only"), store.write() as tx:
        tx.conn.execute(FORBIDDEN[what])
    assert _trail(store) == before


def test_clinical_data_and_new_audit_events_are_written_as_before(store: Store) -> None:
    with store.write() as tx:
        tx.conn.execute("UPDATE resource_version SET data_class = data_class")  # the migration
        tx.update("Patient", "p1", {"name": [{"family": "Autre"}]}, "1")
        tx.delete("Patient", "p1")
        tx.create("AuditEvent", EVENT)  # the head moves forward
    assert chain_verify.verify(store).intact and chain_verify.verify(store).count == 2
    with store.read() as tx:  # no version of them: not in _history, rounds, $everything
        assert tx._q("SELECT count(*) FROM resource_version WHERE rtype = 'AuditEvent'"
                     )[0][0] == 0
        assert tx.read("AuditEvent", tx._q("SELECT id FROM audit_event")[0][0]).version == 1


def test_the_owner_can_lift_it_and_verify_then_tells(store: Store) -> None:
    with store.write() as tx:
        for statement in chain.drop_append_only(store.backend):
            tx.conn.execute(statement)
        tx.conn.execute("UPDATE audit_event SET content = replace(content, 'rest', 'x')")
    assert not chain_verify.verify(store).intact


def test_a_large_batch_is_appended_in_one_transaction(store: Store) -> None:
    """More rows than one PostgreSQL statement takes (chain.CHUNK): all chained, in order."""
    with store.write(clinical=False) as tx:
        chain.append(tx, [dict(EVENT) for _ in range(2 * chain.CHUNK + 5)])
    report = chain_verify.verify(store)
    assert report.intact and report.count == 2 * chain.CHUNK + 6, report
