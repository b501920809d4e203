"""Patient search and chart opening for real: the central server when online (through app.sync),
the user's encrypted store otherwise; every chart read goes through app.core.access and writes
the access-log entry in the store.

Search follows app.core.search_rules (one individual: NAM, chart number, or surname + first
name + birth date); names are compared exactly after normalisation, never by prefix.
"""

from __future__ import annotations

import threading
from datetime import date, datetime

from app.core import fhir_systems
from app.core.data_class import DataClass
from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, text
from app.ui.services import Chart, ChartEntry, PatientSummary

CTX = "chart"
NOT_CACHED = QT_TRANSLATE_NOOP(
    CTX, "This chart is not on this workstation, and the central server cannot be reached.")


def _identifier(resource: dict, system: str) -> str | None:
    return next((i.get("value") for i in resource.get("identifier") or ()
                 if i.get("system") == system), None)


def summary_of(patient: dict) -> PatientSummary:
    name = (patient.get("name") or [{}])[0]
    born = patient.get("birthDate")
    return PatientSummary(
        id=patient["id"], family=name.get("family", ""), given=" ".join(name.get("given") or ()),
        birth_date=date.fromisoformat(born) if born else None,
        nam=_identifier(patient, fhir_systems.NAM),
        chart_number=_identifier(patient, fhir_systems.CHART_NUMBER))


class FhirPatients:
    def __init__(self, session):
        self.session = session  # app.ui.remote.RemoteSession

    def search(self, query: str, cancel: threading.Event | None = None) -> list[PatientSummary]:
        from app.central.errors import SyncError
        from app.core import search_rules

        parsed = search_rules.parse(query)
        found: list[dict] | None = None
        if self.session.client is not None:
            try:
                found = self._online(parsed, cancel)
            except SyncError as err:
                if not err.transient:
                    raise
        if found is None:
            found = self._offline(parsed)
        capped = search_rules.cap(found)
        self._log_search(parsed, len(found))
        if capped.refine is not None:
            raise UserFacingError(capped.refine)
        return [summary_of(p) for p in capped.shown]

    def _online(self, q, cancel: threading.Event | None) -> list[dict]:
        from app.core.search_rules import ChartQuery, NamQuery, normalise_name

        if isinstance(q, NamQuery):
            params = {"identifier": f"{fhir_systems.NAM}|{q.nam}"}
        elif isinstance(q, ChartQuery):
            params = {"identifier": f"{fhir_systems.CHART_NUMBER}|{q.chart_number}"}
        else:
            params = {"family": q.surname, "given": q.given, "birthdate": q.birthdate.isoformat()}
        params["_count"] = "50"
        bundle = self.session.client.search("Patient", params, cancel=cancel)  # POST _search
        patients = [e["resource"] for e in bundle.get("entry") or ()
                    if (e.get("resource") or {}).get("resourceType") == "Patient"]
        if isinstance(q, NamQuery | ChartQuery):
            return patients

        def exact(p: dict) -> bool:  # the server's string search is a prefix match
            return any(normalise_name(n.get("family", "")) == q.surname and q.given in
                       {normalise_name(g) for g in n.get("given") or ()}
                       for n in p.get("name") or ())
        return [p for p in patients if exact(p)]

    def _offline(self, q) -> list[dict]:
        from app.core.search_rules import ChartQuery, NamQuery

        def find(store) -> list[dict]:
            if isinstance(q, NamQuery):
                rows = store.find_by_nam(q.nam)
            elif isinstance(q, ChartQuery):
                rows = store.find_by_chart_number(q.chart_number)
            else:
                rows = store.find_by_name_birthdate(q.surname, q.given, q.birthdate.isoformat())
            resources = (store.get_resource("Patient", r.patient_id) for r in rows)
            return [r for r in resources if r]
        return self.session.executor.call(find)

    def _log_search(self, query, count: int) -> None:
        """Kind and result count only: the query itself is patient data."""
        from app.core.search_rules import ChartQuery, NamQuery
        from app.store.authorised import log_search

        kind = "nam" if isinstance(query, NamQuery) else \
            "chart-number" if isinstance(query, ChartQuery) else "name-birthdate"
        profile = self.session.profile
        self.session.executor.call(lambda store: log_search(store, profile, kind, count))


class FhirCharts:
    def __init__(self, session):
        self.session = session

    def readable(self, profile) -> frozenset[DataClass]:
        from app.ui.backend import role_readable

        return role_readable(profile)

    def open(self, patient_id: str, cancel: threading.Event | None = None) -> Chart:
        if self.session.client is not None:
            from app.central.errors import SyncError  # online only: it loads the HTTP stack

            try:
                self._pull(patient_id, cancel)
            except SyncError as err:
                if not err.transient:
                    raise
        return self.session.executor.call(lambda store: self._read(store, patient_id))

    def _pull(self, patient_id: str, cancel: threading.Event | None) -> None:
        from app.sync.engine import SyncEngine
        from app.sync.store_cache import StoreCache

        cache = StoreCache.on_executor(self.session.executor)
        SyncEngine(self.session.client, cache).open_chart(patient_id, cancel)

    def _read(self, store, patient_id: str) -> Chart:
        """On the store thread: one authorised read per section shown, each logged in the same
        call (app.store.authorised); the QHR class is decided here, logged by its viewer."""
        from app.store import gc_paused

        with gc_paused():  # the decoded chart is young garbage-free data until shaped
            return self._shaped(store, patient_id)

    def _shaped(self, store, patient_id: str) -> Chart:
        from app.core import access
        from app.store.authorised import authorised_chart, chart_context

        patient = store.get_resource("Patient", patient_id)
        if patient is None:
            raise UserFacingError(text(CTX, NOT_CACHED))
        profile = self.session.profile
        sections = authorised_chart(store, profile, patient_id)
        allowed = {c for c, r in sections.items() if r.decision.allowed}
        if access.decide(profile, chart_context(store, patient_id), DataClass.QHR).allowed:
            allowed.add(DataClass.QHR)
        entries = {c: sorted((entry_of(r) for r in _listed(c, result.resources)),
                             key=_newest_first)
                   for c, result in sections.items() if result.resources}
        return Chart(summary_of(patient), frozenset(allowed), entries, _trends(sections))


def _listed(data_class: DataClass, resources: list[dict]) -> list[dict]:
    """Numeric laboratory results are shown as trends (Chart.trends), not as rows."""
    if data_class is DataClass.LABS:
        return [r for r in resources if not r.get("valueQuantity")]
    return resources


def _trends(sections) -> tuple:
    from app.qhr.views import lab_trends

    labs = sections.get(DataClass.LABS)
    if labs is None or not labs.decision.allowed:
        return ()
    return tuple(lab_trends([r for r in labs.resources if r.get("valueQuantity")]))


DATE_FIELDS = ("effectiveDateTime", "onsetDateTime", "authoredOn", "recordedDate", "issued",
               "date", "occurrenceDateTime", "dateAsserted")


def _when(resource: dict) -> date | datetime | None:
    raw = next((resource[f] for f in DATE_FIELDS if resource.get(f)), None)
    raw = raw or (resource.get("period") or {}).get("start")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")) if "T" in raw \
            else date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _concept(value: dict | None) -> str:
    value = value or {}
    return value.get("text") or next((c.get("display") or c.get("code", "")
                                      for c in value.get("coding") or ()), "")


def _detail(resource: dict) -> str:
    """The most telling detail, never a raw status code (it would show in English)."""
    quantity = resource.get("valueQuantity")
    if quantity:
        return f"{quantity.get('value', '')} {quantity.get('unit', '')}".strip()
    dosage = (resource.get("dosageInstruction") or [{}])[0].get("text")
    reaction = (resource.get("reaction") or [{}])[0].get("manifestation") or [None]
    reasons = resource.get("reasonCode") or [None]
    return (_concept(resource.get("valueCodeableConcept")) or resource.get("conclusion")
            or dosage or _concept(reaction[0]) or _concept(reasons[0])
            or resource.get("valueString") or "")


TYPE_TITLES = {  # when a resource carries no coded title of its own
    "Encounter": QT_TRANSLATE_NOOP(CTX, "Encounter"),
    "DocumentReference": QT_TRANSLATE_NOOP(CTX, "Document"),
    "Observation": QT_TRANSLATE_NOOP(CTX, "Observation"),
    "DiagnosticReport": QT_TRANSLATE_NOOP(CTX, "Report"),
    "Condition": QT_TRANSLATE_NOOP(CTX, "Problem"),
    "AllergyIntolerance": QT_TRANSLATE_NOOP(CTX, "Allergy"),
    "MedicationRequest": QT_TRANSLATE_NOOP(CTX, "Prescription"),
    "Immunization": QT_TRANSLATE_NOOP(CTX, "Immunization"),
    "Coverage": QT_TRANSLATE_NOOP(CTX, "Coverage"),
    "Appointment": QT_TRANSLATE_NOOP(CTX, "Appointment"),
}
OTHER_TITLE = QT_TRANSLATE_NOOP(CTX, "Other record")


def entry_of(resource: dict) -> ChartEntry:
    rtype = resource.get("resourceType", "")
    kind = resource.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    title = (_concept(resource.get("code")) or _concept(resource.get("medicationCodeableConcept"))
             or _concept(kind if isinstance(kind, dict) else None)
             or resource.get("description")
             or text(CTX, TYPE_TITLES.get(rtype, OTHER_TITLE)))
    return ChartEntry(_when(resource), title, _detail(resource))


def _newest_first(entry: ChartEntry) -> float:
    when = entry.when
    if when is None:
        return 0.0
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    return -when.replace(tzinfo=None).timestamp()
