"""Versions read back through every read path of the store (a transaction, a statement alone
with its rows through libpq's prepared statements on PostgreSQL, a search, a chart, a history)
are the versions their writes returned: the same fields, the same values and types."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from server.processes import Postgres
from server.storage import Clause, Criteria, Version, open_store
from server.storage import tx as tx_module
from tests.fixtures.server import BACKENDS

FIELDS = {f.name for f in dataclasses.fields(Version)}


def _same(read: Version, written: Version, method: str = "PUT") -> None:
    assert set(vars(read)) == FIELDS
    assert read == dataclasses.replace(written, method=method)
    assert [type(getattr(read, f)) for f in sorted(FIELDS)] == \
        [type(getattr(written, f)) for f in sorted(FIELDS)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_versions_read_back_through_every_path_are_those_written(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    url = request.getfixturevalue("postgres").new_database("clinicdesk_versions_read") \
        if backend == "postgres" else None
    store = open_store(tmp_path, url)
    try:
        with store.write() as tx:
            patient, _ = tx.create("Patient", {"name": [{"family": "Côté"}]})
            note, _ = tx.create("Observation", {
                "status": "final", "code": {"text": "poids"},
                "subject": {"reference": f"Patient/{patient.rid}"}})
        with store.write() as tx:
            gone = tx.delete("Observation", note.rid)
        assert gone is not None
        by_patient = Criteria("Observation", [Clause("patient", (patient.rid,))])
        by_id = Criteria("Patient", [Clause("_id", (patient.rid,))])
        for reading in (store.read, store.alone):
            with reading() as tx:
                _same(tx.read("Patient", patient.rid), patient)
                _same(tx.search(by_id, total=False).versions[0], patient)
                assert tx.search(by_patient, total=False).versions == []  # deleted
                _same(tx.everything(patient.rid, None, 10, 0).versions[0], patient)
                history = tx.history(None, None, patient.last_updated, 10, None)
                assert [v.seq for v in history.versions] == [gone.seq, note.seq, patient.seq]
                for read, written in zip(history.versions, (gone, note, patient), strict=True):
                    _same(read, written, written.method)
    finally:
        store.close()


@pytest.mark.postgres
def test_reads_sent_prepared_are_bounded_whatever_the_searches_clients_shape(
        postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search's statement text follows its parameters (here 1 to 50 ids, or patients, 100
    texts): past tx.PREPARED_TEXTS texts (10 here) the reads go through psycopg's cursor
    layer, so a session holds a bounded number of the store's prepared statements, and every
    search still answers."""
    monkeypatch.setattr(tx_module, "_prepared_texts", set())
    monkeypatch.setattr(tx_module, "PREPARED_TEXTS", 10)
    store = open_store(tmp_path, postgres.new_database("clinicdesk_prepared_bound"))
    try:
        with store.write() as tx:
            patient, _ = tx.create("Patient", {"name": [{"family": "Roy"}]})
        for rtype, name in (("Patient", "_id"), ("Observation", "patient")):
            for n in range(1, 51):
                ids = (patient.rid, *(f"other-{k}" for k in range(1, n)))
                with store.alone() as tx:
                    found = tx.search(Criteria(rtype, [Clause(name, ids)]), total=False)
                assert [v.rid for v in found.versions] == ([patient.rid] if rtype == "Patient"
                                                           else [])
        with store.alone() as tx:
            held = tx._q("SELECT count(*) FROM pg_prepared_statements "
                         "WHERE strpos(name, 'clinicdesk_') = 1")[0][0]
        assert 0 < held <= 10 + 2  # + the store's own (Store.query)
    finally:
        store.close()
