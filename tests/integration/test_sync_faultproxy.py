"""The fault proxy itself, over real loopback TCP to a tiny JSON upstream: each fault reaches
the client as the SyncError kind it should, and retries get through scripted faults."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.central.auth import TokenStore
from app.central.client import ClientConfig, FhirClient
from app.central.errors import Kind, SyncError
from app.central.retry import Backoff, CircuitBreaker, Retrier
from tests.fixtures.sync import Fault

BUNDLE = {"resourceType": "Bundle", "type": "searchset",
          "entry": [{"resource": {"resourceType": "Basic", "id": str(i)}} for i in range(200)]}


class Upstream(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        Upstream.hits.append(self.path)
        if self.path.endswith("/.well-known/smart-configuration"):  # sign-in's discovery
            self._json({"token_endpoint": f"http://{self.headers['Host']}/oauth/token",
                        "grant_types_supported": ["password", "refresh_token"]})
            return
        self._json(BUNDLE)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Upstream.hits.append(self.path)
        self._json({"access_token": "a", "refresh_token": "r", "expires_in": 900})

    def _json(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def proxy(upstream, fault_proxy_factory):
    return fault_proxy_factory(upstream, stall=1.5)


def client_for(proxy, attempts=1):
    store = TokenStore(proxy.url, "t", service=f"ClinicDesk sync test {uuid.uuid4()}")
    store.save("r")
    retrier = Retrier(attempts=attempts, backoff=Backoff(base=0.01, cap=0.05),
                      breaker=CircuitBreaker(threshold=100))
    settings = ClientConfig(proxy.url, "t", timeout=1.0, connect_timeout=1.0)
    return FhirClient(settings, retrier=retrier, token_store=store), store


@pytest.mark.parametrize(("fault", "kind"), [
    (Fault.DROP, Kind.NETWORK), (Fault.LOST_REPLY, Kind.NETWORK), (Fault.RESET, Kind.NETWORK),
    (Fault.STALL, Kind.TIMEOUT), (Fault.S500, Kind.SERVER), (Fault.S503, Kind.SERVER),
    (Fault.TRUNCATE, Kind.NETWORK), (Fault.CUT_JSON, Kind.INVALID),
])
def test_each_fault_reaches_the_client_as_its_kind(proxy, fault, kind):
    client, store = client_for(proxy)
    try:
        client.get("metadata")  # token refresh + one clean call
        proxy.script(fault)
        with pytest.raises(SyncError) as caught:
            client.get("Basic", expect="Bundle")
        assert caught.value.kind is kind
        if fault is Fault.S503:
            assert caught.value.retry_after == 1
        assert len(client.get("Basic", expect="Bundle")["entry"]) == 200  # clean again
    finally:
        client.close()
        store.delete()


def test_retries_get_through_a_run_of_faults(proxy):
    client, store = client_for(proxy, attempts=8)
    try:
        client.get("metadata")
        proxy.script(Fault.DROP, Fault.RESET, Fault.S500, Fault.TRUNCATE, Fault.CUT_JSON)
        assert len(client.get("Basic", expect="Bundle")["entry"]) == 200
        assert proxy.faults_applied() == ["drop", "reset", "500", "truncate", "cut_json"]
    finally:
        client.close()
        store.delete()


def test_a_down_server_is_a_network_error(proxy):
    client, store = client_for(proxy)
    proxy.down()
    try:
        with pytest.raises(SyncError) as caught:
            client.get("metadata")
        assert caught.value.kind is Kind.NETWORK
        proxy.up()
        assert client.get("Basic", expect="Bundle")["resourceType"] == "Bundle"
    finally:
        client.close()
        store.delete()
