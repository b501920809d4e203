"""QHR eligibility (seed 001): one table row per rule, then every combination of rules."""

import dataclasses
import itertools
from datetime import date

import pytest

from app.core.profiles import Institution, Profession, UserProfile
from app.qhr import eligibility as elig
from app.qhr.eligibility import Condition as C
from app.qhr.eligibility import eligibility

GMF = Institution("gmf", "GMF", ramq_billing_number="54321")
PRIVATE = Institution("private", "Clinique privée", unique_identification_number="800123456")
NO_NUMBER = Institution("none", "Clinique sans numéro")


def profile(profession=Profession.NURSE, **kw) -> UserProfile:
    base = dict(username="1000005", display_name="U", profession=profession,
                practice_number="2114567", institutions=(GMF,), primary_institution_id="gmf",
                qhr_key_id="QHR-0005", account_created=date(2021, 9, 1))
    return UserProfile(**(base | kw))


# Who is eligible with everything else in order (key plugged, numbers known).
PROFESSIONS = [
    (Profession.PHYSICIAN, set()),
    (Profession.RESIDENT, set()),
    (Profession.NURSE, set()),
    (Profession.AUXILIARY_NURSE, set()),
    (Profession.NURSE_PRACTITIONER, set()),
    (Profession.PHARMACIST, set()),
    (Profession.TECHNICAL_SUPPORT, set()),
    (Profession.EXTERN, {C.EXTERN}),
    (Profession.RECEPTIONIST, {C.PROFESSION}),
    (Profession.ADMINISTRATOR, {C.PROFESSION}),
]


@pytest.mark.parametrize("profession, expected", PROFESSIONS, ids=str)
def test_professions(profession, expected):
    verdict = eligibility(profile(profession), key_plugged=True)
    assert verdict.conditions == expected
    assert verdict.eligible == (not expected)


# One rule at a time: (name, profile changes, institution, key plugged, plugged id, unmet).
RULES = [
    ("username letters", dict(username="tsupport7"), None, True, None, {C.USERNAME_LETTERS}),
    ("username letters only", dict(username="nurse"), None, True, None, {C.USERNAME_LETTERS}),
    ("support: 6 digits", dict(profession=Profession.TECHNICAL_SUPPORT, username="100001"),
     None, True, None, {C.ACCOUNT_ID}),
    ("support: 8 digits", dict(profession=Profession.TECHNICAL_SUPPORT, username="10000011"),
     None, True, None, {C.ACCOUNT_ID}),
    ("support: letters", dict(profession=Profession.TECHNICAL_SUPPORT, username="tsupport7"),
     None, True, None, {C.USERNAME_LETTERS}),
    ("nurse: 6 digits is fine", dict(username="100005"), None, True, None, set()),
    ("physician without CMQ number", dict(profession=Profession.PHYSICIAN, practice_number=None),
     None, True, None, {C.PRACTICE_NUMBER}),
    ("physician blank CMQ number", dict(profession=Profession.PHYSICIAN, practice_number=" "),
     None, True, None, {C.PRACTICE_NUMBER}),
    ("no institution", dict(institutions=(), primary_institution_id=None), None, True, None,
     {C.INSTITUTION}),
    ("no billing number", {}, NO_NUMBER, True, None, {C.BILLING_NUMBER}),
    ("private clinic with unique id", {}, PRIVATE, True, None, set()),
    ("nurse 2017 without form", dict(account_created=date(2017, 5, 10)), None, True, None,
     {C.ACCESS_FORM}),
    ("nurse 2018-01-31 without form", dict(account_created=date(2018, 1, 31)), None, True, None,
     {C.ACCESS_FORM}),
    ("nurse 2018-02-01 without form", dict(account_created=date(2018, 2, 1)), None, True, None,
     set()),
    ("nurse unknown date without form", dict(account_created=None), None, True, None,
     {C.ACCESS_FORM}),
    ("nurse 2017 with form", dict(account_created=date(2017, 5, 10), access_form_completed=True),
     None, True, None, set()),
    ("physician 2017 without form", dict(profession=Profession.PHYSICIAN,
                                         account_created=date(2017, 5, 10)), None, True, None,
     set()),
    ("pharmacist 2017 without form", dict(profession=Profession.PHARMACIST,
                                          account_created=date(2017, 5, 10)), None, True, None,
     {C.ACCESS_FORM}),
    ("resident 2017 without form", dict(profession=Profession.RESIDENT,
                                        account_created=date(2017, 5, 10)), None, True, None,
     {C.ACCESS_FORM}),
    ("no key id", dict(qhr_key_id=None), None, True, None, {C.KEY_ID}),
    ("key not plugged", {}, None, False, None, {C.KEY_PLUGGED}),
    ("someone else's key", {}, None, True, "QHR-9999", {C.WRONG_KEY}),
    ("own key", {}, None, True, "QHR-0005", set()),
]


@pytest.mark.parametrize("name, changes, inst, plugged, plugged_id, expected", RULES,
                         ids=[r[0] for r in RULES])
def test_each_rule(name, changes, inst, plugged, plugged_id, expected):
    verdict = eligibility(profile(**changes), inst, key_plugged=plugged,
                          plugged_key_id=plugged_id)
    assert verdict.conditions == expected
    assert verdict.eligible == (not expected)
    assert len(verdict.reasons) == len(expected)


# Independent failures (each breaks exactly one condition) for the combination test.
BREAKS = {
    "extern": (dict(profession=Profession.EXTERN), C.EXTERN),
    "letters": (dict(username="nurse7"), C.USERNAME_LETTERS),
    "billing": (dict(institutions=(NO_NUMBER,), primary_institution_id="none"), C.BILLING_NUMBER),
    "form": (dict(account_created=date(2016, 1, 1)), C.ACCESS_FORM),
    "key id": (dict(qhr_key_id=None), C.KEY_ID),
    "unplugged": ({}, C.KEY_PLUGGED),
}
COMBINATIONS = [combo for n in range(len(BREAKS) + 1)
                for combo in itertools.combinations(BREAKS, n)
                if not {"extern", "form"} <= set(combo)]  # an extern needs no access form


@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: "+".join(c) or "none")
def test_every_combination_lists_every_unmet_condition(combo):
    changes: dict = {}
    for name in combo:
        changes |= BREAKS[name][0]
    verdict = eligibility(profile(**changes), key_plugged="unplugged" not in combo)
    assert verdict.conditions == {BREAKS[name][1] for name in combo}
    assert len(verdict.unmet) == len(combo)


def test_seed_accounts_of_the_domain_table():
    support = profile(Profession.TECHNICAL_SUPPORT, username="1000011", practice_number=None)
    assert eligibility(support, key_plugged=True).eligible
    alpha = dataclasses.replace(support, username="tsupport7")
    assert eligibility(alpha, key_plugged=True).conditions == {C.USERNAME_LETTERS}


def test_messages_tell_what_to_do_and_final_conditions_are_flagged():
    verdict = eligibility(profile(Profession.EXTERN, username="ext1", qhr_key_id=None),
                          NO_NUMBER, key_plugged=False)
    texts = [str(t) for t in verdict.reasons]
    assert texts == [
        "Externs cannot access the QHR.",
        "Your username contains letters: use the production QHR.",
        "Your institution's RAMQ billing number is missing. Ask your manager to provide it "
        "(a private clinic needs a unique identification number instead).",
        "Your QHR key identifier is not in your profile: ask your administrator.",
        "Plug in your QHR key.",
    ]
    assert [u.final for u in verdict.unmet] == [True, True, False, False, False]
    assert all(t.context == "qhr" for t in verdict.reasons)


def test_every_condition_has_a_message():
    assert set(elig.MESSAGES) == set(C)
    assert str(eligibility(profile(account_created=date(2017, 1, 1)), key_plugged=True)
               .reasons[0]) == "Complete the access form: your account predates February 2018."
