"""The chart read on a real SQLCipher store (app.store.resources.by_class, used by
authorised_chart): the patient's rows read once, grouped exactly as app.core.resource_class
classifies them, decoded only for the classes asked for, and decoded to the same values as
Python's json (orjson, with json where orjson refuses)."""

from __future__ import annotations

import gc
import json
import math

import pytest

from app.core.data_class import DataClass
from app.core.profiles import Profession
from app.core.resource_class import _BY_TYPE, NOT_PATIENT_DATA, data_class_of, possible_classes
from app.store import resources
from app.store.authorised import authorised_chart, chart_sections
from tests import access_matrix as m
from tests.fixtures.access import patient_resource
from tests.fixtures.store import raw_connection

PID = "p1"
SUBJECT = {"reference": f"Patient/{PID}"}
LOINC = "http://loinc.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def _observation(rid: str, category: str, value: float = 5.5) -> dict:
    return {"resourceType": "Observation", "id": rid, "subject": SUBJECT, "status": "final",
            "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
            "code": {"coding": [{"system": LOINC, "code": "14771-0"}]},
            "valueQuantity": {"value": value, "unit": "mmol/L"}}


def _chart() -> list[dict]:
    """One resource of each way a class is decided: by type, by content, unknown, not data."""
    note = {"system": LOINC, "code": "11506-3"}
    return [
        patient_resource(PID) | {"id": PID},
        _observation("lab1", "laboratory"), _observation("lab2", "laboratory", 6.25),
        _observation("vital1", "vital-signs"),  # recorded during a visit: NOTES
        {"resourceType": "DocumentReference", "id": "doc1", "subject": SUBJECT,
         "type": {"coding": [{"system": LOINC, "code": "34133-9"}]}},
        {"resourceType": "DocumentReference", "id": "doc2", "subject": SUBJECT,
         "type": {"coding": [note]}},  # a progress note: NOTES
        {"resourceType": "Encounter", "id": "enc1", "subject": SUBJECT, "status": "finished"},
        {"resourceType": "MedicationRequest", "id": "med1", "subject": SUBJECT,
         "status": "active", "intent": "order"},
        {"resourceType": "Coverage", "id": "cov1", "beneficiary": SUBJECT, "status": "active"},
        {"resourceType": "Consent", "id": "con1", "patient": SUBJECT, "status": "active"},
        {"resourceType": "RiskAssessment", "id": "risk1", "subject": SUBJECT},  # unknown: NOTES
    ]


def _expected(classes) -> dict[DataClass, list[dict]]:
    """The classification of app.core.resource_class, in the store's (type, id) order."""
    ordered = sorted(_chart(), key=lambda r: (r["resourceType"], r["id"]))
    return {c: [r for r in ordered if data_class_of(r["resourceType"], r) == c] for c in classes}


def test_possible_classes_cover_every_class_a_type_can_take():
    for rtype in [*_BY_TYPE, *NOT_PATIENT_DATA, "RiskAssessment", "Observation"]:
        assert data_class_of(rtype) in possible_classes(rtype) or rtype in NOT_PATIENT_DATA
    assert possible_classes("Consent") == frozenset()
    for resource in _chart():
        found = data_class_of(resource["resourceType"], resource)
        assert found is None or found in possible_classes(resource["resourceType"])


def test_rows_are_grouped_as_the_access_policy_classifies_them(store):
    store.put_resources(_chart())
    every = set(DataClass) - {DataClass.QHR}
    with store.transaction() as conn:
        grouped = resources.by_class(conn, PID, every)
    assert grouped == _expected(every)
    assert [r["id"] for r in grouped[DataClass.NOTES]] == ["doc2", "enc1", "vital1", "risk1"]
    assert [r["id"] for r in grouped[DataClass.LABS]] == ["lab1", "lab2"]
    with store.transaction() as conn:
        assert resources.by_class(conn, PID, set()) == {}


def test_rows_of_classes_not_asked_for_are_never_decoded(store, store_path):
    store.put_resources(_chart())
    conn = raw_connection(store_path)
    try:  # the clinical rows made undecodable: only a read that decodes them can notice
        conn.execute("UPDATE resources SET json = '{' WHERE type IN "
                     "('Observation', 'Encounter', 'MedicationRequest', 'RiskAssessment')")
    finally:
        conn.close()
    clerk = m.profile(Profession.RECEPTIONIST, "own")
    opened = authorised_chart(store, clerk, PID)
    assert set(opened) == set(chart_sections(clerk))
    assert [r["id"] for r in opened[DataClass.DEMOGRAPHICS].resources] == [PID]
    assert [r["id"] for r in opened[DataClass.REGISTRATION].resources] == ["cov1"]
    with store.transaction() as conn, pytest.raises(ValueError):
        resources.by_class(conn, PID, {DataClass.LABS})


def test_values_decode_as_pythons_json_does_including_what_orjson_refuses(store):
    chart = _chart()
    chart[1]["valueQuantity"]["value"] = math.nan  # json.dumps writes NaN, orjson refuses it
    chart[2]["note"] = [{"text": "Glycémie à jeun élevée — « à revoir » \U0001F600"}]
    store.put_resources(chart)
    every = set(DataClass) - {DataClass.QHR}
    with store.transaction() as conn:
        grouped = resources.by_class(conn, PID, every)
        stored = [json.loads(r[0]) for r in conn.execute(
            "SELECT json FROM resources WHERE type = 'Observation' ORDER BY id")]
    labs = grouped[DataClass.LABS]
    assert math.isnan(labs[0]["valueQuantity"]["value"])
    assert labs[1] == stored[1] == chart[2]
    assert grouped[DataClass.NOTES][2] == stored[2]


def test_the_collector_is_paused_only_while_reading_and_left_as_found():
    assert gc.isenabled()
    with resources.gc_paused():
        assert not gc.isenabled()
        with resources.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    gc.disable()
    try:
        with resources.gc_paused():
            pass
        assert not gc.isenabled()  # a collector found off stays off
    finally:
        gc.enable()
