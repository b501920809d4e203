"""`serve --workers N` answers as fast as one process: each worker's connections have
TCP_NODELAY, as uvicorn's own sockets do. Without it (the listening socket made with proto 0,
which asyncio does not take for TCP) Nagle's algorithm held each answer's second write until
the client's delayed ACK: ≥ 40 ms a request (Linux's least delayed ACK), 44 ms median against
2 ms for one process, which capped 2 processes under the closed-loop bench at 1.2–1.5× one.
Every process started here is ended."""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from pathlib import Path

import httpx
import pytest

from server import workers
from server.processes import Postgres, ServerProcess, free_port

REQUESTS = 20
LIMIT_MS = 25.0  # far above a loopback /metadata (~2 ms), under the 40 ms delayed ACK

pytestmark = pytest.mark.skipif(not workers.supported(), reason="SO_REUSEPORT workers: Linux")


def test_a_connection_accepted_by_a_worker_socket_has_tcp_nodelay():
    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listening = workers.listening_socket("127.0.0.1", free_port())
        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        try:
            _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
            try:
                return await asyncio.wait_for(seen, 10)
            finally:
                writer.close()
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay()) != 0


@pytest.mark.postgres
def test_two_worker_processes_answer_sequential_requests_without_a_delayed_ack(
        tmp_path: Path, postgres: Postgres):
    url = postgres.new_database("clinicdesk_nodelay")
    proc = ServerProcess(tmp_path, url, auth=False, extra_args=("--workers", "2")).start(120)
    try:
        with httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30) as fhir:
            assert fhir.get("metadata").status_code == 200  # the connection open, warm
            times = []
            for _ in range(REQUESTS):  # one keep-alive connection: one worker
                started = time.perf_counter()
                assert fhir.get("metadata").status_code == 200
                times.append((time.perf_counter() - started) * 1000)
    finally:
        proc.stop()
    assert statistics.median(times) < LIMIT_MS, times
