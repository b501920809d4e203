"""A patient's chart for the chart-screen tests: FHIR resources in every class, as the seed
shapes them (allergies with criticality, active and stopped medications, labs with ranges, an
imaging report, a note with its text, a scanned document, a visit and an appointment) and its
vital signs (VITALS: a blood pressure and a weight, twice each)."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from app.core.consent import ConsentState, ConsentStatus, consent_to_fhir
from app.core.data_class import DataClass
from app.core.profiles import practitioner_reference

PATIENT_ID = "p-chart"
NOTE_TEXT = "Note de consultation\n\nMotif : suivi HTA.\n\nPlan : revoir dans 3 mois.\n"
LONG_TEST = "Cholestérol à lipoprotéines de basse densité (LDL-C), calculé"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _lab(rid: str, loinc: str, label: str, value: float, low: float, high: float,
         when: str) -> dict:
    return {"resourceType": "Observation", "id": rid, "status": "final",
            "category": [{"coding": [{"code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}], "text": label},
            "subject": {"reference": f"Patient/{PATIENT_ID}"}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": "mmol/L"},
            "referenceRange": [{"low": {"value": low}, "high": {"value": high}}]}


def chart(physician: str, *, gender: str = "female", born: str = "1928-03-14",
          allergies: bool = True) -> list[dict]:
    ref = {"reference": f"Patient/{PATIENT_ID}"}
    doctor = {"reference": practitioner_reference(physician)}
    soon = (date.today() + timedelta(days=7)).isoformat() + "T09:00:00-05:00"
    resources = [
        {"resourceType": "Patient", "id": PATIENT_ID, "gender": gender, "birthDate": born,
         "name": [{"family": "Côté", "given": ["Hélène"]}],
         "identifier": [{"system": "https://www.ramq.gouv.qc.ca/nam", "value": "COTH28531499"},
                        {"system": "urn:clinicdesk:chart-number", "value": "100042"}],
         "generalPractitioner": [doctor]},
        {"resourceType": "Condition", "id": "c1", "subject": ref, "code": {"text": "Hypertension"},
         "clinicalStatus": {"coding": [{"code": "active"}]}, "onsetDateTime": "2019-01-02"},
        {"resourceType": "Condition", "id": "c2", "subject": ref, "code": {"text": "Entorse"},
         "clinicalStatus": {"coding": [{"code": "resolved"}]}, "onsetDateTime": "2015-01-02"},
        {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "subject": ref,
         "medicationCodeableConcept": {"text": "Ramipril 5 mg"}, "authoredOn": "2024-01-09",
         "dosageInstruction": [{"text": "1 co. die"}]},
        {"resourceType": "MedicationRequest", "id": "m2", "status": "stopped", "subject": ref,
         "medicationCodeableConcept": {"text": "Amlodipine 5 mg"}, "authoredOn": "2020-01-09"},
        _lab("o1", "2823-3", "Potassium", 5.4, 3.5, 5.0, "2025-02-03T08:00:00-05:00"),
        _lab("o2", "2823-3", "Potassium", 4.1, 3.5, 5.0, "2024-02-03T08:00:00-05:00"),
        _lab("o3", "13457-7", LONG_TEST, 1.2, 1.5, 3.4, "2025-02-03T08:00:00-05:00"),
        {"resourceType": "DiagnosticReport", "id": "r1", "status": "final", "subject": ref,
         "category": [{"coding": [{"code": "RAD"}]}], "code": {"text": "Radiographie pulmonaire"},
         "effectiveDateTime": "2025-01-10", "conclusion": "Pas de condensation.",
         "presentedForm": [{"contentType": "text/plain", "data": _b64("Radiographie : normale.")}]},
        {"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": ref,
         "period": {"start": "2025-02-03T09:00:00-05:00"}, "reasonCode": [{"text": "Suivi HTA"}],
         "participant": [{"individual": doctor}]},
        {"resourceType": "DocumentReference", "id": "d1", "status": "current", "subject": ref,
         "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}],
                  "text": "Note de consultation"}, "date": "2025-02-03T09:30:00-05:00",
         "author": [doctor], "description": "Suivi HTA",
         "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                     "data": _b64(NOTE_TEXT)}}]},
        {"resourceType": "DocumentReference", "id": "d2", "status": "current", "subject": ref,
         "type": {"text": "Lettre de l'hôpital"}, "date": "2024-11-02",
         "content": [{"attachment": {"contentType": "text/plain", "data": _b64("Congé.")}}]},
        {"resourceType": "Appointment", "id": "a1", "status": "booked", "start": soon,
         "description": "Suivi", "participant": [{"actor": ref}, {"actor": doctor}]},
    ]
    if allergies:
        resources.append(
            {"resourceType": "AllergyIntolerance", "id": "al1", "patient": ref,
             "criticality": "high", "code": {"text": "Arachides"},
             "clinicalStatus": {"coding": [{"code": "active"}]}, "recordedDate": "2019-05-02",
             "reaction": [{"manifestation": [{"text": "anaphylaxie"}]}]})
    return resources


def _vital(rid: str, when: str, loinc: str, label: str, **value) -> dict:
    return {"resourceType": "Observation", "id": rid, "status": "final",
            "category": [{"coding": [{"code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}], "text": label},
            "subject": {"reference": f"Patient/{PATIENT_ID}"}, "effectiveDateTime": when,
            **value}


def _bp(rid: str, when: str, high: int, low: int) -> dict:
    return _vital(rid, when, "85354-9", "Tension artérielle", component=[
        {"code": {"coding": [{"system": "http://loinc.org", "code": code}]},
         "valueQuantity": {"value": v, "unit": "mmHg"}}
        for code, v in (("8480-6", high), ("8462-4", low))])


VITALS = [
    _bp("v1", "2024-06-01T09:00:00-04:00", 142, 91),
    _bp("v2", "2025-02-03T09:10:00-05:00", 128, 82),
    _vital("v3", "2025-02-03T09:10:00-05:00", "29463-7", "Poids",
           valueQuantity={"value": 71.5, "unit": "kg"}),
    _vital("v4", "2024-06-01T09:00:00-04:00", "29463-7", "Poids",
           valueQuantity={"value": 74.2, "unit": "kg"}),
]


def refusal() -> dict:
    return consent_to_fhir(f"Patient/{PATIENT_ID}", ConsentState(ConsentStatus.REFUSED),
                           "consent-1")


def restriction(*classes: DataClass) -> dict:
    return consent_to_fhir(f"Patient/{PATIENT_ID}",
                           ConsentState(ConsentStatus.RESTRICTED, frozenset(classes)), "consent-2")
