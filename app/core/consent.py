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
- Fail closed: an active Consent that cannot be read this way (no provision, a class code we do
  not know, a deny whose classes are in another system) counts as a refusal.
- `consent_from_fhir(None)` means the consent was never fetched (offline, first contact): the
  state is UNKNOWN, which the access policy treats as restricted for every clinical class.
  `consent_from_fhir([])` means the server was asked and holds no Consent: OPEN.

Offline, the caller passes the last Consents it cached: the last known consent applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core import fhir_systems
from app.core.data_class import ADMINISTRATIVE, DataClass

CLINICAL = frozenset(c for c in DataClass if c not in ADMINISTRATIVE)


class ConsentStatus(StrEnum):
    OPEN = "open"  # no restriction on record
    RESTRICTED = "restricted"  # some classes blocked (`ConsentState.restricted`)
    REFUSED = "refused"  # the patient refused access: every clinical class blocked
    UNKNOWN = "unknown"  # never fetched: treated as restricted for every clinical class


@dataclass(frozen=True)
class ConsentState:
    status: ConsentStatus
    restricted: frozenset[DataClass] = frozenset()  # the classes named by a restriction

    @property
    def blocked(self) -> frozenset[DataClass]:
        """The classes this state blocks (REFUSED and UNKNOWN block every clinical class)."""
        if self.status in (ConsentStatus.REFUSED, ConsentStatus.UNKNOWN):
            return CLINICAL | self.restricted
        return self.restricted

    def blocks(self, data_class: DataClass) -> bool:
        return data_class in self.blocked


OPEN = ConsentState(ConsentStatus.OPEN)
UNKNOWN = ConsentState(ConsentStatus.UNKNOWN)
REFUSED = ConsentState(ConsentStatus.REFUSED)


def restricted(*classes: DataClass) -> ConsentState:
    return ConsentState(ConsentStatus.RESTRICTED, frozenset(classes)) if classes else OPEN


class _Unreadable(Exception):
    """An active Consent that does not follow the convention (fail closed: a refusal)."""


def consent_from_fhir(resources: list[dict] | None) -> ConsentState:
    """The consent state given by a patient's Consent resources (None: never fetched)."""
    if resources is None:
        return UNKNOWN
    blocked: set[DataClass] = set()
    for resource in resources:
        if resource.get("resourceType") != "Consent" or resource.get("status") != "active":
            continue
        try:
            classes = _denied_classes(resource.get("provision"))
        except _Unreadable:
            return REFUSED
        if classes is None:
            return REFUSED
        blocked |= classes
    return restricted(*blocked)


def _denied_classes(provision: object) -> set[DataClass] | None:
    """Classes a provision tree denies; None for a whole refusal."""
    if not isinstance(provision, dict):
        raise _Unreadable
    kind = provision.get("type", "permit")
    nested = provision.get("provision") or []
    if not isinstance(nested, list):
        raise _Unreadable
    codings = provision.get("class") or []
    if kind == "deny" and not codings and not nested:
        return None
    if kind not in ("deny", "permit"):
        raise _Unreadable
    found: set[DataClass] = set()
    if kind == "deny":
        if not codings:
            raise _Unreadable  # a deny with nested parts only: we cannot tell what it means
        found |= _classes(codings)
    for child in nested:
        child_classes = _denied_classes(child)
        if child_classes is None:
            return None
        found |= child_classes
    return found


def _classes(codings: object) -> set[DataClass]:
    if not isinstance(codings, list):
        raise _Unreadable
    found = set()
    for coding in codings:
        if not isinstance(coding, dict) or coding.get("system") != fhir_systems.DATA_CLASS:
            raise _Unreadable
        try:
            found.add(DataClass(coding.get("code")))
        except ValueError:
            raise _Unreadable from None
    return found


def consent_to_fhir(patient_ref: str, state: ConsentState, consent_id: str | None = None) -> dict:
    """A Consent resource following the convention above (seeder, tests); OPEN is an empty list."""
    provision: dict = {"type": "deny"}
    if state.status == ConsentStatus.RESTRICTED:
        provision = {"type": "permit", "provision": [{"type": "deny", "class": [
            {"system": fhir_systems.DATA_CLASS, "code": c.value}
            for c in sorted(state.restricted)]}]}
    elif state.status != ConsentStatus.REFUSED:
        raise ValueError("only a restriction or a refusal is written as a Consent")
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
