"""Input limits over real HTTP (server.limits), on every path that takes a body or a number:
each bad input gets a 4xx with an OperationOutcome (an OAuth error under /oauth), never a 500
or a reset, and the server keeps answering /health."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest

from server.limits import DEFAULT_MAX_BODY, FORM_MAX_BODY
from tests.fixtures.server import FHIR_JSON
from tests.integration.fhir_data import observation, patient

HUGE = "9" * 22  # 22 digits: beyond any 64-bit column
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def client(fhir_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fhir_server, timeout=60) as http:
        yield http


@pytest.fixture
def chart(client: httpx.Client) -> dict:
    """A patient and one observation: (patient id, observation id)."""
    pid = client.post("/fhir/Patient", json=patient()).json()["id"]
    oid = client.post("/fhir/Observation", json=observation(f"Patient/{pid}")).json()["id"]
    return {"pid": pid, "oid": oid}


def _refused(response: httpx.Response, status: int, client: httpx.Client) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:300])
    body = response.json()
    if response.request.url.path.startswith("/oauth/"):
        assert body["error"] in ("invalid_request", "unsupported_grant_type")
    else:
        assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["diagnostics"]
    assert client.get("/health").status_code == 200
    return body


def _json_paths(chart: dict) -> list[tuple[str, str, dict]]:
    """(method, path, headers) of every route that parses a JSON body."""
    return [("POST", "/fhir/Observation", {}),
            ("PUT", f"/fhir/Observation/{chart['oid']}", {"If-Match": 'W/"1"'}),
            ("POST", "/fhir", {}), ("POST", "/fhir/", {})]


def _body_paths(chart: dict) -> list[tuple[str, str, dict]]:
    return [*_json_paths(chart), ("POST", "/fhir/Observation/_search", {"Content-Type": FORM})]


def _nested_extensions(pid: str, levels: int) -> dict:
    """A well-formed Observation whose extension nests `levels` times (JSON depth 2n+3)."""
    extension = {"url": "http://example.org/e", "valueString": "x"}
    for _ in range(levels):
        extension = {"url": "http://example.org/e", "extension": [extension]}
    return {**observation(f"Patient/{pid}"), "extension": [extension]}


@pytest.mark.parametrize("levels", [31, 200])  # 200: a 500 without the cap (recursion)
def test_json_nested_too_deep_is_a_400_on_every_json_path(client, chart, levels):
    for method, path, headers, text in _bodies(chart, _nested_extensions(chart["pid"], levels)):
        response = client.request(method, path, content=text.encode(),
                                  headers={"Content-Type": FHIR_JSON, **headers})
        assert "deeper than 64" in _refused(response, 400, client)["issue"][0]["diagnostics"]
        response = client.request(method, path, content=b"[" * 100_000,
                                  headers={"Content-Type": FHIR_JSON, **headers})
        assert "deeper than 64" in _refused(response, 400, client)["issue"][0]["diagnostics"]


def test_json_nested_too_deep_on_the_qhr_and_ramq_routes_is_a_4xx(client):
    for method, path in (("POST", "/qhr/session"), ("POST", "/qhr/labs/_search"),
                         ("PUT", "/api/ramq/config"), ("POST", "/api/ramq/family-physician"),
                         ("POST", "/api/ramq/eligibility"), ("POST", "/api/ramq/account-requests")):
        response = client.request(method, path, content=b"[" * 100_000,
                                   headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert client.get("/health").status_code == 200


def _bodies(chart: dict, obs: dict) -> list[tuple[str, str, dict, str]]:
    """(method, path, headers, JSON text): `obs` as each JSON route takes it."""
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": obs, "request": {"method": "POST", "url": "Observation"}}]}
    bodies = []
    for method, path, headers in _json_paths(chart):
        body = {**obs, "id": chart["oid"]} if method == "PUT" else \
            obs if path == "/fhir/Observation" else bundle
        bodies.append((method, path, headers, json.dumps(body)))
    return bodies


def test_non_finite_numbers_and_non_json_are_a_400(client, chart):
    for method, path, headers, text in _bodies(chart, observation(f"Patient/{chart['pid']}",
                                                                  value=5.4)):
        for number in ("NaN", "1e999", "-Infinity"):  # refused while parsing, before FHIR
            content = text.replace("5.4", number).encode()
            response = client.request(method, path, content=content,
                                      headers={"Content-Type": FHIR_JSON, **headers})
            said = _refused(response, 400, client)["issue"][0]["diagnostics"]
            assert said in ("NaN is not a JSON number", "-Infinity is not a JSON number",
                            "a number in the body is out of range"), said
        content = text.replace("5.4", "1" * 5000).encode()  # Python refuses 4300+ digits
        _refused(client.request(method, path, content=content,
                                headers={"Content-Type": FHIR_JSON, **headers}), 400, client)
        for content in (b"\xff\xfe{", b"{", b""):
            response = client.request(method, path, content=content,
                                      headers={"Content-Type": FHIR_JSON, **headers})
            _refused(response, 400, client)
        accepted = client.request(method, path, content=text.encode(),
                                  headers={"Content-Type": FHIR_JSON, **headers})
        assert accepted.status_code in (200, 201), accepted.text[:300]  # the body itself is fine


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    while total > 0:
        yield b" " * min(size, total)
        total -= size


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_cap_is_a_413_on_every_path(client, chart, declared):
    over = DEFAULT_MAX_BODY + 1024
    paths = [*_body_paths(chart), ("POST", "/oauth/token", {"Content-Type": FORM}),
             ("POST", "/oauth/revoke", {"Content-Type": FORM})]
    for method, path, headers in paths:
        size = FORM_MAX_BODY + 1024 if path.startswith("/oauth/") else over
        content = b" " * size if declared else _chunks(size)
        response = client.request(method, path, content=content,
                                  headers={"Content-Type": FHIR_JSON, **headers})
        assert ("transfer-encoding" in response.request.headers) is not declared
        _refused(response, 413, client)


def _stream(data: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def _note(pid: str, megabytes: int) -> dict:
    text = base64.b64encode(b"Note de consultation. " * (megabytes * 1024 * 1024 // 22))
    return {"resourceType": "DocumentReference", "status": "current",
            "subject": {"reference": f"Patient/{pid}"},
            "content": [{"attachment": {"contentType": "text/plain", "data": text.decode()}}]}


def test_a_50_mb_note_is_refused_and_everything_stays_small(client, chart):
    pid = chart["pid"]
    normal = client.post("/fhir/DocumentReference", json=_note(pid, 1))  # a long note: fine
    assert normal.status_code == 201, normal.text[:200]
    huge = json.dumps(_note(pid, 50)).encode()
    for declared in (True, False):
        response = client.post("/fhir/DocumentReference",
                               content=huge if declared else _stream(huge),
                               headers={"Content-Type": FHIR_JSON})
        _refused(response, 413, client)
    everything = client.get(f"/fhir/Patient/{pid}/$everything")
    assert everything.status_code == 200 and len(everything.content) < 3 * 1024 * 1024


def test_huge_numbers_in_every_parameter_and_id_are_a_400(client, chart):
    pid, oid = chart["pid"], chart["oid"]
    urls = [f"/fhir/Observation?subject=Patient/{pid}&_cursor={HUGE}",
            f"/fhir/Observation?subject=Patient/{pid}&_count={HUGE}",
            f"/fhir/Observation?subject=Patient/{pid}&_count=²",
            f"/fhir/_history?_cursor={HUGE}", f"/fhir/_history?_count={HUGE}",
            f"/fhir/Observation/_history?_cursor={HUGE}",
            f"/fhir/Observation/{oid}/_history?_cursor={HUGE}",
            f"/fhir/Observation/{oid}/_history?_count={HUGE}",
            f"/fhir/Patient/{pid}/$everything?_cursor={HUGE}",
            f"/fhir/Patient/{pid}/$everything?_count={HUGE}",
            f"/fhir/Observation/{oid}/_history/{HUGE}", f"/fhir/Observation/{oid}/_history/²",
            f"/fhir/Observation/{oid}/_history/-1",
            f"/fhir/Appointment?actor=Patient/{pid}&date=9999-12-31",  # past year 9999
            f"/fhir/Appointment?actor=Patient/{pid}&date=9999-12-31T23:59:59Z"]
    for url in urls:
        _refused(client.get(url), 400, client)
    form = {"Content-Type": FORM}
    for field in (f"_cursor={HUGE}", f"_count={HUGE}"):
        response = client.post("/fhir/Observation/_search",
                               content=f"subject=Patient/{pid}&{field}", headers=form)
        _refused(response, 400, client)


def test_huge_version_ids_in_if_match_and_bundles_are_a_4xx(client, chart):
    pid, oid, etag = chart["pid"], chart["oid"], {"If-Match": f'W/"{HUGE}"'}
    resource = client.get(f"/fhir/Observation/{oid}").json()
    _refused(client.put(f"/fhir/Observation/{oid}", json=resource, headers=etag), 412, client)
    _refused(client.delete(f"/fhir/Observation/{oid}", headers=etag), 412, client)
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"request": {"method": "GET", "url": f"Observation/{oid}/_history/{HUGE}"}},
        {"request": {"method": "GET", "url": f"Observation?subject=Patient/{pid}&_cursor={HUGE}"}},
        {"request": {"method": "GET", "url": f"Observation?subject=Patient/{pid}&_count={HUGE}"}}]}
    answer = client.post("/fhir", json=batch)
    assert answer.status_code == 200, answer.text[:300]
    assert [e["response"]["status"][:3] for e in answer.json()["entry"]] == ["400"] * 3
    assert client.get("/health").status_code == 200


def test_forms_with_too_many_fields_or_malformed_are_a_400(client, chart):
    many = "&".join(f"subject=Patient/{chart['pid']}" for _ in range(1000))
    response = client.post("/fhir/Observation/_search", content=many,
                           headers={"Content-Type": FORM})
    assert "more than 200 fields" in _refused(response, 400, client)["issue"][0]["diagnostics"]
    for path in ("/oauth/token", "/oauth/revoke"):
        response = client.post(path, content="&".join(f"f{i}=x" for i in range(11)),
                               headers={"Content-Type": FORM})
        assert "more than 10 fields" in _refused(response, 400, client)["error_description"]
    response = client.post("/oauth/token", content=b"\xff\xfe%zz&&==&grant_type",
                           headers={"Content-Type": FORM})
    _refused(response, 400, client)
