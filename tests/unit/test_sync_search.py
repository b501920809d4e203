"""Patient searches never put an identifier, a name or a birth date in a URL (issue 16): the app's
search service sends every kind of query as `POST Patient/_search` with a form body, which the
reference server reads like a GET (tests/ui/test_privacy_canary.py runs them on it). Every
request is recorded and its URL searched for the query's values in every form."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from urllib.parse import parse_qs

import httpx
import pytest

from app.central.auth import TokenStore
from app.central.client import FORM, ClientConfig, FhirClient
from tests.fixtures.smart import smart_reply
from tests.privacy_scan import Canary

BASE = "https://emr.test"
PATIENT = {"resourceType": "Patient", "id": "p1",
           "identifier": [{"system": "https://www.ramq.gouv.qc.ca/nam", "value": "COTH55510112"},
                          {"system": "urn:clinicdesk:chart-number", "value": "100042"}],
           "name": [{"family": "Côté-Bérubé", "given": ["Hélène", "Marie-Ève"]}],
           "birthDate": "1955-01-01"}
QUERIES = ["COTH55510112", "coth 5551 0112", "100042", "Côté-Bérubé, Hélène 1955-01-01"]


@pytest.fixture
def recorded():
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if (discovery := smart_reply(request)) is not None:
            return discovery
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "a", "expires_in": 900})
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset",
                                         "entry": [{"resource": PATIENT}]})
    tokens = TokenStore(BASE, "tester", service=f"ClinicDesk search test {uuid.uuid4()}")
    tokens.save("r")
    client = FhirClient(ClientConfig(BASE, "tester"), transport=httpx.MockTransport(server),
                        token_store=tokens)
    yield client, seen
    tokens.delete()


def test_search_is_a_post_with_a_form_body(recorded):
    client, seen = recorded
    client.search("Patient", {"identifier": "https://www.ramq.gouv.qc.ca/nam|COTH55510112",
                              "_count": "50"})
    request = seen[-1]
    assert (request.method, request.url.path, request.url.query) == (
        "POST", "/fhir/Patient/_search", b"")
    assert request.headers["content-type"] == FORM
    assert parse_qs(request.content.decode())["identifier"] == [
        "https://www.ramq.gouv.qc.ca/nam|COTH55510112"]


@pytest.mark.parametrize("query", QUERIES)
def test_no_query_value_in_any_url(recorded, query):
    from app.workstation.patients import PatientSearch

    client, seen = recorded
    session = SimpleNamespace(client=client, profile=None,
                              executor=SimpleNamespace(call=lambda fn: None))
    found = PatientSearch(session).search(query)
    assert [p.id for p in found] == ["p1"]
    searches = [r for r in seen if r.url.path.startswith("/fhir/")
                and "/.well-known/" not in r.url.path]  # sign-in discovery: not a search
    assert [(r.method, r.url.path) for r in searches] == [("POST", "/fhir/Patient/_search")]
    canary = Canary.from_patients([PATIENT])
    urls = "\n".join(str(r.url) for r in seen).encode()
    assert canary.hits("urls", urls) == []
    assert canary.hits("body", searches[0].content)  # the values went, in the body
