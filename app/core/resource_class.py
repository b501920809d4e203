"""Which data class a FHIR R4 resource belongs to (the access policy decides by class).

- Patient, RelatedPerson → DEMOGRAPHICS (the RAMQ registration lives in a Patient extension,
  app.core.registration); Coverage, EpisodeOfCare → REGISTRATION.
- Appointment, AppointmentResponse → APPOINTMENTS.
- Condition → PROBLEMS; AllergyIntolerance → ALLERGIES.
- MedicationRequest/Statement/Dispense/Administration, Immunization → MEDICATIONS.
- Observation, DiagnosticReport, Specimen, ImagingStudy → LABS. Imaging reports
  (DiagnosticReport of category imaging) are results too: LABS, like the QHR viewer groups them.
  Observations recorded during a visit (vital signs, exam, social history, survey) → NOTES.
- Encounter, Composition, ClinicalImpression, Procedure, CarePlan, ServiceRequest, Flag → NOTES.
- DocumentReference → NOTES when it is a clinical note (category "clinical-note" or a LOINC note
  type below), otherwise DOCUMENTS (scanned letters, forms, external reports).
- Not patient data, or policy data → None: Practitioner, PractitionerRole, Organization,
  Location, Schedule, Slot, Medication (a drug product, for DIN look-up), Consent, AuditEvent,
  and conformance/infrastructure resources.
- Any other resource type → NOTES: an unknown type is treated as the most protected clinical
  class, never as open.
"""

from __future__ import annotations

from typing import Any

from app.core import fhir_systems
from app.core.data_class import DataClass

_BY_TYPE: dict[str, DataClass] = {
    "Patient": DataClass.DEMOGRAPHICS,
    "RelatedPerson": DataClass.DEMOGRAPHICS,
    "Coverage": DataClass.REGISTRATION,
    "EpisodeOfCare": DataClass.REGISTRATION,
    "Appointment": DataClass.APPOINTMENTS,
    "AppointmentResponse": DataClass.APPOINTMENTS,
    "Condition": DataClass.PROBLEMS,
    "AllergyIntolerance": DataClass.ALLERGIES,
    "MedicationRequest": DataClass.MEDICATIONS,
    "MedicationStatement": DataClass.MEDICATIONS,
    "MedicationDispense": DataClass.MEDICATIONS,
    "MedicationAdministration": DataClass.MEDICATIONS,
    "Immunization": DataClass.MEDICATIONS,
    "Observation": DataClass.LABS,
    "DiagnosticReport": DataClass.LABS,
    "Specimen": DataClass.LABS,
    "ImagingStudy": DataClass.LABS,
    "Encounter": DataClass.NOTES,
    "Composition": DataClass.NOTES,
    "ClinicalImpression": DataClass.NOTES,
    "Procedure": DataClass.NOTES,
    "CarePlan": DataClass.NOTES,
    "ServiceRequest": DataClass.NOTES,
    "Flag": DataClass.NOTES,
    "DocumentReference": DataClass.DOCUMENTS,
}
NOT_PATIENT_DATA = frozenset({
    "Practitioner", "PractitionerRole", "Organization", "Location", "HealthcareService",
    "Endpoint", "Schedule", "Slot", "Medication", "Consent", "AuditEvent", "Bundle",
    "OperationOutcome", "CapabilityStatement", "ValueSet", "CodeSystem", "StructureDefinition",
    "SearchParameter", "Parameters", "Binary", "Subscription",
})
# Observation categories (observation-category code system) recorded during a visit.
VISITS = frozenset({"vital-signs", "exam", "social-history", "survey"})
# DocumentReference types that are clinical notes (LOINC).
NOTE_TYPES = frozenset({
    "11506-3",  # progress note
    "34117-2",  # history and physical note
    "11488-4",  # consult note
    "18842-5",  # discharge summary
    "34109-9",  # note
})


def data_class_of(resource_type: str, resource: dict[str, Any] | None = None) -> DataClass | None:
    """The class of a resource (its content refines Observation and DocumentReference)."""
    if resource_type in NOT_PATIENT_DATA:
        return None
    if resource is not None:
        if resource_type == "Observation" and _codes(resource.get("category")) & VISITS:
            return DataClass.NOTES
        if resource_type == "DocumentReference" and _is_note(resource):
            return DataClass.NOTES
    return _BY_TYPE.get(resource_type, DataClass.NOTES)


# The types whose content can move them to another class than _BY_TYPE's (see data_class_of).
_REFINED: dict[str, frozenset[DataClass]] = {
    "Observation": frozenset({DataClass.LABS, DataClass.NOTES}),
    "DocumentReference": frozenset({DataClass.DOCUMENTS, DataClass.NOTES}),
}


def possible_classes(resource_type: str) -> frozenset[DataClass]:
    """Every class a resource of this type can belong to, whatever its content (empty: not
    patient data). Lets a reader skip rows by type alone, without decoding them."""
    if resource_type in NOT_PATIENT_DATA:
        return frozenset()
    return _REFINED.get(resource_type) or frozenset({_BY_TYPE.get(resource_type, DataClass.NOTES)})


def _is_note(resource: dict[str, Any]) -> bool:
    if "clinical-note" in _codes(resource.get("category")):
        return True
    type_ = resource.get("type")
    loinc = {c.get("code") for c in _codings(type_) if c.get("system") == fhir_systems.LOINC}
    return bool(loinc & NOTE_TYPES)


def _codes(concepts: object) -> set[str]:
    """Every code of a CodeableConcept or a list of them (systems ignored)."""
    items = concepts if isinstance(concepts, list) else [concepts]
    return {str(c.get("code")) for item in items for c in _codings(item)}


def _codings(concept: object) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    codings = concept.get("coding")
    return [c for c in codings if isinstance(c, dict)] if isinstance(codings, list) else []
