"""FHIR resources shaped for display: a Patient as a `PatientSummary`, any other resource as one
chart row (`ChartEntry`: when, title, detail, flag, and for the reader author, type and text) and
the rows' order. Pure functions of the resource, shared by the patient search, the chart reader
and the note writer. `names` maps a "Practitioner/…" reference to the person's name."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import date, datetime

from app.core import fhir_systems
from app.core.data_class import DataClass
from app.core.text import QT_TRANSLATE_NOOP, text
from app.workstation.contracts import ChartEntry, Flag, PatientSummary, Resource

CTX = "chart"
Names = Mapping[str, str]
NO_NAMES: Names = {}


def _identifier(resource: Resource, system: str) -> str | None:
    return next((i.get("value") for i in resource.get("identifier") or ()
                 if i.get("system") == system), None)


def summary_of(patient: Resource, names: Names = NO_NAMES) -> PatientSummary:
    name = (patient.get("name") or [{}])[0]
    born = patient.get("birthDate")
    physician = next((g for g in patient.get("generalPractitioner") or ()
                      if str(g.get("reference", "")).startswith("Practitioner/")), None)
    return PatientSummary(
        id=patient["id"], family=name.get("family", ""), given=" ".join(name.get("given") or ()),
        birth_date=date.fromisoformat(born) if born else None,
        nam=_identifier(patient, fhir_systems.NAM),
        chart_number=_identifier(patient, fhir_systems.CHART_NUMBER),
        sex=patient.get("gender") or "",
        family_physician=person(physician, names) if physician else "")


def patient_line(patient: Resource | None) -> str:
    """"CÔTÉ, Hélène — 1955-01-01": whose record, as the banner names them."""
    if not patient:
        return ""
    p = summary_of(patient)
    born = p.birth_date.isoformat() if p.birth_date else ""
    return f"{p.family.upper()}, {p.given}" + (f" — {born}" if born else "")


def person(reference: Mapping[str, str] | None, names: Names = NO_NAMES) -> str:
    """A Reference's person: the known name, the reference's display, else the account number."""
    if not reference:
        return ""
    ref = reference.get("reference", "")
    return (names.get(ref) or reference.get("display")
            or ref.removeprefix("Practitioner/").removeprefix("user-"))


def age_on(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def listed(data_class: DataClass, resources: list[Resource]) -> list[Resource]:
    """Numeric laboratory results are shown as trends (Chart.trends), not as rows."""
    if data_class is DataClass.LABS:
        return [r for r in resources if not r.get("valueQuantity")]
    return resources


DATE_FIELDS = ("effectiveDateTime", "onsetDateTime", "authoredOn", "recordedDate", "issued",
               "start", "date", "occurrenceDateTime", "dateAsserted")


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


SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"  # LOINC: the components of a blood pressure


def _components(resource: Resource) -> str:
    """A panel's values: a blood pressure as "128/82 mmHg", others one after the other."""
    values = {}
    for part in resource.get("component") or ():
        quantity = part.get("valueQuantity") or {}
        code = next((c.get("code", "") for c in (part.get("code") or {}).get("coding") or ()), "")
        if "value" in quantity:
            values[code or _concept(part.get("code"))] = (quantity["value"],
                                                          quantity.get("unit", ""))
    if SYSTOLIC in values and DIASTOLIC in values:
        (high, unit), (low, _unit) = values[SYSTOLIC], values[DIASTOLIC]
        return f"{_plain(high)}/{_plain(low)} {unit}".strip()
    return " · ".join(f"{_plain(v)} {u}".strip() for v, u in values.values())


def _plain(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _quantity(resource: Resource) -> tuple[float, str] | None:
    quantity = resource.get("valueQuantity") or {}
    value = quantity.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), str(quantity.get("unit") or quantity.get("code") or "")
    return None


def _detail(resource: Resource) -> str:
    """The most telling detail, never a raw status code (it would show in English)."""
    quantity = resource.get("valueQuantity")
    if quantity:
        return f"{quantity.get('value', '')} {quantity.get('unit', '')}".strip()
    if resource.get("component"):
        return _components(resource)
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


INACTIVE = frozenset({"stopped", "completed", "cancelled", "entered-in-error", "inactive",
                      "resolved", "remission", "on-hold", "not-taken", "refuted"})
IMAGING_CATEGORIES = frozenset({"RAD", "imaging", "CT", "MR", "US", "NMR", "XRAY", "RX"})
CRITICAL = {"HH": Flag.CRITICAL_HIGH, "LL": Flag.CRITICAL_LOW, "H": Flag.HIGH, "L": Flag.LOW,
            "A": Flag.ABNORMAL, "AA": Flag.ABNORMAL, "HU": Flag.CRITICAL_HIGH,
            "LU": Flag.CRITICAL_LOW}


def flag_of(value: float | None, low: float | None, high: float | None) -> Flag:
    """H or L against the reference range; critical flags come only from the laboratory."""
    if value is None:
        return Flag.NONE
    if high is not None and value > high:
        return Flag.HIGH
    if low is not None and value < low:
        return Flag.LOW
    return Flag.NONE


def _flag(resource: Resource) -> Flag:
    for concept in resource.get("interpretation") or ():
        for coding in concept.get("coding") or ():
            if coding.get("code") in CRITICAL:
                return CRITICAL[coding["code"]]
    quantity = resource.get("valueQuantity") or {}
    ranges = (resource.get("referenceRange") or [{}])[0]
    return flag_of(quantity.get("value"), (ranges.get("low") or {}).get("value"),
                   (ranges.get("high") or {}).get("value"))


def _status(resource: Resource) -> str:
    for key in ("clinicalStatus", "verificationStatus"):
        code = next((c.get("code", "") for c in (resource.get(key) or {}).get("coding") or ()),
                    "")
        if code in INACTIVE:
            return code
    return str(resource.get("status") or "")


def is_imaging(resource: Resource) -> bool:
    if resource.get("resourceType") not in ("DiagnosticReport", "ImagingStudy"):
        return False
    if resource["resourceType"] == "ImagingStudy":
        return True
    return any(c.get("code") in IMAGING_CATEGORIES
               for cat in resource.get("category") or () for c in cat.get("coding") or ())


def _attachments(resource: Resource) -> list[Resource]:
    found = [c.get("attachment") or {} for c in resource.get("content") or ()]
    return found + list(resource.get("presentedForm") or ())


def _decoded(attachment: Resource) -> bytes:
    try:
        return base64.b64decode(attachment.get("data") or "", validate=False)
    except (binascii.Error, ValueError):
        return b""


def _body_and_pdf(resource: Resource) -> tuple[str, bytes | None]:
    texts, pdf = [], None
    for attachment in _attachments(resource):
        kind = str(attachment.get("contentType") or "")
        if kind.startswith("text/"):
            texts.append(_decoded(attachment).decode("utf-8", errors="replace"))
        elif kind == "application/pdf" and pdf is None:
            pdf = _decoded(attachment) or None
    note = " ".join(n.get("text", "") for n in resource.get("note") or ())
    body = "\n\n".join(t for t in texts if t.strip()) or resource.get("conclusion") or note
    return str(body or ""), pdf


def _first_line(body: str, limit: int = 120) -> str:
    """The first line of a text that says something (not its title), for a list's detail."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    line = lines[1] if len(lines) > 1 else (lines[0] if lines else "")
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _author(resource: Resource, names: Names) -> str:
    for key in ("author", "recorder", "requester", "performer", "resultsInterpreter",
                "participant", "asserter"):
        value = resource.get(key)
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, dict):
            return person(value.get("individual") or value, names)
    return ""


def entry_of(resource: Resource, names: Names = NO_NAMES, unsent: bool = False) -> ChartEntry:
    rtype = resource.get("resourceType", "")
    kind = resource.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    generic = text(CTX, TYPE_TITLES.get(rtype, OTHER_TITLE))
    kind_text = _concept(kind if isinstance(kind, dict) else None)
    title = (_concept(resource.get("code")) or _concept(resource.get("medicationCodeableConcept"))
             or kind_text or resource.get("description") or generic)
    body, pdf = _body_and_pdf(resource) if rtype in ("DocumentReference", "DiagnosticReport",
                                                      "Composition") else ("", None)
    detail = _detail(resource) or (resource.get("description") if title != resource.get(
        "description") else "") or _first_line(body)
    return ChartEntry(
        _when(resource), title, detail, flag=_flag(resource),
        inactive=_status(resource) in INACTIVE,
        severe=resource.get("criticality") == "high", author=_author(resource, names),
        kind=kind_text or generic, body=body, pdf=pdf, unsent=unsent,
        quantity=_quantity(resource))


def newest_first(entry: ChartEntry) -> float:
    when = entry.when
    if when is None:
        return 0.0
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    return -when.replace(tzinfo=None).timestamp()
