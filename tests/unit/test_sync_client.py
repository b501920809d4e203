"""Narrow cases of the FHIR client against httpx.MockTransport (the real server is in
tests/integration/test_sync_*): auth refresh, error kinds, malformed bodies, capabilities."""

import json
import uuid

import httpx
import pytest

from app.central.auth import TokenStore
from app.central.client import ClientConfig, FhirClient, what
from app.central.errors import Kind, SyncError
from app.central.retry import Backoff, CircuitBreaker, Retrier
from tests.fixtures.smart import smart_reply

BASE = "https://emr.test"


class Server:
    """A scripted server: `routes` maps 'METHOD path' to a function(request) -> Response."""

    def __init__(self):
        self.routes, self.seen, self.tokens, self.hosts = {}, [], 0, set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path, request.headers.get("authorization")))
        self.hosts.add(request.url.host)
        if (discovery := smart_reply(request)) is not None:
            return discovery
        if request.url.path == "/oauth/token":
            self.tokens += 1
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            if form.get("refresh_token") == "revoked" or form.get("password") == "wrong":
                return httpx.Response(400, json={"error": "invalid_grant"})
            return httpx.Response(200, json={"access_token": f"a{self.tokens}",
                                             "refresh_token": f"r{self.tokens}",
                                             "expires_in": 900})
        handler = self.routes.get(f"{request.method} {request.url.path}")
        return handler(request) if handler else httpx.Response(404)


@pytest.fixture
def server():
    return Server()


@pytest.fixture
def store():
    s = TokenStore(BASE, "tester", service=f"ClinicDesk sync test {uuid.uuid4()}")
    yield s
    s.delete()


def make(server, store, attempts=1):
    retrier = Retrier(attempts=attempts, backoff=Backoff(base=0.001, cap=0.002),
                      breaker=CircuitBreaker(threshold=100))
    return FhirClient(ClientConfig(BASE, "tester"), transport=httpx.MockTransport(server),
                      retrier=retrier, token_store=store)


def test_sign_in_keeps_the_refresh_token_in_the_keyring_and_sends_the_bearer(server, store):
    server.routes["GET /fhir/Patient/p1"] = lambda r: httpx.Response(
        200, json={"resourceType": "Patient", "id": "p1"})
    client = make(server, store)
    client.sign_in("secret")
    assert store.load() == "r1"
    assert client.get("Patient/p1")["id"] == "p1"
    assert server.seen[-1][2] == "Bearer a1"


def test_a_401_refreshes_once_and_retries(server, store):
    calls = []

    def patient(request):
        calls.append(request.headers["authorization"])
        ok = request.headers["authorization"] == "Bearer a2"
        return httpx.Response(200 if ok else 401, json={"resourceType": "Patient", "id": "p"})
    server.routes["GET /fhir/Patient/p"] = patient
    client = make(server, store)
    client.sign_in("secret")
    assert client.get("Patient/p")["id"] == "p"
    assert calls == ["Bearer a1", "Bearer a2"]
    assert store.load() == "r2"  # the rotated refresh token replaced the old one


def test_a_second_401_is_an_auth_error_not_a_loop(server, store):
    server.routes["GET /fhir/Patient/p"] = lambda r: httpx.Response(401)
    client = make(server, store, attempts=3)
    client.sign_in("secret")
    with pytest.raises(SyncError) as caught:
        client.get("Patient/p")
    assert caught.value.kind is Kind.AUTH
    assert server.tokens == 2  # sign-in + one refresh


def test_a_refused_refresh_token_is_forgotten(server, store):
    store.save("revoked")
    with pytest.raises(SyncError) as caught:
        make(server, store).get("metadata")
    assert caught.value.kind is Kind.AUTH
    assert store.load() is None


def test_no_refresh_token_means_sign_in_needed(server, store):
    with pytest.raises(SyncError) as caught:
        make(server, store).get("metadata")
    assert caught.value.kind is Kind.AUTH


def test_wrong_password(server, store):
    with pytest.raises(SyncError) as caught:
        make(server, store).sign_in("wrong")
    assert caught.value.kind is Kind.AUTH


@pytest.mark.parametrize(("response", "kind"), [
    (httpx.Response(500), Kind.SERVER),
    (httpx.Response(503, headers={"Retry-After": "7"}), Kind.SERVER),
    (httpx.Response(429), Kind.SERVER),
    (httpx.Response(400), Kind.CLIENT),
    (httpx.Response(403), Kind.FORBIDDEN),
    (httpx.Response(410), Kind.GONE),
    (httpx.Response(412), Kind.CONFLICT),
    (httpx.Response(409), Kind.CONFLICT),
    (httpx.Response(200, content=b"<html>proxy error</html>"), Kind.INVALID),
    (httpx.Response(200, content=b'{"resourceType": "Bundle", "entry": [{"res'), Kind.INVALID),
    (httpx.Response(200, json={"resourceType": "Patient"}), Kind.INVALID),
    (httpx.Response(200, json=[1, 2]), Kind.INVALID),
    (httpx.Response(200, json={"resourceType": "Bundle", "entry": {}}), Kind.INVALID),
])
def test_each_failure_has_its_kind(server, store, response, kind):
    server.routes["GET /fhir/Observation"] = lambda r: response
    store.save("r0")
    with pytest.raises(SyncError) as caught:
        make(server, store).get("Observation", params={"patient": "p"}, expect="Bundle")
    assert caught.value.kind is kind
    if response.status_code == 503:
        assert caught.value.retry_after == 7


@pytest.mark.parametrize(("exc", "kind"), [
    (httpx.ConnectError("refused"), Kind.NETWORK),
    (httpx.ReadError("reset"), Kind.NETWORK),
    (httpx.RemoteProtocolError("peer closed connection"), Kind.NETWORK),
    (httpx.ReadTimeout("slow"), Kind.TIMEOUT),
    (httpx.ConnectTimeout("slow"), Kind.TIMEOUT),
])
def test_transport_failures(server, store, exc, kind):
    def boom(request):
        raise exc
    server.routes["GET /fhir/metadata"] = boom
    store.save("r0")
    with pytest.raises(SyncError) as caught:
        make(server, store).get("metadata")
    assert caught.value.kind is kind


def test_transient_failures_are_retried(server, store):
    answers = iter([httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(502),
                    httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})])
    server.routes["GET /fhir/Observation"] = lambda r: next(answers)
    store.save("r0")
    assert make(server, store, attempts=3).get("Observation")["resourceType"] == "Bundle"


def test_pages_follow_next_links_without_assuming_a_total(server, store):
    def page(request):
        n = int(request.url.params.get("page", "1"))
        body = {"resourceType": "Bundle", "type": "history",
                "entry": [{"resource": {"resourceType": "Basic", "id": f"{n}"}}]}
        if n < 3:  # the server names itself by another host: the link is brought back to ours
            body["link"] = [{"relation": "next", "url": f"http://other:1/fhir/_history?page={n+1}"}]
        return httpx.Response(200, json=body)
    server.routes["GET /fhir/_history"] = page
    store.save("r0")
    seen = []
    client = make(server, store)
    pages = list(client.pages("_history", progress=lambda d, t: seen.append((d, t))))
    assert [p["entry"][0]["resource"]["id"] for p in pages] == ["1", "2", "3"]
    assert seen == [(1, None), (2, None), (3, None)]
    assert server.hosts == {"emr.test"}  # the bearer token never went to "other"
    assert all(u.startswith("Bearer") for _, p, u in server.seen if p == "/fhir/_history")


def test_capabilities_read_from_metadata(server, store):
    statement = {"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1", "rest": [{
        "mode": "server", "interaction": [{"code": "transaction"}, {"code": "history-system"}],
        "resource": [{"type": "Patient", "interaction": [{"code": "read"}, {"code": "search-type"}],
                      "operation": [{"name": "everything", "definition":
                                     "http://hl7.org/fhir/OperationDefinition/Patient-everything"}],
                      "searchParam": [{"name": "identifier"}]},
                     {"type": "Observation", "interaction": [{"code": "search-type"}]}]}]}
    server.routes["GET /fhir/metadata"] = lambda r: httpx.Response(200, json=statement)
    store.save("r0")
    caps = make(server, store).capabilities()
    assert caps.everything and caps.system_history and caps.transaction and not caps.batch
    assert caps.chart_types == ("Patient", "Observation")
    assert caps.searchable("Patient", "identifier") and caps.searchable("Observation", "_id")


def test_error_names_carry_no_ids():
    assert what("GET", f"{BASE}/fhir/Patient/abc-123/$everything") == "GET Patient/…/$everything"
    assert what("PUT", "Observation/x9") == "PUT Observation/…"


def test_the_error_text_is_translatable_and_has_no_detail():
    err = SyncError(Kind.SERVER, "GET Patient/…", status=503)
    assert err.text.context == "sync" and "503" in err.text.render()
    assert json.dumps(err.text.source)
