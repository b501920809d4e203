"""The data class stored with every version (server.storage: readers decide on it without
decoding the resource), on SQLite and PostgreSQL: every write path stores the class the access
policy gives the content, and a database written before the column existed gets it filled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.resource_class import data_class_of
from server.processes import Postgres
from server.seed import load
from server.storage import Store, open_store
from tests.fixtures.server import BACKENDS

PATIENT = "p-class"
VISIT = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                     "code": "vital-signs"}]}
LAB = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                   "code": "laboratory"}]}
NOTE_TYPE = {"coding": [{"system": "http://loinc.org", "code": "11506-3"}]}
SUBJECT = {"subject": {"reference": f"Patient/{PATIENT}"}}
# One resource of each kind the policy tells apart, and those it does not class at all.
RESOURCES = [
    {"resourceType": "Patient", "id": PATIENT},
    {"resourceType": "Observation", "id": "visit", "category": [VISIT], **SUBJECT},
    {"resourceType": "Observation", "id": "lab", "category": [LAB], **SUBJECT},
    {"resourceType": "DocumentReference", "id": "note", "type": NOTE_TYPE, **SUBJECT},
    {"resourceType": "DocumentReference", "id": "letter", **SUBJECT},
    {"resourceType": "Condition", "id": "problem", **SUBJECT},
    {"resourceType": "Consent", "id": "consent", "patient": {"reference": f"Patient/{PATIENT}"}},
    {"resourceType": "Practitioner", "id": "doc"},
    {"resourceType": "Basic", "id": "unknown", **SUBJECT},
]


def _open(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    url = None
    if backend == "postgres":
        pg: Postgres = request.getfixturevalue("postgres")
        url = pg.new_database(f"clinicdesk_class_{tmp_path.name[-20:].replace('-', '_')}")
    return open_store(tmp_path, url)


def _stored(store: Store) -> dict[tuple[str, int, str], str | None]:
    """(table, seq, rtype/rid) → data_class, checked against the policy on the content."""
    found = {}
    with store.read() as tx:
        for table in ("resource_version", "resource_current"):
            for seq, rtype, rid, content, stored in tx._q(
                    f"SELECT seq, rtype, rid, content, data_class FROM {table}"):
                expected = data_class_of(rtype, json.loads(content) if content else None)
                assert stored == (expected.value if expected else None), (table, rtype, rid)
                found[(table, seq, f"{rtype}/{rid}")] = stored
    return found


def _write_every_way(store: Store) -> None:
    load.bulk_create(store, [{**r, "id": f"bulk-{r['id']}"} for r in RESOURCES])
    with store.write() as tx:
        for r in RESOURCES:
            tx.create(r["resourceType"], r, rid=r["id"])
        # an update that moves a lab result to a visit's observation, then back by upsert
        tx.update("Observation", "lab", {**RESOURCES[2], "category": [VISIT]}, None)
        tx.upsert("Observation", "lab", RESOURCES[2])
        tx.update("DocumentReference", "letter", {**RESOURCES[4], "type": NOTE_TYPE}, None)
        tx.delete("Observation", "visit")
        tx.delete("DocumentReference", "note")


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_write_stores_the_class_of_its_content(backend: str, tmp_path: Path,
                                                     request: pytest.FixtureRequest) -> None:
    store = _open(backend, tmp_path, request)
    try:
        _write_every_way(store)
        stored = _stored(store)
        with store.read() as tx:
            assert tx.read("Observation", "lab").data_class == "labs"
            assert tx.read("DocumentReference", "letter").data_class == "notes"
            assert tx.current("Observation", "visit").data_class == "labs"  # a deletion: by type
        assert {v for v in stored.values()} >= {"demographics", "labs", "notes", "documents",
                                                "problems", None}
    finally:
        store.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_without_the_column_gets_it_filled_at_start(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    store = _open(backend, tmp_path, request)
    url = getattr(store.dialect, "url", None)
    try:
        _write_every_way(store)
        before = _stored(store)
        with store.write() as tx:
            for table in ("resource_version", "resource_current"):
                tx._x(f"ALTER TABLE {table} DROP COLUMN data_class")
    finally:
        store.close()
    for _ in range(2):  # the second start finds the column there and leaves it
        reopened = open_store(tmp_path, url)
        try:
            assert _stored(reopened) == before
        finally:
            reopened.close()
