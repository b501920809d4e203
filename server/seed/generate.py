"""Deterministic synthetic Quebec patients, usable as a library (seed command, tests, benches).

`patients(n, seed)` yields, for each patient, the list of its FHIR R4 resources (the Patient
first, then encounters, notes, problems, allergies, medications, labs, imaging, appointments,
consent). Patient i depends only on (seed, i, id_prefix) and on the NAMs issued before it, so
`patients(100, s)` is the first 100 of `patients(1000, s)`.

Ids are UUIDs, as the server gives (nothing to enumerate: `Patient/p36` was guessable), derived
by uuid5 from (seed, id_prefix, index, resource number): the same seed gives the same data, ids
included. `patient_id(index, seed, id_prefix)` tells a test or benchmark the id of patient i.

RAMQ registration is written as app.core.registration documents it (85 % of patients, with
one of the two FMG family physicians); the others name the specialist (1000003) and the
specialty clinic in Patient.generalPractitioner, without a registration, so that every chart
has a physician (the server's access rules take the physicians from the Patient only).
Every 25th patient (index % 25 == 7) has a Consent restriction (app.core.consent's
convention: an active Consent whose nested "deny" provision names DATA_CLASS codes), which
binds every user. One in 100 (index % 100 == 57) also has a Consent denying one named person
every clinical class ("deny THIS person": a relative at the clinic): the FMG family physician
who is not the patient's own, who otherwise reads the chart by the physicians' mutual mandate.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from app.core import fhir_systems, nam, registration
from app.core.profiles import UserProfile
from server.seed import clinical, codes, places, staff

REFERENCE_DATE = date(2026, 11, 1)  # "today" of the synthetic data: fixed for determinism
ADMIN_CHARS = "123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ID_NAMESPACE = uuid.UUID("5f0c1c1e-6d1b-4c53-9a57-c11c1de5c0de")
RESTRICTED_CLASSES = (("notes", "documents"), ("labs",), ("notes", "documents", "labs"),
                      ("medications", "problems"))


def patients(n: int, seed: int = 0, *, start: int = 0, id_prefix: str = "p",
             chart_size: int | None = None,
             physicians: Sequence[UserProfile] = ()) -> Iterator[list[dict]]:
    """Resources of patients start..start+n-1; `chart_size` pads each chart with lab results
    up to that many resources (for large-chart benchmarks). `physicians` (a region's
    clinicians, `staff.clinicians`): patient i is registered with physicians[i % len] (every
    patient, no specialist), the one after it in the list being "the other physician" of the
    one-in-100 Consent; else the demo's two family physicians and the specialist."""
    issued: dict[tuple[str, date, str], int] = {}
    for index in range(start, start + n):
        chart = _Chart(random.Random(f"{seed}:{index}"), index, patient_id(index, seed, id_prefix),
                       issued, tuple(physicians))
        resources = chart.build()
        if chart_size:
            chart.pad(resources, chart_size)
        yield resources


def demographics(n: int, seed: int = 0, *, id_prefix: str = "p") -> Iterator[dict]:
    """The Patients of `patients(n, seed)`, the same people without their charts (a
    100,000-patient index in seconds)."""
    issued: dict[tuple[str, date, str], int] = {}
    for index in range(n):
        yield _Chart(random.Random(f"{seed}:{index}"), index, patient_id(index, seed, id_prefix),
                     issued).patient()


def large_chart(encounters: int, observations: int, medications: int, *, seed: int = 0,
                index: int = 0, id_prefix: str = "big") -> list[dict]:
    """One long-followed patient: the Patient, then exactly that many encounters, laboratory
    results (every test of codes.LABS in turn, over 20 years) and prescriptions."""
    chart = _Chart(random.Random(f"{seed}:large:{index}"), index,
                   patient_id(index, seed, id_prefix), {})
    rng, out = chart.rng, [chart.patient()]
    doctor = chart.physician or f"Practitioner/{staff.practitioner_id('1000003')}"
    org = f"Organization/{staff.GMF.id if chart.physician else staff.SPECIALTY.id}"
    for _ in range(encounters):
        out.append(clinical.encounter(chart.rid("enc"), chart.ref, doctor, org,
                                      clinical.stamp(chart.day(20), rng),
                                      rng.choice(codes.NOTE_REASONS)))
    tests = list(codes.LABS)
    for k in range(observations):
        out.append(clinical.lab(chart.rid("obs"), chart.ref, tests[k % len(tests)],
                                clinical.stamp(chart.day(20), rng), rng, 0.0))
    for k in range(medications):
        out.append(clinical.medication_request(chart.rid("medrx"), chart.ref,
                                               codes.DRUGS[k % len(codes.DRUGS)],
                                               clinical.stamp(chart.day(20), rng), doctor))
    return out


def day_schedule(n: int, seed: int, day: date, *, per_physician: int = 30,
                 id_prefix: str = "p") -> list[dict]:
    """A full day of booked appointments on `day` for each physician of `patients(n, seed)`:
    up to `per_physician` of their patients, every 15 minutes from 8:00 (the demo's "today";
    `patients` alone books follow-ups weeks after REFERENCE_DATE)."""
    booked: dict[tuple[str, str], list[str]] = {}  # (physician, clinic): patients
    for patient in demographics(n, seed, id_prefix=id_prefix):
        refs = [g["reference"] for g in patient.get("generalPractitioner") or ()]
        doctor = next((r for r in refs if r.startswith("Practitioner/")), None)
        clinic = next((r.split("/", 1)[1] for r in refs if r.startswith("Organization/")), "")
        if doctor and len(booked.setdefault((doctor, clinic), [])) < per_physician:
            booked[(doctor, clinic)].append(patient["id"])
    out = []
    for (doctor, clinic), pids in sorted(booked.items()):
        for slot, pid in enumerate(pids):
            rid = str(uuid.uuid5(ID_NAMESPACE, f"{seed}:{id_prefix}:apt:{day}:{doctor}:{slot}"))
            out.append(clinical.booked(rid, f"Patient/{pid}", doctor, _display(doctor),
                                       f"Location/{clinic}", day, 8 * 60 + 15 * slot))
    return out


def _display(practitioner: str) -> str:
    """The demo account's name of a Practitioner reference ("" when not an account)."""
    username = practitioner.removeprefix("Practitioner/user-")
    return next((a.profile.display_name for a in staff.ACCOUNTS
                 if a.profile.username == username), "")


def patient_id(index: int, seed: int = 0, id_prefix: str = "p") -> str:
    """The id of patient `index` of `patients(…, seed, id_prefix=id_prefix)`."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{seed}:{id_prefix}:{index}"))


def reference_resources() -> list[dict]:
    """Organizations of the demo institutions (Practitioners come from the accounts)."""
    return [registration.organization(i.id, i.name, i.ramq_billing_number,
                                      i.unique_identification_number, i.fmg_reference)
            for i in staff.INSTITUTIONS]


class _Chart:
    def __init__(self, rng: random.Random, index: int, pid: str, issued: dict,
                 physicians: tuple[UserProfile, ...] = ()):
        self.rng, self.index, self.issued = rng, index, issued
        self.physicians = physicians
        self.pid = pid
        self.ref = f"Patient/{self.pid}"
        self.counter = 0
        self.shift = 0.0  # how far the labs drift from typical values (diabetic, etc.)

    def rid(self, abbr: str) -> str:
        self.counter += 1
        return str(uuid.uuid5(ID_NAMESPACE, f"{self.pid}:{abbr}{self.counter}"))

    def other_family_physician(self) -> str:
        if self.physicians:
            return self.physicians[(self.index + 1) % len(self.physicians)].reference
        own = staff.FAMILY_PHYSICIANS[0]
        if self.physician == f"Practitioner/{staff.practitioner_id(own)}":
            own = staff.FAMILY_PHYSICIANS[1]
        return f"Practitioner/{staff.practitioner_id(own)}"

    def day(self, years_back: float) -> date:
        return REFERENCE_DATE - timedelta(days=self.rng.randint(1, max(2, int(years_back * 365))))

    def build(self) -> list[dict]:
        rng = self.rng
        patient = self.patient()
        physician = self.physician
        org = f"Organization/{staff.GMF.id if physician else staff.SPECIALTY.id}"
        doctor = physician or f"Practitioner/{staff.practitioner_id('1000003')}"
        out = [patient]
        conditions = rng.sample(codes.CONDITIONS, k=min(rng.choice((0, 1, 1, 2, 2, 3)),
                                                        int(self.age / 12) + 1))
        self.encounters(out, doctor, org)
        for row in conditions:
            out.append(clinical.condition(self.rid("cond"), self.ref, row, self.day(8), doctor))
        if rng.random() < 0.3:
            for allergy in rng.sample(codes.ALLERGIES, k=rng.choice((1, 1, 2))):
                out.append(clinical.allergy(self.rid("alg"), self.ref, allergy, self.day(15)))
        self.medications(out, conditions, doctor)
        self.labs(out, conditions)
        if rng.random() < 0.2:
            imaging = rng.choice(codes.IMAGING)
            out.append(clinical.imaging_report(self.rid("img"), self.ref, imaging,
                                               clinical.stamp(self.day(3), rng), doctor))
        if rng.random() < 0.3:
            day = REFERENCE_DATE + timedelta(days=rng.randint(20, 120))
            out.append(clinical.appointment(self.rid("apt"), self.ref, doctor, day, rng))
        if self.index % 25 == 7:
            classes = RESTRICTED_CLASSES[(self.index // 25) % len(RESTRICTED_CLASSES)]
            when = clinical.stamp(self.day(2), rng)
            out.append(clinical.consent(self.rid("cns"), self.ref, classes, when))
            if self.index % 100 == 57:
                out.append(clinical.consent(self.rid("cns"), self.ref, (), when,
                                            actor=self.other_family_physician()))
        return out

    def patient(self) -> dict:
        rng = self.rng
        sex = rng.choice("FM")
        self.age = min(int(rng.expovariate(1 / 40)), 98)
        born = REFERENCE_DATE - timedelta(days=self.age * 365 + rng.randint(1, 364))
        family, given = places.person_name(rng, sex)
        address, area_codes = places.address(rng)
        number = self.nam(family, given, born, sex)
        resource = {
            "resourceType": "Patient", "id": self.pid, "active": True,
            "identifier": [{"system": fhir_systems.NAM, "value": number},
                           {"system": fhir_systems.CHART_NUMBER,
                            "value": str(100000 + self.index)}],
            "name": [{"use": "official", "family": family, "given": given}],
            "telecom": [{"system": "phone", "value": places.phone(rng, area_codes), "use": "home"}],
            "gender": "female" if sex == "F" else "male", "birthDate": born.isoformat(),
            "address": [address],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                         "code": rng.choice(("fr-CA",) * 4 +
                                                                            ("en-CA",))}]},
                               "preferred": True}],
        }
        self.physician: str | None = None
        if rng.random() < 0.85 or self.physicians:
            self.register(resource)
        else:  # followed by the specialist, not registered with a family physician
            resource["generalPractitioner"] = [
                {"reference": f"Practitioner/{staff.practitioner_id('1000003')}"},
                {"reference": f"Organization/{staff.SPECIALTY.id}"}]
        return resource

    def nam(self, family: str, given: list[str], born: date, sex: str) -> str:
        key = (nam.name_letters(family, given[0]), born, sex)
        count = self.issued.get(key, 0)
        self.issued[key] = count + 1
        return nam.build(family, given[0], born, sex, admin=ADMIN_CHARS[count % len(ADMIN_CHARS)])

    def register(self, resource: dict) -> None:
        if self.physicians:
            self.physician = self.physicians[self.index % len(self.physicians)].reference
        else:
            username = self.rng.choice(staff.FAMILY_PHYSICIANS)
            self.physician = f"Practitioner/{staff.practitioner_id(username)}"
        since = self.day(12)
        reg = registration.Registration(self.physician, since, staff.GMF.ramq_billing_number,
                                        staff.GMF.fmg_reference)
        resource["generalPractitioner"] = [{"reference": self.physician},
                                           {"reference": f"Organization/{staff.GMF.id}"}]
        resource["extension"] = [registration.to_extension(reg)]

    def encounters(self, out: list[dict], doctor: str, org: str) -> None:
        rng = self.rng
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            when = clinical.stamp(self.day(4), rng)
            reason = rng.choice(codes.NOTE_REASONS)
            enc = clinical.encounter(self.rid("enc"), self.ref, doctor, org, when, reason)
            out.append(enc)
            if rng.random() < 0.5:
                name = self.display_name(doctor)
                out.append(clinical.consultation_note(
                    self.rid("doc"), self.ref, f"Encounter/{enc['id']}", doctor, when, reason,
                    rng.choice(codes.NOTE_PLANS), name))

    def display_name(self, doctor: str) -> str:
        if self.physicians:  # every chart is its registered physician's
            return self.physicians[self.index % len(self.physicians)].display_name
        return staff.by_username(doctor.rsplit("-", 1)[1]).profile.display_name

    def medications(self, out: list[dict], conditions: list[tuple], doctor: str) -> None:
        treated = {row[0] for row in conditions}
        for row in codes.DRUGS:
            if row[3] in treated:
                out.append(clinical.medication_request(
                    self.rid("medrx"), self.ref, row, clinical.stamp(self.day(2), self.rng),
                    doctor))
        if self.rng.random() < 0.25:
            otc = self.rng.choice(codes.OTC)
            out.append(clinical.medication_statement(
                self.rid("meds"), self.ref, otc, clinical.stamp(self.day(1), self.rng)))

    def labs(self, out: list[dict], conditions: list[tuple]) -> None:
        keys = list(codes.ROUTINE_LABS) if self.age >= 18 else ["hemoglobin"]
        for row in conditions:
            keys += [k for k in row[3] if k not in keys]
        self.shift = 1.0 if any(row[0] == "E11.9" for row in conditions) else 0.0
        for _ in range(self.rng.choice((1, 1, 2))):
            self.panel(out, keys)

    def panel(self, out: list[dict], keys: list[str]) -> None:
        when = clinical.stamp(self.day(3), self.rng)
        for key in keys:
            out.append(clinical.lab(self.rid("obs"), self.ref, key, when, self.rng,
                                    self.shift if key in ("glucose", "hba1c") else 0.0))

    def pad(self, resources: list[dict], size: int) -> None:
        keys = list(codes.LABS)
        while len(resources) < size:
            when = clinical.stamp(self.day(10), self.rng)
            key = keys[len(resources) % len(keys)]
            resources.append(clinical.lab(self.rid("obs"), self.ref, key, when, self.rng, 0.0))
