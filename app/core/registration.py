"""RAMQ registration ("inscription") in plain FHIR R4: how ClinicDesk writes and reads it.

FHIR R4 has no element for a Quebec registration, so ClinicDesk uses the core element that
means "the patient's nominated primary care provider" plus one complex extension:

- `Patient.generalPractitioner` lists `Practitioner/{id}` (the family physician, whose
  Practitioner carries identifier `fhir_systems.USERNAME` when they have an account) and
  `Organization/{id}` (the place of follow-up). Any FHIR client understands this much.
- `Patient.extension[url=REGISTRATION]` (zero or more; one per registration) with sub-extensions:
    `physician`       valueReference  Practitioner/{id}, the physician of the registration
    `since`           valueDate       registration date
    `placeOfFollowUp` valueIdentifier system RAMQ_BILLING_NUMBER, the place-of-follow-up number
                                      ("5XXXX"/"6XXXX")
    `fmg`             valueIdentifier system FMG_REFERENCE ("1XXX"), only for an FMG registration
    `end`             valueDate       when the registration ended (absent while it is active)
- An institution is an `Organization` whose identifiers use RAMQ_BILLING_NUMBER,
  UNIQUE_IDENTIFICATION_NUMBER and FMG_REFERENCE (its id is `app.core.profiles.Institution.id`).

Pure functions, no I/O: the server's seed writes with `to_extension`, the client's RAMQ screens
read with `registrations_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

REGISTRATION = "urn:clinicdesk:ramq-registration"
RAMQ_BILLING_NUMBER = "urn:clinicdesk:ramq-billing-number"
UNIQUE_IDENTIFICATION_NUMBER = "urn:clinicdesk:unique-identification-number"
FMG_REFERENCE = "urn:clinicdesk:fmg-reference"


@dataclass(frozen=True)
class Registration:
    physician: str  # "Practitioner/{id}"
    since: date
    place_of_follow_up: str | None = None  # RAMQ billing (place-of-follow-up) number
    fmg: str | None = None  # FMG reference number, for an FMG registration
    end: date | None = None

    @property
    def active(self) -> bool:
        return self.end is None


def to_extension(reg: Registration) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "physician", "valueReference": {"reference": reg.physician}},
        {"url": "since", "valueDate": reg.since.isoformat()},
    ]
    if reg.place_of_follow_up:
        parts.append({"url": "placeOfFollowUp", "valueIdentifier": {
            "system": RAMQ_BILLING_NUMBER, "value": reg.place_of_follow_up}})
    if reg.fmg:
        parts.append({"url": "fmg", "valueIdentifier": {"system": FMG_REFERENCE,
                                                        "value": reg.fmg}})
    if reg.end:
        parts.append({"url": "end", "valueDate": reg.end.isoformat()})
    return {"url": REGISTRATION, "extension": parts}


def registrations_of(patient: dict[str, Any]) -> list[Registration]:
    """Every registration extension of a Patient resource (malformed ones are skipped)."""
    found = []
    for ext in patient.get("extension", ()):
        if ext.get("url") != REGISTRATION:
            continue
        parts = {p.get("url"): p for p in ext.get("extension", ())}
        try:
            found.append(Registration(
                physician=parts["physician"]["valueReference"]["reference"],
                since=date.fromisoformat(parts["since"]["valueDate"]),
                place_of_follow_up=_identifier(parts.get("placeOfFollowUp")),
                fmg=_identifier(parts.get("fmg")),
                end=date.fromisoformat(parts["end"]["valueDate"]) if "end" in parts else None,
            ))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def _identifier(part: dict[str, Any] | None) -> str | None:
    return part["valueIdentifier"].get("value") if part else None


def organization(inst_id: str, name: str, billing: str | None = None,
                 unique_id: str | None = None, fmg: str | None = None) -> dict[str, Any]:
    """The FHIR Organization for an institution (app.core.profiles.Institution's fields)."""
    identifiers = [{"system": system, "value": value} for system, value in (
        (RAMQ_BILLING_NUMBER, billing), (UNIQUE_IDENTIFICATION_NUMBER, unique_id),
        (FMG_REFERENCE, fmg)) if value]
    org: dict[str,
              Any] = {"resourceType": "Organization", "id": inst_id, "active": True, "name": name}
    if identifiers:
        org["identifier"] = identifiers
    return org
