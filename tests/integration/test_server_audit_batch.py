"""A workstation's access-log upload (a batch of conditional AuditEvent creates) is stored in one
write transaction, with each entry still answered on its own: a bad entry fails alone, an entry
already stored (a retried upload) or repeated within the batch is answered 200 without a copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import httpx
import pytest

from app.core.fhir_systems import ACCESS_LOG_HASH
from app.sync.audit import audit_event
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server import BACKENDS
from tests.fixtures.server_forks import ForkedServer
from tests.integration.test_identity_throttle import seed_staff
from tests.integration.test_server_sync_round import _audit_events

USER, ENTRIES = "1000001", 40


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    url = request.getfixturevalue("postgres").new_database("clinicdesk_audit_batch") \
        if request.param == "postgres" else None
    seed_staff(tmp_path, url)
    proc = ForkedServer(tmp_path, url, auth=True).start()
    try:
        yield proc.base, url
    finally:
        proc.stop()


def _entry(n: int, tag: str) -> dict:
    entry = SimpleNamespace(action="read", at="2026-12-07T02:00:00+00:00", username=USER,
                            workstation="poste-1", hash=f"{tag}-{n:04d}", information="notes",
                            patient_id=None, reason=None)
    return {"resource": audit_event(entry), "request": {
        "method": "POST", "url": "AuditEvent",
        "ifNoneExist": f"identifier={quote(ACCESS_LOG_HASH)}|{quote(entry.hash)}"}}


def _batch(entries: list[dict]) -> dict:
    return {"resourceType": "Bundle", "type": "batch", "entry": entries}


def _next_xid(url: str) -> int:
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:  # read only: assigns no xid itself
        return int(conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
                                ).fetchone()[0])


def test_an_upload_is_one_transaction_answered_entry_by_entry(
        server: tuple[str, str | None], tmp_path: Path) -> None:
    base, url = server
    entries = [_entry(n, "a") for n in range(ENTRIES)]
    bad = {"resource": {"resourceType": "AuditEvent", "action": "R"},  # no type, no agent
           "request": {"method": "POST", "url": "AuditEvent"}}
    entries[5:5] = [bad, _entry(0, "a")]  # a bad entry and a repeat of the first, in the batch
    with httpx.Client(base_url=f"{base}/fhir", timeout=60,
                      headers=bearer(sign_in(base, USER))) as fhir:
        before = _audit_events(tmp_path, url)
        xid = _next_xid(url) if url else 0
        reply = fhir.post("", json=_batch(entries))
        writes = _next_xid(url) - xid if url else 0
        statuses = [e["response"]["status"][:3] for e in reply.json()["entry"]]
        assert reply.status_code == 200
        assert statuses[5] == "400" and statuses[6] == "200"
        assert statuses[:5] + statuses[7:] == ["201"] * ENTRIES
        locations = [e["response"].get("location", "") for e in reply.json()["entry"]]
        assert locations[6].split("/_history")[0] == locations[0].split("/_history")[0]
        assert _audit_events(tmp_path, url) - before == ENTRIES
        again = fhir.post("", json=_batch([_entry(n, "a") for n in range(ENTRIES)]))
        assert [e["response"]["status"][:3] for e in again.json()["entry"]] == ["200"] * ENTRIES
        assert _audit_events(tmp_path, url) - before == ENTRIES  # a retried upload adds no copy
    if url:  # PostgreSQL: each write transaction takes a transaction id; reads take none
        assert 1 <= writes <= 3, writes  # the batch's (+ the repeat's own), not one per entry
