"""Synthetic QHR (DSQ) content, deterministic per NAM: what the gateway serves.

The QHR is another system than the EMR: its content is generated from the NAM (same NAM, same
data) with the seed's code tables (LOINC tests in SI units, French imaging reports, DIN drugs),
never stored. Volumes: `DEFAULT_VOLUME` for any NAM; `LARGE_NAM` (the benchmark's patient)
has 2,000 laboratory results and 300 dispenses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from app.core import fhir_systems
from server.seed import clinical, codes

LARGE_NAM = "BENC80010118"  # valid NAM (app.core.nam), used by bench/qhr.py
REFERENCE_DATE = date(2026, 11, 1)
PHARMACIES = (("Pharmacie Jean Coutu #112", "QC-PH-0112"), ("Pharmaprix Saint-Denis", "QC-PH-0457"),
              ("Uniprix Laurier", "QC-PH-0733"), ("Familiprix Rosemont", "QC-PH-0891"))
KINDS = ("labs", "imaging", "medications")


@dataclass(frozen=True)
class Volume:
    labs: int
    imaging: int
    dispenses: int


DEFAULT_VOLUME = Volume(labs=60, imaging=4, dispenses=24)
LARGE_VOLUME = Volume(labs=2000, imaging=12, dispenses=300)


def volume(nam: str) -> Volume:
    return LARGE_VOLUME if nam == LARGE_NAM else DEFAULT_VOLUME


def _when(rng: random.Random, days_back: int) -> str:
    day = REFERENCE_DATE - timedelta(days=rng.randrange(days_back))
    return clinical.stamp(day, rng)


def _patient(nam: str) -> dict:
    return {"identifier": {"system": fhir_systems.NAM, "value": nam}}


def labs(nam: str) -> list[dict]:
    """Observations (category laboratory) and one DiagnosticReport per draw grouping them."""
    rng = random.Random(f"qhr-labs:{nam}")
    count = volume(nam).labs
    keys = sorted(codes.LABS)
    shift = rng.uniform(-0.5, 1.5)
    out: list[dict] = []
    draw: list[dict] = []
    for i in range(count):
        obs = clinical.lab(f"qhr-obs-{i}", "", keys[i % len(keys)], _when(rng, 3650), rng, shift)
        obs["subject"] = _patient(nam)
        out.append(obs)
        draw.append(obs)
        if len(draw) == 5 or i == count - 1:
            out.append(_lab_report(f"qhr-labdr-{i}", nam, draw))
            draw = []
    return out


def _lab_report(rid: str, nam: str, observations: list[dict]) -> dict:
    return {"resourceType": "DiagnosticReport", "id": rid, "status": "final",
            "category": [{"coding": [{"system": clinical.V2_0074, "code": "LAB"}]}],
            "code": {"text": "Bilan de laboratoire"}, "subject": _patient(nam),
            "effectiveDateTime": observations[0]["effectiveDateTime"],
            "result": [{"reference": f"Observation/{o['id']}"} for o in observations]}


def imaging(nam: str) -> list[dict]:
    rng = random.Random(f"qhr-imaging:{nam}")
    out = []
    for i in range(volume(nam).imaging):
        report = clinical.imaging_report(f"qhr-img-{i}", "", rng.choice(codes.IMAGING),
                                         _when(rng, 3650), "Organization/qhr-radiologie")
        report["subject"] = _patient(nam)
        report["performer"] = [{"display": "Centre d'imagerie médicale"}]
        out.append(report)
    return out


def medications(nam: str) -> list[dict]:
    """MedicationDispense history: drug (DIN), strength, dosage, quantity, pharmacy, dates."""
    rng = random.Random(f"qhr-meds:{nam}")
    drugs = rng.sample(codes.DRUGS, 4) + [rng.choice(codes.OTC) + (None,)]
    out = []
    for i in range(volume(nam).dispenses):
        din, label, dosage, _ = drugs[i % len(drugs)]
        pharmacy, pharmacy_id = rng.choice(PHARMACIES)
        days = rng.choice((30, 30, 90))
        handed = REFERENCE_DATE - timedelta(days=rng.randrange(1500 if i % 5 else 60))
        out.append({
            "resourceType": "MedicationDispense", "id": f"qhr-disp-{i}", "status": "completed",
            "medicationCodeableConcept": {"coding": [{"system": fhir_systems.DIN, "code": din,
                                                      "display": label}], "text": label},
            "subject": _patient(nam),
            "performer": [{"actor": {"display": pharmacy,
                                     "identifier": {"value": pharmacy_id}}}],
            "quantity": {"value": days * (2 if "2 fois" in dosage else 1), "unit": "unités"},
            "daysSupply": {"value": days, "unit": "jours"},
            "whenPrepared": handed.isoformat(), "whenHandedOver": handed.isoformat(),
            "dosageInstruction": [{"text": dosage}]})
    return out


@lru_cache(maxsize=32)
def bundle(nam: str, kind: str) -> tuple[dict, ...]:
    """The resources of one kind for `nam` (cached: the generator is pure)."""
    return tuple({"labs": labs, "imaging": imaging, "medications": medications}[kind](nam))
