"""The checkpoint file (server.storage.Checkpoint) over a real server on loopback, on both
back-ends: AuditEvents that come in through a write transaction (a workstation's access-log
upload in a batch, by PUT or by conditional POST; a transaction Bundle; a POST or PUT of one)
move it as the audited reads do, so that removing them from the end of the trail, with the
lane's head row rewritten to match, is told by `audit verify`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from app.core.fhir_systems import ACCESS_LOG_HASH
from server.seed import generate, load
from server.storage import open_store
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server import BACKENDS
from tests.fixtures.server_forks import ForkedServer
from tests.integration.test_server_audit_chain import (
    SEED,
    _copy,
    _lane,
    _pushed,
    _readable_charts,
    _tamper,
    _truncate,
    _verify,
)

FHIR = {"Content-Type": "application/fhir+json"}
UPLOADED = 3  # events per upload; the last two are removed


def _entry(pid: str, who: str) -> dict:
    """A workstation's access-log entry: an id and an entry hash of its own."""
    event = {**_pushed(pid, who), "id": str(uuid.uuid4())}
    event["entity"][0]["what"]["identifier"]["value"] = event["id"]
    return event


def _batch_put(base: str, headers: dict, pid: str, who: str) -> list[int]:
    events = [_entry(pid, who) for _ in range(UPLOADED)]
    return _bundle(base, headers, "batch", [
        {"resource": e, "request": {"method": "PUT", "url": f"AuditEvent/{e['id']}"}}
        for e in events])


def _batch_post(base: str, headers: dict, pid: str, who: str) -> list[int]:
    events = [_entry(pid, who) for _ in range(UPLOADED)]
    return _bundle(base, headers, "batch", [
        {"resource": {k: v for k, v in e.items() if k != "id"},
         "request": {"method": "POST", "url": "AuditEvent",
                     "ifNoneExist": f"entity:identifier={quote(ACCESS_LOG_HASH)}|{e['id']}"}}
        for e in events])


def _transaction(base: str, headers: dict, pid: str, who: str) -> list[int]:
    return _bundle(base, headers, "transaction", [
        {"resource": _entry(pid, who), "request": {"method": "POST", "url": "AuditEvent"}}
        for _ in range(UPLOADED)])


def _one_by_one(put: bool) -> Callable[[str, dict, str, str], list[int]]:
    def upload(base: str, headers: dict, pid: str, who: str) -> list[int]:
        codes = []
        for _ in range(UPLOADED):
            event = _entry(pid, who)
            codes.append((httpx.put(f"{base}/fhir/AuditEvent/{event['id']}", json=event,
                                    headers=headers, timeout=30) if put else
                          httpx.post(f"{base}/fhir/AuditEvent", json=event, headers=headers,
                                     timeout=30)).status_code)
        return codes
    return upload


def _bundle(base: str, headers: dict, kind: str, entries: list[dict]) -> list[int]:
    answer = httpx.post(f"{base}/fhir", json={"resourceType": "Bundle", "type": kind,
                                              "entry": entries}, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return [int(e["response"]["status"].split()[0]) for e in answer.json()["entry"]]


UPLOADS = {"batch-put": _batch_put, "batch-post": _batch_post, "transaction": _transaction,
           "post": _one_by_one(put=False), "put": _one_by_one(put=True)}


@pytest.mark.parametrize("way", UPLOADS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_events_stored_by_a_transaction_move_the_checkpoint(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str, way: str) -> None:
    """A read (its AuditEvent moves the checkpoint by the audit writer), an upload of three
    events, a graceful stop; on a copy, the last two removed and the lane's head row set to
    the one before: `audit verify` names it, by the checkpoint."""
    data_dir = tmp_path / "data"
    url = request.getfixturevalue("postgres").new_database(
        f"audit_ckpt_{way.replace('-', '_')}_{os.getpid()}") if backend == "postgres" else None
    store = open_store(data_dir, url)
    load.load_staff(store)
    load.load_patients(store, 20, SEED)
    store.close()
    pid, who = _readable_charts(list(generate.patients(20, SEED)))[0]
    server = ForkedServer(data_dir, url).start()
    try:
        headers = {**bearer(sign_in(server.base, who)), **FHIR}
        assert httpx.get(f"{server.base}/fhir/Patient/{pid}", headers=headers,
                         timeout=30).status_code == 200
        assert UPLOADS[way](server.base, headers, pid, who) == [201] * UPLOADED
    finally:
        server.stop()
    code, said = _verify(data_dir, url)
    assert code == 0 and f"intact: {1 + UPLOADED} records" in said, said
    copied, copied_url = _copy(request, data_dir, url, "truncated")
    ns = _lane(copied, copied_url, 1)
    _tamper(copied, copied_url, lambda tx, q: _truncate(True)(tx, q, ns[-3], 1))
    code, said = _verify(copied, copied_url)
    assert code == 1 and f"broken at record {ns[-3]} (lane 1)" in said and "checkpoint" in said, \
        said
