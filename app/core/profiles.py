"""Who the user is: profession, institutions, QHR key, mandates (docs/domain.md, "Who uses it")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

# How the server and the seed name an account as FHIR: `Practitioner/user-{username}`
# (server.identity.practitioner); Consent actors and registrations refer to users this way.
PRACTITIONER_PREFIX = "Practitioner/user-"


def practitioner_reference(username: str) -> str:
    return f"{PRACTITIONER_PREFIX}{username}"


class Profession(StrEnum):
    PHYSICIAN = "physician"
    RESIDENT = "resident"
    NURSE = "nurse"
    AUXILIARY_NURSE = "auxiliary_nurse"
    NURSE_PRACTITIONER = "nurse_practitioner"
    PHARMACIST = "pharmacist"
    EXTERN = "extern"
    RECEPTIONIST = "receptionist"
    ADMINISTRATOR = "administrator"
    TECHNICAL_SUPPORT = "technical_support"

    @property
    def is_professional(self) -> bool:
        return self in PROFESSIONALS


PROFESSIONALS = frozenset({
    Profession.PHYSICIAN, Profession.RESIDENT, Profession.NURSE, Profession.AUXILIARY_NURSE,
    Profession.NURSE_PRACTITIONER, Profession.PHARMACIST, Profession.EXTERN,
})


class MandateKind(StrEnum):
    PHYSICIAN_PHYSICIAN = "physician-physician"
    PHYSICIAN_PROFESSIONAL = "physician-professional"
    PHYSICIAN_SECRETARIAL = "physician-secretarial"


@dataclass(frozen=True)
class Mandate:
    """`grantor` (a physician's username) lets the holder act on the grantor's patients."""

    grantor: str
    kind: MandateKind


@dataclass(frozen=True)
class Institution:
    id: str
    name: str
    ramq_billing_number: str | None = None  # place-of-follow-up / billing establishment number
    unique_identification_number: str | None = None  # private clinic without a billing number
    fmg_reference: str | None = None  # "1XXX" for a family medicine group


@dataclass(frozen=True)
class UserProfile:
    username: str  # 7-digit numeric ids and alphanumeric usernames both exist
    display_name: str
    profession: Profession
    practice_number: str | None = None  # CMQ / prescriber / permit number
    institutions: tuple[Institution, ...] = ()
    primary_institution_id: str | None = None
    qhr_key_id: str | None = None
    account_created: date | None = None
    access_form_completed: bool = False
    is_administrative: bool = False
    mandates: tuple[Mandate, ...] = field(default_factory=tuple)

    @property
    def reference(self) -> str:
        """The user's Practitioner reference (`Practitioner/user-{username}`)."""
        return practitioner_reference(self.username)

    @property
    def primary_institution(self) -> Institution | None:
        for inst in self.institutions:
            if inst.id == self.primary_institution_id:
                return inst
        return self.institutions[0] if self.institutions else None


def profile_from_json(data: dict[str, Any]) -> UserProfile:
    """The profile as the server's `GET /api/me` returns it (see profile_to_json)."""
    created = data.get("account_created")
    return UserProfile(
        username=data["username"],
        display_name=data.get("display_name", data["username"]),
        profession=Profession(data["profession"]),
        practice_number=data.get("practice_number"),
        institutions=tuple(Institution(**inst) for inst in data.get("institutions", ())),
        primary_institution_id=data.get("primary_institution_id"),
        qhr_key_id=data.get("qhr_key_id"),
        account_created=date.fromisoformat(created) if created else None,
        access_form_completed=bool(data.get("access_form_completed", False)),
        is_administrative=bool(data.get("is_administrative", False)),
        mandates=tuple(Mandate(m["grantor"], MandateKind(m["kind"]))
                       for m in data.get("mandates", ())),
    )


def profile_to_json(profile: UserProfile) -> dict[str, Any]:
    return {
        "username": profile.username,
        "display_name": profile.display_name,
        "profession": profile.profession.value,
        "practice_number": profile.practice_number,
        "institutions": [vars(inst).copy() for inst in profile.institutions],
        "primary_institution_id": profile.primary_institution_id,
        "qhr_key_id": profile.qhr_key_id,
        "account_created": profile.account_created.isoformat() if profile.account_created else None,
        "access_form_completed": profile.access_form_completed,
        "is_administrative": profile.is_administrative,
        "mandates": [{"grantor": m.grantor, "kind": m.kind.value} for m in profile.mandates],
    }
