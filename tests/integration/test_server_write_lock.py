"""Audit inserts and the clinical write lock, over a real server on loopback.

- PostgreSQL: an audited read is answered (its AuditEvent durable) while another process holds
  the clinical write lock, which a clinical write does wait for: audit writers queue on the
  audit head row only (server.storage.chain.lock_head).
- Both back-ends: two clinical writers and audited readers at once, while a workstation polls
  `_history?_since=` as app.sync.pull does (the previous answer's stamp less its overlap): every
  Condition written is seen by the rounds, and every answered read has its AuditEvent in an
  intact chain.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.sync.pull import OVERLAP
from server.processes import ServerProcess
from server.storage import chain, open_store
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server import BACKENDS
from tests.integration.test_server_sync_round import _audit_events, seeded

WRITES = 20
OVERLAP_DELTA = timedelta(seconds=OVERLAP)


def _condition(pid: str, n: int) -> dict:
    return {"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"},
            "code": {"text": f"lock test {n}"}}


def _trail(store: object) -> int:
    """AuditEvents stored (a read: it takes no lock)."""
    with store.read() as tx:  # type: ignore[attr-defined]
        return int(tx._q("SELECT count(*) FROM audit_event")[0][0])


def test_an_audited_read_does_not_wait_for_the_clinical_write_lock(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url, doctor, mine = seeded(request, tmp_path, "postgres", "clinicdesk_audit_lock")
    proc = ServerProcess(tmp_path, url).start()
    holder = open_store(tmp_path, url)
    try:
        with httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30,
                          headers=bearer(sign_in(proc.base, doctor))) as fhir:
            before = _trail(holder)
            with ThreadPoolExecutor(1) as pool, holder.write():  # the clinical lock, held
                write = pool.submit(fhir.post, "Condition", json=_condition(mine[0], 0))
                read = fhir.get(f"Patient/{mine[0]}", timeout=10)
                assert read.status_code == 200, read.text
                assert _trail(holder) == before + 1  # durable before the answer
                assert not write.done()  # a clinical write waits for the lock meanwhile
            assert write.result(30).status_code == 201
    finally:
        holder.close()
        proc.stop()


@pytest.mark.parametrize("backend", BACKENDS)
def test_rounds_see_every_change_under_concurrent_writes_and_audits(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    url, doctor, mine = seeded(request, tmp_path, backend, "clinicdesk_lock_rounds")
    proc = ServerProcess(tmp_path, url).start()
    written: set[str] = set()
    seen: set[str] = set()
    answered = [0]
    done = threading.Event()
    try:
        headers = bearer(sign_in(proc.base, doctor))
        fhir = httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30, headers=headers)

        def writer(k: int) -> None:
            for n in range(WRITES):
                made = fhir.post("Condition", json=_condition(mine[n % len(mine)], n))
                assert made.status_code == 201, made.text
                written.add(made.json()["id"])

        def reader() -> None:
            while not done.is_set():
                assert fhir.get(f"Patient/{mine[answered[0] % len(mine)]}").status_code == 200
                answered[0] += 1

        def poll(since: str) -> str:
            page = fhir.get("_history", params={"_since": since, "_count": "1000"}).json()
            assert "next" not in {link["relation"] for link in page.get("link", ())}
            # this test's Conditions: the overlap reaches back to the seed's too
            seen.update(r["id"] for e in page.get("entry", ()) if (r := e.get("resource", {}))
                        .get("resourceType") == "Condition"
                        and (r.get("code") or {}).get("text", "").startswith("lock test "))
            stamp = datetime.fromisoformat(page["meta"]["lastUpdated"])
            return (stamp - OVERLAP_DELTA).isoformat()

        since = datetime.now(UTC).isoformat()
        with ThreadPoolExecutor(4) as pool:
            writers = [pool.submit(writer, k) for k in range(2)]
            readers = [pool.submit(reader) for _ in range(2)]
            while not all(w.done() for w in writers):
                since = poll(since)
            done.set()
            for future in [*writers, *readers]:
                future.result()
        poll(since)
        fhir.close()
    finally:
        proc.stop()
    assert len(written) == 2 * WRITES and seen == written
    assert _audit_events(tmp_path, url) >= answered[0]
    store = open_store(tmp_path, url)
    try:
        assert chain.verify(store).intact
    finally:
        store.close()

