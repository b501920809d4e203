"""What an audited read costs PostgreSQL, counted on the wire (issue 15): the real server talks to
its database through a proxy that counts the statements it sends (Query, Execute) and the
round trips it waits for (Query, Sync: each is answered before the client goes on). A Patient
search by NAM of a signed-in physician: the fence (read afresh: FENCE_REUSE has passed), the
read transaction's BEGIN with the bearer check (one pipeline), the search with its patients'
Consents, COMMIT, the AuditEvent's append. A regression (a statement of its own again) shows
here, whatever the machine's speed."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core import fhir_systems
from server.processes import Postgres, ServerProcess, free_port
from server.seed import generate
from tests.fixtures.identity import SEED, SEEDED_PATIENTS, bearer, seed_store, sign_in
from tests.integration.test_identity_authz import _patient

pytestmark = pytest.mark.postgres

PHYSICIAN = "1000001"
STARTUP_CODES = (80877103, 80877104)  # SSLRequest, GSSENCRequest: no type byte either


class WireCounter:
    """A TCP proxy to PostgreSQL counting the frontend messages of every connection."""

    def __init__(self, upstream_port: int):
        self.upstream = upstream_port
        self.port = free_port()
        self.statements = self.round_trips = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._sockets: list[socket.socket] = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.statements = self.round_trips = 0

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

    def _frontend(self, client: socket.socket, server: socket.socket) -> None:
        """Forwards the client's bytes, parsing its messages as they pass: untyped ones until
        the startup message, then (type byte, int32 length including itself, body)."""
        buffer, started = b"", False
        try:
            while data := client.recv(65536):
                server.sendall(data)
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
                    buffer = buffer[1 + length:]
                    with self._lock:
                        self.statements += kind in (b"Q", b"E")
                        self.round_trips += kind in (b"Q", b"S")
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
    proc = ServerProcess(tmp_path, url.replace(f":{postgres.port}/", f":{wire.port}/"),
                         auth=True)
    try:
        yield proc.start().base, wire
    finally:
        proc.stop()
        wire.close()


def test_an_audited_search_costs_five_round_trips_on_postgresql(
        counted_server: tuple[str, WireCounter]) -> None:
    base, wire = counted_server
    chart = _patient(generate.patients(SEEDED_PATIENTS, SEED), PHYSICIAN)
    nam = next(i["value"] for i in chart[0]["identifier"] if i["system"] == fhir_systems.NAM)
    with httpx.Client(base_url=f"{base}/fhir/", timeout=30,
                      headers=bearer(sign_in(base, PHYSICIAN))) as client:
        def search() -> None:
            found = client.get("Patient", params={"identifier": f"{fhir_systems.NAM}|{nam}"})
            assert found.status_code == 200 and len(found.json()["entry"]) == 1
        for _ in range(20):  # psycopg prepares a statement at its 5th run: a round trip then
            search()
        time.sleep(0.2)  # past FENCE_REUSE: the fence is read again
        wire.reset()
        search()
        counted = (wire.statements, wire.round_trips)
    # fence; BEGIN, bearer check; search + Consents; COMMIT; AuditEvent append
    assert counted == (6, 5), counted
