"""Chart opening for real: pulled from the central server when online (through app.sync), read
from the user's encrypted store; every section read goes through app.core.access and writes the
access-log entry in the store.

A section the policy withholds comes back as a `Withheld` notice (the policy's reasons), never as
an empty list. Breaking the glass (`break_glass`) reads the withheld sections again with the
typed reason: each read is logged `break-glass` with that reason (the workstation's log, pushed
as AuditEvent), and online the withheld data is fetched from the server with the reason in the
`X-Break-Glass-Reason` header (the server audits it too) and kept in memory only, never cached;
the chart says until when the glass stays broken (BREAK_GLASS_MINUTES), the UI closes it then."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from app.core.data_class import DataClass
from app.core.errors import UserFacingError
from app.core.resource_class import data_class_of
from app.core.text import QT_TRANSLATE_NOOP, text
from app.workstation import face_sheet
from app.workstation.chart_display import (
    entry_of,
    is_imaging,
    listed,
    newest_first,
    summary_of,
)
from app.workstation.contracts import (
    BREAK_GLASS_MINUTES,
    FIRST,
    Chart,
    ChartEntry,
    Resource,
    Withheld,
)
from app.workstation.session import store_thread, user_of

if TYPE_CHECKING:
    from app.core.profiles import UserProfile
    from app.qhr.views import LabTrend
    from app.store import Store
    from app.store.authorised import ReadResult
    from app.workstation.session import Session

CTX = "chart"
NOT_CACHED = QT_TRANSLATE_NOOP(
    CTX, "This chart is not on this workstation, and the central server cannot be reached.")
NO_GLASS = QT_TRANSLATE_NOOP(
    CTX, "Nothing in this chart may be opened by breaking the glass.")
VITAL_SIGNS = "vital-signs"



class ChartReader:
    def __init__(self, session: Session):
        self.session = session
        self._first: dict[str, dict[DataClass, ReadResult]] = {}  # open_first → open_rest

    def readable(self, profile: UserProfile) -> frozenset[DataClass]:
        from app.core.access import role_classes

        return role_classes(profile)

    def open(self, patient_id: str, cancel: threading.Event | None = None) -> Chart:
        self._pull_if_online(patient_id, cancel)
        return store_thread(self.session).call(lambda store: self._read(store, patient_id))

    def open_first(self, patient_id: str, cancel: threading.Event | None = None) -> Chart:
        """What the banner and the face sheet need at once (FIRST classes: no laboratory
        result or visit note decoded); `open_rest` reads the other sections and gives the
        whole chart. Each section is read, and logged, once over the two calls."""
        self._pull_if_online(patient_id, cancel)

        def first(store: Store) -> Chart:
            from app.store.authorised import authorised_chart, chart_sections

            wanted = [c for c in chart_sections(user_of(self.session)) if c in FIRST]
            sections = authorised_chart(store, user_of(self.session), patient_id,
                                        sections=wanted)
            self._first[patient_id] = sections
            return self._read(store, patient_id, sections=sections, complete=False)
        chart: Chart = store_thread(self.session).call(first)
        return chart

    def open_rest(self, patient_id: str, cancel: threading.Event | None = None) -> Chart:
        def rest(store: Store) -> Chart:
            from app.store.authorised import authorised_chart, chart_sections

            first = self._first.pop(patient_id, {})
            wanted = [c for c in chart_sections(user_of(self.session)) if c not in first]
            sections = first | authorised_chart(store, user_of(self.session), patient_id,
                                                sections=wanted)
            return self._read(store, patient_id, sections=sections)
        chart: Chart = store_thread(self.session).call(rest)
        return chart

    def _pull_if_online(self, patient_id: str, cancel: threading.Event | None) -> None:
        if self.session.client is not None:
            from app.central.errors import SyncError  # online only: it loads the HTTP stack

            try:
                self.pull(patient_id, cancel)
            except SyncError as err:
                if not err.transient:
                    raise

    def break_glass(self, patient_id: str, reason: str,
                    cancel: threading.Event | None = None) -> Chart:
        from app.core.access import valid_break_glass_reason

        if not valid_break_glass_reason(reason):
            from app.core.access import MIN_REASON_CHARS, MIN_REASON_WORDS, _t

            raise UserFacingError(_t("reason_short", chars=MIN_REASON_CHARS,
                                     words=MIN_REASON_WORDS))
        fetched = self._fetch_with_glass(patient_id, reason, cancel)
        chart: Chart = store_thread(self.session).call(
            lambda store: self._read(store, patient_id, reason, fetched))
        return chart

    def unsent(self) -> int:
        waiting: int = store_thread(self.session).call(
            lambda store: len(store.waiting_changes()))
        return waiting

    def pull(self, patient_id: str, cancel: threading.Event | None = None) -> None:
        """The chart from the server into the store (online only)."""
        from app.sync.engine import SyncEngine
        from app.sync.store_cache import StoreCache

        client = self.session.client
        assert client is not None, "online"
        cache = StoreCache.on_executor(store_thread(self.session))
        SyncEngine(client, cache).open_chart(patient_id, cancel)

    def _fetch_with_glass(self, patient_id: str, reason: str,
                          cancel: threading.Event | None) -> list[Resource]:
        """Online: the chart as the server gives it to a broken glass (memory only)."""
        client = self.session.client
        if client is None:
            return []
        from app.central.errors import SyncError
        from app.core import fhir, fhir_systems

        headers = {fhir_systems.BREAK_GLASS_HEADER: quote(reason)}
        found: list[Resource] = []
        url: str | None = f"Patient/{patient_id}/$everything"
        try:
            while url:
                if cancel is not None and cancel.is_set():
                    break
                page = client.json("GET", url, expect="Bundle", headers=headers)
                found += fhir.resources(page)  # the resources, not the Bundle entries
                url = fhir.next_link(page)
        except SyncError as err:
            if not err.transient:
                raise
        return found

    def _read(self, store: Store, patient_id: str, reason: str | None = None,
              fetched: list[Resource] | None = None, *,
              sections: dict[DataClass, ReadResult] | None = None, complete: bool = True) -> Chart:
        """On the store thread: one authorised read per section shown, each logged in the same
        call (app.store.authorised); the QHR class is decided here, logged by its viewer.
        `sections`: already read (open_first / open_rest)."""
        from app.store import gc_paused

        with gc_paused():  # the decoded chart is young garbage-free data until shaped
            return self._shaped(store, patient_id, reason, fetched or [], sections, complete)

    def _shaped(self, store: Store, patient_id: str, reason: str | None,
                fetched: list[Resource], read: dict[DataClass, ReadResult] | None,
                complete: bool) -> Chart:
        from app.core import access
        from app.core.access import Action
        from app.store.authorised import authorised_chart, chart_context

        patient = store.get_resource("Patient", patient_id)
        if patient is None:
            raise UserFacingError(text(CTX, NOT_CACHED))
        profile = user_of(self.session)
        context = chart_context(store, patient_id)
        sections = dict(read) if read is not None else authorised_chart(store, profile,
                                                                         patient_id)
        if reason is not None:
            glass = [c for c, r in sections.items() if r.decision.can_break_glass]
            if not glass:
                raise UserFacingError(text(CTX, NO_GLASS))
            sections |= _with_fetched(authorised_chart(store, profile, patient_id, reason, glass),
                                      fetched)
        if access.decide(profile, context, DataClass.QHR).allowed:
            sections[DataClass.QHR] = _qhr_result(access.decide(profile, context, DataClass.QHR))
        waiting = {rid for _t, rid in store.waiting_changes(patient_id)}
        writable = frozenset(c for c in DataClass if access.decide(
            profile, context, c, Action.WRITE).allowed)
        names = practitioner_names(store, profile)
        chart = shape(patient, sections, names, waiting, date.today(), writable)
        if not complete:
            chart = replace(chart, complete=False)
        if reason is not None:
            until = datetime.now().astimezone() + timedelta(minutes=BREAK_GLASS_MINUTES)
            chart = _with_until(chart, until)
        return chart


def _qhr_result(decision: Any) -> ReadResult:
    from app.store.authorised import ReadResult

    return ReadResult(decision)


def _with_fetched(results: dict[DataClass, ReadResult],
                  fetched: list[Resource]) -> dict[DataClass, ReadResult]:
    """The glass-broken reads, with what the server gave for their classes (by id)."""
    from app.store.authorised import ReadResult

    out = {}
    for data_class, result in results.items():
        if not result.decision.allowed:
            out[data_class] = result
            continue
        by_id = {(r.get("resourceType"), r.get("id")): r for r in result.resources}
        for r in fetched:
            if data_class_of(r.get("resourceType", ""), r) is data_class:
                by_id[(r.get("resourceType"), r.get("id"))] = r
        out[data_class] = ReadResult(result.decision, list(by_id.values()), result.entry)
    return out


def _with_until(chart: Chart, until: datetime) -> Chart:
    return replace(chart, glass_broken_until=until)


def practitioner_names(store: Store, profile: UserProfile) -> dict[str, str]:
    """Practitioners' names from the shared reference data, the signed-in user's own."""
    from app.core.profiles import practitioner_reference

    names = {}
    for practitioner in store.list_by_type("Practitioner"):
        name = (practitioner.get("name") or [{}])[0]
        shown = name.get("text") or " ".join([*(name.get("given") or ()), name.get("family", "")])
        if shown.strip():
            names[f"Practitioner/{practitioner.get('id')}"] = shown.strip()
    names[practitioner_reference(profile.username)] = profile.display_name
    return names


def shape(patient: Resource, sections: dict[DataClass, ReadResult], names: dict[str, str],
          waiting: set[str], today: date, writable: frozenset[DataClass] = frozenset()) -> Chart:
    """The Chart of the sections' read results: rows, notices, banner alert and face sheet."""
    allowed = frozenset(c for c, r in sections.items() if r.decision.allowed)
    withheld: dict[DataClass, Withheld] = {
        c: Withheld(r.decision.reasons, r.decision.can_break_glass)
        for c, r in sections.items() if not r.decision.allowed and c != DataClass.QHR}
    resources = {c: r.resources for c, r in sections.items() if r.decision.allowed}
    imaging = [r for r in resources.get(DataClass.LABS, []) if is_imaging(r)]
    entries: dict[DataClass, list[ChartEntry]] = {}
    for data_class, found in resources.items():
        rows = [r for r in listed(data_class, found) if not is_imaging(r)]
        entries[data_class] = sorted((entry_of(r, names, r.get("id") in waiting) for r in rows),
                                     key=newest_first)
    notes = resources.get(DataClass.NOTES, [])
    vitals = [entry_of(r) for r in notes if r.get("resourceType") == "Observation"
              and VITAL_SIGNS in _categories(r)]
    results = [entry_of(r) for r in _latest_each(
        r for r in resources.get(DataClass.LABS, [])
        if r.get("resourceType") == "Observation" and r.get("valueQuantity"))]
    visits = [entry_of(r, names) for r in _last_and_next(
        (r for c in (DataClass.NOTES, DataClass.APPOINTMENTS) for r in resources.get(c, [])
         if r.get("resourceType") in ("Encounter", "Appointment")), today)]
    return Chart(
        summary_of(patient, names), allowed, {c: e for c, e in entries.items() if e},
        _trends(resources.get(DataClass.LABS)), withheld,
        face_sheet.allergy_alert(entries.get(DataClass.ALLERGIES),
                                 resources.get(DataClass.ALLERGIES, []), withheld),
        face_sheet.face_sheet(entries, vitals, results, visits, today),
        tuple(sorted((entry_of(r, names) for r in imaging), key=newest_first)),
        writable=writable)


def _stamp(resource: Resource) -> str:
    return str(resource.get("effectiveDateTime") or resource.get("issued") or resource.get(
        "start") or (resource.get("period") or {}).get("start") or "")


def _latest_each(observations: Iterable[Resource]) -> list[Resource]:
    """The newest result of each test (by its code), compared as ISO text: only these are
    shaped for the face sheet (a large chart has thousands)."""
    latest: dict[str, Resource] = {}
    for obs in observations:
        code = obs.get("code") or {}
        key = next((c.get("code", "") for c in code.get("coding") or ()), code.get("text", ""))
        if key not in latest or _stamp(obs) > _stamp(latest[key]):
            latest[key] = obs
    return list(latest.values())


def _last_and_next(visits: Iterable[Resource], today: date) -> list[Resource]:
    day = today.isoformat()
    past, coming = None, None
    for visit in visits:
        when = _stamp(visit)
        if not when:
            continue
        if when[:10] < day:
            past = visit if past is None or when > _stamp(past) else past
        elif coming is None or when < _stamp(coming):
            coming = visit
    return [v for v in (past, coming) if v is not None]


def _categories(resource: Resource) -> set[str]:
    return {c.get("code", "") for cat in resource.get("category") or ()
            for c in cat.get("coding") or ()}


def _trends(labs: list[Resource] | None) -> tuple[LabTrend, ...]:
    from app.qhr.views import lab_trends

    if not labs:
        return ()
    return tuple(lab_trends([r for r in labs if r.get("valueQuantity")]))
