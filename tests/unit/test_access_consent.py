"""FHIR Consent → consent state (the convention in app.core.consent), fail-closed cases."""

import pytest

from app.core.consent import (
    CLINICAL,
    OPEN,
    REFUSED,
    UNKNOWN,
    ConsentStatus,
    consent_from_fhir,
    consent_to_fhir,
    restricted,
)
from app.core.data_class import DataClass

SYSTEM = "urn:clinicdesk:data-class"
ALL_CLINICAL = {DataClass.PROBLEMS, DataClass.ALLERGIES, DataClass.MEDICATIONS, DataClass.LABS,
                DataClass.NOTES, DataClass.DOCUMENTS, DataClass.QHR}


def consent(provision: object, status: str = "active") -> dict:
    return {"resourceType": "Consent", "status": status, "provision": provision}


def deny(*codes: str, system: str = SYSTEM) -> dict:
    return {"type": "deny", "class": [{"system": system, "code": c} for c in codes]}


def test_never_fetched_is_unknown_and_blocks_every_clinical_class():
    state = consent_from_fhir(None)
    assert state.status == ConsentStatus.UNKNOWN
    assert state.blocked == ALL_CLINICAL == CLINICAL
    assert not state.blocks(DataClass.DEMOGRAPHICS)


def test_fetched_and_empty_is_open():
    assert consent_from_fhir([]) == OPEN
    assert not OPEN.blocked


def test_whole_refusal():
    state = consent_from_fhir([consent({"type": "deny"})])
    assert state.status == ConsentStatus.REFUSED and state.blocked == ALL_CLINICAL


def test_nested_restriction_blocks_only_its_classes():
    state = consent_from_fhir([consent({"type": "permit",
                                        "provision": [deny("notes", "labs")]})])
    assert state.status == ConsentStatus.RESTRICTED
    assert state.blocked == {DataClass.NOTES, DataClass.LABS}


def test_top_level_deny_with_classes_is_a_restriction():
    state = consent_from_fhir([consent(deny("medications"))])
    assert state.blocked == {DataClass.MEDICATIONS}


def test_several_active_consents_add_up_and_inactive_ones_do_not_count():
    state = consent_from_fhir([
        consent(deny("notes")), consent(deny("labs")),
        consent({"type": "deny"}, status="inactive"),
        consent({"type": "deny"}, status="entered-in-error"),
        consent(deny("documents"), status="draft"),
        {"resourceType": "Patient", "id": "x"},
    ])
    assert state.blocked == {DataClass.NOTES, DataClass.LABS}


def test_permit_only_is_open():
    assert consent_from_fhir([consent({"type": "permit"})]) == OPEN


def test_any_refusal_wins_over_restrictions():
    assert consent_from_fhir([consent(deny("notes")), consent({"type": "deny"})]) == REFUSED


@pytest.mark.parametrize("provision", [
    None,
    "deny",
    {"type": "maybe"},
    deny("x-rays"),  # a class we do not know
    deny("notes", system="http://example.org/other"),
    {"type": "permit", "provision": {"type": "deny"}},  # not a list
    {"type": "deny", "provision": [{"type": "permit"}]},  # deny-all with exceptions
    {"type": "deny", "class": "notes"},
], ids=repr)
def test_unreadable_active_consent_fails_closed_as_refusal(provision):
    assert consent_from_fhir([consent(provision)]) == REFUSED


def test_nested_refusal_is_a_refusal():
    assert consent_from_fhir([consent({"type": "permit",
                                       "provision": [{"type": "deny"}]})]) == REFUSED


@pytest.mark.parametrize("state", [REFUSED, restricted(DataClass.NOTES, DataClass.QHR),
                                   restricted(DataClass.DEMOGRAPHICS)], ids=str)
def test_round_trip_through_fhir(state):
    resource = consent_to_fhir("Patient/p1", state, "c1")
    assert resource["id"] == "c1" and resource["patient"] == {"reference": "Patient/p1"}
    assert consent_from_fhir([resource]) == state


def test_open_and_unknown_are_not_written_as_consents():
    for state in (OPEN, UNKNOWN):
        with pytest.raises(ValueError):
            consent_to_fhir("Patient/p1", state)
