"""FHIR read/create/update/delete over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import httpx

from app.core import fhir_systems
from tests.integration.fhir_data import change_id, observation, patient


def _create(fhir: httpx.Client, body: dict, **headers: str) -> httpx.Response:
    response = fhir.post(body["resourceType"], json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response


def test_metadata_tells_what_is_implemented(fhir: httpx.Client) -> None:
    r = fhir.get("metadata")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    body = r.json()
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    rest = body["rest"][0]
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch", "history-system"}
    patient_cap = next(res for res in rest["resource"] if res["type"] == "Patient")
    assert patient_cap["versioning"] == "versioned-update" and patient_cap["updateCreate"] is False
    assert {p["name"] for p in patient_cap["searchParam"]} >= {"identifier", "family", "given",
                                                                 "birthdate", "_id"}
    assert patient_cap["operation"][0]["name"] == "everything"
    assert len(rest["resource"]) == 16


def test_create_read_vread_headers(fhir: httpx.Client) -> None:
    r = _create(fhir, patient())
    assert r.status_code == 201
    body = r.json()
    pid, meta = body["id"], body["meta"]
    assert meta["versionId"] == "1" and r.headers["etag"] == 'W/"1"'
    assert r.headers["location"].endswith(f"/fhir/Patient/{pid}/_history/1")
    assert parsedate_to_datetime(r.headers["last-modified"]).year >= 2024
    read = fhir.get(f"Patient/{pid}")
    assert read.status_code == 200 and read.json() == body and read.headers["etag"] == 'W/"1"'
    assert fhir.get(f"Patient/{pid}/_history/1").json() == body
    assert fhir.get(f"Patient/{pid}/_history/2").status_code == 404
    assert fhir.get("Patient/no-such-id").json()["resourceType"] == "OperationOutcome"
    assert fhir.get("Patient/no-such-id").status_code == 404


def test_client_id_on_create_is_replaced(fhir: httpx.Client) -> None:
    r = _create(fhir, {**patient(), "id": "chosen-by-client"})
    assert r.json()["id"] != "chosen-by-client"


def test_versioned_update_policy(fhir: httpx.Client) -> None:
    pid = _create(fhir, patient()).json()["id"]
    obs = {**_create(fhir, observation(f"Patient/{pid}")).json()}
    oid, url = obs["id"], f"Observation/{obs['id']}"
    missing = fhir.put(url, json=obs)
    assert missing.status_code == 428 and missing.json()["issue"][0]["code"] == "required"
    ok = fhir.put(url, json={**obs, "status": "amended"}, headers={"If-Match": 'W/"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == 'W/"2"'
    assert ok.json()["meta"]["versionId"] == "2" and ok.json()["status"] == "amended"
    stale = fhir.put(url, json=obs, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.json()["resourceType"] == "OperationOutcome"
    assert fhir.get(url).json()["status"] == "amended"  # the stale write changed nothing
    assert fhir.get(f"{url}/_history/1").json()["status"] == "final"
    wrong_id = fhir.put(url, json={**obs, "id": "other"}, headers={"If-Match": 'W/"2"'})
    assert wrong_id.status_code == 400
    no_create = fhir.put("Observation/never-made", json={**obs, "id": "never-made"},
                         headers={"If-Match": 'W/"1"'})
    assert no_create.status_code == 404 and oid


def test_prefer_return_minimal(fhir: httpx.Client) -> None:
    r = fhir.post("Patient", json=patient(), headers={"Prefer": "return=minimal"})
    assert r.status_code == 201 and r.content == b"" and r.headers["location"]
    assert r.headers["etag"] == 'W/"1"'


def test_delete_then_gone(fhir: httpx.Client) -> None:
    pid = _create(fhir, patient()).json()["id"]
    oid = _create(fhir, observation(f"Patient/{pid}")).json()["id"]
    assert fhir.delete(f"Observation/{oid}", headers={"If-Match": 'W/"9"'}).status_code == 412
    r = fhir.delete(f"Observation/{oid}")
    assert r.status_code == 204 and r.headers["etag"] == 'W/"2"'
    gone = fhir.get(f"Observation/{oid}")
    assert gone.status_code == 410 and gone.json()["issue"][0]["code"] == "deleted"
    assert fhir.get(f"Observation/{oid}/_history/2").status_code == 410
    assert fhir.get(f"Observation/{oid}/_history/1").status_code == 200
    assert fhir.delete(f"Observation/{oid}").status_code == 204  # idempotent
    assert fhir.delete("Observation/never-made").status_code == 404


def test_conditional_create(fhir: httpx.Client) -> None:
    ident = change_id()
    query = f"identifier={ident['system']}|{ident['value']}"
    body = {**patient(), "identifier": [*patient()["identifier"], ident]}
    first = _create(fhir, body, **{"If-None-Exist": query})
    again = _create(fhir, body, **{"If-None-Exist": query})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["meta"]["versionId"] == "1"
    dup = {**patient(), "identifier": [ident]}
    fhir.post("Patient", json=dup)  # a second resource with the same identifier
    several = fhir.post("Patient", json=dup, headers={"If-None-Exist": query})
    assert several.status_code == 412


def test_invalid_resources_say_where(fhir: httpx.Client) -> None:
    bad = {**patient(), "birthDate": "1980-13-45"}
    r = fhir.post("Patient", json=bad)
    assert r.status_code == 400
    issue = r.json()["issue"][0]
    assert issue["expression"] == ["Patient.birthDate"] and issue["severity"] == "error"
    assert bad["name"][0]["family"] not in r.text  # no patient data echoed
    nested = fhir.post("Observation", json={**observation("Patient/x"),
                                            "valueQuantity": {"value": "lots"}})
    assert nested.json()["issue"][0]["expression"] == ["Observation.valueQuantity.value"]
    unknown = fhir.post("Patient", json={**patient(), "nickname": "Lulu"})
    assert unknown.status_code == 400
    assert unknown.json()["issue"][0]["expression"] == ["Patient.nickname"]
    assert fhir.post("Patient", content=b"{not json").status_code == 400
    assert fhir.post("Patient", json=observation("Patient/x")).status_code == 400
    assert fhir.post("Basic", json={"resourceType": "Basic"}).status_code == 404


def test_invalid_nam_is_unprocessable(fhir: httpx.Client) -> None:
    body = patient()
    good = body["identifier"][0]["value"]
    body["identifier"][0]["value"] = good[:11] + str((int(good[11]) + 1) % 10)
    r = fhir.post("Patient", json=body)
    assert r.status_code == 422
    assert r.json()["issue"][0]["expression"] == ["Patient.identifier[0].value"]
    assert body["identifier"][0]["system"] == fhir_systems.NAM


def test_routing_errors_are_operation_outcomes(fhir: httpx.Client) -> None:
    unknown = fhir.get("Patient/a/b/c")
    assert unknown.status_code == 404 and unknown.json()["resourceType"] == "OperationOutcome"
    patch = fhir.patch("Patient/a", json=[])
    assert patch.status_code == 405 and patch.json()["issue"][0]["code"] == "not-supported"
