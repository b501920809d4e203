"""The reply byte cap of the FHIR client (app.central.replies.byte_cap) against httpx's
MockTransport: counted while the body streams in, after decompression, before any parsing.
(The real server and crafted replies: tests/integration/test_sync_replies.py.)"""

import gzip
import json

import httpx
import pytest

from app.central.client import ClientConfig, FhirClient
from app.central.errors import Kind, SyncError
from app.central.replies import ReplyLimits
from app.central.retry import Retrier
from tests.unit.test_sync_client import BASE, Server, store  # noqa: F401 — the fixture

CAP = 100_000


def client_for(server: Server, token_store) -> FhirClient:
    settings = ClientConfig(BASE, "tester", limits=ReplyLimits(reply_bytes=CAP))
    client = FhirClient(settings, transport=httpx.MockTransport(server),
                        retrier=Retrier(attempts=1), token_store=token_store)
    client.sign_in("secret")
    return client


def streamed(total: int, sent: list[int]):
    """A Bundle of about `total` bytes in 10 KB pieces, counting what was pulled from it."""
    def pieces():
        yield b'{"resourceType":"Bundle","type":"searchset","entry":[],"pad":"'
        for _ in range(total // 10_000):
            sent.append(10_000)
            yield b"x" * 10_000
        yield b'"}'
    return pieces()


@pytest.mark.parametrize("total", [CAP // 2, 50 * CAP])
def test_a_streamed_reply_is_cut_at_the_cap(total, store):  # noqa: F811
    server, sent = Server(), []
    server.routes["GET /fhir/Patient"] = lambda r: httpx.Response(200,
                                                                  content=streamed(total, sent))
    client = client_for(server, store)
    if total < CAP:
        assert client.get("Patient", expect="Bundle")["type"] == "searchset"
        return
    with pytest.raises(SyncError) as raised:
        client.get("Patient", expect="Bundle")
    assert raised.value.kind is Kind.INVALID
    assert raised.value.detail == f"GET Patient: reply over {CAP} bytes"
    assert sum(sent) <= CAP + 20_000  # it stopped reading, not read all then refused


def test_a_declared_length_over_the_cap_is_refused_before_reading(store):  # noqa: F811
    server, sent = Server(), []
    server.routes["GET /fhir/Patient"] = lambda r: httpx.Response(
        200, content=streamed(5 * CAP, sent), headers={"Content-Length": str(5 * CAP)})
    with pytest.raises(SyncError) as raised:
        client_for(server, store).get("Patient", expect="Bundle")
    assert "reply of 500000 bytes, over 100000" in raised.value.detail
    assert sent == []


def test_a_compressed_reply_is_counted_once_inflated(store):  # noqa: F811
    body = json.dumps({"resourceType": "Bundle", "type": "searchset",
                       "pad": "0" * (20 * CAP)}).encode()
    packed = gzip.compress(body)
    assert len(packed) < CAP  # small on the wire, 2 MB once inflated
    server = Server()
    server.routes["GET /fhir/Patient"] = lambda r: httpx.Response(
        200, content=iter([packed]), headers={"Content-Encoding": "gzip"})  # streamed
    with pytest.raises(SyncError) as raised:
        client_for(server, store).get("Patient", expect="Bundle")
    assert raised.value.detail == f"GET Patient: reply over {CAP} bytes"


def test_the_page_size_follows_the_entries_a_page_may_hold():
    assert ClientConfig(BASE, "t").page_size == ReplyLimits().entries_per_page
    assert ClientConfig(BASE, "t", limits=ReplyLimits(entries_per_page=50)).page_size == 50
    assert ClientConfig(BASE, "t", page_size=5).page_size == 5
    for size in (0, ReplyLimits().entries_per_page + 1):
        with pytest.raises(ValueError):
            ClientConfig(BASE, "t", page_size=size)
