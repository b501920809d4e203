"""Two transactions with the same conditional creates in opposite entry orders, sent at the same
instant, over real HTTP on both back-ends: both succeed, answered with the same resources (the
second one's matches are the first one's creates), one resource per identifier, never a 500
nor a deadlock's 409 (the match locks are taken in one order, whatever the entry order).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.integration.fhir_data import change_id, condition, observation, patient

ROUNDS = 12
TYPES = ("Observation", "Condition", "AllergyIntolerance", "MedicationRequest", "Encounter")


def _resource(rtype: str, pid: str, ident: dict) -> dict:
    ref = f"Patient/{pid}"
    if rtype == "Observation":
        body = observation(ref)
    elif rtype == "Condition":
        body = condition(ref)
    elif rtype == "AllergyIntolerance":
        body = {"resourceType": rtype, "patient": {"reference": ref},
                "code": {"text": "Pénicilline"}}
    elif rtype == "MedicationRequest":
        body = {"resourceType": rtype, "status": "active", "intent": "order",
                "subject": {"reference": ref}, "medicationCodeableConcept": {"text": "Ramipril"}}
    else:
        body = {"resourceType": rtype, "status": "finished", "subject": {"reference": ref},
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                          "code": "AMB"}}
    return body | {"identifier": [ident]}


def _entries(pid: str, idents: dict[str, dict]) -> list[dict]:
    return [{"resource": _resource(rtype, pid, ident), "request": {
        "method": "POST", "url": rtype,
        "ifNoneExist": f"identifier={ident['system']}|{ident['value']}"}}
        for rtype, ident in idents.items()]


def _send(client: httpx.Client, start: threading.Barrier, entries: list[dict]
          ) -> httpx.Response:
    start.wait()
    return client.post("", json={"resourceType": "Bundle", "type": "transaction",
                                 "entry": entries})


def test_opposite_orders_of_conditional_creates_neither_deadlock_nor_duplicate(
        fhir: httpx.Client, fhir_server: str) -> None:
    pid = fhir.post("Patient", json=patient()).json()["id"]
    failures: list[str] = []
    with httpx.Client(base_url=f"{fhir_server}/fhir/", timeout=60) as client, \
            ThreadPoolExecutor(2) as pool:
        for n in range(ROUNDS):
            idents = {rtype: change_id() for rtype in TYPES}
            forward = _entries(pid, idents)
            start = threading.Barrier(2)
            answers = list(pool.map(lambda entries, start=start: _send(client, start, entries),
                                    [forward, forward[::-1]]))
            ids = []
            for answer in answers:
                if answer.status_code != 200:
                    failures.append(f"round {n}: {answer.status_code} {answer.text[:200]}")
                    continue
                got = {e["resource"]["resourceType"]: e["resource"]["id"]
                       for e in answer.json()["entry"]}
                ids.append(got)
                statuses = sorted(e["response"]["status"][:3] for e in answer.json()["entry"])
                assert statuses in (["201"] * len(TYPES), ["200"] * len(TYPES)), statuses
            if len(ids) == 2 and ids[0] != ids[1]:
                failures.append(f"round {n}: the two answers name different resources")
            for rtype, ident in idents.items():
                found = fhir.get(rtype, params={
                    "identifier": f"{ident['system']}|{ident['value']}"}).json()["total"]
                if found != 1:
                    failures.append(f"round {n}: {found} {rtype} stored for one identifier")
    assert failures == []


def test_opposite_orders_of_updates_queue_instead_of_deadlocking(
        fhir: httpx.Client, fhir_server: str) -> None:
    """Two transactions updating the same resources from the same version, in opposite entry
    orders: one is applied, the other finds them changed, is decided again and answers 412
    (its If-Match is stale) — never a deadlock's 409, never half of either."""
    pid = fhir.post("Patient", json=patient()).json()["id"]
    failures: list[str] = []
    with httpx.Client(base_url=f"{fhir_server}/fhir/", timeout=60) as client, \
            ThreadPoolExecutor(2) as pool:
        for n in range(ROUNDS):
            made = [fhir.post(rtype, json=_resource(rtype, pid, change_id())).json()
                    for rtype in TYPES]
            forward = [{"resource": {**body, "status": status}, "request": {
                "method": "PUT", "url": f"{body['resourceType']}/{body['id']}",
                "ifMatch": 'W/"1"'}} for body, status in zip(made, (
                    "amended", "active", "active", "stopped", "cancelled"), strict=True)
                       if body["resourceType"] in ("Observation", "MedicationRequest",
                                                   "Encounter")]
            start = threading.Barrier(2)
            answers = list(pool.map(lambda entries, start=start: _send(client, start, entries),
                                    [forward, forward[::-1]]))
            statuses = sorted(a.status_code for a in answers)
            if statuses != [200, 412]:
                failures.append(f"round {n}: {statuses} "
                                f"{[a.text[:120] for a in answers if a.status_code != 200]}")
            versions = {fhir.get(e["request"]["url"]).json()["meta"]["versionId"]
                        for e in forward}
            if versions != {"2"}:
                failures.append(f"round {n}: versions {sorted(versions)}")
    assert failures == []


def test_a_transaction_naming_one_resource_twice_is_refused(fhir: httpx.Client) -> None:
    """Two conditional creates of the same criteria, or two writes of one resource, in one
    transaction: a 400 with an OperationOutcome at once (not a match that keeps changing, a
    409 after retries), nothing stored."""
    pid = fhir.post("Patient", json=patient()).json()["id"]
    ident = change_id()
    twice = _entries(pid, {"Observation": ident}) * 2
    answer = fhir.post("", json={"resourceType": "Bundle", "type": "transaction",
                                 "entry": twice})
    assert answer.status_code == 400, answer.text
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert fhir.get("Observation", params={
        "identifier": f"{ident['system']}|{ident['value']}"}).json()["total"] == 0
    made = fhir.post("Observation", json=_resource("Observation", pid, change_id())).json()
    put = {"resource": made, "request": {"method": "PUT", "url": f"Observation/{made['id']}",
                                         "ifMatch": 'W/"1"'}}
    delete = {"request": {"method": "DELETE", "url": f"Observation/{made['id']}"}}
    answer = fhir.post("", json={"resourceType": "Bundle", "type": "transaction",
                                 "entry": [put, delete]})
    assert answer.status_code == 400, answer.text
    assert fhir.get(f"Observation/{made['id']}").json()["meta"]["versionId"] == "1"
