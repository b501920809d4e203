"""The shared FHIR vocabulary (app.core.fhir): every reference form, whose chart a resource is
in (the one reading of client cache, sync filters and server index), Bundles and instants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core import fhir

REFERENCE_FORMS = [
    ("Patient/p1", ("Patient", "p1", None)),
    ("Patient/p1/_history/3", ("Patient", "p1", "3")),
    ("Practitioner/d1", ("Practitioner", "d1", None)),
    ("https://central.example/fhir/Patient/p1", None),  # absolute: not a local reference
    ("https://central.example/fhir/Patient/p1/_history/3", None),
    ("#p1", None),  # contained
    ("urn:uuid:6f1c2e9a-0000-4000-8000-000000000001", None),  # a transaction's placeholder
    ("Patient?identifier=https://www.ramq.gouv.qc.ca/nam|TREM12345678", None),  # conditional
    ("Patient/", None),
    ("Patient", None),
    ("/Patient/p1", None),
    ("Patient/p1/_history/", None),
    ("Patient/p1/extra", None),
    ("patient/p1", None),
    ("", None),
    (None, None),
    (7, None),
    ({"reference": "Patient/p1"}, None),
]


@pytest.mark.parametrize(("reference", "expected"), REFERENCE_FORMS)
def test_reference_target_reads_every_form(reference: object, expected: object) -> None:
    assert fhir.reference_target(reference) == expected


@pytest.mark.parametrize(("reference", "expected"), REFERENCE_FORMS)
def test_patient_of_reads_every_reference_form_alike(reference: object,
                                                      expected: tuple | None) -> None:
    resource = {"resourceType": "Observation", "id": "o1", "subject": {"reference": reference}}
    assert fhir.patient_of(resource) == (expected[1] if expected and expected[0] == "Patient"
                                         else None)


@pytest.mark.parametrize(("resource", "expected"), [
    ({"resourceType": "Patient", "id": "p1"}, "p1"),
    ({"resourceType": "Patient"}, None),
    ({"resourceType": "Observation", "subject": {"reference": "Patient/p2"}}, "p2"),
    ({"resourceType": "Observation", "subject": {"reference": "Group/g"}}, None),
    ({"resourceType": "Observation", "subject": "Patient/p2"}, None),  # not a Reference
    ({"resourceType": "Observation", "patient": {"reference": "Patient/p2"}}, None),  # not its path
    ({"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/p3"}}, "p3"),
    ({"resourceType": "Consent", "patient": {"reference": "Patient/p3/_history/1"}}, "p3"),
    ({"resourceType": "Appointment", "participant": [
        {"actor": {"reference": "Practitioner/x"}}, {"actor": {"reference": "Patient/p4"}}]}, "p4"),
    ({"resourceType": "Appointment", "participant": [None, {"actor": None}]}, None),
    ({"resourceType": "AuditEvent", "entity": [{"what": {"reference": "Patient/p5"}}]}, "p5"),
    ({"resourceType": "Coverage", "beneficiary": {"reference": "Patient/p6"}}, "p6"),
    ({"resourceType": "Medication", "id": "m"}, None),
    ({"resourceType": "Organization", "id": "o"}, None),
    ({"id": "x", "subject": {"reference": "Patient/p7"}}, None),  # no type
])
def test_patient_of(resource: dict, expected: str | None) -> None:
    assert fhir.patient_of(resource) == expected


def test_patient_of_with_the_type_and_id_given_apart() -> None:
    """The server reads a body before it carries its id (a create)."""
    assert fhir.patient_of({}, "Patient", "p8") == "p8"
    assert fhir.patient_of({"subject": {"reference": "Patient/p9"}}, "Encounter") == "p9"


def test_identifier() -> None:
    patient = {"identifier": [{"system": "a", "value": "1"}, "junk", {"system": "b"},
                              {"system": "b", "value": "2"}]}
    assert fhir.identifier(patient, "a") == "1"
    assert fhir.identifier(patient, "b") is None  # the first of the system has no value
    assert fhir.identifier(patient, "c") is None
    assert fhir.identifier({}, "a") is None


def test_bundle_entries_resources_and_next_link() -> None:
    bundle = {"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p"}},
        {"resource": {"resourceType": "Appointment", "id": "a"}},
        {"request": {"method": "DELETE", "url": "Condition/c"}}, "junk"],
        "link": [{"relation": "self", "url": "s"}, {"relation": "next", "url": "n"}]}
    assert len(fhir.entries(bundle)) == 4
    assert [r["id"] for r in fhir.resources(bundle)] == ["p", "a"]
    assert [r["id"] for r in fhir.resources(bundle, "Appointment")] == ["a"]
    assert fhir.next_link(bundle) == "n"
    assert fhir.entries({}) == [] and fhir.entries({"entry": {"x": 1}}) == []
    assert fhir.next_link({"link": [{"relation": "next"}]}) is None


@pytest.mark.parametrize(("url", "expected"), [
    ("Condition/c1", ("Condition", "c1", None)),
    ("https://h/fhir/Condition/c1/_history/4", ("Condition", "c1", "4")),
    ("Condition/c1?_format=json", ("Condition", "c1", None)),
])
def test_url_target(url: str, expected: tuple) -> None:
    assert fhir.url_target(url) == expected


def test_instants() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert fhir.format_instant(when) == "2026-01-02T03:04:05.678Z"
    assert fhir.parse_instant("2026-01-02T03:04:05.678Z") == when
    assert fhir.parse_instant("2026-01-02T03:04:05.678") == when  # naive: UTC
    assert fhir.parse_instant("yesterday") is None
    assert fhir.earlier("2026-01-02T03:04:05.678Z", 5) == "2026-01-02T03:04:00.678Z"
    assert fhir.earlier("not an instant", 5) == "not an instant"
