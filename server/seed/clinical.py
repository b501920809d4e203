"""Builders of one patient's clinical resources (FHIR R4 JSON dicts), all in French."""

from __future__ import annotations

import base64
import random
from datetime import date, datetime, timedelta

from app.core import fhir_systems
from server.seed import codes

TZ = "-05:00"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"


def stamp(day: date, rng: random.Random) -> str:
    moment = datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)))
    return moment.isoformat() + TZ


def _cc(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _text_attachment(title: str, body: str, when: str) -> dict:
    return {"contentType": "text/plain; charset=utf-8", "language": "fr-CA", "title": title,
            "creation": when, "data": base64.b64encode(body.encode()).decode("ascii")}


def encounter(rid: str, patient: str, practitioner: str, org: str, when: str,
              reason: str) -> dict:
    end = when[:11] + f"{int(when[11:13]) + 0:02d}:59:00" + TZ
    return {"resourceType": "Encounter", "id": rid, "status": "finished",
            "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "subject": {"reference": patient},
            "participant": [{"individual": {"reference": practitioner}}],
            "period": {"start": when, "end": end}, "reasonCode": [{"text": reason}],
            "serviceProvider": {"reference": org}}


def condition(rid: str, patient: str, row: tuple, onset: date, recorder: str) -> dict:
    icd, snomed, label, _ = row
    return {"resourceType": "Condition", "id": rid,
            "clinicalStatus": _cc(CLINICAL, "active", "Active"),
            "verificationStatus": _cc(VERIFICATION, "confirmed", "Confirmed"),
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                "code": "problem-list-item"}]}],
            "code": {"coding": [{"system": codes.ICD10CA, "code": icd, "display": label},
                                {"system": codes.SNOMED, "code": snomed}], "text": label},
            "subject": {"reference": patient}, "onsetDateTime": onset.isoformat(),
            "recordedDate": onset.isoformat(), "recorder": {"reference": recorder}}


def allergy(rid: str, patient: str, row: tuple, recorded: date) -> dict:
    snomed, label, criticality, reaction, reaction_label = row
    return {"resourceType": "AllergyIntolerance", "id": rid,
            "clinicalStatus": _cc(ALLERGY_CLINICAL, "active", "Active"),
            "verificationStatus": _cc(ALLERGY_VERIFICATION, "confirmed", "Confirmed"),
            "criticality": criticality, "code": _cc(codes.SNOMED, snomed, label),
            "patient": {"reference": patient}, "recordedDate": recorded.isoformat(),
            "reaction": [{"manifestation": [_cc(codes.SNOMED, reaction, reaction_label)]}]}


def medication_request(rid: str, patient: str, row: tuple, when: str, prescriber: str) -> dict:
    din, label, dosage, _ = row
    return {"resourceType": "MedicationRequest", "id": rid, "status": "active",
            "intent": "order", "medicationCodeableConcept": _cc(fhir_systems.DIN, din, label),
            "subject": {"reference": patient}, "authoredOn": when,
            "requester": {"reference": prescriber}, "dosageInstruction": [{"text": dosage}]}


def medication_statement(rid: str, patient: str, row: tuple, asserted: str) -> dict:
    din, label, dosage = row
    return {"resourceType": "MedicationStatement", "id": rid, "status": "active",
            "medicationCodeableConcept": _cc(fhir_systems.DIN, din, label),
            "subject": {"reference": patient}, "dateAsserted": asserted,
            "dosage": [{"text": dosage}]}


def lab(rid: str, patient: str, key: str, when: str, rng: random.Random, shift: float) -> dict:
    loinc, label, ucum, unit, low, high, mean, spread = codes.LABS[key]
    value = max(mean + shift * spread + rng.gauss(0, spread / 2), mean / 5)
    decimals = 0 if high >= 100 else (2 if high < 10 else 1)
    return {"resourceType": "Observation", "id": rid, "status": "final",
            "category": [{"coding": [{"system": OBS_CATEGORY, "code": "laboratory"}]}],
            "code": _cc(fhir_systems.LOINC, loinc, label), "subject": {"reference": patient},
            "effectiveDateTime": when, "issued": when,
            "valueQuantity": {"value": round(value, decimals), "unit": unit,
                              "system": codes.UCUM, "code": ucum},
            "referenceRange": [{"low": {"value": low, "unit": unit, "system": codes.UCUM,
                                        "code": ucum},
                                "high": {"value": high, "unit": unit, "system": codes.UCUM,
                                         "code": ucum}}]}


def imaging_report(rid: str, patient: str, row: tuple, when: str, requester: str) -> dict:
    loinc, title, findings, conclusion = row
    body = f"{title}\n\nConstatations : {findings}\n\nConclusion : {conclusion}\n"
    return {"resourceType": "DiagnosticReport", "id": rid, "status": "final",
            "category": [_cc(V2_0074, "RAD", "Radiology")],
            "code": _cc(fhir_systems.LOINC, loinc, title), "subject": {"reference": patient},
            "effectiveDateTime": when, "issued": when, "resultsInterpreter": [
                {"display": "Service de radiologie"}],
            "performer": [{"reference": requester}], "conclusion": conclusion,
            "presentedForm": [_text_attachment(title, body, when)]}


def consultation_note(rid: str, patient: str, encounter_ref: str, author: str, when: str,
                      reason: str, plan: str, author_name: str) -> dict:
    body = (f"Note de consultation\n\nMotif : {reason}.\n\nHistoire : patient(e) vu(e) en "
            f"clinique. Pas de fièvre. État général conservé.\n\nPlan : {plan}\n\n"
            f"{author_name}\n")
    return {"resourceType": "DocumentReference", "id": rid, "status": "current",
            "type": _cc(fhir_systems.LOINC, "11488-4", "Note de consultation"),
            "subject": {"reference": patient}, "date": when,
            "author": [{"reference": author}], "description": reason,
            "content": [{"attachment": _text_attachment("Note de consultation", body, when)}],
            "context": {"encounter": [{"reference": encounter_ref}]}}


def appointment(rid: str, patient: str, practitioner: str, day: date,
                rng: random.Random) -> dict:
    start = stamp(day, rng)
    end_at = datetime.fromisoformat(start) + timedelta(minutes=20)
    return {"resourceType": "Appointment", "id": rid, "status": "booked",
            "description": "Rendez-vous de suivi", "start": start, "end": end_at.isoformat(),
            "participant": [
                {"actor": {"reference": patient}, "status": "accepted"},
                {"actor": {"reference": practitioner}, "status": "accepted"}]}


def booked(rid: str, patient: str, practitioner: str, practitioner_name: str, location: str,
           day: date, minute: int) -> dict:
    """A 15-minute appointment at `minute` past midnight of `day` (clinic time), at the clinic
    (`location`: Location/<institution id>, which the reception's day view searches by)."""
    start = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    end_at = start + timedelta(minutes=15)
    return {"resourceType": "Appointment", "id": rid, "status": "booked",
            "description": "Rendez-vous", "start": start.isoformat() + TZ,
            "end": end_at.isoformat() + TZ, "minutesDuration": 15,
            "participant": [
                {"actor": {"reference": patient}, "status": "accepted"},
                {"actor": {"reference": practitioner, "display": practitioner_name},
                 "status": "accepted"},
                {"actor": {"reference": location}, "status": "accepted"}]}


def consent(rid: str, patient: str, classes: tuple[str, ...], when: str,
            actor: str | None = None) -> dict:
    """A restriction as app.core.consent reads it: a nested provision denies `classes` (none:
    every clinical class) to everyone, or only to `actor` (a Practitioner reference)."""
    deny: dict = {"type": "deny"}
    if classes:
        deny["class"] = [{"system": fhir_systems.DATA_CLASS, "code": c} for c in classes]
    if actor:
        deny["actor"] = [{"role": _cc(PARTICIPATION, "PRCP", "primary information recipient"),
                          "reference": {"reference": actor}}]
    return {"resourceType": "Consent", "id": rid, "status": "active",
            "scope": _cc("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy",
                         "Privacy Consent"),
            "category": [_cc(fhir_systems.LOINC, "59284-0", "Patient Consent")],
            "patient": {"reference": patient}, "dateTime": when,
            "policyRule": _cc(ACT_CODE, "OPTOUT", "opt-out"),
            "provision": {"type": "permit", "provision": [deny]}}
