"""What the store extracts from a resource to find it again: its search tokens (its patient:
app.core.fhir.patient_of)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from app.core.fhir import values
from app.core.resource_class import data_class_of, possible_classes


def data_class(rtype: str, body: dict | None) -> str | None:
    """The data class the access policy decides this version by (app.core.resource_class),
    stored with it so that readers decide without decoding it; None: not patient data. A
    deletion (no body) is classed by its type alone, as the policy decides it."""
    found = data_class_of(rtype, body)
    return found.value if found is not None else None


def by_content(rtype: str) -> bool:
    """Does the content of a resource of this type decide its class (not its type alone)?"""
    return len(possible_classes(rtype)) > 1


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used for string search ("Hélène" →
    "helene", "Côté-Lévesque" and "cote  levesque" → "cote levesque"): a hyphen, an apostrophe
    or a period is a space, as the workstation's patient index has it."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def tokens(rtype: str, resource: dict) -> list[tuple[str, str, str]]:
    """(name, system, value) rows for the search index."""
    rows = [("identifier", i.get("system", ""), i["value"])
            for i in resource.get("identifier") or () if isinstance(i, dict) and i.get("value")]
    if rtype == "Patient":
        for name in resource.get("name") or ():
            if name.get("family"):
                rows.append(("family", "", normalise(name["family"])))
            rows.extend(("given", "", normalise(g)) for g in name.get("given") or ())
        if resource.get("birthDate"):
            rows.append(("birthdate", "", resource["birthDate"]))
    elif rtype == "Appointment":
        rows.extend(_appointment(resource))
    elif rtype == "AuditEvent":  # R4 has no identifier: the client's entry hash is here
        rows.extend(("identifier", i.get("system", ""), i["value"])
                    for i in values(resource, ["entity", "what", "identifier"])
                    if isinstance(i, dict) and i.get("value"))
    return rows


def _appointment(resource: dict) -> list[tuple[str, str, str]]:
    """`date` (Appointment.start as a UTC instant, fixed width: text order is time order) and
    `actor` (each participant's reference, "Type/id")."""
    rows = [("actor", "", ref["reference"])
            for ref in values(resource, ["participant", "actor"])
            if isinstance(ref, dict) and "/" in str(ref.get("reference", ""))]
    start = resource.get("start")
    if isinstance(start, str):
        try:
            moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            return rows
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        rows.append(("date", "", utc_instant(moment)))
    return rows


def utc_instant(moment: datetime) -> str:
    """FHIR instant with fixed width, so that text order is time order (server.storage
    .format_instant)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
