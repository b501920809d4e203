"""The day's schedule: the signed-in physician's appointments (the clinic's for reception and
the administrator), read from the user's store, so that it works offline from the last
prefetch. Online, `refresh` first asks the server for the day's appointments and pulls the
charts of their patients (app.sync.engine.prefetch_appointments), so the day's charts open
offline too.

Each patient on the schedule is decided by the access policy (class `appointments`) and
logged, all in one transaction; a patient the user may not see stays a time slot without a
name. The store read decodes the cached Appointments only (a few hundred at most): the day of
30 appointments paints in a few milliseconds (bench/schedule.py).
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from app.core.data_class import DataClass
from app.core.profiles import PRACTITIONER_PREFIX, Profession, UserProfile
from app.workstation.chart_display import summary_of
from app.workstation.contracts import Appointment, DaySchedule, Resource
from app.workstation.session import store_thread, user_of

if TYPE_CHECKING:
    from app.store import Store
    from app.workstation.session import Session

CLINIC_ROLES = frozenset({Profession.RECEPTIONIST, Profession.ADMINISTRATOR})


def sees_clinic(profile: UserProfile) -> bool:
    """Reception and the administrator see the clinic's day; everyone else their own."""
    return profile.profession in CLINIC_ROLES


class Schedule:
    def __init__(self, session: Session):
        self.session = session

    def cached(self, day: date) -> DaySchedule:
        profile = user_of(self.session)
        return store_thread(self.session).call(lambda store: day_schedule(store, profile, day))

    def refresh(self, day: date, cancel: threading.Event | None = None) -> DaySchedule:
        client = self.session.client
        if client is not None and client.retrier.connectivity.online:
            from app.central.errors import SyncError
            from app.sync.engine import SyncEngine
            from app.sync.store_cache import StoreCache

            engine = SyncEngine(client, StoreCache.on_executor(store_thread(self.session)))
            try:
                engine.prefetch_appointments(day, server_params(user_of(self.session)), cancel,
                                             with_charts=True)
            except SyncError as err:
                if not err.transient:
                    raise
        return self.cached(day)


def server_params(profile: UserProfile) -> dict[str, Any]:
    """Whose appointments to ask the server for: the clinic (its Location) or the user."""
    if sees_clinic(profile) and profile.primary_institution_id:
        return {"actor": f"Location/{profile.primary_institution_id}"}
    return {"actor": PRACTITIONER_PREFIX + profile.username}


def day_schedule(store: Store, profile: UserProfile, day: date) -> DaySchedule:
    """On the store thread: the day's cached appointments for this user, each patient decided,
    then all logged in one write."""
    from app.core import access
    from app.store import Access
    from app.store.authorised import DENIED, READ, context_of

    clinic = sees_clinic(profile)
    mine = PRACTITIONER_PREFIX + profile.username
    booked = sorted(((start, a) for a in store.list_by_type("Appointment")
                     if (start := _start(a)) is not None and start.date() == day
                     and (clinic or mine in _actors(a))), key=lambda pair: pair[0])
    ids = list(dict.fromkeys(pid for _, a in booked if (pid := _patient_id(a)) is not None))
    patients = {pid: store.get_resource("Patient", pid) for pid in ids}
    fetched = [pid for pid in ids if store.get_cursor(f"chart:{pid}") is not None]
    consents = store.consents(fetched) if fetched else {}
    decisions = {pid: access.decide(profile, context_of(pid, patients[pid], consents.get(pid)),
                                    DataClass.APPOINTMENTS) for pid in ids}
    store.log_accesses([Access(profile.username, pid, DataClass.APPOINTMENTS,
                               READ if d.allowed else DENIED) for pid, d in decisions.items()])
    shown = {pid: patients[pid] if d.allowed else None for pid, d in decisions.items()}
    return DaySchedule(day, tuple(_appointment(start, a, shown) for start, a in booked),
                       clinic)


def _appointment(start: datetime, resource: Resource,
                 patients: dict[str, Resource | None]) -> Appointment:
    patient = patients.get(_patient_id(resource) or "")
    doctor = next((p.get("actor") or {} for p in resource.get("participant") or ()
                   if str((p.get("actor") or {}).get("reference", "")).startswith(
                       PRACTITIONER_PREFIX)), {})
    name = doctor.get("display") or str(doctor.get("reference", "")).removeprefix(
        PRACTITIONER_PREFIX)
    return Appointment(resource.get("id", ""), start, resource.get("minutesDuration"),
                       summary_of(patient) if patient else None, resource.get("status", ""),
                       resource.get("description") or "", name)


def _start(resource: Resource) -> datetime | None:
    """Appointment.start in this workstation's local time (None: missing or unreadable)."""
    try:
        moment = datetime.fromisoformat(str(resource.get("start", "")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone() if moment.tzinfo else moment


def _actors(resource: Resource) -> list[str]:
    return [str((p.get("actor") or {}).get("reference", ""))
            for p in resource.get("participant") or ()]


def _patient_id(resource: Resource) -> str | None:
    return next((r.removeprefix("Patient/") for r in _actors(resource)
                 if r.startswith("Patient/")), None)
