"""FHIR resources shaped for display: a Patient as a `PatientSummary`, any other resource as one
chart row (`ChartEntry`: when, title, detail) and the rows' order. Pure functions of the
resource, shared by the patient search, the chart reader and the note writer."""

from __future__ import annotations

from datetime import date, datetime

from app.core import fhir_systems
from app.core.data_class import DataClass
from app.core.text import QT_TRANSLATE_NOOP, text
from app.workstation.contracts import ChartEntry, PatientSummary, Resource

CTX = "chart"


def _identifier(resource: Resource, system: str) -> str | None:
    return next((i.get("value") for i in resource.get("identifier") or ()
                 if i.get("system") == system), None)


def summary_of(patient: Resource) -> PatientSummary:
    name = (patient.get("name") or [{}])[0]
    born = patient.get("birthDate")
    return PatientSummary(
        id=patient["id"], family=name.get("family", ""), given=" ".join(name.get("given") or ()),
        birth_date=date.fromisoformat(born) if born else None,
        nam=_identifier(patient, fhir_systems.NAM),
        chart_number=_identifier(patient, fhir_systems.CHART_NUMBER))


def listed(data_class: DataClass, resources: list[Resource]) -> list[Resource]:
    """Numeric laboratory results are shown as trends (Chart.trends), not as rows."""
    if data_class is DataClass.LABS:
        return [r for r in resources if not r.get("valueQuantity")]
    return resources


DATE_FIELDS = ("effectiveDateTime", "onsetDateTime", "authoredOn", "recordedDate", "issued",
               "date", "occurrenceDateTime", "dateAsserted")


def _when(resource: Resource) -> date | datetime | None:
    raw = next((resource[f] for f in DATE_FIELDS if resource.get(f)), None)
    raw = raw or (resource.get("period") or {}).get("start")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")) if "T" in raw \
            else date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _concept(value: Resource | None) -> str:
    value = value or {}
    return value.get("text") or next((c.get("display") or c.get("code", "")
                                      for c in value.get("coding") or ()), "")


def _detail(resource: Resource) -> str:
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


def entry_of(resource: Resource) -> ChartEntry:
    rtype = resource.get("resourceType", "")
    kind = resource.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    title = (_concept(resource.get("code")) or _concept(resource.get("medicationCodeableConcept"))
             or _concept(kind if isinstance(kind, dict) else None)
             or resource.get("description")
             or text(CTX, TYPE_TITLES.get(rtype, OTHER_TITLE)))
    return ChartEntry(_when(resource), title, _detail(resource))


def newest_first(entry: ChartEntry) -> float:
    when = entry.when
    if when is None:
        return 0.0
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    return -when.replace(tzinfo=None).timestamp()
