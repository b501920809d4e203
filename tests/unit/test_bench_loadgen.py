"""The load generator's lean HTTP/1.1 connection (bench.loadgen.Connection) against a loopback
server: keep-alive reuse, a request sent again once on a new connection when the server closed
the idle one (as uvicorn does after 5 s), no resend on a fresh connection that fails, chunked
and close-delimited bodies."""

from __future__ import annotations

import asyncio

import pytest

from bench.loadgen import Connection, HttpError


async def _serve(replies: list[bytes | None], seen: list[bytes]) -> tuple[asyncio.Server, str]:
    """Each connection reads requests and sends the next reply of `replies`; None: close the
    connection without answering. A reply ending in b"<close>" closes after it."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(b"connect")
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                seen.append(head.split(b"\r\n", 1)[0])
                reply = replies.pop(0)
                if reply is None:
                    break
                writer.write(reply.removesuffix(b"<close>"))
                await writer.drain()
                if reply.endswith(b"<close>"):
                    break
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/fhir"


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"


def _run(replies: list[bytes | None], requests: int) -> tuple[list, list[bytes]]:
    seen: list[bytes] = []

    async def go() -> list:
        server, base = await _serve(replies, seen)
        conn, out = Connection(base, "token"), []
        try:
            for _ in range(requests):
                try:
                    out.append(await conn.request("GET", "metadata"))
                except HttpError as error:
                    out.append(error)
                await asyncio.sleep(0.05)  # the server's close reaches us first
        finally:
            conn.close()
            server.close()
        return out

    return asyncio.run(go()), seen


def test_a_connection_is_kept_alive_between_requests():
    out, seen = _run([OK, OK, OK], 3)
    assert out == [(200, b"{}")] * 3 and seen.count(b"connect") == 1
    assert seen[1] == b"GET /fhir/metadata HTTP/1.1"


def test_an_idle_connection_the_server_closed_is_replaced_and_the_request_sent_once_again():
    out, seen = _run([OK + b"<close>", OK], 2)
    assert out == [(200, b"{}"), (200, b"{}")]
    assert seen.count(b"connect") == 2 and seen.count(b"GET /fhir/metadata HTTP/1.1") == 2


@pytest.mark.parametrize(("replies", "requests", "connects"), [
    ([None], 1, 1),  # a fresh connection dropped: no resend
    ([OK, None, None], 2, 2),  # a reused one dropped: one resend, on a new one, dropped too
], ids=["fresh", "reused then fresh"])
def test_a_request_the_server_drops_on_a_new_connection_is_an_error_not_a_loop(
        replies, requests, connects):
    out, seen = _run(replies, requests)
    assert isinstance(out[-1], HttpError)
    assert seen.count(b"connect") == connects


def test_chunked_and_close_delimited_bodies_are_read_whole():
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"2\r\n{\"\r\n1\r\n}\r\n0\r\n\r\n")
    closing = b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n{\"x\":1}<close>"
    out, _ = _run([chunked, closing], 2)
    assert out == [(200, b'{"}'), (404, b'{"x":1}')]
