"""The access matrix of issue 7: user kind × data class × consent state × care relationship.

Written by hand from docs/domain.md ("Who uses it", "Privacy"), not computed by app.core.access, so
that the client policy (tests/unit/test_access_matrix.py) and the reference server (a server
test iterating `cases()`) are held to the same verdicts.

ROLES gives, for each user kind and relationship, what the user may do with each class when the
consent is open: RW read and write, R read only, - nothing. BG says whether this user may break
the glass where a consent blocks a class they otherwise reach. CONSENT_BLOCKS gives the classes
each consent state blocks. A case is allowed when the ROLES cell grants the action and the
consent does not block the class; it can be unblocked by breaking the glass when the cell grants
it, the consent blocks it and BG is "yes".

Relationships: `own` — the user is among the patient's physicians; `mandate` — the
user holds a mandate from the patient's physician (physician–physician for physicians and
residents, physician–professional for other professionals, physician–secretarial for the rest);
`none` — the patient's physician is someone else and the user's only mandate is from a third
physician.

Every (kind, relation) has its own 7-digit account (`username`), and one patient per consent
state (`patient_id`) whose physicians are PATIENT_PHYSICIAN and every `own` account
(`patient_physicians`): a server test seeds 30 accounts and 4 patients.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from app.core.data_class import DataClass
from app.core.profiles import Institution, Mandate, MandateKind, Profession, UserProfile

COLUMNS = ("DEM", "REG", "APP", "PRO", "ALL", "MED", "LAB", "NOT", "DOC", "QHR")
CLASS_OF = dict(zip(COLUMNS, (
    DataClass.DEMOGRAPHICS, DataClass.REGISTRATION, DataClass.APPOINTMENTS, DataClass.PROBLEMS,
    DataClass.ALLERGIES, DataClass.MEDICATIONS, DataClass.LABS, DataClass.NOTES,
    DataClass.DOCUMENTS, DataClass.QHR), strict=True))

ROLES = """
kind                relation  DEM REG APP PRO ALL MED LAB NOT DOC QHR  BG
physician           own       RW  RW  RW  RW  RW  RW  RW  RW  RW  R    yes
physician           mandate   RW  RW  RW  RW  RW  RW  RW  RW  RW  R    yes
physician           none      RW  RW  RW  -   -   -   -   -   -   R    yes
resident            own       RW  RW  RW  -   -   -   -   -   -   R    yes
resident            mandate   RW  RW  RW  RW  RW  RW  RW  RW  RW  R    yes
resident            none      RW  RW  RW  -   -   -   -   -   -   R    yes
nurse               own       R   R   RW  -   -   -   -   -   -   R    yes
nurse               mandate   R   R   RW  RW  RW  RW  RW  RW  RW  R    yes
nurse               none      R   R   RW  -   -   -   -   -   -   R    yes
auxiliary_nurse     own       R   R   RW  -   -   -   -   -   -   R    yes
auxiliary_nurse     mandate   R   R   RW  RW  RW  RW  RW  RW  RW  R    yes
auxiliary_nurse     none      R   R   RW  -   -   -   -   -   -   R    yes
nurse_practitioner  own       R   R   RW  -   -   -   -   -   -   R    yes
nurse_practitioner  mandate   R   R   RW  RW  RW  RW  RW  RW  RW  R    yes
nurse_practitioner  none      R   R   RW  -   -   -   -   -   -   R    yes
pharmacist          own       R   R   R   -   R   R   -   -   -   R    yes
pharmacist          mandate   R   R   R   R   R   RW  R   R   R   R    yes
pharmacist          none      R   R   R   -   R   R   -   -   -   R    yes
extern              own       R   R   R   -   -   -   -   -   -   -    no
extern              mandate   R   R   R   R   R   R   R   RW  R   -    no
extern              none      R   R   R   -   -   -   -   -   -   -    no
receptionist        own       RW  RW  RW  -   -   -   -   -   -   -    no
receptionist        mandate   RW  RW  RW  -   -   -   -   -   -   -    no
receptionist        none      RW  RW  RW  -   -   -   -   -   -   -    no
administrator       own       R   R   R   -   -   -   -   -   -   -    no
administrator       mandate   R   R   R   -   -   -   -   -   -   -    no
administrator       none      R   R   R   -   -   -   -   -   -   -    no
technical_support   own       -   -   -   -   -   -   -   -   -   R    no
technical_support   mandate   -   -   -   -   -   -   -   -   -   R    no
technical_support   none      -   -   -   -   -   -   -   -   -   R    no
"""

CONSENT_BLOCKS = """
consent     blocks
open        -
restricted  MED NOT
refused     PRO ALL MED LAB NOT DOC QHR
unknown     PRO ALL MED LAB NOT DOC QHR
"""

RELATIONS = ("own", "mandate", "none")
PATIENT_PHYSICIAN = "2000001"  # the patient's physician, grantor of the `mandate` mandates
OTHER_PHYSICIAN = "2000002"  # grantor of the mandate held in the `none` relationship
CLINIC = Institution("matrix-clinic", "Clinique Matrice", ramq_billing_number="54999")
MANDATE_KIND = {
    Profession.PHYSICIAN: MandateKind.PHYSICIAN_PHYSICIAN,
    Profession.RESIDENT: MandateKind.PHYSICIAN_PHYSICIAN,
    Profession.RECEPTIONIST: MandateKind.PHYSICIAN_SECRETARIAL,
    Profession.ADMINISTRATOR: MandateKind.PHYSICIAN_SECRETARIAL,
    Profession.TECHNICAL_SUPPORT: MandateKind.PHYSICIAN_SECRETARIAL,
}
DATA_CLASS_SYSTEM = "urn:clinicdesk:data-class"  # app.core.fhir_systems.DATA_CLASS, spelled out


@dataclass(frozen=True)
class Case:
    kind: Profession
    relation: str  # own | mandate | none
    consent: str  # open | restricted | refused | unknown
    data_class: DataClass
    action: str  # read | write
    allowed: bool
    can_break_glass: bool

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.relation}-{self.consent}-{self.data_class}-{self.action}"


def _rows(table: str) -> list[list[str]]:
    return [line.split() for line in table.strip().splitlines()[1:]]


def consent_blocks() -> dict[str, frozenset[DataClass]]:
    return {row[0]: frozenset(CLASS_OF[c] for c in row[1:] if c != "-")
            for row in _rows(CONSENT_BLOCKS)}


def cases() -> Iterator[Case]:
    blocks = consent_blocks()
    for kind, relation, *cells in _rows(ROLES):
        *grants, bg = cells
        for column, grant in zip(COLUMNS, grants, strict=True):
            data_class = CLASS_OF[column]
            for consent, blocked in blocks.items():
                for action, letter in (("read", "R"), ("write", "W")):
                    granted = letter in grant
                    is_blocked = data_class in blocked
                    yield Case(Profession(kind), relation, consent, data_class, action,
                               allowed=granted and not is_blocked,
                               can_break_glass=granted and is_blocked and bg == "yes")


def username(kind: Profession, relation: str) -> str:
    return str(3000000 + 10 * list(Profession).index(kind) + RELATIONS.index(relation))


def patient_id(consent: str) -> str:
    return f"matrix-{consent}"


def patient_physicians() -> frozenset[str]:
    return frozenset({PATIENT_PHYSICIAN} | {username(k, "own") for k in Profession})


def profile(kind: Profession, relation: str) -> UserProfile:
    """The account of this kind; its mandates depend on the relationship."""
    name = username(kind, relation)
    mandate_kind = MANDATE_KIND.get(kind, MandateKind.PHYSICIAN_PROFESSIONAL)
    grantor = PATIENT_PHYSICIAN if relation == "mandate" else OTHER_PHYSICIAN
    return UserProfile(
        username=name, display_name=f"Matrix {kind} {relation}", profession=kind,
        practice_number="12345" if kind.is_professional else None,
        institutions=(CLINIC,), primary_institution_id=CLINIC.id,
        qhr_key_id=f"QHR-{name}", account_created=date(2021, 1, 4),
        access_form_completed=True, is_administrative=kind == Profession.ADMINISTRATOR,
        mandates=(Mandate(grantor, mandate_kind),))


def consent_resources(consent: str) -> list[dict] | None:
    """The patient's FHIR Consents for a consent state (None: never fetched)."""
    base = {"resourceType": "Consent", "status": "active",
            "patient": {"reference": f"Patient/{patient_id(consent)}"}}
    if consent == "open":
        return []
    if consent == "unknown":
        return None
    if consent == "refused":
        return [base | {"provision": {"type": "deny"}}]
    classes = sorted(consent_blocks()["restricted"])
    return [base | {"provision": {"type": "permit", "provision": [{"type": "deny", "class": [
        {"system": DATA_CLASS_SYSTEM, "code": c.value} for c in classes]}]}}]
