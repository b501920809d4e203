"""A workstation's access-log upload retried at once on two server processes of one database
(a lane each, server.storage.chain): the conditional create (If-None-Exist on the entry hash)
stores the entry once, and the PUT under the client's id (alone or in a batch) creates it once
and answers the other tries as a retry (never a 500)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.core import fhir_systems
from server.storage import VersionConflict, open_store
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server import BACKENDS
from tests.integration.test_server_audit_chain import _pushed

USER = "1000001"
ROUNDS, TRIES = 30, 4  # tries per server and round, sent at once (a race: rounds enough to lose it)
BATCH = 5  # entries of a PUT-mode batch

def _at_once(two_servers: list[str], send, answer=lambda r: r.status_code) -> list:
    headers = {USER: bearer(sign_in(two_servers[0], USER))}
    start = threading.Barrier(2 * TRIES)

    def one(base: str):
        with httpx.Client(timeout=60) as client:
            start.wait()
            return answer(send(client, base, headers[USER]))
    with ThreadPoolExecutor(2 * TRIES) as pool:
        return list(pool.map(one, [b for b in two_servers for _ in range(TRIES)]))


def _stored(tmp_path: Path, two_servers: list[str], request: pytest.FixtureRequest,
            value: str) -> int:
    store = open_store(tmp_path, request.getfixturevalue("postgres").url("clinicdesk_two_servers"))
    try:
        return int(store.query("SELECT count(*) FROM audit_identifier WHERE value = ?",
                               (value,))[0][0])
    finally:
        store.close()


def _entry(value: str) -> dict:
    event = _pushed("p-race", USER)
    event["entity"][0]["what"]["identifier"]["value"] = value
    return event


def test_a_conditional_upload_at_once_on_two_processes_is_stored_once(
        two_servers: list[str], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    for _ in range(ROUNDS):
        value = str(uuid.uuid4())

        def send(client: httpx.Client, base: str, auth: dict, value: str = value):
            return client.post(f"{base}/fhir/AuditEvent", json=_entry(value), headers=auth | {
                "Content-Type": "application/fhir+json",
                "If-None-Exist": f"identifier={fhir_systems.ACCESS_LOG_HASH}|{value}"})
        codes = _at_once(two_servers, send)
        assert sorted(codes) == [200] * (2 * TRIES - 1) + [201], codes
        assert _stored(tmp_path, two_servers, request, value) == 1


def test_a_put_upload_at_once_on_two_processes_is_created_once_never_a_500(
        two_servers: list[str], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    for _ in range(ROUNDS):
        rid, value = str(uuid.uuid4()), str(uuid.uuid4())

        def send(client: httpx.Client, base: str, auth: dict, rid: str = rid,
                 value: str = value):
            return client.put(f"{base}/fhir/AuditEvent/{rid}", json=_entry(value) | {"id": rid},
                              headers=auth | {"Content-Type": "application/fhir+json"})
        codes = _at_once(two_servers, send)
        assert codes.count(201) == 1 and max(codes) < 500, codes
        assert _stored(tmp_path, two_servers, request, value) == 1


def test_a_put_batch_upload_at_once_on_two_processes_stores_each_entry_once(
        two_servers: list[str], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The workstation's PUT mode: a batch of `PUT AuditEvent/{id}` (server.fhir.creates), its
    entries in the opposite order on the second server (their ids locked in one order)."""
    for _ in range(ROUNDS // 3):
        pairs = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(BATCH)]

        def send(client: httpx.Client, base: str, auth: dict,
                 pairs: list[tuple[str, str]] = pairs) -> httpx.Response:
            order = pairs if base == two_servers[0] else pairs[::-1]
            return client.post(f"{base}/fhir", headers=auth, json={
                "resourceType": "Bundle", "type": "batch", "entry": [
                    {"resource": _entry(value) | {"id": rid},
                     "request": {"method": "PUT", "url": f"AuditEvent/{rid}"}}
                    for rid, value in order]})
        replies = _at_once(two_servers, send, lambda r: r)
        assert [r.status_code for r in replies] == [200] * (2 * TRIES)
        created = Counter[str]()
        for reply in replies:
            for entry in reply.json()["entry"]:
                status = int(entry["response"]["status"][:3])
                assert status in (201, 403), status  # created, or refused as a retry
                if status == 201:
                    created[entry["response"]["location"].split("/")[1]] += 1
        assert created == Counter({rid: 1 for rid, _ in pairs}), created
        assert [_stored(tmp_path, two_servers, request, v) for _, v in pairs] == [1] * BATCH


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_id_stored_meanwhile_is_a_conflict_never_a_database_error(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The last guard under the locks: an append whose id is stored (a writer that took no id
    lock) is the conflict `create` answers (412), nothing appended."""
    url = request.getfixturevalue("postgres").new_database("clinicdesk_id_taken") \
        if backend == "postgres" else None
    store = open_store(tmp_path, url)
    try:
        event = _entry(str(uuid.uuid4())) | {"id": "e1"}
        with store.write(clinical=False) as tx:
            tx.audit_create([event])
        with pytest.raises(VersionConflict), store.write(clinical=False) as tx:
            tx.audit_create([event])
        assert int(store.query("SELECT count(*) FROM audit_event")[0][0]) == 1
    finally:
        store.close()


def test_a_conditional_batch_upload_at_once_on_two_processes_stores_each_entry_once(
        two_servers: list[str], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The workstation's conditional mode: a batch of POSTs with ifNoneExist on the entry hash
    (server.fhir.creates.create_many), in the opposite order on the second server."""
    for _ in range(ROUNDS // 3):
        values = [str(uuid.uuid4()) for _ in range(BATCH)]

        def send(client: httpx.Client, base: str, auth: dict,
                 values: list[str] = values) -> httpx.Response:
            order = values if base == two_servers[0] else values[::-1]
            return client.post(f"{base}/fhir", headers=auth, json={
                "resourceType": "Bundle", "type": "batch", "entry": [
                    {"resource": _entry(value), "request": {
                        "method": "POST", "url": "AuditEvent",
                        "ifNoneExist": f"identifier={fhir_systems.ACCESS_LOG_HASH}|{value}"}}
                    for value in order]})
        replies = _at_once(two_servers, send, lambda r: r)
        assert [r.status_code for r in replies] == [200] * (2 * TRIES)
        statuses = Counter(e["response"]["status"][:3] for r in replies
                           for e in r.json()["entry"])
        assert statuses == Counter({"201": BATCH, "200": BATCH * (2 * TRIES - 1)}), statuses
        assert [_stored(tmp_path, two_servers, request, v) for v in values] == [1] * BATCH
