"""An account as FHIR: a Practitioner (identifiers USERNAME and PRACTICE_NUMBER) and one
PractitionerRole per institution (code = app.core.profiles.Profession value)."""

from __future__ import annotations

from app.core import fhir_systems
from app.core.profiles import UserProfile

PROFESSION = "urn:clinicdesk:profession"
TITLES = ("Dre ", "Dr ")


def practitioner_id(username: str) -> str:
    """The Practitioner id of an account (FHIR ids allow letters, digits, '-' and '.')."""
    return f"user-{username}"


def username_of(reference: str) -> str | None:
    """`Practitioner/user-1234567` → `1234567`; None for any other reference."""
    kind, _, rid = reference.partition("/")
    return rid.removeprefix("user-") if kind == "Practitioner" and rid.startswith("user-") \
        else None


def _name(display: str) -> dict:
    prefix = next((t.strip() for t in TITLES if display.startswith(t)), None)
    bare = display.removeprefix(f"{prefix} ") if prefix else display
    given, _, family = bare.partition(" ")
    name: dict = {"text": display, "family": family or given, "given": [given] if family else []}
    if prefix:
        name["prefix"] = [prefix]
    return name


def practitioner(profile: UserProfile) -> dict:
    identifiers = [{"system": fhir_systems.USERNAME, "value": profile.username}]
    if profile.practice_number:
        identifiers.append({"system": fhir_systems.PRACTICE_NUMBER,
                            "value": profile.practice_number})
    return {"resourceType": "Practitioner", "id": practitioner_id(profile.username),
            "active": True, "identifier": identifiers, "name": [_name(profile.display_name)]}


def roles(profile: UserProfile) -> list[dict]:
    pid = practitioner_id(profile.username)
    return [{"resourceType": "PractitionerRole", "id": f"{pid}-{inst.id}", "active": True,
             "practitioner": {"reference": f"Practitioner/{pid}"},
             "organization": {"reference": f"Organization/{inst.id}"},
             "code": [{"coding": [{"system": PROFESSION, "code": profile.profession.value}]}]}
            for inst in profile.institutions]
