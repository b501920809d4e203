"""The client policy against the hand-written matrix (tests/access_matrix.py)."""

from collections import Counter

import pytest

from app.core.access import Action, PatientContext, consent_from_fhir, decide
from app.core.profiles import Profession
from tests import access_matrix as m

CASES = list(m.cases())
REASON = "Patient brought in unconscious, chart needed for emergency care"


def context(consent: str) -> PatientContext:
    return PatientContext(m.patient_id(consent), m.patient_physicians(),
                          consent_from_fhir(m.consent_resources(consent)))


def test_matrix_covers_every_user_kind_class_consent_and_relation():
    kinds = {c.kind for c in CASES}
    assert kinds == set(Profession)  # every row of docs/domain.md's user table
    assert len(CASES) == 10 * 3 * 10 * 4 * 2
    assert len({c.id for c in CASES}) == len(CASES)
    verdicts = Counter((c.allowed, c.can_break_glass) for c in CASES)
    assert verdicts[(True, False)] and verdicts[(False, True)] and verdicts[(False, False)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_verdict(case: m.Case):
    user = m.profile(case.kind, case.relation)
    decision = decide(user, context(case.consent), case.data_class, Action(case.action))
    assert decision.allowed == case.allowed
    assert decision.can_break_glass == case.can_break_glass
    assert not decision.break_glass
    assert (decision.reasons == ()) == case.allowed
    assert decision.data_class == case.data_class and decision.username == user.username


@pytest.mark.parametrize("case", [c for c in CASES if c.can_break_glass], ids=lambda c: c.id)
def test_break_glass_opens_exactly_what_consent_blocked(case: m.Case):
    user = m.profile(case.kind, case.relation)
    decision = decide(user, context(case.consent), case.data_class, Action(case.action),
                      break_glass_reason=REASON)
    assert decision.allowed and decision.break_glass
    assert decision.break_glass_reason == REASON


def test_break_glass_never_opens_what_the_role_or_relationship_refuses():
    refused = [c for c in CASES if not c.allowed and not c.can_break_glass]
    assert refused
    for case in refused:
        user = m.profile(case.kind, case.relation)
        decision = decide(user, context(case.consent), case.data_class, Action(case.action),
                          break_glass_reason=REASON)
        assert not decision.allowed and not decision.break_glass, case.id


def test_no_clinical_class_ever_reaches_a_receptionist():
    for case in CASES:
        if case.kind == Profession.RECEPTIONIST and case.data_class.is_clinical:
            assert not case.allowed and not case.can_break_glass
            user = m.profile(case.kind, case.relation)
            assert not decide(user, context(case.consent), case.data_class,
                              break_glass_reason=REASON).allowed
