"""Sync engine against the real reference server where the two used to disagree: the day's
appointments (Appointment search by date and actor), a receptionist's round, a searchset's
total under authorisation, an access-log upload retried after a lost answer. No HTTP mocking."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from app.central.capabilities import CHART_TYPES
from app.core.consent import CLINICAL
from app.core.data_class import DataClass
from app.core.fhir_systems import USERNAME
from app.core.profiles import practitioner_reference
from app.core.resource_class import data_class_of
from app.store.access_log import Access
from app.sync.audit import ENTRY_HASH
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.sync import PHYSICIAN, server_client, sync_pid

RECEPTIONIST, RECEPTIONIST_PASSWORD = "1000009", "demo-reception"
ADMIN, ADMIN_PASSWORD = "1000010", "demo-admin"
DAY = date(2027, 3, 9)
QUEBEC = timezone(timedelta(hours=-5))
P1, P2 = sync_pid(0), sync_pid(1)


@pytest.fixture(scope="module")
def fhir(sync_server):
    with server_client(sync_server.base) as client:
        yield client


def _appointment(fhir, patient: str, start: datetime, actor: str) -> str:
    body = {"resourceType": "Appointment", "status": "booked",
            "start": start.isoformat(), "end": (start + timedelta(minutes=20)).isoformat(),
            "participant": [{"actor": {"reference": f"Patient/{patient}"}, "status": "accepted"},
                            {"actor": {"reference": actor}, "status": "accepted"}]}
    made = fhir.post("Appointment", json=body)
    assert made.status_code == 201, made.text
    return made.json()["id"]


@pytest.fixture(scope="module")
def day_appointments(fhir):
    """Three on DAY (one at 19:30 in Quebec, i.e. the next day in UTC), one the day before, one
    the day after, one on DAY for another practitioner."""
    me = practitioner_reference(PHYSICIAN)
    at = lambda d, h, m=0: datetime(d.year, d.month, d.day, h, m, tzinfo=QUEBEC)  # noqa: E731
    one = timedelta(days=1)
    return {
        "in": [_appointment(fhir, P1, at(DAY, 8, 30), me),
               _appointment(fhir, P2, at(DAY, 19, 30), me),
               _appointment(fhir, P1, at(DAY, 0, 0), me)],
        "out": [_appointment(fhir, P1, at(DAY - one, 23, 59), me),
                _appointment(fhir, P2, at(DAY + one, 0, 0), me),
                _appointment(fhir, P1, at(DAY, 10), "Practitioner/someone-else")],
    }


def _ids(bundle: dict) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry") or ()}


def test_appointment_date_and_actor_search_follow_fhir_date_semantics(fhir, day_appointments):
    me = ("actor", practitioner_reference(PHYSICIAN))
    day = [("date", "ge2027-03-09T00:00:00-05:00"), ("date", "lt2027-03-10T00:00:00-05:00")]
    # A day's list names an actor of one's clinic (issue 15: no listing of every patient's)
    assert fhir.get("Appointment", params=day).status_code == 400
    other = fhir.get("Appointment", params=[*day, ("actor", "Practitioner/someone-else")])
    assert other.status_code == 400
    assert fhir.get("Appointment", params=[("date", "ge2027-01-01"), me]).status_code == 400
    mine = fhir.get("Appointment", params=[*day, me])
    assert mine.status_code == 200, mine.text
    assert _ids(mine.json()) == set(day_appointments["in"])
    # a plain date is a UTC day: 19:30 in Quebec (00:30 UTC) belongs to the next one
    utc_day = _ids(fhir.get("Appointment", params=[("date", "2027-03-09"), me]).json())
    assert day_appointments["in"][1] not in utc_day and day_appointments["in"][0] in utc_day
    le = _ids(fhir.get("Appointment", params=[("date", "ge2027-03-08"), ("date", "le2027-03-08"),
                                              me]).json())
    assert day_appointments["out"][0] not in le  # 23:59 in Quebec is 04:59 UTC on the 9th
    assert fhir.get("Appointment", params=[("date", "2027-13-45"), me]).status_code == 400
    assert fhir.get("Appointment", params={"actor": "nobody"}).status_code == 400
    caps = fhir.get("metadata").json()["rest"][0]["resource"]
    params = {p["name"]: p["type"] for r in caps if r["type"] == "Appointment"
              for p in r["searchParam"]}
    assert params["date"] == "date" and params["actor"] == "reference"


def test_the_engine_prefetches_the_days_appointments_and_their_charts(
        sync_server, workstation_factory, day_appointments, monkeypatch):
    monkeypatch.setenv("TZ", "America/Montreal")
    import time
    time.tzset()
    try:
        ws = workstation_factory(sync_server.base).sign_in()
        found = ws.sync.prefetch_appointments(DAY, {"actor": practitioner_reference(PHYSICIAN)},
                                              with_charts=True)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert found == sorted({P1, P2})
    cached = {r["id"] for p in (P1, P2) for r in ws.store._list_resources(p, "Appointment")}
    assert set(day_appointments["in"]) <= cached
    assert not set(day_appointments["out"][:2]) & cached - _chart_appointments(ws, P1, P2)
    assert ws.store._list_resources(P2, "Condition")  # the charts came with them


def _chart_appointments(ws, *patients) -> set[str]:
    """Appointments cached because they are part of a prefetched chart ($everything)."""
    return {r["id"] for p in patients for r in ws.store._list_resources(p, "Appointment")}


def test_a_receptionist_round_succeeds_without_clinical_data(sync_server, workstation_factory,
                                                             fhir):
    ws = workstation_factory(sync_server.base, "front", username=RECEPTIONIST,
                             password=RECEPTIONIST_PASSWORD).sign_in()
    ws.sync.open_chart(P1)
    patient = fhir.get(f"Patient/{P1}").json()
    moved = {**patient, "telecom": [{"system": "phone", "value": "514-555-0199"}]}
    assert fhir.put(f"Patient/{P1}", json=moved, headers={
        "If-Match": f'W/"{patient["meta"]["versionId"]}"'}).status_code == 200
    cond = fhir.get("Condition", params={"patient": P1}).json()["entry"][0]["resource"]
    fhir.put(f"Condition/{cond['id']}", json={**cond, "note": [{"text": "revu"}]},
             headers={"If-Match": f'W/"{cond["meta"]["versionId"]}"'})
    report = ws.sync.sync()
    assert report.pulled >= 1 and report.requests <= 3  # one `_history` read, filtered
    assert ws.store.get_resource("Patient", P1)["telecom"][0]["value"] == "514-555-0199"
    kinds = {data_class_of(r["resourceType"], r) for r in ws.store._list_resources(P1)}
    assert not kinds & CLINICAL, kinds


def _get(base: str, who: tuple[str, str], path: str, params) -> dict:
    answer = httpx.get(f"{base}/fhir/{path}", params=params, timeout=30,
                       headers=bearer(sign_in(base, *who)))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_searchset_total_counts_only_what_authorisation_shows(sync_server, fhir):
    """A receptionist's AuditEvent about P2 is hidden from the physician: the total must not
    count it (nor the server's own records of other users' reads)."""
    base = sync_server.base
    event = {"resourceType": "AuditEvent",
             "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110"},
             "recorded": "2027-03-09T10:00:00+00:00", "action": "R",
             "agent": [{"who": {"identifier": {"system": USERNAME,
                                               "value": RECEPTIONIST}}, "requestor": True}],
             "source": {"observer": {"display": "front"}},
             "entity": [{"what": {"reference": f"Patient/{P2}"}}]}
    made = httpx.post(f"{base}/fhir/AuditEvent", json=event, timeout=30,
                      headers=bearer(sign_in(base, RECEPTIONIST, RECEPTIONIST_PASSWORD)))
    assert made.status_code == 201, made.text
    query = {"patient": P2, "_count": "1000"}
    everyone = _get(base, (ADMIN, ADMIN_PASSWORD), "AuditEvent", query)
    mine = fhir.get("AuditEvent", params=query).json()
    assert len(everyone["entry"]) > len(mine.get("entry") or [])  # something was hidden
    assert mine["total"] == len(mine.get("entry") or [])
    assert everyone["total"] == len(everyone["entry"])
    first = fhir.get("AuditEvent", params={"patient": P2, "_count": "1"}).json()
    if first.get("link") and any(ln["relation"] == "next" for ln in first["link"]):
        assert "total" not in first  # pages still to be filtered: no total at all


def test_an_access_log_upload_retried_after_a_lost_answer_is_not_duplicated(
        sync_server, fault_proxy_factory, workstation_factory, fhir):
    proxy = fault_proxy_factory(sync_server.port)
    ws = workstation_factory(proxy.url, "audit", attempts=4).sign_in()
    ws.sync.open_chart(P2)
    entry = ws.store.log_access(Access(PHYSICIAN, P2, DataClass.NOTES, "read"))
    proxy.script("lost_reply")
    assert ws.sync.sync().audited == 1
    assert proxy.faults_applied() == ["lost_reply"]
    bundles = [line for line, _ in proxy.log if line.startswith("POST /fhir")]
    assert len(bundles) == 2  # the batch was sent again after the lost answer
    copies = fhir.get("AuditEvent", params={"identifier": f"{ENTRY_HASH}|{entry.hash}",
                                            "patient": P2}).json()
    assert len(copies.get("entry") or []) == 1
    assert ws.store.unacknowledged_access() == []  # acknowledged once the retry found it


def test_a_receptionist_round_without_system_history_skips_what_the_role_cannot_read(
        sync_server, workstation_factory, fhir):
    """A server without `_history` (or `$everything`): type-level searches, and a type the role
    may not search (403) is left out from then on, not a failed round."""
    ws = workstation_factory(sync_server.base, "front-types", username=RECEPTIONIST,
                             password=RECEPTIONIST_PASSWORD).sign_in()
    caps = ws.client.capabilities()
    ws.client._capabilities = replace(caps, system_history=False, everything=False)
    ws.sync.open_chart(P2)
    assert ws.store.get_resource("Patient", P2) is not None
    patient = fhir.get(f"Patient/{P2}").json()
    moved = {**patient, "telecom": [{"system": "phone", "value": "450-555-0123"}]}
    assert fhir.put(f"Patient/{P2}", json=moved, headers={
        "If-Match": f'W/"{patient["meta"]["versionId"]}"'}).status_code == 200
    report = ws.sync.sync()
    assert ws.store.get_resource("Patient", P2)["telecom"][0]["value"] == "450-555-0123"
    readable = {"Patient", "Appointment", "Consent"}
    assert ws.sync.puller.fetch.refused_types == set(CHART_TYPES) - readable  # learnt on opening
    # refused types are not asked again: one search per readable type for the changes, one
    # for the reconciliation of the cached charts' ids (deletions without `_history`)
    assert report.requests == 2 * len(readable)
    kinds = {data_class_of(r["resourceType"], r) for r in ws.store._list_resources(P2)}
    assert not kinds & CLINICAL, kinds
