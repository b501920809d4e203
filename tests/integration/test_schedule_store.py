"""The day's schedule read from a real SQLCipher store (app.workstation.schedule.day_schedule):
a physician sees their own appointments of the day only, reception the clinic's; another day's
are left out; each patient shown is logged once, the chain intact."""

from __future__ import annotations

from datetime import date, timedelta

from app.workstation.schedule import day_schedule
from server.seed import clinical, staff

TODAY = date.today()


def _patient(pid: str, physician: str) -> dict:
    return {"resourceType": "Patient", "id": pid, "meta": {"versionId": "1"},
            "name": [{"family": "Côté", "given": ["Hélène"]}], "birthDate": "1955-01-01",
            "generalPractitioner": [{"reference": f"Practitioner/user-{physician}"}]}


def _booked(rid: str, pid: str, physician: str, day: date, minute: int) -> dict:
    resource = clinical.booked(rid, f"Patient/{pid}", f"Practitioner/user-{physician}",
                               staff.by_username(physician).profile.display_name,
                               "Location/gmf", day, minute)
    return {**resource, "meta": {"versionId": "1"}}


def test_own_day_only_for_a_physician_the_clinics_for_reception(store):
    store.put_resources([
        _patient("a", "1000001"), _patient("b", "1000002"), _patient("c", "1000003"),
        _booked("x5", "c", "1000003", TODAY, 700),
        _booked("x1", "a", "1000001", TODAY, 9 * 60), _booked("x2", "b", "1000002", TODAY, 600),
        _booked("x3", "a", "1000001", TODAY + timedelta(days=1), 540),
        _booked("x4", "a", "1000001", TODAY, 8 * 60)])
    mine = day_schedule(store, staff.by_username("1000001").profile, TODAY)
    assert [a.id for a in mine.appointments] == ["x4", "x1"] and not mine.clinic
    assert mine.appointments[0].patient is not None
    assert mine.appointments[0].practitioner == "Dre Marie Tremblay"
    desk = day_schedule(store, staff.by_username("1000009").profile, TODAY)
    assert desk.clinic and [a.id for a in desk.appointments] == ["x4", "x1", "x2", "x5"]
    assert desk.appointments[-1].practitioner == "Dre Hélène Côté"
    entries = store.access_entries(0, 100)
    assert [(e.username, e.patient_id, e.action) for e in entries] == [
        ("1000001", "a", "read"), ("1000009", "a", "read"), ("1000009", "b", "read"),
        ("1000009", "c", "read")]
    assert store.verify_access_log().ok
