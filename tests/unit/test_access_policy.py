"""Access policy details beyond the matrix: reasons, break-the-glass, odd accounts, data classes."""

import ast
from pathlib import Path

import pytest

from app.core import access
from app.core.access import (
    AccessDenied,
    Action,
    Basis,
    PatientContext,
    decide,
    readable_classes,
    reason_text,
    require,
    valid_break_glass_reason,
    writable_classes,
)
from app.core.consent import OPEN, REFUSED, UNKNOWN, restricted
from app.core.data_class import DataClass
from app.core.profiles import Mandate, MandateKind, Profession, UserProfile
from app.core.resource_class import data_class_of

DR = "1000001"


def user(profession: Profession, username: str = "1234567", **kw) -> UserProfile:
    return UserProfile(username=username, display_name="U", profession=profession, **kw)


def patient(consent=OPEN, physicians=(DR,)) -> PatientContext:
    return PatientContext("p1", frozenset(physicians), consent)


def mandate(kind: MandateKind, grantor: str = DR) -> tuple[Mandate, ...]:
    return (Mandate(grantor, kind),)


@pytest.mark.parametrize("reason, ok", [
    (None, False), ("", False), ("urgence", False), ("x" * 40, False),
    ("aaaa bbbb cccc dddd", False),  # letters too few kinds
    ("Patient unconscious, needs care", True),
    ("Patient inconsciente à l'urgence", True),
    ("   emergency   ", False),
    ("Patient unconscious,\x00 needs care", False),  # the server refuses a NUL
    ("Patient unconscious,\x1b needs care", False),
    ("Patient unconscious,\n\tneeds care", True),
])
def test_break_glass_reason_must_be_a_real_sentence(reason, ok):
    assert valid_break_glass_reason(reason) is ok


def test_a_reason_typed_loses_its_control_characters_only():
    assert reason_text(" Patient\x00 unconscious,\r\n\tneeds\x7f care ") == \
        "Patient unconscious,\n\tneeds care"
    assert valid_break_glass_reason(reason_text("Patient unconscious,\x00 needs care"))


def test_trivial_reason_is_refused_with_both_messages_and_stays_breakable():
    d = decide(user(Profession.PHYSICIAN, DR), patient(REFUSED), DataClass.NOTES,
               break_glass_reason="urgent")
    assert not d.allowed and d.can_break_glass and not d.break_glass
    assert len(d.reasons) == 2 and d.reasons[1].args["chars"] == access.MIN_REASON_CHARS


def test_break_glass_decision_carries_the_log_entry_fields():
    d = decide(user(Profession.NURSE, mandates=mandate(MandateKind.PHYSICIAN_PROFESSIONAL)),
               patient(UNKNOWN), DataClass.LABS, break_glass_reason="  Chest pain, ECG review now ")
    assert d.allowed and d.break_glass and d.basis == Basis.MANDATE
    assert d.break_glass_reason == "Chest pain, ECG review now"
    assert (d.patient_id, d.username, d.data_class, d.action) == (
        "p1", "1234567", DataClass.LABS, Action.READ)


def test_reason_given_without_need_is_not_break_glass():
    d = decide(user(Profession.PHYSICIAN, DR), patient(), DataClass.NOTES,
               break_glass_reason="Just in case I need it later")
    assert d.allowed and not d.break_glass and d.break_glass_reason is None
    assert d.basis == Basis.OWN_PATIENT


def test_secretarial_mandate_says_so():
    d = decide(user(Profession.RECEPTIONIST, mandates=mandate(MandateKind.PHYSICIAN_SECRETARIAL)),
               patient(), DataClass.NOTES)
    assert not d.allowed and "role" in d.reasons[0].source
    nurse = user(Profession.NURSE, mandates=mandate(MandateKind.PHYSICIAN_SECRETARIAL))
    d = decide(nurse, patient(), DataClass.NOTES)
    assert not d.allowed and "secretarial" in d.reasons[0].source


def test_clinical_mandate_held_by_non_professional_opens_nothing_clinical():
    for profession in (Profession.RECEPTIONIST, Profession.ADMINISTRATOR):
        u = user(profession, mandates=mandate(MandateKind.PHYSICIAN_PHYSICIAN))
        assert not any(c.is_clinical for c in readable_classes(u, patient()))


def test_professional_with_administrative_account_gets_nothing():
    u = user(Profession.PHYSICIAN, DR, is_administrative=True)
    assert readable_classes(u, patient()) == frozenset()
    assert "administrative" in decide(u, patient(), DataClass.DEMOGRAPHICS).reasons[0].source


def test_physician_listed_only_by_mandate_to_another_physician():
    u = user(Profession.PHYSICIAN, mandates=mandate(MandateKind.PHYSICIAN_PHYSICIAN, "9999999"))
    assert not readable_classes(u, patient()) & {DataClass.NOTES, DataClass.LABS}
    assert "mandate" in decide(u, patient(), DataClass.NOTES).reasons[0].source


def test_restriction_on_demographics_blocks_the_front_desk_too():
    u = user(Profession.RECEPTIONIST)
    assert DataClass.DEMOGRAPHICS not in readable_classes(u, patient(restricted(
        DataClass.DEMOGRAPHICS)))
    assert DataClass.DEMOGRAPHICS in writable_classes(u, patient(REFUSED))


def test_require_raises_with_the_first_reason():
    d = decide(user(Profession.RECEPTIONIST), patient(), DataClass.LABS)
    with pytest.raises(AccessDenied) as err:
        require(d)
    assert err.value.decision is d and err.value.text == d.reasons[0]
    ok = decide(user(Profession.RECEPTIONIST), patient(), DataClass.APPOINTMENTS)
    assert require(ok) is ok


def test_every_reason_is_marked_for_translation():
    tree = ast.parse(Path(access.__file__).read_text())
    marked = {node.args[1].value for node in ast.walk(tree)
              if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "QT_TRANSLATE_NOOP"
              and isinstance(node.args[1], ast.Constant)}
    assert set(access._R.values()) <= marked and len(marked) == len(access._R)


@pytest.mark.parametrize("resource_type, resource, expected", [
    ("Patient", None, DataClass.DEMOGRAPHICS),
    ("Coverage", None, DataClass.REGISTRATION),
    ("Appointment", None, DataClass.APPOINTMENTS),
    ("Condition", None, DataClass.PROBLEMS),
    ("AllergyIntolerance", None, DataClass.ALLERGIES),
    ("MedicationRequest", None, DataClass.MEDICATIONS),
    ("MedicationDispense", None, DataClass.MEDICATIONS),
    ("MedicationStatement", None, DataClass.MEDICATIONS),
    ("Observation", None, DataClass.LABS),
    ("Observation", {"category": [{"coding": [{"code": "laboratory"}]}]}, DataClass.LABS),
    ("Observation", {"category": [{"coding": [{"code": "vital-signs"}]}]}, DataClass.NOTES),
    ("DiagnosticReport", {"category": [{"coding": [{"code": "RAD"}]}]}, DataClass.LABS),
    ("Encounter", None, DataClass.NOTES),
    ("DocumentReference", None, DataClass.DOCUMENTS),
    ("DocumentReference", {"type": {"coding": [{"system": "http://loinc.org",
                                                "code": "11488-4"}]}}, DataClass.NOTES),
    ("DocumentReference", {"category": [{"coding": [{"code": "clinical-note"}]}]},
     DataClass.NOTES),
    ("DocumentReference", {"type": {"coding": [{"system": "http://example.org",
                                                "code": "11488-4"}]}}, DataClass.DOCUMENTS),
    ("DocumentReference", {"type": "garbage", "category": 3}, DataClass.DOCUMENTS),
    ("Consent", None, None), ("Practitioner", None, None), ("Organization", None, None),
    ("Medication", None, None), ("AuditEvent", None, None),
    ("SomethingNew", None, DataClass.NOTES),  # unknown: most protected, never open
])
def test_data_class_of(resource_type, resource, expected):
    assert data_class_of(resource_type, resource) == expected
    assert access.data_class_of is data_class_of


def test_role_classes_is_the_best_case_of_readable_classes():
    for profession in Profession:
        u = user(profession, mandates=mandate(MandateKind.PHYSICIAN_PROFESSIONAL))
        if profession in (Profession.PHYSICIAN, Profession.RESIDENT):
            u = user(profession, mandates=mandate(MandateKind.PHYSICIAN_PHYSICIAN))
        assert access.role_classes(u) == readable_classes(u, patient()), profession
        assert access.role_classes(u, Action.WRITE) == writable_classes(u, patient()), profession
    assert access.role_classes(user(Profession.NURSE, is_administrative=True)) == frozenset()


def test_consent_is_not_disclosed_to_those_the_role_already_stops():
    for consent in (REFUSED, UNKNOWN, restricted(DataClass.NOTES)):
        d = decide(user(Profession.RECEPTIONIST), patient(consent), DataClass.NOTES)
        assert len(d.reasons) == 1 and "consent" not in d.reasons[0].source
        assert "restricted" not in d.reasons[0].source
    d = decide(user(Profession.EXTERN, mandates=mandate(MandateKind.PHYSICIAN_PROFESSIONAL)),
               patient(REFUSED), DataClass.NOTES)
    assert not d.can_break_glass and "cannot override" in d.reasons[0].source
