"""Pure logic of the patient index and the cache rows (plain sqlite3, the store's schema)."""

from __future__ import annotations

import sqlite3

from app.core import fhir_systems
from app.store import migrations, patients, resources
from app.store.patients import IndexEntry


def test_normalise_name_strips_accents_case_and_punctuation():
    assert patients.normalise_name(" Côté-Lévesque ") == "COTE LEVESQUE"
    assert patients.normalise_name("Émond  d'Été") == "EMOND D ETE"
    assert patients.normalise_name("Zoë Noël") == "ZOE NOEL"


def test_entry_from_patient_prefers_the_official_name():
    patient = {"resourceType": "Patient", "id": "x-1", "birthDate": "1955-01-02",
               "identifier": [{"system": fhir_systems.NAM, "value": "tres 5501 0212"},
                              {"system": fhir_systems.CHART_NUMBER, "value": "C42"}],
               "name": [{"use": "nickname", "family": "Bob"},
                        {"use": "official", "family": "Tremblay", "given": ["Jean", "Luc"]}]}
    entry = patients.normalise_entry(patients.entry_from_patient(patient))
    assert entry == IndexEntry("x-1", "TRES55010212", "TREMBLAY", "JEAN LUC", "1955-01-02", "C42")


def test_lookups_on_the_schema():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.migrate(conn)
    patients.upsert(conn, [IndexEntry("a", "GAGM80010112", "Gagnon", "Marie-Claude",
                                      "1980-01-01", "C1"),
                           IndexEntry("b", None, "Gagnon", "Marie", "1980-01-01", "C2"),
                           IndexEntry("c", None, "Gagnon", "Marie", "1981-01-01", "C3")])
    assert [e.patient_id for e in patients.find_by_name_birthdate(
        conn, "gagnon", "marie", "1980-01-01")] == ["b", "a"]
    assert [e.patient_id for e in patients.find_by_name_birthdate(
        conn, "GAGNON", "Marie Claude", "1980-01-01")] == ["a"]
    assert patients.find_by_nam(conn, "gagm 8001 0112")[0].patient_id == "a"
    assert patients.find_by_chart_number(conn, " C3 ")[0].patient_id == "c"
    plan = " ".join(str(r) for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM patient_index WHERE surname = 'A' AND birthdate = 'B'"
        " AND given >= 'C' AND given < 'D'"))
    assert "patient_index_name" in plan


def test_rows():
    row = resources.row_of({"resourceType": "Observation", "id": 12,
                            "meta": {"versionId": "W/7", "lastUpdated": "2026-01-01T00:00:00Z"}})
    assert row[:5] == ("Observation", "12", "W/7", "2026-01-01T00:00:00Z", None)


def test_warming_reads_the_table_and_every_index_of_the_patient_index():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.migrate(conn)
    patients.warm(conn)  # an index renamed by a migration would fail here (INDEXED BY)
    plans = " / ".join(row[3] for sql in patients.WARM
                       for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
    indexes = {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'patient_index' "
        "AND sql IS NOT NULL")}
    assert "SCAN patient_index" in plans
    assert indexes and all(f"COVERING INDEX {name}" in plans for name in indexes)
