"""What an audited read and each other request of the load mix cost PostgreSQL, counted on the
wire (issues 15, 19): the real server talks to its database through a proxy that counts the
statements it sends (Query, Execute), the round trips it waits for (Query, Sync: each is
answered before the client goes on) and the transactions it opens (BEGIN). On loopback a
statement's cost is mostly CPU (psycopg's and PostgreSQL's, ~0.04–0.09 ms), so statements are
what count. A regression (a statement or a transaction of its own again) shows here, whatever
the machine's speed."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.core import fhir_systems
from bench import loadgen
from server.processes import Postgres, free_port
from server.seed import generate
from server.storage import open_store
from tests.fixtures.identity import (
    SEED,
    SEEDED_PATIENTS,
    bearer,
    seed_staff,
    seed_store,
    sign_in,
)
from tests.fixtures.server import BACKENDS
from tests.fixtures.server_forks import ForkedServer
from tests.integration.test_identity_authz import _patient

PHYSICIAN = "1000001"
STARTUP_CODES = (80877103, 80877104)  # SSLRequest, GSSENCRequest: no type byte either


class WireCounter:
    """A TCP proxy to PostgreSQL counting the frontend messages of every connection."""

    def __init__(self, upstream_port: int):
        self.upstream = upstream_port
        self.port = free_port()
        self.statements = self.round_trips = 0
        self.sent: list[str] = []  # the start of each statement's text (never its values)
        self._parsed: dict[bytes, bytes] = {}  # prepared statement name → text
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._sockets: list[socket.socket] = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.statements = self.round_trips = 0
            self.sent = []

    def close(self) -> None:
        for s in self._sockets:
            s.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            self._sockets += [client, server]
            threading.Thread(target=self._frontend, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                s.close()

    def _note(self, kind: bytes, body: bytes) -> None:
        """Query: text; Parse: name, text; Bind: portal, statement name, values."""
        parts = body.split(b"\0", 2)
        if kind == b"P":
            self._parsed[parts[0]] = parts[1]
        text = parts[0] if kind == b"Q" else self._parsed.get(parts[1], b"?") \
            if kind == b"B" else None
        if text is not None:
            self.sent.append(text[:48].decode())

    def _frontend(self, client: socket.socket, server: socket.socket) -> None:
        """Forwards the client's bytes, parsing its messages as they pass: untyped ones until
        the startup message, then (type byte, int32 length including itself, body). Counted
        before they are forwarded: what the server answered is counted by then."""
        buffer, started = b"", False
        try:
            while data := client.recv(65536):
                buffer += data
                while True:
                    if not started:
                        if len(buffer) < 8:
                            break
                        length, code = struct.unpack("!ii", buffer[:8])
                        if len(buffer) < length:
                            break
                        buffer, started = buffer[length:], code not in STARTUP_CODES
                        continue
                    if len(buffer) < 5:
                        break
                    kind, length = buffer[:1], struct.unpack("!i", buffer[1:5])[0]
                    if len(buffer) < 1 + length:
                        break
                    body, buffer = buffer[5:1 + length], buffer[1 + length:]
                    with self._lock:
                        self._note(kind, body)
                        self.statements += kind in (b"Q", b"E")
                        self.round_trips += kind in (b"Q", b"S")
                server.sendall(data)
        except OSError:
            pass
        finally:
            for s in (client, server):
                s.close()


@pytest.fixture
def counted_server(postgres: Postgres, tmp_path: Path) -> Iterator[tuple[str, WireCounter]]:
    url = postgres.new_database("clinicdesk_round_trips")
    seed_store(tmp_path, url)
    wire = WireCounter(postgres.port)
    proc = ForkedServer(tmp_path, url.replace(f":{postgres.port}/", f":{wire.port}/"),
                        auth=True)
    try:
        yield proc.start().base, wire
    finally:
        proc.stop()
        wire.close()


# (statements, round trips, transactions: BEGIN … COMMIT) of each request of the load mix
# (bench.loadgen) by a signed-in physician, on the wire (both off, for comparison: search 5 =
# fence, BEGIN, page, count, COMMIT; $everything 5, read 4):
# search: bearer check; fence; page + its patients' Consents, one statement outside a
#   transaction (its own snapshot); AuditEvent
# $everything: bearer check; fence; the chart with its Patient (its Consents among it), one
#   statement outside a transaction (its own snapshot); AuditEvent
# read: bearer check; BEGIN; the Patient; its Consents; COMMIT; AuditEvent (no fence)
# note (POST Condition): bearer check; the gate's Patient + its Consents, one statement outside
#   a transaction (its own snapshot); the write: BEGIN (+ its clock), the version, the
#   Patient's row locked (shared), care_change, resource_current, COMMIT (its new id is not
#   read first, nor its search tokens deleted: it has none)
# round (a sync round that finds nothing): fence; bearer check; the care rows changed since;
#   the page (no AuditEvent: nothing shown)
EXPECTED = {"search": (4, 4, 0), "everything": (4, 4, 0), "read": (6, 6, 1),
            "note": (8, 8, 1), "round": (4, 4, 0)}


@pytest.mark.postgres
@pytest.mark.parametrize("what", list(EXPECTED))
def test_an_audited_read_costs_postgresql_so_many_round_trips(
        counted_server: tuple[str, WireCounter], what: str) -> None:
    base, wire = counted_server
    chart = _patient(generate.patients(SEEDED_PATIENTS, SEED), PHYSICIAN)
    pid = chart[0]["id"]
    nam = next(i["value"] for i in chart[0]["identifier"] if i["system"] == fhir_systems.NAM)
    with httpx.Client(base_url=f"{base}/fhir/", timeout=30,
                      headers=bearer(sign_in(base, PHYSICIAN))) as client:
        def get() -> None:
            if what == "note":
                found = client.post("Condition", content=loadgen.note_body(pid),
                                    headers={"Content-Type": "application/fhir+json"})
                assert found.status_code == 201
                return
            if what == "round":  # since now: nothing changed
                found = client.get(loadgen.history_path(datetime.now(UTC).isoformat()))
                assert found.status_code == 200
                assert not found.json().get("entry")
                return
            path, params, entries = {
                "search": ("Patient", {"identifier": f"{fhir_systems.NAM}|{nam}"}, 1),
                "everything": (f"Patient/{pid}/$everything", {}, len(chart)),
                "read": (f"Patient/{pid}", {}, None)}[what]
            found = client.get(path, params=params)
            assert found.status_code == 200
            assert entries is None or len(found.json()["entry"]) == entries
        for _ in range(20):  # psycopg prepares a statement at its 5th run: a round trip then
            get()
        counts = []
        # the fewest of three: a pooled connection opened under load meanwhile prepares its
        # statements at their 5th run there (one round trip more, once); a statement added
        # to the path is in all three
        for _ in range(3):
            time.sleep(0.2)  # past FENCE_REUSE: the fence is read again
            wire.reset()
            get()
            begun = sum(text.lstrip().upper().startswith("BEGIN") for text in wire.sent)
            counts.append(((wire.statements, wire.round_trips, begun), wire.sent))
        counted, sent = min(counts)
    assert counted == EXPECTED[what], sent


def _named_elsewhere(request: pytest.FixtureRequest, tmp_path: Path, backend: str,
                     database: str, more: dict[str, tuple[str, dict]] | None = None
                     ) -> str | None:
    """Staff, and Patient p-elsewhere whose physician is named by a Practitioner that is not an
    account's id (its USERNAME identifier says whose), with `more` (type: (id, body)); the
    database URL (None: SQLite)."""
    url = request.getfixturevalue("postgres").new_database(database) \
        if backend == "postgres" else None
    seed_staff(tmp_path, url)
    store = open_store(tmp_path, url)
    try:
        with store.write() as tx:
            tx.upsert("Practitioner", "dr-elsewhere", {"identifier": [
                {"system": fhir_systems.USERNAME, "value": PHYSICIAN}]})
            tx.upsert("Patient", "p-elsewhere", {
                "generalPractitioner": [{"reference": "Practitioner/dr-elsewhere"}]})
            for rtype, (rid, body) in (more or {}).items():
                tx.upsert(rtype, rid, body)
    finally:
        store.close()
    return url


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_search_whose_decision_needs_another_read_is_read_again_in_one_snapshot(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    """The patient's physician is named by a Practitioner that is not an account's id (its
    USERNAME identifier says whose): deciding reads it, a second statement, so the search's
    one-statement read gives way to a transaction (never a 500, nor a decision on two
    snapshots)."""
    url = _named_elsewhere(request, tmp_path, backend, "clinicdesk_snapshot_again")
    proc = ForkedServer(tmp_path, url, auth=True).start()
    try:
        def found(who: str) -> list:
            page = httpx.get(f"{proc.base}/fhir/Patient", timeout=30,
                             params={"_id": "p-elsewhere"},
                             headers=bearer(sign_in(proc.base, who)))
            assert page.status_code == 200, page.status_code
            return page.json().get("entry", [])
        assert len(found(PHYSICIAN)) == 1
        assert len(found("1000003")) == 1  # demographics: any professional (not the relation)
    finally:
        proc.stop()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_chart_whose_decision_needs_another_read_is_read_again_in_one_snapshot(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    """`$everything` reads a whole chart in one statement outside a transaction; when deciding
    needs more (the physician named by a Practitioner that is not an account's) the chart is
    read again in one transaction: the same answer, never a 500; a later page is read in one
    transaction (its Consents are not on it)."""
    url = _named_elsewhere(request, tmp_path, backend, "clinicdesk_chart_again", {
        "Observation": ("o-elsewhere", {"status": "final", "code": {"text": "weight"},
                                        "subject": {"reference": "Patient/p-elsewhere"}})})
    proc = ForkedServer(tmp_path, url, auth=True).start()
    try:
        with httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30,
                          headers=bearer(sign_in(proc.base, PHYSICIAN))) as client:
            whole = client.get("Patient/p-elsewhere/$everything")
            assert whole.status_code == 200, whole.status_code
            assert sorted(e["resource"]["id"] for e in whole.json()["entry"]) == \
                ["o-elsewhere", "p-elsewhere"]
            first = client.get("Patient/p-elsewhere/$everything", params={"_count": "1"})
            assert first.status_code == 200, first.status_code
            later = client.get(next(x["url"] for x in first.json()["link"]
                                    if x["relation"] == "next"))
            assert later.status_code == 200, later.status_code
            assert [e["resource"]["id"] for e in first.json()["entry"] + later.json()["entry"]] \
                == ["p-elsewhere", "o-elsewhere"]
    finally:
        proc.stop()
