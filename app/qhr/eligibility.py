"""Who may open the QHR viewer: one pure function listing every unmet condition (seed 001).

Rules (docs/domain.md, "The QHR"):

- Eligible: physician with a CMQ practice number; nurse, auxiliary nurse, nurse practitioner
  (a nurse); pharmacist; resident; technical support (people who support physicians and
  pharmacists, or hold a QHR key) only with an account id of exactly seven digits.
- Not eligible: externs (no CMQ internship card); usernames with letters (they use the production
  QHR instead); receptionists and administrators (no clinical information).
- The institution's RAMQ billing number is known, or for a private clinic its unique
  identification number.
- Non-physician professionals whose account was created before 2018-02-01 (or whose creation date
  is unknown: fail closed) have completed the access form.
- The QHR key identifier is recorded in the profile; the key is plugged in (and, when the plugged
  key's identifier is known, it is the profile's key).

`Unmet.final` tells conditions nobody at the clinic can fix for this account (profession, username)
from those that can be fixed (a missing number, the form, the key): the UI may show final ones
first. The verdict still lists every unmet condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.core.profiles import Institution, Profession, UserProfile
from app.core.text import QT_TRANSLATE_NOOP, Text, text

CTX = "qhr"
ACCESS_FORM_CUTOFF = date(2018, 2, 1)
SEVEN_DIGITS = re.compile(r"[0-9]{7}")

ELIGIBLE = frozenset({
    Profession.PHYSICIAN, Profession.RESIDENT, Profession.NURSE, Profession.AUXILIARY_NURSE,
    Profession.NURSE_PRACTITIONER, Profession.PHARMACIST, Profession.TECHNICAL_SUPPORT,
})
NEEDS_ACCESS_FORM = ELIGIBLE - {Profession.PHYSICIAN, Profession.TECHNICAL_SUPPORT}


class Condition(StrEnum):
    EXTERN = "extern"
    PROFESSION = "profession"
    USERNAME_LETTERS = "username_letters"
    ACCOUNT_ID = "account_id"  # technical support: seven digits
    PRACTICE_NUMBER = "practice_number"
    INSTITUTION = "institution"
    BILLING_NUMBER = "billing_number"
    ACCESS_FORM = "access_form"
    KEY_ID = "key_id"
    KEY_PLUGGED = "key_plugged"
    WRONG_KEY = "wrong_key"


FINAL = frozenset({Condition.EXTERN, Condition.PROFESSION, Condition.USERNAME_LETTERS})

MESSAGES = {
    Condition.EXTERN: QT_TRANSLATE_NOOP(
        CTX, "Externs cannot access the QHR."),
    Condition.PROFESSION: QT_TRANSLATE_NOOP(
        CTX, "Your role does not give access to the QHR."),
    Condition.USERNAME_LETTERS: QT_TRANSLATE_NOOP(
        CTX, "Your username contains letters: use the production QHR."),
    Condition.ACCOUNT_ID: QT_TRANSLATE_NOOP(
        CTX, "Technical support needs an account id of seven digits: ask your administrator."),
    Condition.PRACTICE_NUMBER: QT_TRANSLATE_NOOP(
        CTX, "Your CMQ practice number is not in your profile: ask your administrator."),
    Condition.INSTITUTION: QT_TRANSLATE_NOOP(
        CTX, "No institution is recorded in your profile: ask your administrator."),
    Condition.BILLING_NUMBER: QT_TRANSLATE_NOOP(
        CTX, "Your institution's RAMQ billing number is missing. Ask your manager to provide it "
        "(a private clinic needs a unique identification number instead)."),
    Condition.ACCESS_FORM: QT_TRANSLATE_NOOP(
        CTX, "Complete the access form: your account predates February 2018."),
    Condition.KEY_ID: QT_TRANSLATE_NOOP(
        CTX, "Your QHR key identifier is not in your profile: ask your administrator."),
    Condition.KEY_PLUGGED: QT_TRANSLATE_NOOP(
        CTX, "Plug in your QHR key."),
    Condition.WRONG_KEY: QT_TRANSLATE_NOOP(
        CTX, "The QHR key plugged in is not the one in your profile: plug in your own key."),
}


@dataclass(frozen=True)
class Unmet:
    condition: Condition
    text: Text

    @property
    def final(self) -> bool:
        return self.condition in FINAL


@dataclass(frozen=True)
class Verdict:
    unmet: tuple[Unmet, ...]

    @property
    def eligible(self) -> bool:
        return not self.unmet

    @property
    def reasons(self) -> tuple[Text, ...]:
        return tuple(u.text for u in self.unmet)

    @property
    def conditions(self) -> frozenset[Condition]:
        return frozenset(u.condition for u in self.unmet)


def eligibility(profile: UserProfile, institution: Institution | None = None, *,
                key_plugged: bool, plugged_key_id: str | None = None) -> Verdict:
    """Every unmet condition for `profile` to open the QHR viewer at `institution`.

    `institution` defaults to the profile's primary institution; `plugged_key_id`, when the
    plugged key's identifier is known, must be the profile's `qhr_key_id`.
    """
    inst = institution or profile.primary_institution
    failed = [
        *_profession(profile),
        *_institution(inst),
        *_access_form(profile),
        *_key(profile, key_plugged, plugged_key_id),
    ]
    return Verdict(tuple(Unmet(c, text(CTX, MESSAGES[c])) for c in failed))


def _profession(profile: UserProfile) -> list[Condition]:
    failed = []
    if profile.profession == Profession.EXTERN:
        failed.append(Condition.EXTERN)
    elif profile.profession not in ELIGIBLE:
        failed.append(Condition.PROFESSION)
    if any(c.isalpha() for c in profile.username):
        failed.append(Condition.USERNAME_LETTERS)
    elif (profile.profession == Profession.TECHNICAL_SUPPORT
          and not SEVEN_DIGITS.fullmatch(profile.username)):
        failed.append(Condition.ACCOUNT_ID)
    if profile.profession == Profession.PHYSICIAN and not (profile.practice_number or "").strip():
        failed.append(Condition.PRACTICE_NUMBER)
    return failed


def _institution(inst: Institution | None) -> list[Condition]:
    if inst is None:
        return [Condition.INSTITUTION]
    numbers = (inst.ramq_billing_number, inst.unique_identification_number)
    if any((n or "").strip() for n in numbers):
        return []
    return [Condition.BILLING_NUMBER]


def _access_form(profile: UserProfile) -> list[Condition]:
    if profile.profession not in NEEDS_ACCESS_FORM or profile.access_form_completed:
        return []
    created = profile.account_created
    return [Condition.ACCESS_FORM] if created is None or created < ACCESS_FORM_CUTOFF else []


def _key(profile: UserProfile, plugged: bool, plugged_id: str | None) -> list[Condition]:
    failed = []
    key_id = (profile.qhr_key_id or "").strip()
    if not key_id:
        failed.append(Condition.KEY_ID)
    if not plugged:
        failed.append(Condition.KEY_PLUGGED)
    elif plugged_id is not None and key_id and plugged_id.strip() != key_id:
        failed.append(Condition.WRONG_KEY)
    return failed
