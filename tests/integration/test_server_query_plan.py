"""Searches for one patient use the token index on SQLite, whatever the table size (SQLite has
no statistics before ANALYZE, and a wrong plan scans every resource of the type)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.storage import Clause, Criteria, open_store
from server.storage.query import where
from server.storage.tx import SINCE


@pytest.mark.parametrize("clauses", [
    [Clause("identifier", ("https://www.ramq.gouv.qc.ca/nam|TREM80010112",))],
    [Clause("family", ("tremb",)), Clause("given", ("hel",)),
     Clause("birthdate", ("1980-01-01",))],
    [Clause("identifier", ("a|1", "b|2"))],
])
def test_token_searches_start_from_the_token_index(tmp_path: Path, clauses: list) -> None:
    store = open_store(tmp_path)
    try:
        source, text, args = where(Criteria("Patient", clauses))
        with store.read() as tx:
            plan = " / ".join(row[3] for row in tx.conn.execute(
                f"EXPLAIN QUERY PLAN SELECT c.rid FROM {source} WHERE {text} AND c.seq > ? "
                "ORDER BY c.seq LIMIT 10", [*args, 0]))
        assert "USING INDEX token_value" in plan
        assert "SCAN c" not in plan and "current_type" not in plan
        # the driver's rows are checked for the other clauses by row, not by value range
        assert plan.count("token_resource") == len(clauses) - 1
    finally:
        store.close()


@pytest.mark.parametrize("rtype", ["Observation", "Consent"])
@pytest.mark.parametrize(("patients", "index"), [
    (("p1",), "current_patient_type"), (("p1", "p2", "p3"), "current_patient")])
def test_searches_by_patient_use_a_patient_index(tmp_path: Path, rtype: str, patients: tuple,
                                                 index: str) -> None:
    """One patient's resources of one type by (patient, rtype, seq): a patient's Consents are
    read for every audited read of a chart (server.identity.patients), and by (patient, seq)
    that was a walk of the whole chart (1,000 rows for a $everything's). Several patients' (a
    workstation's batch): by (patient, seq), never a walk of every resource of the type."""
    store = open_store(tmp_path)
    try:
        source, text, args = where(Criteria(rtype, [Clause("patient", patients)]))
        with store.read() as tx:
            plan = " / ".join(row[3] for row in tx.conn.execute(
                f"EXPLAIN QUERY PLAN SELECT c.rid FROM {source} WHERE {text} AND c.seq > ? "
                "ORDER BY c.seq LIMIT 10", [*args, 0]))
        assert f"USING INDEX {index} " in plan and "current_type" not in plan, plan
    finally:
        store.close()


def test_history_since_starts_from_the_timestamp_index(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        with store.read() as tx:
            plan = " / ".join(row[3] for row in tx.conn.execute(
                f"EXPLAIN QUERY PLAN {SINCE}", ("2026-11-26T00:00:00+00:00",)))
        assert "INDEX version_ts" in plan, plan
    finally:
        store.close()
