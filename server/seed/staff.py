"""Demo institutions and staff: one account of every kind in the domain brief's table.

Demo passwords (also printed by `clinicdesk-server seed`, and in server/seed/README.md):

| username   | password             | who                                                      |
| ---------- | -------------------- | -------------------------------------------------------- |
| 1000001    | demo-medecin-1       | Dre Marie Tremblay, family physician (FMG), QHR key      |
| 1000002    | demo-medecin-2       | Dr Jean-François Gagnon, family physician (FMG)          |
| 1000003    | demo-specialiste     | Dre Hélène Côté, specialist (non-FMG clinic)             |
| 1000004    | demo-resident        | Joël Bélanger, resident, mandate from 1000001            |
| 1000005    | demo-infirmiere      | Isabelle Lévesque-Roy, nurse, mandate from 1000001       |
| 1000006    | demo-auxiliaire      | Sophie Ouellet, auxiliary nurse, mandate from 1000001    |
| 1000007    | demo-ips             | Geneviève Pelletier, nurse practitioner (IPS)            |
| 1000008    | demo-pharmacien      | Luc Bergeron, pharmacist, mandate from 1000001           |
| 1000009    | demo-reception       | Chloé Gagné, receptionist, secretarial mandates          |
| 1000010    | demo-admin           | Nathalie Fortin, clinic administrator (administrative)   |
| 1000011    | demo-soutien         | Éric Simard, technical support, QHR key, 7-digit id      |
| 1000012    | demo-externe         | Zoé Caron, extern (medical student), mandate from 1000001|
| tsupport7  | demo-soutien-alpha   | Maxime Dubé, technical support, QHR key, alphanumeric id |
| 1000013    | demo-infirmiere-2017 | Céline Poirier, nurse, account of 2017, no access form   |
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from app.core.profiles import Institution, Mandate, MandateKind, Profession, UserProfile
from server.identity.practitioner import practitioner_id
from server.seed import places

GMF = Institution("gmf-plateau", "GMF du Plateau-Mont-Royal", ramq_billing_number="54321",
                  fmg_reference="1234")
SPECIALTY = Institution("clinique-cote", "Clinique spécialisée de la Côte-des-Neiges",
                        ramq_billing_number="61234")
PRIVATE = Institution("clinique-laurier", "Clinique privée Laurier",
                      unique_identification_number="800123456")
INSTITUTIONS = (GMF, SPECIALTY, PRIVATE)
FAMILY_PHYSICIANS = ("1000001", "1000002")


@dataclass(frozen=True)
class DemoAccount:
    profile: UserProfile
    password: str


def _mandates(kind: MandateKind, *grantors: str) -> tuple[Mandate, ...]:
    return tuple(Mandate(g, kind) for g in grantors)


def _account(username: str, password: str, name: str, profession: Profession, **kw) -> DemoAccount:
    institutions = kw.pop("institutions", (GMF,))
    kw.setdefault("account_created", date(2021, 9, 1))
    kw.setdefault("access_form_completed", True)
    profile = UserProfile(username=username, display_name=name, profession=profession,
                          institutions=institutions, primary_institution_id=institutions[0].id,
                          **kw)
    return DemoAccount(profile, password)


P, PP, PS = (MandateKind.PHYSICIAN_PHYSICIAN, MandateKind.PHYSICIAN_PROFESSIONAL,
             MandateKind.PHYSICIAN_SECRETARIAL)
ACCOUNTS = (
    _account("1000001", "demo-medecin-1", "Dre Marie Tremblay", Profession.PHYSICIAN,
             practice_number="18452", qhr_key_id="QHR-0001-TREM",
             institutions=(GMF, PRIVATE), mandates=_mandates(P, "1000002")),
    _account("1000002", "demo-medecin-2", "Dr Jean-François Gagnon", Profession.PHYSICIAN,
             practice_number="19873", qhr_key_id="QHR-0002-GAGN", mandates=_mandates(P, "1000001")),
    _account("1000003", "demo-specialiste", "Dre Hélène Côté", Profession.PHYSICIAN,
             practice_number="09321", qhr_key_id="QHR-0003-COTE", institutions=(SPECIALTY,)),
    _account("1000004", "demo-resident", "Joël Bélanger", Profession.RESIDENT,
             practice_number="R24117", qhr_key_id="QHR-0004-BELA",
             mandates=_mandates(P, "1000001")),
    _account("1000005", "demo-infirmiere", "Isabelle Lévesque-Roy", Profession.NURSE,
             practice_number="2114567", qhr_key_id="QHR-0005-LEVE",
             mandates=_mandates(PP, "1000001", "1000002")),
    _account("1000006", "demo-auxiliaire", "Sophie Ouellet", Profession.AUXILIARY_NURSE,
             practice_number="A-55102", qhr_key_id="QHR-0006-OUEL",
             mandates=_mandates(PP, "1000001")),
    _account("1000007", "demo-ips", "Geneviève Pelletier", Profession.NURSE_PRACTITIONER,
             practice_number="IPS-3391", qhr_key_id="QHR-0007-PELL",
             mandates=_mandates(PP, "1000001", "1000002")),
    _account("1000008", "demo-pharmacien", "Luc Bergeron", Profession.PHARMACIST,
             practice_number="P-204881", qhr_key_id="QHR-0008-BERG",
             mandates=_mandates(PP, "1000001")),
    _account("1000009", "demo-reception", "Chloé Gagné", Profession.RECEPTIONIST,
             mandates=_mandates(PS, "1000001", "1000002")),
    _account("1000010", "demo-admin", "Nathalie Fortin", Profession.ADMINISTRATOR,
             is_administrative=True),
    _account("1000011", "demo-soutien", "Éric Simard", Profession.TECHNICAL_SUPPORT,
             qhr_key_id="QHR-0011-SIMA"),
    _account("1000012", "demo-externe", "Zoé Caron", Profession.EXTERN,
             mandates=_mandates(PP, "1000001")),
    _account("tsupport7", "demo-soutien-alpha", "Maxime Dubé", Profession.TECHNICAL_SUPPORT,
             qhr_key_id="QHR-0107-DUBE"),
    _account("1000013", "demo-infirmiere-2017", "Céline Poirier", Profession.NURSE,
             practice_number="2098812", qhr_key_id="QHR-0013-POIR",
             account_created=date(2017, 5, 10), access_form_completed=False,
             mandates=_mandates(PP, "1000002")),
)


__all__ = ["ACCOUNTS", "FAMILY_PHYSICIANS", "INSTITUTIONS", "by_username", "clinicians",
           "practitioner_id"]
CLINICIAN_IDS = 2_000_000  # a region's clinicians: 7-digit ids 2000000.., past the demo's


def clinicians(n: int, seed: int = 0) -> list[UserProfile]:
    """A region's n family physicians of the GMF, one workstation each (the load benchmark:
    `generate.patients(..., physicians=...)` gives each their own patients), no mandates:
    each physician's care team is their own patients. Deterministic for (n, seed)."""
    rng = random.Random(f"clinicians:{seed}")
    out = []
    for i in range(n):
        sex = rng.choice("FM")
        family, given = places.person_name(rng, sex)
        out.append(_account(str(CLINICIAN_IDS + i), "", f"{'Dre' if sex == 'F' else 'Dr'} "
                            f"{given[0]} {family}", Profession.PHYSICIAN,
                            practice_number=f"{30000 + i}").profile)
    return out


def by_username(username: str) -> DemoAccount:
    return next(a for a in ACCOUNTS if a.profile.username == username)
