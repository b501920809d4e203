"""A patient's consent to access (restriction or refusal), read from FHIR R4 Consent resources.

Convention (the reference server's synthetic-data seeder writes Consents this way):

- Only `Consent.status == "active"` counts; draft, proposed, rejected, inactive and
  entered-in-error Consents are ignored.
- **Refusal**: the top-level `provision.type == "deny"` with no `class` codings (and no nested
  provisions) refuses access to every clinical class.
- **Restriction**: a provision of type "deny" carrying `class` codings in the system
  `app.core.fhir_systems.DATA_CLASS` whose codes are `app.core.data_class.DataClass` values
  blocks those classes. The deny provision may be the top-level one or nested in
  `provision.provision` (under a top-level "permit"); several active Consents add up.
- **Who**: a deny's `actor`s (`reference` `Practitioner/user-{username}`, how the server and the
  seed name our users, or a logical reference by identifier of system USERNAME; role absent or
  v3 ParticipationType IRCP/PRCP) limit it to those users: "deny Dr X" blocks only Dr X. A
  permit nested in a deny, naming actors, lets them through ("refuse everyone except Dr X"),
  for its classes (none: all the deny blocks).
- **When**: `provision.period` (top level or nested; dates compared by day, inclusive; a
  partial date covers its year or month) limits a provision and the ones nested in it; the
  caller gives the day of the access (`today`): core reads no clock.
- Fail closed: an active Consent that cannot be read this way (no provision, a class code we do
  not know, a deny whose classes are in another system, a malformed period, a permit nested in
  a permit) counts as a refusal. A deny whose actors we cannot all identify (role only, another
  role, another reference or identifier) applies to everyone; a permit lets through only the
  users it names with certainty, and nobody when it narrows by what we do not read (purpose,
  security label, data, action other than access…). A top-level permit's actors and classes
  never narrow the denies nested in it. The day unknown (`today=None`): every deny applies
  whatever its period; no permit with a period lets anyone through.
  (The exact evaluation: app.core.consent_provision.)
- `consent_from_fhir(None)` means the consent was never fetched (offline, first contact): the
  state is UNKNOWN, which the access policy treats as restricted for every clinical class.
  `consent_from_fhir([])` means the server was asked and holds no Consent: OPEN.

Offline, the caller passes the last Consents it cached: the last known consent applies.
Ask the state for a user and a day: `state.blocked_for(user.reference, today)`,
`state.blocks(data_class, user.reference, today)`, `state.status_for(user.reference, today)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app.core import fhir_systems
from app.core.consent_provision import (
    CLINICAL,
    Provision,
    Unreadable,
    provision_to_fhir,
    read_provision,
)
from app.core.data_class import DataClass
from app.core.profiles import PRACTITIONER_PREFIX

__all__ = ["CLINICAL", "OPEN", "REFUSED", "UNKNOWN", "ConsentState", "ConsentStatus",
           "Provision", "consent_from_fhir", "consent_resource", "consent_to_fhir",
           "provision_to_fhir", "restricted"]


class ConsentStatus(StrEnum):
    OPEN = "open"  # no restriction on record
    RESTRICTED = "restricted"  # some classes blocked, for some users or days
    REFUSED = "refused"  # the patient refused access: every clinical class blocked
    UNKNOWN = "unknown"  # never fetched: treated as restricted for every clinical class


_ALL_BLOCKED = (ConsentStatus.REFUSED, ConsentStatus.UNKNOWN)
UNNAMED = PRACTITIONER_PREFIX  # the prefix alone: a user reference no provision names


@dataclass(frozen=True)
class ConsentState:
    status: ConsentStatus
    restricted: frozenset[DataClass] = frozenset()  # blocked for every user on every day
    scoped: tuple[Provision, ...] = ()  # Consents whose verdict depends on the user and day

    def blocked_for(self, user_reference: str, today: date | None) -> frozenset[DataClass]:
        """The classes blocked for this user (`Practitioner/user-…`) on this day (None:
        unknown, fail closed)."""
        if self.status in _ALL_BLOCKED:
            return CLINICAL | self.restricted
        blocked = self.restricted
        for provision in self.scoped:
            blocked |= provision.blocked(user_reference, today)
        return blocked

    def singles_out(self, user_reference: str, today: date | None) -> frozenset[DataClass]:
        """The classes blocked for this user beyond what is blocked for anyone not named: what
        a deny naming them takes away (such a Consent is not theirs to change)."""
        return self.blocked_for(user_reference, today) - self.blocked_for(UNNAMED, today)

    def blocks(self, data_class: DataClass, user_reference: str, today: date | None) -> bool:
        if data_class in self.restricted or (self.status in _ALL_BLOCKED and data_class in
                                             CLINICAL):
            return True
        return any(p.verdict(user_reference, today, data_class) for p in self.scoped)

    def status_for(self, user_reference: str, today: date | None) -> ConsentStatus:
        """The state as this user sees it on this day (REFUSED when every clinical class is
        blocked for them)."""
        if not self.scoped or self.status in _ALL_BLOCKED:
            return self.status
        blocked = self.blocked_for(user_reference, today)
        if blocked >= CLINICAL:
            return ConsentStatus.REFUSED
        return ConsentStatus.RESTRICTED if blocked else ConsentStatus.OPEN


OPEN = ConsentState(ConsentStatus.OPEN)
UNKNOWN = ConsentState(ConsentStatus.UNKNOWN)
REFUSED = ConsentState(ConsentStatus.REFUSED)
class _Scoped:
    """The mark of a Consent whose effect depends on who reads, when or what (`_SCOPED`)."""


_SCOPED = _Scoped()


def restricted(*classes: DataClass) -> ConsentState:
    return ConsentState(ConsentStatus.RESTRICTED, frozenset(classes)) if classes else OPEN


def consent_from_fhir(resources: list[dict[str, Any]] | None) -> ConsentState:
    """The consent state given by a patient's Consent resources (None: never fetched)."""
    if resources is None:
        return UNKNOWN
    blocked: set[DataClass] = set()
    scoped: list[Provision] = []
    for resource in resources:
        if resource.get("resourceType") != "Consent" or resource.get("status") != "active":
            continue
        try:
            root = read_provision(resource.get("provision"))
        except Unreadable:
            return REFUSED
        if root is None:  # only a nested provision reads as None; refuse rather than guess
            return REFUSED
        classes = _plain_classes(root)
        if isinstance(classes, _Scoped):
            scoped.append(root)
        elif classes is None:
            return REFUSED
        else:
            blocked |= classes
    if not scoped:
        return restricted(*blocked)
    return ConsentState(ConsentStatus.RESTRICTED, frozenset(blocked), tuple(scoped))


def _plain_classes(root: Provision) -> frozenset[DataClass] | None | _Scoped:
    """What a Consent blocks for everyone on every day (None: a refusal), or _SCOPED."""
    if root.plain:
        return root.classes
    if root.deny or root.dated or not all(p.plain for p in root.nested):
        return _SCOPED
    if any(p.classes is None for p in root.nested):
        return None
    return frozenset[DataClass]().union(*(p.classes for p in root.nested if p.classes))


def consent_to_fhir(patient_ref: str, state: ConsentState,
                    consent_id: str | None = None) -> dict[str, Any]:
    """A Consent resource following the convention above (seeder, tests); OPEN is an empty list.
    A state scoped by actor or period is written one provision at a time (`consent_resource`)."""
    provision: dict[str, Any] = {"type": "deny"}
    if state.scoped:
        raise ValueError("write each scoped provision with consent_resource")
    if state.status == ConsentStatus.RESTRICTED:
        provision = {"type": "permit", "provision": [{"type": "deny", "class": [
            {"system": fhir_systems.DATA_CLASS, "code": c.value}
            for c in sorted(state.restricted)]}]}
    elif state.status != ConsentStatus.REFUSED:
        raise ValueError("only a restriction or a refusal is written as a Consent")
    return consent_resource(patient_ref, provision, consent_id)


def consent_resource(patient_ref: str, provision: dict[str, Any],
                     consent_id: str | None = None) -> dict[str, Any]:
    """An active privacy Consent of this patient holding this FHIR provision."""
    resource = {
        "resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": patient_ref},
        "provision": provision,
    }
    if consent_id:
        resource["id"] = consent_id
    return resource
