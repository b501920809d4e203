"""An idle workstation connection outlives a clinician's pause: `serve` keeps it
(server.commands.serve.KEEP_ALIVE_S, uvicorn's default was 5 s, so each request after a pause
paid a new connection, a TLS handshake behind a real proxy), and the workstation's client lets
go of it first (app.central.client.KEEP_ALIVE_S is shorter), so it never sends a request on a
connection the server has just closed."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from app.central import client
from server.commands import serve
from tests.fixtures.server_forks import ForkedServer

PAUSE_S = 6  # longer than uvicorn's default keep-alive (5 s)


def test_a_connection_idle_past_a_pause_is_still_served(tmp_path):
    server = ForkedServer(tmp_path, auth=False).start()
    try:
        url = urlsplit(server.base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("GET", "/health")
        first = conn.getresponse()
        first.read()
        socket_before = conn.sock
        time.sleep(PAUSE_S)
        conn.request("GET", "/health")  # on the same socket: http.client reconnects only if closed
        again = conn.getresponse()
        again.read()
        assert (first.status, again.status) == (200, 200)
        assert conn.sock is socket_before, "the server closed the idle connection"
        conn.close()
    finally:
        server.stop()


def test_the_client_lets_go_before_the_server_does():
    assert PAUSE_S < client.KEEP_ALIVE_S < serve.KEEP_ALIVE_S
