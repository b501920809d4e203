"""A NUL character (U+0000) in an id, a search value or a body's string, on every path that
takes one: a 400 with an OperationOutcome that does not repeat the input, on both back-ends
alike (PostgreSQL refuses NUL in text: without the guards, the statement fails and the answer is
a 500; SQLite stores it), and the server keeps answering."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.integration.fhir_data import observation, patient
from tests.integration.test_server_audit_chain import _pushed

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _calls(fhir: httpx.Client, pid: str) -> dict[str, Callable[[], httpx.Response]]:
    bad_obs = observation("Patient/" + pid)
    nul_ref = observation(f"Patient/{pid}\u0000")
    nul_ident = {**bad_obs, "identifier": [{"system": "urn:x", "value": "a\u0000b"}]}
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"request": {"method": "GET", "url": "Patient?_id=a%00"}},
        {"request": {"method": "GET", "url": "Observation/a%00"}}]}
    transaction = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": nul_ref, "request": {"method": "POST", "url": "Observation"}}]}
    upload = {"resourceType": "Bundle", "type": "batch", "entry": [  # app.sync.audit's shape
        {"resource": _pushed(pid, "u1"), "request": {
            "method": "POST", "url": "AuditEvent", "ifNoneExist": "identifier=urn:x|a%00"}}]}
    free_text = _pushed(pid, "u1")
    free_text["source"]["observer"]["display"] = "poste\u000012"
    return {
        "read": lambda: fhir.get("Patient/a%00"),
        "vread": lambda: fhir.get("Patient/a%00/_history/1"),
        "history": lambda: fhir.get("Observation/a%00/_history"),
        "everything": lambda: fhir.get("Patient/a%00/$everything"),
        "search _id": lambda: fhir.get("Patient", params={"_id": "a\u0000"}),
        "search identifier": lambda: fhir.get("Patient", params={"identifier": "urn:x|a\u0000"}),
        "search patient": lambda: fhir.get("Observation", params={"patient": "a\u0000"}),
        "POST _search": lambda: fhir.post("Patient/_search", content="_id=a%00", headers=FORM),
        "create, reference": lambda: fhir.post("Observation", json=nul_ref),
        "create, identifier": lambda: fhir.post("Observation", json=nul_ident),
        "batch entries": lambda: fhir.post("", json=batch),
        "transaction": lambda: fhir.post("", json=transaction),
        "If-None-Exist": lambda: fhir.post("Observation", json=bad_obs, headers={
            "If-None-Exist": "identifier=urn:x|a%00"}),
        "AuditEvent upload, ifNoneExist": lambda: fhir.post("", json=upload),
        "AuditEvent, free text": lambda: fhir.post("AuditEvent", json=free_text),
    }


@pytest.mark.parametrize("what", ["read", "vread", "history", "everything", "search _id",
                                  "search identifier", "search patient", "POST _search",
                                  "create, reference", "create, identifier", "batch entries",
                                  "transaction", "If-None-Exist",
                                  "AuditEvent upload, ifNoneExist", "AuditEvent, free text"])
def test_a_nul_character_is_a_400_never_a_500(fhir: httpx.Client, what: str) -> None:
    pid = fhir.post("Patient", json=patient()).json()["id"]
    answer = _calls(fhir, pid)[what]()
    outcomes = [(answer.status_code, answer.json())]
    if answer.status_code == 200 and answer.json().get("type") == "batch-response":
        outcomes = [(int(e["response"]["status"][:3]), e["response"].get("outcome"))
                    for e in answer.json()["entry"]]
    for status, outcome in outcomes:
        assert status == 400 and outcome["resourceType"] == "OperationOutcome", outcomes
        assert pid not in str(outcome) and "a\x00" not in str(outcome), outcome
    assert fhir.get(f"Patient/{pid}").status_code == 200
