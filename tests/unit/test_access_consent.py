"""FHIR Consent → consent state (the convention in app.core.consent): classes, actors, periods,
fail-closed cases."""

from datetime import date

import pytest

from app.core.access import PatientContext, decide, readable_classes
from app.core.consent import (
    CLINICAL,
    OPEN,
    REFUSED,
    UNKNOWN,
    ConsentState,
    ConsentStatus,
    Provision,
    consent_from_fhir,
    consent_resource,
    consent_to_fhir,
    provision_to_fhir,
    restricted,
)
from app.core.data_class import DataClass
from app.core.profiles import Profession, UserProfile

SYSTEM = "urn:clinicdesk:data-class"
ANYONE = "Practitioner/user-1234567"
ALL_CLINICAL = {DataClass.PROBLEMS, DataClass.ALLERGIES, DataClass.MEDICATIONS, DataClass.LABS,
                DataClass.NOTES, DataClass.DOCUMENTS, DataClass.QHR}


def consent(provision: object, status: str = "active") -> dict:
    return {"resourceType": "Consent", "status": status, "provision": provision}


def deny(*codes: str, system: str = SYSTEM) -> dict:
    return {"type": "deny", "class": [{"system": system, "code": c} for c in codes]}


def test_never_fetched_is_unknown_and_blocks_every_clinical_class():
    state = consent_from_fhir(None)
    assert state.status == ConsentStatus.UNKNOWN
    assert state.blocked_for(ANYONE, None) == ALL_CLINICAL == CLINICAL
    assert not state.blocks(DataClass.DEMOGRAPHICS, ANYONE, None)


def test_fetched_and_empty_is_open():
    assert consent_from_fhir([]) == OPEN
    assert not OPEN.blocked_for(ANYONE, None)


def test_whole_refusal():
    state = consent_from_fhir([consent({"type": "deny"})])
    assert state.status == ConsentStatus.REFUSED and state.blocked_for(ANYONE, None) == ALL_CLINICAL


def test_nested_restriction_blocks_only_its_classes():
    state = consent_from_fhir([consent({"type": "permit",
                                        "provision": [deny("notes", "labs")]})])
    assert state.status == ConsentStatus.RESTRICTED
    assert state.blocked_for(ANYONE, None) == {DataClass.NOTES, DataClass.LABS}


def test_top_level_deny_with_classes_is_a_restriction():
    state = consent_from_fhir([consent(deny("medications"))])
    assert state.blocked_for(ANYONE, None) == {DataClass.MEDICATIONS}


def test_several_active_consents_add_up_and_inactive_ones_do_not_count():
    state = consent_from_fhir([
        consent(deny("notes")), consent(deny("labs")),
        consent({"type": "deny"}, status="inactive"),
        consent({"type": "deny"}, status="entered-in-error"),
        consent(deny("documents"), status="draft"),
        {"resourceType": "Patient", "id": "x"},
    ])
    assert state.blocked_for(ANYONE, None) == {DataClass.NOTES, DataClass.LABS}


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
    {"type": "deny", "provision": [{"type": "permit"}]},  # its exception names nobody
    {"type": "permit", "provision": [{"type": "permit", "provision": [{"type": "deny"}]}]},
    {"type": "deny", "class": [{"system": SYSTEM, "code": "notes"}],
     "provision": [{"type": "deny"}]},  # a deny nested in a deny
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


# Actors and periods (app.core.consent_provision).
DR_X, DR_Y = "Practitioner/user-2000001", "Practitioner/user-2000002"
PRCP = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "PRCP"}]}
JUNE = date(2025, 6, 15)


def actor(reference: str | None = DR_X, role: dict | None = PRCP, **ref: object) -> dict:
    out: dict = {"reference": {"reference": reference} if reference else ref}
    if role is not None:
        out["role"] = role
    return out


def scoped(**provision: object) -> ConsentState:
    return consent_from_fhir([consent(provision)])


def test_a_deny_naming_an_actor_blocks_only_that_user():
    state = scoped(type="deny", actor=[actor()])
    assert state.blocked_for(DR_X, JUNE) == CLINICAL
    assert state.status_for(DR_X, JUNE) == ConsentStatus.REFUSED
    assert state.blocked_for(DR_Y, JUNE) == frozenset()
    assert state.status_for(DR_Y, JUNE) == ConsentStatus.OPEN


def test_an_actor_deny_with_classes_blocks_those_classes_for_that_user_only():
    state = scoped(type="permit", provision=[deny("notes", "labs") | {"actor": [actor()]}])
    assert state.blocked_for(DR_X, JUNE) == {DataClass.NOTES, DataClass.LABS}
    assert state.status_for(DR_X, JUNE) == ConsentStatus.RESTRICTED
    assert not state.blocks(DataClass.NOTES, DR_Y, JUNE)


def test_an_actor_named_by_username_identifier_is_matched():
    ident = {"system": "urn:clinicdesk:username", "value": "2000001"}
    state = scoped(type="deny", actor=[actor(None, identifier=ident, type="Practitioner")])
    assert state.blocked_for(DR_X, JUNE) == CLINICAL and not state.blocked_for(DR_Y, JUNE)


def test_a_refusal_excepting_an_actor_lets_only_that_actor_through():
    state = scoped(type="deny", provision=[{"type": "permit", "actor": [actor()]}])
    assert state.blocked_for(DR_X, JUNE) == frozenset()
    assert state.blocked_for(DR_Y, JUNE) == CLINICAL
    assert state.status_for(DR_Y, JUNE) == ConsentStatus.REFUSED


def test_only_a_deny_naming_a_user_singles_them_out():
    named = scoped(type="deny", actor=[actor()])
    assert named.singles_out(DR_X, JUNE) == CLINICAL and not named.singles_out(DR_Y, JUNE)
    everyone_but = scoped(type="deny", provision=[{"type": "permit", "actor": [actor()]}])
    assert not everyone_but.singles_out(DR_X, JUNE) and not everyone_but.singles_out(DR_Y, JUNE)
    assert not consent_from_fhir([consent(deny("labs"))]).singles_out(DR_X, JUNE)
    assert not REFUSED.singles_out(DR_X, JUNE)


def test_an_exception_with_classes_lets_the_actor_through_for_those_classes_only():
    state = scoped(type="deny", provision=[{"type": "permit", "actor": [actor()],
                                            "class": deny("medications")["class"]}])
    assert state.blocked_for(DR_X, JUNE) == CLINICAL - {DataClass.MEDICATIONS}


@pytest.mark.parametrize(("period", "day", "blocked"), [
    ({"start": "2025-01-01", "end": "2025-06-30"}, date(2024, 12, 31), False),  # before
    ({"start": "2025-01-01", "end": "2025-06-30"}, date(2025, 1, 1), True),
    ({"start": "2025-01-01", "end": "2025-06-30"}, date(2025, 6, 30), True),
    ({"start": "2025-01-01", "end": "2025-06-30"}, date(2025, 7, 1), False),  # ended
    ({"start": "2025-01-01"}, date(2040, 1, 1), True),  # open-ended
    ({"end": "2025-06-30"}, date(1990, 1, 1), True),  # no start
    ({"end": "2025"}, date(2025, 12, 31), True),  # a partial date covers its year
    ({"end": "2025-02"}, date(2025, 3, 1), False),  # …or its month
    ({"end": "2025-06-30T17:00:00-04:00"}, date(2025, 6, 30), True),  # a dateTime: its day
    ({"start": "2025-01-01", "end": "2025-06-30"}, None, True),  # day unknown: fail closed
], ids=repr)
def test_a_deny_applies_only_within_its_period(period, day, blocked):
    for state in (scoped(type="deny", period=period),
                  scoped(type="permit", provision=[{"type": "deny", "period": period}]),
                  scoped(type="permit", period=period, provision=[{"type": "deny"}])):
        assert (state.blocked_for(DR_Y, day) == CLINICAL) is blocked


@pytest.mark.parametrize(("day", "excepted"), [
    (date(2025, 5, 31), False), (JUNE, True), (date(2025, 7, 1), False), (None, False)])
def test_an_exception_applies_only_within_its_period(day, excepted):
    state = scoped(type="deny", provision=[{"type": "permit", "actor": [actor()], "period": {
        "start": "2025-06-01", "end": "2025-06-30"}}])
    assert (state.blocked_for(DR_X, day) == frozenset()) is excepted


@pytest.mark.parametrize("uncertain", [
    actor(None),  # an actor given by role only
    actor("Practitioner/f204"),  # a Practitioner we cannot tell is one of our users
    actor("https://emr.example/fhir/Practitioner/user-2000001"),  # not our reference
    actor("RelatedPerson/r1"), actor("Organization/clinic"), actor("Practitioner/user-"),
    actor(None, identifier={"system": "urn:example:license", "value": "2000001"}),
    actor(role={"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                      "v3-ParticipationType", "code": "AUT"}]}),  # author
    actor(role={"text": "son of the patient"}),
], ids=repr)
def test_a_deny_naming_an_actor_we_cannot_identify_applies_to_everyone(uncertain):
    assert scoped(type="deny", actor=[uncertain]) == REFUSED
    assert scoped(type="deny", actor=[actor(), uncertain]) == REFUSED  # one uncertain of two
    excepting = scoped(type="deny", provision=[{"type": "permit", "actor": [uncertain]}])
    assert excepting == REFUSED  # and an exception naming it lets nobody through


def test_an_exception_narrowed_by_what_we_do_not_read_lets_nobody_through():
    for narrowing in ({"purpose": [{"code": "TREAT"}]}, {"securityLabel": [{"code": "R"}]},
                      {"action": [{"coding": [{"code": "disclose"}]}]}):
        state = scoped(type="deny", provision=[{"type": "permit", "actor": [actor()]}
                                               | narrowing])
        assert state.blocked_for(DR_X, JUNE) == CLINICAL, narrowing
    access = {"action": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                "consentaction", "code": "access"}]}]}
    state = scoped(type="deny", provision=[{"type": "permit", "actor": [actor()]} | access])
    assert state.blocked_for(DR_X, JUNE) == frozenset()


def test_a_top_level_permit_naming_an_actor_does_not_narrow_its_denies():
    state = scoped(type="permit", actor=[actor()], provision=[deny("notes")])
    assert state == restricted(DataClass.NOTES)


@pytest.mark.parametrize("period", [{"start": "2025-13-01"}, {"end": "soon"}, "2025",
                                    {"start": "2025-07-01", "end": "2025-06-01"}], ids=repr)
def test_an_unreadable_period_fails_closed_as_refusal(period):
    assert scoped(type="permit", provision=[deny("notes") | {"period": period}]) == REFUSED


def test_scoped_and_plain_consents_add_up():
    state = consent_from_fhir([consent(deny("labs")), consent({"type": "deny",
                                                                "actor": [actor()]})])
    assert state.blocked_for(DR_Y, JUNE) == {DataClass.LABS}
    assert state.blocked_for(DR_X, JUNE) == CLINICAL | {DataClass.LABS}
    assert consent_from_fhir([consent({"type": "deny"}), consent(
        {"type": "deny", "provision": [{"type": "permit", "actor": [actor()]}]})]) == REFUSED


def test_scoped_provision_round_trip_through_fhir():
    exception = Provision(False, frozenset({DataClass.LABS}), frozenset({DR_X}),
                          date(2025, 1, 1), date(2025, 12, 31))
    tree = Provision(True, None, frozenset({DR_X, DR_Y}), None, date(2026, 3, 1), (exception,))
    state = consent_from_fhir([consent_resource("Patient/p1", provision_to_fhir(tree))])
    assert state.scoped == (tree,) and state.status == ConsentStatus.RESTRICTED
    with pytest.raises(ValueError):
        consent_to_fhir("Patient/p1", state)


def test_decide_refuses_the_named_physician_and_serves_the_other():
    denied = UserProfile("2000001", "Dr X", Profession.PHYSICIAN)
    other = UserProfile("2000002", "Dr Y", Profession.PHYSICIAN)
    patient = PatientContext("p1", frozenset({"2000001", "2000002"}),
                             scoped(type="deny", actor=[actor()]), today=JUNE)
    refused = decide(denied, patient, DataClass.NOTES)
    assert not refused.allowed and refused.can_break_glass
    assert "refused access" in refused.reasons[0].source
    assert decide(other, patient, DataClass.NOTES).allowed
    assert decide(denied, patient, DataClass.DEMOGRAPHICS).allowed  # administrative: not blocked
    assert readable_classes(other, patient) >= CLINICAL - {DataClass.QHR}
