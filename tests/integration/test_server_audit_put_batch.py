"""An access-log upload in the workstation's PUT mode (a batch of `PUT AuditEvent/{id}` without
ifMatch, app.sync.audit) is stored in one write transaction, each entry answered as it would be
alone: a bad entry fails alone (400), an id repeated within the batch or already stored (a
retried upload) is refused as an update of the append-only trail (403) without a copy."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import httpx

from app.sync.audit import audit_event, event_id
from tests.fixtures.identity import bearer, sign_in
from tests.integration.test_server_audit_batch import _batch, _next_xid, server  # noqa: F401
from tests.integration.test_server_sync_round import _audit_events

USER, ENTRIES = "1000001", 40


def _hash(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def _put(n: int) -> dict:
    entry = SimpleNamespace(action="read", at="2026-12-07T02:00:00+00:00", username=USER,
                            workstation="poste-1", hash=_hash(n), information="notes",
                            patient_id=None, reason=None)
    rid = event_id(entry)
    return {"resource": {**audit_event(entry), "id": rid},
            "request": {"method": "PUT", "url": f"AuditEvent/{rid}"}}


def test_a_put_mode_upload_is_one_transaction_answered_entry_by_entry(
        server: tuple[str, str | None], tmp_path: Path) -> None:  # noqa: F811
    base, url = server
    entries = [_put(n) for n in range(ENTRIES)]
    bad = {**_put(ENTRIES), "resource": {**_put(ENTRIES)["resource"], "type": None,
                                         "agent": None}}  # no type, no agent
    entries[5:5] = [bad, _put(0)]  # a bad entry and a repeat of the first, in the batch
    with httpx.Client(base_url=f"{base}/fhir", timeout=60,
                      headers=bearer(sign_in(base, USER))) as fhir:
        before = _audit_events(tmp_path, url)
        xid = _next_xid(url) if url else 0
        reply = fhir.post("", json=_batch(entries))
        writes = _next_xid(url) - xid if url else 0
        assert reply.status_code == 200
        statuses = [e["response"]["status"][:3] for e in reply.json()["entry"]]
        assert statuses[5] == "400" and statuses[6] == "403"
        assert statuses[:5] + statuses[7:] == ["201"] * ENTRIES
        assert _audit_events(tmp_path, url) - before == ENTRIES
        again = fhir.post("", json=_batch([_put(n) for n in range(ENTRIES)]))
        assert [e["response"]["status"][:3] for e in again.json()["entry"]] == ["403"] * ENTRIES
        assert _audit_events(tmp_path, url) - before == ENTRIES  # a retried upload adds no copy
        assert fhir.get(f"AuditEvent/{event_id(SimpleNamespace(hash=_hash(1)))}"
                        ).status_code == 200
    if url:  # PostgreSQL: each write transaction takes a transaction id; reads take none
        assert 1 <= writes <= 3, writes  # the batch's (+ the repeat's own), not one per entry
