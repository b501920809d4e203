"""The server probe goes through the central server's seam (app.central.client.probe): https
only, the health answer read capped, any failure a plain False."""

from __future__ import annotations

import httpx

from app.central.client import HEALTH_REPLY_BYTES, probe

BASE = "https://central.example"


def transport(seen: list[str], response: httpx.Response) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return response
    return httpx.MockTransport(handler)


def test_a_healthy_server_answers() -> None:
    seen: list[str] = []
    assert probe(BASE, transport=transport(seen, httpx.Response(200, json={"ok": True})))
    assert seen == [f"{BASE}/health"]


def test_an_unhealthy_or_oversized_answer_is_no() -> None:
    assert not probe(BASE, transport=transport([], httpx.Response(503)))
    huge = httpx.Response(200, content=b"x" * (HEALTH_REPLY_BYTES + 1))
    assert not probe(BASE, transport=transport([], huge))


def test_plain_http_is_refused_without_a_request() -> None:
    seen: list[str] = []
    assert not probe("http://central.example", transport=transport(seen, httpx.Response(200)))
    assert seen == []


def test_a_transport_failure_is_no() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")
    assert not probe(BASE, transport=httpx.MockTransport(refuse))
