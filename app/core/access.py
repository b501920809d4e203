"""The one access policy: may this user read or write this class of a patient's data?

Three gates, each failed one explained (`Decision.reasons`); the consent gate speaks only to users
whom the first two let through, since a patient's restriction is itself sensitive:

1. **Role** (docs/domain.md, "Who uses it"): what each profession may read and write by data class.
   Every clinic role except technical support reads the administrative classes (demographics,
   registration, appointments) of any patient: front-desk work needs no relationship. Clinical
   classes need a professional; the QHR viewer class needs a QHR-eligible profession (the full
   QHR eligibility, with the key, is app.qhr.eligibility). An account both professional and
   administrative (forbidden by seed 003) gets nothing.
2. **Care relationship** for clinical chart classes: the user is the patient's physician, or holds
   a physician–physician or physician–professional mandate from one of them. A
   physician–secretarial mandate never opens a clinical class. Exceptions: a pharmacist reads
   medications and allergies without a mandate (medication history, DIN checks); the QHR class
   needs no relationship (the QHR has its own rules).
3. **Consent** (app.core.consent): a restriction or refusal blocks its classes for the users it
   names (everyone when it names none) on the day of the access (`PatientContext.today`), and
   an UNKNOWN state blocks every clinical class. A professional allowed by gates 1 and 2 may
   break the glass with a typed reason (`valid_break_glass_reason`); the decision then says
   `break_glass=True`, which the access log flags for review. Externs never break the glass.

Decisions carry what the access-log entry needs (who, patient, class, action, basis, break-glass
flag and reason); the store writes the entry in the same call that reads (see store.access_log).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.core.consent import (
    CLINICAL,
    ConsentState,
    ConsentStatus,
    consent_from_fhir,
    consent_to_fhir,
)
from app.core.data_class import ADMINISTRATIVE, DataClass
from app.core.errors import UserFacingError
from app.core.profiles import MandateKind, Profession, UserProfile
from app.core.resource_class import data_class_of
from app.core.text import QT_TRANSLATE_NOOP, Text, text

__all__ = [
    "AccessDenied", "Action", "Basis", "ConsentState", "ConsentStatus", "Decision",
    "PatientContext", "consent_from_fhir", "consent_to_fhir", "data_class_of", "decide",
    "readable_classes", "reason_text", "relationship", "require", "role_classes",
    "valid_break_glass_reason",
    "writable_classes",
]

CTX = "access"
CHART = CLINICAL - {DataClass.QHR}


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


class Basis(StrEnum):
    """Why access is (or would be) granted: goes in the access-log entry."""

    OWN_PATIENT = "own-patient"  # the user is one of the patient's physicians
    MANDATE = "mandate"  # a clinical mandate from one of the patient's physicians
    ROLE = "role"  # the role alone suffices (administrative classes, QHR, pharmacist)
    NONE = "none"


@dataclass(frozen=True)
class PatientContext:
    patient_id: str
    physicians: frozenset[str]  # usernames of the patient's physicians (registration, chart)
    consent: ConsentState
    # The day of the access, given by the caller (core reads no clock); None: unknown, so every
    # restriction applies whatever its period (fail closed).
    today: date | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Text, ...]  # why not, each telling the user what to do; empty when allowed
    break_glass: bool  # allowed only by breaking the glass: flag the log entry for review
    can_break_glass: bool  # denied by consent alone, and this user may break the glass
    data_class: DataClass
    action: Action
    basis: Basis
    username: str
    patient_id: str
    break_glass_reason: str | None = None  # the typed reason, when break_glass


class AccessDenied(UserFacingError):
    """Raised by `require(decision)` (store, server): the text is the first reason."""

    def __init__(self, decision: Decision):
        super().__init__(decision.reasons[0])
        self.decision = decision


def require(decision: Decision) -> Decision:
    if not decision.allowed:
        raise AccessDenied(decision)
    return decision


# Roles: the classes each profession may read / write (before relationship and consent).
_PROFESSIONAL_READ = ADMINISTRATIVE | CHART
_QHR_ROLES = frozenset({
    Profession.PHYSICIAN, Profession.RESIDENT, Profession.NURSE, Profession.AUXILIARY_NURSE,
    Profession.NURSE_PRACTITIONER, Profession.PHARMACIST, Profession.TECHNICAL_SUPPORT,
})
READ: dict[Profession, frozenset[DataClass]] = {
    p: _PROFESSIONAL_READ | ({DataClass.QHR} if p in _QHR_ROLES else frozenset())
    for p in Profession if p.is_professional
} | {
    Profession.RECEPTIONIST: ADMINISTRATIVE,
    Profession.ADMINISTRATOR: ADMINISTRATIVE,
    Profession.TECHNICAL_SUPPORT: frozenset({DataClass.QHR}),
}
_APPOINTMENTS = frozenset({DataClass.APPOINTMENTS})
WRITE: dict[Profession, frozenset[DataClass]] = {
    Profession.PHYSICIAN: ADMINISTRATIVE | CHART,
    Profession.RESIDENT: ADMINISTRATIVE | CHART,
    Profession.NURSE: _APPOINTMENTS | CHART,
    Profession.AUXILIARY_NURSE: _APPOINTMENTS | CHART,
    Profession.NURSE_PRACTITIONER: _APPOINTMENTS | CHART,
    Profession.PHARMACIST: frozenset({DataClass.MEDICATIONS}),
    Profession.EXTERN: frozenset({DataClass.NOTES}),
    Profession.RECEPTIONIST: ADMINISTRATIVE,
    Profession.ADMINISTRATOR: frozenset(),
    Profession.TECHNICAL_SUPPORT: frozenset(),
}
# Clinical classes a profession reads without a care relationship.
WITHOUT_RELATIONSHIP: dict[Profession, frozenset[DataClass]] = {
    Profession.PHARMACIST: frozenset({DataClass.MEDICATIONS, DataClass.ALLERGIES}),
}
CLINICAL_MANDATES = frozenset({MandateKind.PHYSICIAN_PHYSICIAN, MandateKind.PHYSICIAN_PROFESSIONAL})
# Break the glass: the typed reason must be a real sentence, not "x" or "urgence".
MIN_REASON_CHARS = 15
MIN_REASON_WORDS = 3

_R = {
    "mixed": QT_TRANSLATE_NOOP(
        CTX, "This account is both professional and administrative, which is not allowed: "
        "ask your administrator to correct it."),
    "role": QT_TRANSLATE_NOOP(CTX, "Your role does not give access to this information."),
    "role_write": QT_TRANSLATE_NOOP(CTX, "Your role does not allow changing this information."),
    "relationship": QT_TRANSLATE_NOOP(
        CTX, "You are not this patient's physician and hold no mandate from them: ask the "
        "patient's physician for a mandate."),
    "secretarial": QT_TRANSLATE_NOOP(
        CTX, "A secretarial mandate does not give access to clinical information."),
    "consent": QT_TRANSLATE_NOOP(
        CTX, "The patient has restricted access to this information. In an emergency, you may "
        "break the glass with a written reason; the access will be reviewed."),
    "refused": QT_TRANSLATE_NOOP(
        CTX, "The patient has refused access to their clinical information. In an emergency, you "
        "may break the glass with a written reason; the access will be reviewed."),
    "unknown": QT_TRANSLATE_NOOP(
        CTX, "The patient's consent is not known on this workstation yet: connect to the server "
        "to fetch it, or break the glass with a written reason in an emergency."),
    "consent_final": QT_TRANSLATE_NOOP(
        CTX, "The patient has restricted access to this information, and your role cannot "
        "override it."),
    "reason_short": QT_TRANSLATE_NOOP(
        CTX, "Type the reason for breaking the glass in a full sentence (at least {chars} "
        "characters and {words} words)."),
}


def _t(key: str, **args: object) -> Text:
    return text(CTX, _R[key], **args)


def reason_text(typed: str) -> str:
    """What the user typed as a reason, without control characters (line breaks and tabs
    kept) and the spaces around it."""
    return "".join(c for c in typed if c in "\t\n" or unicodedata.category(c) != "Cc").strip()


def valid_break_glass_reason(reason: str | None) -> bool:
    """A typed, non-trivial reason: enough characters and words, not one repeated letter, no
    control character but line breaks and tabs (a pasted NUL: the server refuses the
    AuditEvent that carries it, and its upload would wait forever; `reason_text` removes
    them from what the user typed)."""
    if not reason or reason.strip() != reason_text(reason):
        return False
    words = [w for w in reason.split() if any(c.isalpha() for c in w)]
    letters = {c.lower() for c in reason if c.isalpha()}
    return (len("".join(reason.split())) >= MIN_REASON_CHARS
            and len(words) >= MIN_REASON_WORDS and len(letters) >= 5)


def relationship(user: UserProfile, patient: PatientContext) -> Basis:
    """OWN_PATIENT, MANDATE (a clinical mandate from one of the patient's physicians) or NONE."""
    if user.profession == Profession.PHYSICIAN and user.username in patient.physicians:
        return Basis.OWN_PATIENT
    if user.profession.is_professional and any(
            m.grantor in patient.physicians and m.kind in CLINICAL_MANDATES
            for m in user.mandates):
        return Basis.MANDATE
    return Basis.NONE


def _role_and_relationship(user: UserProfile, patient: PatientContext, data_class: DataClass,
                           action: Action) -> tuple[list[Text], Basis]:
    """Gates 1 and 2: the reasons they fail for, and the basis they grant on."""
    if user.profession.is_professional and user.is_administrative:
        return [_t("mixed")], Basis.NONE
    allowed = (READ if action == Action.READ else WRITE).get(user.profession, frozenset())
    if data_class not in allowed:
        return [_t("role" if action == Action.READ else "role_write")], Basis.NONE
    if data_class not in CHART:
        return [], Basis.ROLE
    basis = relationship(user, patient)
    if basis != Basis.NONE:
        return [], basis
    if action == Action.READ and data_class in WITHOUT_RELATIONSHIP.get(user.profession, ()):
        return [], Basis.ROLE
    secretarial = any(m.grantor in patient.physicians for m in user.mandates)
    return [_t("secretarial" if secretarial else "relationship")], Basis.NONE


def _consent_reason(status: ConsentStatus, can_break: bool) -> Text:
    if not can_break:
        return _t("consent_final")
    return _t({ConsentStatus.REFUSED: "refused",
               ConsentStatus.UNKNOWN: "unknown"}.get(status, "consent"))


def decide(user: UserProfile, patient: PatientContext, data_class: DataClass,
           action: Action = Action.READ, break_glass_reason: str | None = None) -> Decision:
    """The verdict for one read or write of one class of one patient's data."""
    reasons, basis = _role_and_relationship(user, patient, data_class, action)
    blocked = patient.consent.blocks(data_class, user.reference, patient.today)
    may_break = (not reasons and blocked and user.profession.is_professional
                 and user.profession != Profession.EXTERN)
    breaking = False
    if blocked and not reasons:  # a consent state is itself sensitive: told only to those it stops
        if may_break and valid_break_glass_reason(break_glass_reason):
            breaking = True
        else:
            reasons.append(_consent_reason(
                patient.consent.status_for(user.reference, patient.today), may_break))
            if may_break and break_glass_reason is not None:
                reasons.append(_t("reason_short", chars=MIN_REASON_CHARS,
                                  words=MIN_REASON_WORDS))
    allowed = not reasons
    return Decision(
        allowed=allowed, reasons=tuple(reasons), break_glass=breaking,
        can_break_glass=may_break and not breaking, data_class=data_class, action=action,
        basis=basis, username=user.username,
        patient_id=patient.patient_id,
        break_glass_reason=break_glass_reason.strip() if breaking and break_glass_reason else None)


def readable_classes(user: UserProfile, patient: PatientContext) -> frozenset[DataClass]:
    """The classes this user reads of this patient without breaking the glass."""
    return frozenset(c for c in DataClass if decide(user, patient, c).allowed)


def writable_classes(user: UserProfile, patient: PatientContext) -> frozenset[DataClass]:
    return frozenset(c for c in DataClass if decide(user, patient, c, Action.WRITE).allowed)


def role_classes(user: UserProfile, action: Action = Action.READ) -> frozenset[DataClass]:
    """What the role reaches at best (own patient or mandate, open consent), for any patient.

    The UI builds only these sections; each chart is still read through `decide`.
    """
    if user.profession.is_professional and user.is_administrative:
        return frozenset()
    return (READ if action == Action.READ else WRITE).get(user.profession, frozenset())
