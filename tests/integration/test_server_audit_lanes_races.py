"""A workstation's access-log upload retried at once on two server processes of one database
(a lane each, server.storage.chain): the conditional create (If-None-Exist on the entry hash)
stores the entry once, and the PUT under the client's id creates it once and answers the
other tries as a retry (never a 500)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.core import fhir_systems
from server.storage import open_store
from tests.fixtures.identity import bearer, sign_in
from tests.integration.test_server_audit_chain import _pushed

USER = "1000001"
ROUNDS, TRIES = 30, 4  # tries per server and round, sent at once (a race: rounds enough to lose it)
# one lane head locked per process: the match and the insert of two processes are not one
# after the other (server/storage/audit_trail.py: create, taken)
LANES_RACE = pytest.mark.xfail(strict=True, reason="an AuditEvent's conditional match and id "
                               "check are serialised on the lane's head only (one per process)")


def _at_once(two_servers: list[str], send) -> list[int]:
    headers = {USER: bearer(sign_in(two_servers[0], USER))}
    start = threading.Barrier(2 * TRIES)

    def one(base: str) -> int:
        with httpx.Client(timeout=60) as client:
            start.wait()
            return send(client, base, headers[USER]).status_code
    with ThreadPoolExecutor(2 * TRIES) as pool:
        return list(pool.map(one, [b for b in two_servers for _ in range(TRIES)]))


def _stored(tmp_path: Path, two_servers: list[str], request: pytest.FixtureRequest,
            value: str) -> int:
    url = None
    if "postgres" in request.node.callspec.id:
        url = request.getfixturevalue("postgres").url("clinicdesk_two_servers")
    store = open_store(tmp_path, url)
    try:
        return int(store.query("SELECT count(*) FROM audit_identifier WHERE value = ?",
                               (value,))[0][0])
    finally:
        store.close()


def _entry(value: str) -> dict:
    event = _pushed("p-race", USER)
    event["entity"][0]["what"]["identifier"]["value"] = value
    return event


def _maybe_xfail(request: pytest.FixtureRequest) -> None:
    if "postgres" in request.node.callspec.id:
        request.applymarker(LANES_RACE)


def test_a_conditional_upload_at_once_on_two_processes_is_stored_once(
        two_servers: list[str], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _maybe_xfail(request)
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
    _maybe_xfail(request)
    for _ in range(ROUNDS):
        rid, value = str(uuid.uuid4()), str(uuid.uuid4())

        def send(client: httpx.Client, base: str, auth: dict, rid: str = rid,
                 value: str = value):
            return client.put(f"{base}/fhir/AuditEvent/{rid}", json=_entry(value) | {"id": rid},
                              headers=auth | {"Content-Type": "application/fhir+json"})
        codes = _at_once(two_servers, send)
        assert codes.count(201) == 1 and max(codes) < 500, codes
        assert _stored(tmp_path, two_servers, request, value) == 1
