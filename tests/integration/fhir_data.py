"""Unique synthetic FHIR resources for the reference-server tests (nothing here is real)."""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

from app.core import fhir_systems, nam

_rng = random.Random()


def _word(n: int = 6) -> str:
    return "".join(_rng.choices(string.ascii_lowercase, k=n)).capitalize()


def patient(family: str | None = None, given: str = "Hélène",
            birth: date | None = None) -> dict:
    """A Patient with a valid NAM, a family name no other test uses, and accents."""
    family = family or f"{_word()}-Côté"
    birth = birth or date(1930, 1, 1) + timedelta(days=_rng.randrange(30000))
    number = nam.build(family, given, birth, "F", _rng.choice("123456789ABCDEFGH"))
    return {"resourceType": "Patient",
            "identifier": [{"system": fhir_systems.NAM, "value": number}],
            "name": [{"family": family, "given": [given]}],
            "gender": "female", "birthDate": birth.isoformat()}


def nam_of(resource: dict) -> str:
    return next(i["value"] for i in resource["identifier"] if i["system"] == fhir_systems.NAM)


def observation(patient_ref: str, value: float = 5.4) -> dict:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": fhir_systems.LOINC, "code": "2345-7",
                                 "display": "Glucose"}]},
            "subject": {"reference": patient_ref},
            "valueQuantity": {"value": value, "unit": "mmol/L",
                              "system": "http://unitsofmeasure.org", "code": "mmol/L"}}


def condition(patient_ref: str) -> dict:
    return {"resourceType": "Condition", "subject": {"reference": patient_ref},
            "code": {"text": "Hypertension essentielle"}}


def change_id() -> dict:
    """A client-made change identifier (as the outbox puts on every create)."""
    return {"system": fhir_systems.CHANGE_ID, "value": f"urn:uuid:{_rng.randbytes(16).hex()}"}
