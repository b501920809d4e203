"""Server-side authorisation over real HTTP on a seeded server (both back-ends): roles,
care relationship, consent restrictions, break-the-glass, and the AuditEvent of every read."""

import time
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest

from app.core import fhir_systems
from server.authz import BREAK_GLASS_HEADER
from tests.fixtures.identity import bearer, sign_in

REASON = "Patient inconscient à l'urgence, allergies inconnues"


def _patient(charts, physician: str, consent: str | None = None) -> list[dict]:
    """A chart registered with `physician`, with (or without any) Consent denying `consent`."""
    for chart in charts:
        gp = [r["reference"] for r in chart[0].get("generalPractitioner", ())]
        consents = [r for r in chart if r["resourceType"] == "Consent"]
        denied = {c["code"] for r in consents for p in r["provision"]["provision"]
                  for c in p["class"]}
        labs = [r for r in chart if r["resourceType"] == "Observation"]
        if f"Practitioner/user-{physician}" in gp and labs and (
                consent in denied if consent else not consents):
            return chart
    raise AssertionError("no such chart in the seeded data")


def _get(base: str, who: str, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{base}/fhir/{path}", headers={**bearer(sign_in(base, who)), **headers},
                     timeout=30)


def _count(chart: list[dict], rtype: str) -> int:
    return sum(r["resourceType"] == rtype for r in chart)


def _types(bundle: dict) -> set[str]:
    return {e["resource"]["resourceType"] for e in bundle.get("entry", ())}


def test_receptionist_gets_403_on_clinical_resources_and_200_on_demographics(
        seeded_server, seeded_charts):
    chart = _patient(seeded_charts, "1000001")
    pid, obs = chart[0]["id"], next(r for r in chart if r["resourceType"] == "Observation")
    assert _get(seeded_server, "1000009", f"Observation?patient={pid}").status_code == 403
    assert _get(seeded_server, "1000009", f"Observation/{obs['id']}").status_code == 403
    assert _get(seeded_server, "1000009", f"Patient/{pid}").status_code == 200
    everything = _get(seeded_server, "1000009", f"Patient/{pid}/$everything").json()
    assert _types(everything) <= {"Patient", "Appointment", "Consent"}
    assert _get(seeded_server, "1000011", f"Patient/{pid}").status_code == 403  # support


def test_physician_mandated_colleague_and_pharmacist_within_their_rights(
        seeded_server, seeded_charts):
    chart = _patient(seeded_charts, "1000001")
    pid = chart[0]["id"]
    for who in ("1000001", "1000002", "1000004", "1000012"):  # own, mandates P, P, PP
        labs = _get(seeded_server, who, f"Observation?patient={pid}")
        assert labs.status_code == 200 and labs.json()["total"] == _count(chart, "Observation")
        assert len(labs.json()["entry"]) == _count(chart, "Observation"), who
    other = _patient(seeded_charts, "1000002")
    for who in ("1000003", "1000006"):  # specialist and auxiliary nurse: no relationship
        found = _get(seeded_server, who, f"Observation?patient={other[0]['id']}").json()
        assert found.get("entry", []) == [], who
    pharmacist = _get(seeded_server, "1000008", f"Patient/{other[0]['id']}/$everything").json()
    assert "Observation" not in _types(pharmacist)
    assert len([t for t in _types(pharmacist) if t.startswith("Medication")]) == \
        len({r["resourceType"] for r in other if r["resourceType"].startswith("Medication")})


def test_a_consent_restriction_binds_even_the_family_physician(seeded_server, seeded_charts):
    chart = _patient(seeded_charts, "1000001", consent="labs")
    pid = chart[0]["id"]
    obs = next(r for r in chart if r["resourceType"] == "Observation")
    assert _get(seeded_server, "1000001", f"Observation?patient={pid}").json().get("entry",
                                                                                    []) == []
    denied = _get(seeded_server, "1000001", f"Observation/{obs['id']}")
    assert denied.status_code == 403
    assert "restricted" in denied.json()["issue"][0]["diagnostics"]
    everything = _get(seeded_server, "1000001", f"Patient/{pid}/$everything").json()
    assert "Observation" not in _types(everything) and "Patient" in _types(everything)


def _audit_events(base: str, pid: str, wait_for: int = 1) -> list[dict]:
    admin = bearer(sign_in(base, "1000010"))
    for _ in range(50):  # the writer thread stores events within milliseconds
        found = httpx.get(f"{base}/fhir/AuditEvent?patient={pid}&_count=1000", headers=admin,
                          timeout=30).json()
        events = [e["resource"] for e in found.get("entry", ())]
        if len(events) >= wait_for:
            return events
        time.sleep(0.1)
    return events


def test_break_the_glass_opens_the_restricted_data_and_is_audited(seeded_server, seeded_charts):
    chart = _patient(seeded_charts, "1000001", consent="labs")
    pid = chart[0]["id"]
    header = {BREAK_GLASS_HEADER: quote(REASON)}
    opened = _get(seeded_server, "1000001", f"Observation?patient={pid}", **header)
    assert len(opened.json()["entry"]) == _count(chart, "Observation")
    extern = _get(seeded_server, "1000012", f"Observation?patient={pid}", **header)
    assert extern.json().get("entry", []) == []  # externs never break the glass
    short = _get(seeded_server, "1000001", f"Observation?patient={pid}",
                 **{BREAK_GLASS_HEADER: "urgence"})
    assert short.json().get("entry", []) == []
    events = _audit_events(seeded_server, pid)
    glass = [e for e in events if e.get("purposeOfEvent")]
    assert len(glass) == 1
    assert glass[0]["purposeOfEvent"][0]["coding"][0]["code"] == fhir_systems.BREAK_THE_GLASS
    assert glass[0]["purposeOfEvent"][0]["text"] == REASON
    assert glass[0]["agent"][0]["who"]["identifier"]["value"] == "1000001"


def test_each_read_writes_one_balp_audit_event_and_none_shows_in_the_chart(
        seeded_server, seeded_charts):
    chart = seeded_charts[-1]
    pid = chart[0]["id"]
    assert _get(seeded_server, "1000009", f"Patient/{pid}").status_code == 200
    (event,) = _audit_events(seeded_server, pid)
    assert event["type"]["code"] == "rest" and event["subtype"][0]["code"] == "read"
    assert event["action"] == "R" and event["outcome"] == "0"
    assert event["agent"][0]["who"]["identifier"] == {"system": fhir_systems.USERNAME,
                                                      "value": "1000009"}
    assert event["entity"][0]["what"]["reference"] == f"Patient/{pid}"
    assert event["entity"][0]["detail"][0]["valueString"] == "demographics"
    _get(seeded_server, "1000001", f"Patient/{pid}/$everything")
    events = _audit_events(seeded_server, pid, wait_for=2)
    assert [e["subtype"][0]["code"] for e in events].count("operation") == 1
    again = _get(seeded_server, "1000001", f"Patient/{pid}/$everything").json()
    assert "AuditEvent" not in _types(again)
    own = _get(seeded_server, "1000009", f"AuditEvent?patient={pid}").json()
    assert {e["resource"]["agent"][0]["who"]["identifier"]["value"]
            for e in own.get("entry", ())} <= {"1000009"}


@pytest.mark.parametrize("who,status", [("1000009", 403), ("1000001", 201)])
def test_writes_are_authorised_too(seeded_server, seeded_charts, who, status):
    pid = _patient(seeded_charts, "1000001")[0]["id"]
    obs = {"resourceType": "Observation", "status": "final",
           "code": {"coding": [{"system": fhir_systems.LOINC, "code": "2823-3"}]},
           "subject": {"reference": f"Patient/{pid}"},
           "valueQuantity": {"value": 4.1, "unit": "mmol/L"}}
    created = httpx.post(f"{seeded_server}/fhir/Observation", json=obs, timeout=30,
                         headers={**bearer(sign_in(seeded_server, who)),
                                  "Content-Type": "application/fhir+json"})
    assert created.status_code == status, created.text


@pytest.mark.parametrize("who,status", [("1000009", 201), ("1000010", 403), ("1000011", 403)])
def test_who_registers_a_new_patient(seeded_server, who, status):
    new = {"resourceType": "Patient", "name": [{"family": "Lévesque-Roy", "given": ["Joël"]}],
           "gender": "male", "birthDate": "1990-02-03"}
    created = httpx.post(f"{seeded_server}/fhir/Patient", json=new, timeout=30,
                         headers={**bearer(sign_in(seeded_server, who)),
                                  "Content-Type": "application/fhir+json"})
    assert created.status_code == status, created.text


def _post(base: str, who: str, resource: dict) -> httpx.Response:
    return httpx.post(f"{base}/fhir/{resource['resourceType']}", json=resource, timeout=30,
                      headers={**bearer(sign_in(base, who)),
                               "Content-Type": "application/fhir+json"})


def test_reference_data_and_the_audit_trail_are_protected(seeded_server, seeded_charts):
    org = {"resourceType": "Organization", "name": "Clinique des Érables"}
    assert _post(seeded_server, "1000001", org).status_code == 403
    assert _post(seeded_server, "1000010", org).status_code == 201
    pid = seeded_charts[1][0]["id"]
    event = {"resourceType": "AuditEvent", "recorded": "2026-11-01T10:00:00+00:00",
             "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                      "code": "rest"},
             "agent": [{"who": {"identifier": {"system": fhir_systems.USERNAME,
                                               "value": "1000001"}}, "requestor": True}],
             "source": {"observer": {"display": "poste 12"}},
             "entity": [{"what": {"reference": f"Patient/{pid}"}}]}
    assert _post(seeded_server, "1000002", event).status_code == 403  # not their own
    created = _post(seeded_server, "1000001", event)
    assert created.status_code == 201
    rid = created.json()["id"]
    removed = httpx.delete(f"{seeded_server}/fhir/AuditEvent/{rid}", timeout=30,
                           headers=bearer(sign_in(seeded_server, "1000010")))
    assert removed.status_code == 403


def test_a_deletion_in_history_is_shown_only_to_those_who_may_read_the_chart(
        seeded_server, seeded_charts):
    chart = _patient(seeded_charts, "1000002")
    obs = [r for r in chart if r["resourceType"] == "Observation"][-1]
    doctor = bearer(sign_in(seeded_server, "1000002"))
    current = httpx.get(f"{seeded_server}/fhir/Observation/{obs['id']}", headers=doctor)
    removed = httpx.delete(f"{seeded_server}/fhir/Observation/{obs['id']}", headers={
        **doctor, "If-Match": current.headers["etag"]}, timeout=30)
    assert removed.status_code == 204

    # A type's history lists every patient's: refused to users (issue 15); the deletion shows
    # in the instance history and in the system history (a workstation's sync round).
    assert _get(seeded_server, "1000002", "Observation/_history").status_code == 403

    def deletions(who: str, path: str) -> set[str]:
        page = _get(seeded_server, who, path).json()
        return {e["request"]["url"] for e in page.get("entry", ())
                if e["request"]["method"] == "DELETE"}
    since = "_history?_count=50&_since=2000-01-01T00:00:00Z"
    for path in (f"Observation/{obs['id']}/_history", since):
        assert f"Observation/{obs['id']}" in deletions("1000002", path), path
        assert f"Observation/{obs['id']}" not in deletions("1000003", path), path


def test_audit_events_are_served_from_the_trail_never_as_versions(seeded_server, seeded_charts):
    """Read, vread of its one version, its instance history; refused to other physicians,
    never updated or deleted; never in anyone's system history (the trail is no versions)."""
    pid = seeded_charts[-2][0]["id"]
    since = datetime.now(UTC).isoformat()
    assert _get(seeded_server, "1000009", f"Patient/{pid}").status_code == 200
    event = [e for e in _audit_events(seeded_server, pid) if e["subtype"][0]["code"] == "read"
             and e["agent"][0]["who"]["identifier"]["value"] == "1000009"][-1]
    rid = event["id"]
    assert event["meta"]["versionId"] == "1"
    for who in ("1000010", "1000009"):  # an administrator, the event's own agent
        assert _get(seeded_server, who, f"AuditEvent/{rid}").json() == event
        assert _get(seeded_server, who, f"AuditEvent/{rid}/_history/1").json() == event
        assert _get(seeded_server, who, f"AuditEvent/{rid}/_history/2").status_code == 404
        history = _get(seeded_server, who, f"AuditEvent/{rid}/_history").json()
        assert [e["resource"] for e in history["entry"]] == [event]
    assert _get(seeded_server, "1000001", f"AuditEvent/{rid}").status_code == 403
    admin = bearer(sign_in(seeded_server, "1000010"))
    for method in ("PUT", "DELETE"):
        refused = httpx.request(method, f"{seeded_server}/fhir/AuditEvent/{rid}", json=event,
                                headers={**admin, "If-Match": 'W/"1"'}, timeout=30)
        assert refused.status_code == 403, refused.text
    for who in ("1000010", "1000009"):
        rounds = _get(seeded_server, who, f"_history?_since={quote(since)}&_count=1000").json()
        assert "AuditEvent" not in _types(rounds)
