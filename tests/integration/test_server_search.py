"""FHIR search over real HTTP, on SQLite and PostgreSQL: one individual's record, by patient,
paging, and refusal of what is not supported."""

from __future__ import annotations

from datetime import date

import httpx

from app.core import fhir_systems
from tests.integration.fhir_data import nam_of, observation, patient


def _ids(bundle: dict) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def _post(fhir: httpx.Client, body: dict) -> dict:
    r = fhir.post(body["resourceType"], json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_patient_by_nam_identifier(fhir: httpx.Client) -> None:
    p = _post(fhir, patient())
    _post(fhir, patient())
    r = fhir.get("Patient", params={"identifier": f"{fhir_systems.NAM}|{nam_of(p)}"})
    assert r.status_code == 200
    bundle = r.json()
    assert bundle["type"] == "searchset" and bundle["total"] == 1 and _ids(bundle) == {p["id"]}
    assert bundle["entry"][0]["fullUrl"].endswith(f"/fhir/Patient/{p['id']}")
    assert bundle["entry"][0]["search"]["mode"] == "match"
    other = fhir.get("Patient", params={"identifier": f"urn:other|{nam_of(p)}"}).json()
    assert other["total"] == 0 and not other.get("entry")
    bare = fhir.get("Patient", params={"identifier": nam_of(p)}).json()
    assert _ids(bare) == {p["id"]}


def test_patient_by_names_and_birthdate(fhir: httpx.Client) -> None:
    p = _post(fhir, patient(given="Marie-Ève", birth=date(1961, 7, 14)))
    twin = _post(fhir, patient(family=p["name"][0]["family"], given="Hélène",
                               birth=date(1961, 7, 14)))
    family = p["name"][0]["family"]
    # case- and accent-insensitive, whole names (no prefix: a search finds one person)
    found = fhir.get("Patient", params={"family": family.upper().replace("Ô", "O"),
                                        "given": "marie-eve", "birthdate": "1961-07-14"})
    assert _ids(found.json()) == {p["id"]}
    both = fhir.get("Patient", params={"family": family, "birthdate": "1961-07-14"})
    assert _ids(both.json()) == {p["id"], twin["id"]}
    prefix = fhir.get("Patient", params={"family": family[:5], "birthdate": "1961-07-14"})
    assert _ids(prefix.json()) == set()
    either = fhir.get("Patient", params={"family": family, "given": "Zoé,Hélène",
                                         "birthdate": "1961-07-14"})
    assert _ids(either.json()) == {twin["id"]}
    none = fhir.get("Patient", params={"family": family, "birthdate": "1961-07-15"})
    assert none.json()["total"] == 0
    by_id = fhir.get("Patient", params={"_id": f"{p['id']},{twin['id']}"})
    assert _ids(by_id.json()) == {p["id"], twin["id"]}


def test_clinical_resources_by_patient_with_paging(fhir: httpx.Client) -> None:
    pid = _post(fhir, patient())["id"]
    made = {_post(fhir, observation(f"Patient/{pid}", value=n))["id"] for n in range(7)}
    _post(fhir, observation(f"Patient/{_post(fhir, patient())['id']}"))
    seen, url, pages = set(), f"Observation?patient={pid}&_count=3", 0
    while url:
        bundle = fhir.get(url).json()
        assert bundle["total"] == 7 and len(bundle["entry"]) <= 3
        seen |= _ids(bundle)
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        pages += 1
    assert seen == made and pages == 3
    subject = fhir.get("Observation", params={"subject": f"Patient/{pid}", "_count": "100"})
    assert _ids(subject.json()) == made


def test_last_updated_filter(fhir: httpx.Client) -> None:
    pid = _post(fhir, patient())["id"]
    first = _post(fhir, observation(f"Patient/{pid}"))
    second = _post(fhir, observation(f"Patient/{pid}"))
    stamp = second["meta"]["lastUpdated"]
    after = fhir.get("Observation", params={"patient": pid, "_lastUpdated": f"ge{stamp}"})
    assert _ids(after.json()) == {second["id"]}
    before = fhir.get("Observation", params={"patient": pid, "_lastUpdated": f"lt{stamp}"})
    assert _ids(before.json()) == {first["id"]}


def test_search_by_post_keeps_the_nam_out_of_the_url(fhir: httpx.Client) -> None:
    p = _post(fhir, patient())
    r = fhir.post("Patient/_search", data={"identifier": f"{fhir_systems.NAM}|{nam_of(p)}"},
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and _ids(r.json()) == {p["id"]}
    assert nam_of(p) not in str(r.request.url)


def test_patients_are_never_listed(fhir: httpx.Client) -> None:
    p = _post(fhir, patient())
    for params in ({}, {"family": p["name"][0]["family"]}, {"given": "Hélène"},
                   {"birthdate": p["birthDate"]}, {"_lastUpdated": "gt2000-01-01"}):
        r = fhir.get("Patient", params=params)
        assert r.status_code == 400 and "birthdate" in r.json()["issue"][0]["diagnostics"]


def test_unsupported_parameters_are_refused(fhir: httpx.Client) -> None:
    r = fhir.get("Patient", params={"name": "Tremblay"})
    assert r.status_code == 400 and r.json()["issue"][0]["expression"] == ["name"]
    assert fhir.get("Patient", params={"birthdate": "1961"}).status_code == 400
    assert fhir.get("Observation", params={"_count": "many"}).status_code == 400
    assert fhir.get("Observation", params={"family": "x"}).status_code == 400


def test_appointments_by_date_prefixes_and_actor(fhir: httpx.Client) -> None:
    """Appointment.start as FHIR date search (precision ranges, eq/ge/gt/le/lt, repeated =
    AND) and `actor` by reference, on both back-ends."""
    p = _post(fhir, patient())
    doc = f"Practitioner/dr-{p['id']}"  # unique to this test: the server is shared

    def booked(start: str, actor: str = doc) -> str:
        return _post(fhir, {"resourceType": "Appointment", "status": "booked", "start": start,
                            "end": start.replace(":00-", ":20-"), "participant": [
                                {"actor": {"reference": f"Patient/{p['id']}"},
                                 "status": "accepted"},
                                {"actor": {"reference": actor}, "status": "accepted"}]})["id"]
    early = booked("2031-05-04T09:00:00-04:00")  # 13:00 UTC on the 4th
    late = booked("2031-05-04T21:00:00-04:00")  # 01:00 UTC on the 5th
    before = booked("2031-05-03T12:00:00-04:00")
    other = booked("2031-05-04T10:00:00-04:00", f"Location/l-{p['id']}")

    def found(*dates: str, actor: str = doc) -> set[str]:
        r = fhir.get("Appointment", params=[*(("date", d) for d in dates), ("actor", actor)])
        assert r.status_code == 200, r.text
        return _ids(r.json())
    assert found("2031-05-04") == {early}  # a plain date is a UTC day
    assert found("ge2031-05-04T00:00:00-04:00", "lt2031-05-05T00:00:00-04:00") == {early, late}
    assert found("gt2031-05-03") == {early, late} and found("le2031-05-04") == {before, early}
    assert found("lt2031-05-04") == {before} and found("2031-05") == {before, early, late}
    assert found("ge2031-05-04", actor=f"Location/l-{p['id']}") == {other}
    both = fhir.get("Appointment", params={"actor": f"Patient/{p['id']}"}).json()
    assert _ids(both) == {early, late, before, other}
    assert fhir.get("Appointment", params={"date": "soon"}).status_code == 400
