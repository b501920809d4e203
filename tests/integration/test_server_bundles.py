"""batch and transaction Bundles over real HTTP, both back-ends: atomicity, urn:uuid references,
conditional create inside a transaction."""

from __future__ import annotations

import uuid

import httpx
import pytest

from app.core import fhir_systems
from tests.integration.fhir_data import change_id, nam_of, observation, patient


def _entry(resource: dict, method: str = "POST", url: str | None = None, **request: str) -> dict:
    full = f"urn:uuid:{uuid.uuid4()}"
    return {"fullUrl": full, "resource": resource,
            "request": {"method": method, "url": url or resource["resourceType"], **request}}


def _bundle(kind: str, *entries: dict) -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def _by_nam(fhir: httpx.Client, p: dict) -> int:
    query = {"identifier": f"{fhir_systems.NAM}|{nam_of(p)}"}
    return fhir.get("Patient", params=query).json()["total"]


def test_transaction_resolves_urn_uuid_references(fhir: httpx.Client) -> None:
    p = _entry(patient())
    obs = _entry(observation(p["fullUrl"]))
    r = fhir.post("", json=_bundle("transaction", p, obs))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["type"] == "transaction-response"
    assert [e["response"]["status"] for e in out["entry"]] == ["201", "201"]
    pid = out["entry"][0]["resource"]["id"]
    assert out["entry"][0]["response"]["location"].startswith(f"Patient/{pid}/_history/1")
    assert out["entry"][1]["resource"]["subject"]["reference"] == f"Patient/{pid}"
    everything = fhir.get(f"Patient/{pid}/$everything").json()
    assert len(everything["entry"]) == 2


def test_failing_entry_rolls_back_everything(fhir: httpx.Client) -> None:
    existing = fhir.post("Patient", json=patient()).json()
    p = patient()
    stale = {**existing, "gender": "other"}
    r = fhir.post("", json=_bundle(
        "transaction", _entry(p), _entry(observation("Patient/x")),
        _entry(stale, "PUT", f"Patient/{existing['id']}", ifMatch='W/"7"')))
    assert r.status_code == 412 and r.json()["resourceType"] == "OperationOutcome"
    assert _by_nam(fhir, p) == 0
    assert fhir.get(f"Patient/{existing['id']}").json()["meta"]["versionId"] == "1"
    invalid = fhir.post("", json=_bundle(
        "transaction", _entry(p), _entry({**observation("Patient/x"), "status": 3})))
    assert invalid.status_code == 400 and _by_nam(fhir, p) == 0
    assert invalid.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.status"]
    deleting = fhir.post("", json=_bundle(
        "transaction", {"request": {"method": "DELETE", "url": f"Patient/{existing['id']}"}},
        _entry(stale, "PUT", f"Patient/{existing['id']}")))
    assert deleting.status_code == 428
    assert fhir.get(f"Patient/{existing['id']}").status_code == 200


def test_conditional_create_inside_transaction(fhir: httpx.Client) -> None:
    ident = change_id()
    query = f"identifier={ident['system']}|{ident['value']}"
    p = _entry({**patient(), "identifier": [ident]}, ifNoneExist=query)
    first = fhir.post("", json=_bundle("transaction", p, _entry(observation(p["fullUrl"]))))
    pid = first.json()["entry"][0]["resource"]["id"]
    again_p = {**p, "fullUrl": f"urn:uuid:{uuid.uuid4()}"}
    again = fhir.post("", json=_bundle("transaction", again_p,
                                       _entry(observation(again_p["fullUrl"]))))
    statuses = [e["response"]["status"] for e in again.json()["entry"]]
    assert statuses == ["200", "201"]
    assert again.json()["entry"][1]["resource"]["subject"]["reference"] == f"Patient/{pid}"


def test_batch_entries_succeed_or_fail_alone(fhir: httpx.Client) -> None:
    p = patient()
    created = fhir.post("Patient", json=patient()).json()
    r = fhir.post("", json=_bundle(
        "batch", _entry(p), _entry({**observation("Patient/x"), "status": 3}),
        {"request": {"method": "GET", "url": f"Patient/{created['id']}"}},
        {"request": {"method": "GET", "url": "Patient?_id=" + created["id"]}},
        {"request": {"method": "GET", "url": "Patient/no-such"}}))
    assert r.status_code == 200
    out = r.json()
    assert out["type"] == "batch-response"
    assert [e["response"]["status"] for e in out["entry"]] == ["201", "400", "200", "200", "404"]
    assert out["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert out["entry"][2]["resource"]["id"] == created["id"]
    assert out["entry"][3]["resource"]["total"] == 1
    assert _by_nam(fhir, p) == 1


def test_bundle_shape_is_checked(fhir: httpx.Client) -> None:
    assert fhir.post("", json={"resourceType": "Bundle", "type": "collection"}).status_code == 400
    assert fhir.post("", json=patient()).status_code == 400
    get_in_tx = _bundle("transaction", {"request": {"method": "GET", "url": "Patient/x"}})
    assert fhir.post("", json=get_in_tx).status_code == 400


@pytest.mark.parametrize("field", ["method", "url", "ifMatch", "ifNoneExist"])
def test_an_entry_request_field_that_is_no_string_is_a_400(fhir: httpx.Client,
                                                           field: str) -> None:
    """A request's method, url, ifMatch or ifNoneExist of another JSON type: 400 (was a 500
    on an AttributeError), in a batch (the entry alone) and in a transaction."""
    created = fhir.post("Observation", json=observation("Patient/x")).json()
    shapes = {"method": ("GET", f"Observation/{created['id']}"),
              "url": ("GET", f"Observation/{created['id']}"),
              "ifMatch": ("DELETE", f"Observation/{created['id']}"),
              "ifNoneExist": ("POST", "Observation")}
    method, url = shapes[field]
    for value in (5, 1.5, True, [], {}, ["GET"]):
        entry = {"resource": observation("Patient/x"),
                 "request": {"method": method, "url": url, field: value}}
        batch = fhir.post("", json=_bundle("batch", entry))
        assert batch.status_code == 200, (field, value)
        assert [e["response"]["status"] for e in batch.json()["entry"]] == ["400"], (field, value)
        outcome = batch.json()["entry"][0]["response"]["outcome"]
        assert outcome["issue"][0]["expression"][0].startswith("Bundle.entry[0].request")
        transaction = fhir.post("", json=_bundle("transaction", entry))
        assert transaction.status_code == 400, (field, value)
    assert fhir.get(f"Observation/{created['id']}").status_code == 200  # nothing deleted
