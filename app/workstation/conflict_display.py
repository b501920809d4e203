"""A conflict in clinical words: what record (its kind and name), whose chart, and a field by
field comparison of the two versions with readable labels and values — no FHIR paths, no
references, no terminology URLs. Pure functions, no Qt."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from app.core.text import QT_TRANSLATE_NOOP, Text, text
from app.workstation.chart_display import CTX as CHART_CTX
from app.workstation.chart_display import OTHER_TITLE, TYPE_TITLES, entry_of
from app.workstation.contracts import Resource

CTX = "conflict"
LABELS: dict[str, str] = {  # top-level fields people change, in the order shown
    "code": QT_TRANSLATE_NOOP(CTX, "What"),
    "medicationCodeableConcept": QT_TRANSLATE_NOOP(CTX, "Medication"),
    "type": QT_TRANSLATE_NOOP(CTX, "Type"),
    "description": QT_TRANSLATE_NOOP(CTX, "Description"),
    "status": QT_TRANSLATE_NOOP(CTX, "Status"),
    "clinicalStatus": QT_TRANSLATE_NOOP(CTX, "Clinical status"),
    "verificationStatus": QT_TRANSLATE_NOOP(CTX, "Verification"),
    "criticality": QT_TRANSLATE_NOOP(CTX, "Severity"),
    "reaction": QT_TRANSLATE_NOOP(CTX, "Reaction"),
    "valueQuantity": QT_TRANSLATE_NOOP(CTX, "Value"),
    "valueString": QT_TRANSLATE_NOOP(CTX, "Value"),
    "valueCodeableConcept": QT_TRANSLATE_NOOP(CTX, "Value"),
    "dosageInstruction": QT_TRANSLATE_NOOP(CTX, "Dosage"),
    "dosage": QT_TRANSLATE_NOOP(CTX, "Dosage"),
    "onsetDateTime": QT_TRANSLATE_NOOP(CTX, "Onset"),
    "abatementDateTime": QT_TRANSLATE_NOOP(CTX, "Resolved on"),
    "effectiveDateTime": QT_TRANSLATE_NOOP(CTX, "Date"),
    "authoredOn": QT_TRANSLATE_NOOP(CTX, "Prescribed on"),
    "recordedDate": QT_TRANSLATE_NOOP(CTX, "Recorded on"),
    "date": QT_TRANSLATE_NOOP(CTX, "Date"),
    "start": QT_TRANSLATE_NOOP(CTX, "Start"),
    "content": QT_TRANSLATE_NOOP(CTX, "Text"),
    "conclusion": QT_TRANSLATE_NOOP(CTX, "Conclusion"),
    "note": QT_TRANSLATE_NOOP(CTX, "Notes"),
    "name": QT_TRANSLATE_NOOP(CTX, "Name"),
    "birthDate": QT_TRANSLATE_NOOP(CTX, "Birth date"),
    "gender": QT_TRANSLATE_NOOP(CTX, "Sex"),
    "telecom": QT_TRANSLATE_NOOP(CTX, "Telephone"),
    "address": QT_TRANSLATE_NOOP(CTX, "Address"),
}
OTHER = QT_TRANSLATE_NOOP(CTX, "Other details")
DELETED = QT_TRANSLATE_NOOP(CTX, "(deleted)")
HIDDEN = frozenset({"resourceType", "id", "meta", "text", "subject", "patient", "identifier",
                    "contained", "encounter", "context", "implicitRules", "language"})


@dataclass(frozen=True)
class FieldRow:
    label: Text
    ours: str
    theirs: str

    @property
    def differs(self) -> bool:
        return self.ours != self.theirs


def readable(value: Any) -> str:
    """A FHIR value as a person reads it: a concept's words, a quantity with its unit, a
    reference's display, an attachment's text; never a system URL or a reference path."""
    if isinstance(value, list):
        return "; ".join(v for v in (readable(x) for x in value) if v)
    if isinstance(value, dict):
        if "text" in value and isinstance(value["text"], str):
            return value["text"]
        if "coding" in value:
            return readable([c.get("display") or c.get("code", "") for c in value["coding"]])
        if "value" in value and ("unit" in value or "code" in value):
            return f"{value['value']} {value.get('unit') or value.get('code', '')}".strip()
        if "reference" in value:
            return str(value.get("display") or "")
        if "data" in value:
            return _attachment_text(value)
        return "; ".join(v for k, v in ((k, readable(x)) for k, x in value.items())
                         if v and k not in ("system", "url", "extension"))
    if isinstance(value, str) and value.startswith(("http://", "https://", "urn:")):
        return ""
    return "" if value is None else str(value)


def _attachment_text(attachment: dict[str, Any]) -> str:
    if not str(attachment.get("contentType", "")).startswith("text/"):
        return ""
    try:
        return base64.b64decode(attachment["data"]).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""


def comparison(local: Resource | None, server: Resource | None) -> list[FieldRow]:
    """One row per field either version has, in LABELS' order, then the rest together."""
    ours, theirs = local or {}, server or {}
    keys = [k for k in LABELS if k in ours or k in theirs]
    rest = sorted((set(ours) | set(theirs)) - set(LABELS) - HIDDEN)
    rows = [FieldRow(text(CTX, LABELS[k]), readable(ours.get(k)) if local else "",
                     readable(theirs.get(k)) if server else "") for k in keys]
    if rest:
        rows.append(FieldRow(text(CTX, OTHER), readable({k: ours.get(k) for k in rest}),
                             readable({k: theirs.get(k) for k in rest})))
    if local is None or server is None:
        gone = text(CTX, DELETED)
        rows.insert(0, FieldRow(gone, gone.source if local is None else "",
                                gone.source if server is None else ""))
    return [r for r in rows if r.ours or r.theirs]


def kind_of(resource_type: str) -> Text:
    return text(CHART_CTX, TYPE_TITLES.get(resource_type, OTHER_TITLE))


def record_name(local: Resource | None, server: Resource | None) -> str:
    """The record's own name ("Pénicilline", "Note de consultation")."""
    resource = server or local
    if resource is None:
        return ""
    title = entry_of(resource).title
    return title if isinstance(title, str) else ""
