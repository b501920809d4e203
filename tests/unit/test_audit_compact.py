"""A read the gate noted is stored as its compact row (server.storage.audit_compact) and served
as the FHIR AuditEvent `audit_event` builds (real SQLite store): same content, BALP shape, the
id and instant of the row; a search finds it; `audit verify` links the compact text as stored;
an event posted as FHIR is kept as posted."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.fhir.search import criteria
from server.identity.audit import Access, audit_event
from server.storage import chain, chain_verify, open_store
from server.storage.audit_compact import new_id
from tests.fixtures.balp import assert_balp

ACCESSES = [
    Access("1000001", "Dre Une", "p-1", "search", {"demographics"},
           query="identifier=urn:x|123&_count=1", address="127.0.0.1"),
    Access("1000002", "Dr Deux", "p-2", "read", {"notes", "labs"}, break_glass_reason="urgence",
           address="10.0.0.7", resource="Observation/o-1/_history/2"),
    Access("1000003", "Élise Été", "p-3", "consent-update", {"consent"}, reason="demande signée"),
]


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store(tmp_path)
    yield opened
    opened.close()


def _stored(store) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in store.query("SELECT id, recorded, content FROM audit_event "
                                          "ORDER BY n")]


def test_a_noted_read_is_served_as_the_fhir_audit_event(store) -> None:
    chain.commit(store, ACCESSES)
    rows = _stored(store)
    assert len(rows) == 3
    for access, (rid, recorded, content) in zip(ACCESSES, rows, strict=True):
        assert content.startswith("[") and len(content) < 300  # the compact row, not FHIR
        with store.read() as tx:
            served = tx.read("AuditEvent", rid).resource()
        expected = audit_event(access, datetime.now(UTC))
        expected.update(id=rid, recorded=recorded,
                        meta={"versionId": "1", "lastUpdated": recorded})
        assert served == expected
        assert_balp(served, data=bool(access.query or access.resource))
        assert list(served) == list(expected)  # the same key order as a FHIR row had


def test_the_trail_searches_compact_rows_by_patient(store) -> None:
    chain.commit(store, ACCESSES)
    with store.read() as tx:
        page = tx.search(criteria("AuditEvent", [("patient", "p-2")], 10, 100), total=False)
    assert [v.resource()["entity"][0]["what"]["reference"] for v in page.versions] == \
        ["Patient/p-2"]


def test_compact_and_posted_rows_chain_and_verify(store) -> None:
    posted = audit_event(Access("1000009", "Poste", "p-9", "read", {"notes"}),
                         datetime.now(UTC))
    chain.commit(store, [ACCESSES[0], posted, ACCESSES[1]])
    assert chain_verify.verify(store).intact
    rows = _stored(store)
    assert json.loads(rows[1][2])["id"] == posted["id"]  # a FHIR body is stored as given
    with store.write() as tx:
        for statement in chain.drop_append_only("sqlite"):
            tx.conn.execute(statement)
        tx.conn.execute("UPDATE audit_event SET content = replace(content, 'demographics', "
                        "'notes') WHERE id = ?", (rows[0][0],))
    report = chain_verify.verify(store)
    assert not report.intact and "edited" in report.problem


def test_new_ids_are_random_uuid4() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    for rid in ids:
        parsed = uuid.UUID(rid)
        assert str(parsed) == rid and parsed.version == 4 and parsed.variant == uuid.RFC_4122


@pytest.mark.parametrize("access", ACCESSES, ids=lambda a: a.action)
def test_the_user_agent_names_the_account_s_practitioner(access):
    """audit_compact (storage, below identity) writes the account's Practitioner id itself: it
    must stay the one server.identity.practitioner gives."""
    from server.identity.practitioner import practitioner_id

    event = audit_event(access, datetime.now(UTC))
    users = [a for a in event["agent"] if a.get("requestor")]
    assert [u["who"]["reference"] for u in users] == \
        [f"Practitioner/{practitioner_id(access.username)}"]
