"""Synthetic Quebec data: deterministic, valid NAMs, plausible places, resolvable references."""

import base64
import json
import re
from collections import Counter
from datetime import date

import pytest

from app.core import fhir_systems, nam, registration
from app.core.consent import CLINICAL, ConsentStatus, consent_from_fhir
from app.core.data_class import DataClass
from server.fhir.validate import validate
from server.identity import practitioner
from server.seed import codes, generate, staff

N = 400


@pytest.fixture(scope="module")
def charts():
    return list(generate.patients(N, seed=11))


def _patients(charts):
    return [chart[0] for chart in charts]


def test_same_seed_same_data_other_seed_other_data(charts):
    again = list(generate.patients(N, seed=11))
    assert json.dumps(again) == json.dumps(charts)
    other = list(generate.patients(N, seed=12))
    assert json.dumps(other) != json.dumps(charts)


def test_a_smaller_run_is_a_prefix_and_start_continues_it(charts):
    assert list(generate.patients(50, seed=11)) == charts[:50]
    assert next(generate.patients(1, seed=11, start=0)) == charts[0]


def test_every_nam_is_valid_unique_and_matches_birth_date_and_sex(charts):
    seen = set()
    for patient in _patients(charts):
        value = next(i["value"] for i in patient["identifier"] if i["system"] == fhir_systems.NAM)
        parsed = nam.parse(value, today=generate.REFERENCE_DATE)
        sex = "F" if patient["gender"] == "female" else "M"
        assert nam.mismatches(parsed, date.fromisoformat(patient["birthDate"]), sex) == {}
        family, given = patient["name"][0]["family"], patient["name"][0]["given"][0]
        assert value[:4] == nam.name_letters(family, given)
        seen.add(value)
    assert len(seen) == N


def test_nams_of_namesakes_born_the_same_day_differ_by_the_admin_character():
    issued: dict = {}
    chart = generate._Chart(None, 0, "p", issued)
    first = chart.nam("Tremblay", ["Marie"], date(1980, 3, 4), "F")
    second = chart.nam("Tremblay", ["Mélanie"], date(1980, 3, 4), "F")
    assert first[:10] == second[:10] and first[10] != second[10]
    assert nam.is_valid(first) and nam.is_valid(second)


def test_names_carry_accents_and_hyphens(charts):
    names = " ".join(p["name"][0]["family"] + " " + " ".join(p["name"][0]["given"])
                     for p in _patients(charts))
    assert re.search(r"[éèêëàâçîïôûüÉ]", names)
    assert re.search(r"\w-\w", names)


def test_addresses_and_phones_look_like_quebec(charts):
    for patient in _patients(charts):
        address = patient["address"][0]
        assert address["state"] == "QC" and address["country"] == "CA"
        assert re.fullmatch(r"[GHJ]\d[A-Z] \d[A-Z]\d", address["postalCode"])
        area = patient["telecom"][0]["value"][:3]
        city_codes = next(c[3] for c in generate.places.CITIES if c[0] == address["city"])
        assert area in city_codes
        assert re.fullmatch(r"\d{3}-[2-9]\d{2}-\d{4}", patient["telecom"][0]["value"])


def test_every_reference_resolves_to_the_chart_the_staff_or_an_institution(charts):
    orgs = {f"Organization/{o['id']}" for o in generate.reference_resources()}
    practitioners = {f"Practitioner/{staff.practitioner_id(a.profile.username)}"
                     for a in staff.ACCOUNTS}
    for chart in charts:
        local = {f"{r['resourceType']}/{r['id']}" for r in chart}
        assert len(local) == len(chart)
        for ref in re.findall(r'"reference": "([^"]+)"', json.dumps(chart)):
            assert ref in local | orgs | practitioners, ref


def test_registration_is_readable_and_points_at_a_family_physician_of_the_fmg(charts):
    registered = [p for p in _patients(charts) if registration.registrations_of(p)]
    assert 0.7 * N < len(registered) < N
    for patient in registered:
        (reg,) = registration.registrations_of(patient)
        assert reg.active and reg.fmg == staff.GMF.fmg_reference
        assert reg.place_of_follow_up == staff.GMF.ramq_billing_number
        assert {"reference": reg.physician} in patient["generalPractitioner"]
        assert reg.physician.removeprefix("Practitioner/user-") in staff.FAMILY_PHYSICIANS


def test_labs_use_loinc_and_si_units(charts):
    units = {codes.LABS[k][0]: codes.LABS[k][3] for k in codes.LABS}
    labs = [r for c in charts for r in c if r["resourceType"] == "Observation"]
    assert labs
    for obs in labs:
        coding = obs["code"]["coding"][0]
        assert coding["system"] == fhir_systems.LOINC
        assert obs["valueQuantity"]["unit"] == units[coding["code"]]
        assert obs["valueQuantity"]["system"] == codes.UCUM
    found = {o["code"]["coding"][0]["code"]: o["valueQuantity"]["unit"] for o in labs}
    assert found["14771-0"] == "mmol/L" and found["14682-9"] == "µmol/L"
    assert found["4548-4"] == "%" and found["39469-2"] == "mmol/L"


def test_medications_carry_dins_and_reports_and_notes_are_french(charts):
    kinds = Counter(r["resourceType"] for c in charts for r in c)
    for kind in ("Encounter", "Condition", "AllergyIntolerance", "MedicationRequest",
                 "MedicationStatement", "DiagnosticReport", "DocumentReference", "Appointment",
                 "Consent"):
        assert kinds[kind] > 0, kind
    for res in (r for c in charts for r in c):
        if res["resourceType"] in ("MedicationRequest", "MedicationStatement"):
            coding = res["medicationCodeableConcept"]["coding"][0]
            assert coding["system"] == fhir_systems.DIN and re.fullmatch(r"\d{8}", coding["code"])
        if res["resourceType"] == "DiagnosticReport":
            text = base64.b64decode(res["presentedForm"][0]["data"]).decode()
            assert "Conclusion :" in text and res["presentedForm"][0]["language"] == "fr-CA"
        if res["resourceType"] == "DocumentReference":
            text = base64.b64decode(res["content"][0]["attachment"]["data"]).decode()
            assert text.startswith("Note de consultation") and "Motif" in text


def test_consent_restrictions_are_read_by_the_client_policy(charts):
    consents = [r for c in charts for r in c if r["resourceType"] == "Consent"]
    assert len(consents) == N // 25 + N // 100
    states = [consent_from_fhir([c]) for c in consents]
    assert all(s.status == ConsentStatus.RESTRICTED for s in states)
    assert {DataClass.LABS, DataClass.NOTES} <= {c for s in states for c in s.restricted}


def test_one_in_100_also_denies_the_other_family_physician_only(charts):
    doctors = [f"Practitioner/{practitioner.practitioner_id(u)}" for u in staff.FAMILY_PHYSICIANS]
    scoped = [(chart[0], consent_from_fhir([r for r in chart if r["resourceType"] == "Consent"]))
              for index, chart in enumerate(charts) if index % 100 == 57]
    assert len(scoped) == N // 100
    for patient, state in scoped:
        own = (patient.get("generalPractitioner") or [{}])[0].get("reference")
        other = doctors[1] if own == doctors[0] else doctors[0]
        assert state.blocked_for(other, generate.REFERENCE_DATE) == CLINICAL
        everyone = state.blocked_for(doctors[1] if other == doctors[0] else doctors[0], None)
        assert everyone == state.restricted and everyone < CLINICAL


def test_every_resource_validates_with_the_servers_fhir_models():
    resources = [r for c in generate.patients(60, seed=4) for r in c]
    resources += generate.reference_resources()
    for account in staff.ACCOUNTS:
        resources += [practitioner.practitioner(account.profile),
                      *practitioner.roles(account.profile)]
    for resource in resources:
        assert validate(resource, resource["resourceType"]) is resource


def test_chart_size_pads_a_chart_for_benchmarks():
    (chart,) = generate.patients(1, seed=3, chart_size=200)
    assert len(chart) == 200 and len({r["id"] for r in chart}) == 200


def test_demographics_are_the_patients_of_the_charts(charts):
    assert list(generate.demographics(60, seed=11)) == _patients(charts)[:60]


def test_a_large_chart_has_exactly_the_shape_asked_for_and_validates():
    chart = generate.large_chart(7, 23, 5, seed=3)
    kinds = Counter(r["resourceType"] for r in chart)
    assert kinds == {"Patient": 1, "Encounter": 7, "Observation": 23, "MedicationRequest": 5}
    assert len({r["id"] for r in chart}) == len(chart)
    assert all(r["subject"]["reference"] == f"Patient/{chart[0]['id']}" for r in chart[1:])
    assert len({r["code"]["coding"][0]["code"] for r in chart if "valueQuantity" in r}) == \
        len(codes.LABS)
    for resource in chart:
        validate(resource, resource["resourceType"])
    assert generate.large_chart(7, 23, 5, seed=3) == chart
