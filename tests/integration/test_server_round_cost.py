"""A workstation's sync round costs what changed for its user, not what changed on the server:
the system `_history` of a user selects in SQL the changes of the patients the user cares for
(server.storage.care), so the rows the database reads, the entries returned and the AuditEvents
written do not grow with the other patients' changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.core.profiles import practitioner_reference
from server.processes import ServerProcess
from server.seed import generate, load, staff
from server.storage import Store, care, format_instant, open_store
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server import BACKENDS
from tests.integration.test_server_audit_chain import _readable_charts

SEED, PATIENTS, UNRELATED = 12, 60, 300


@pytest.fixture(params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str | None]]:
    url = request.getfixturevalue("postgres").new_database("clinicdesk_round_cost") \
        if request.param == "postgres" else None
    store = open_store(tmp_path, url)
    load.load_staff(store)
    load.load_patients(store, PATIENTS, SEED)
    store.close()
    yield tmp_path, url


def _picks() -> tuple[str, list[str], list[str]]:
    """A physician, patients they care for, and the patients neither they nor the physicians
    who mandate them care for."""
    charts = list(generate.patients(PATIENTS, SEED))
    picks = _readable_charts(charts)
    doctor = picks[0][1]
    mine = [p for p, who in picks if who == doctor]
    team = {practitioner_reference(u) for u in
            (doctor, *(m.grantor for m in staff.by_username(doctor).profile.mandates))}
    others = [c[0]["id"] for c in charts if not team & set(care.practitioner_refs(c[0]))]
    assert len(mine) >= 2 and len(others) >= 5
    return doctor, mine, others


def _change(store: Store, patients: list[str], n: int) -> None:
    """n new Conditions spread over these patients (other users' work, say)."""
    with store.write() as tx:
        for i in range(n):
            pid = patients[i % len(patients)]
            tx.create("Condition", {"subject": {"reference": f"Patient/{pid}"},
                                    "code": {"text": "round cost"}})


def _audit_events(store: Store) -> int:
    with store.read() as tx:
        return int(tx._q("SELECT count(*) FROM audit_event")[0][0])


def _rows_read(store: Store, doctor: str, since: str, count: int = 1000) -> tuple[int, int]:
    """(versions returned, the database's work for the round's query), with the statistics
    of every table up to date (the planner's choice then does not depend on what ran before):
    on PostgreSQL the rows of resource_version and the care tables it read and the index scans
    it made (this transaction's statistics); on SQLite the virtual machine's steps (progress
    handler), which grow with every row read."""
    store.analyze()
    with store.read() as tx:
        if store.backend == "postgres":
            def work() -> int:  # and the index scans: a probe per patient finding nothing
                row = tx._q("SELECT sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
                            "+ coalesce(idx_scan, 0)) FROM pg_stat_xact_user_tables "
                            "WHERE relname IN ('resource_version', 'care_team', 'care_change')")
                return int(row[0][0] or 0) if row else 0
            before = work()
            page = tx.history(None, None, since, count, None, [doctor])
            return len(page.versions), work() - before
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0
        conn: sqlite3.Connection = tx.conn
        conn.set_progress_handler(step, 10)
        try:
            page = tx.history(None, None, since, count, None, [doctor])
        finally:
            conn.set_progress_handler(None, 10)
        return len(page.versions), steps[0]


def test_the_rounds_query_reads_only_the_users_patients_changes(
        seeded: tuple[Path, str | None]) -> None:
    data_dir, url = seeded
    doctor, mine, others = _picks()
    store = open_store(data_dir, url)
    try:
        since = datetime.now(UTC).isoformat()
        _change(store, mine, 2)
        quiet = _rows_read(store, doctor, since)
        _change(store, others, UNRELATED)  # 150 × more changes on the server, none of theirs
        busy = _rows_read(store, doctor, since)
    finally:
        store.close()
    assert quiet[0] == busy[0] == 2
    # the same work, whatever else changed (a read of the others' 300 changes is ≥ 300 rows
    # on PostgreSQL and thousands of steps on SQLite); on a table of one page PostgreSQL may
    # read it all (the quiet round), but not once the others' changes filled more
    assert busy[1] <= quiet[1] + 5, (quiet, busy)
    assert busy[1] < UNRELATED // 10, (quiet, busy)


def test_a_no_change_round_costs_the_same_whatever_the_size_of_the_care_team(
        seeded: tuple[Path, str | None]) -> None:
    """care_change: the round finds the patients whose chart changed by a range of an
    index, without a probe per patient of the care team (300 more: ≥ 300 index scans on
    PostgreSQL, thousands of steps on SQLite)."""
    data_dir, url = seeded
    doctor, _, _ = _picks()
    store = open_store(data_dir, url)
    try:
        small = _rows_read(store, doctor, format_instant(datetime.now(UTC)))
        more = generate.patients(UNRELATED, SEED, id_prefix="more",
                                 physicians=[staff.by_username(doctor).profile])
        for chart in more:
            load.bulk_create(store, chart)
        with store.read() as tx:
            cared = tx._q("SELECT count(*) FROM care_team WHERE practitioner = ?",
                          (practitioner_reference(doctor),))[0][0]
        big = _rows_read(store, doctor, format_instant(datetime.now(UTC)))
    finally:
        store.close()
    assert cared >= UNRELATED
    assert small[0] == big[0] == 0
    # a probe per patient would be ≥ UNRELATED more
    assert big[1] <= small[1] + UNRELATED // 10, (small, big)
    assert big[1] < UNRELATED // 10, (small, big)


def test_a_first_rounds_page_reads_the_rows_of_that_page(
        seeded: tuple[Path, str | None]) -> None:
    """A round since long ago (a workstation's first) pages through every version of the
    user's charts: the page's seqs are chosen before the versions' rows are read, so a page of
    10 does not read the rows of the hundreds of versions since."""
    data_dir, url = seeded
    doctor, _, _ = _picks()
    store = open_store(data_dir, url)
    try:
        since = format_instant(datetime(2000, 1, 1, tzinfo=UTC))
        whole = _rows_read(store, doctor, since)
        page = _rows_read(store, doctor, since, count=10)
    finally:
        store.close()
    assert page[0] == 10 and whole[0] >= 300, (page, whole)
    # with the rows of every version since read, ≥ 0.8 of the whole listing's work (SQLite)
    # or all of it (PostgreSQL); the page's alone: 0.46, 0.61
    assert page[1] < 0.7 * whole[1], (page, whole)


def test_a_round_returns_and_audits_only_the_users_changes_on_a_busy_server(
        seeded: tuple[Path, str | None]) -> None:
    data_dir, url = seeded
    doctor, mine, others = _picks()
    proc = ServerProcess(data_dir, url).start()
    store = open_store(data_dir, url)
    try:
        since = datetime.now(UTC).isoformat()  # the server runs on this machine's clock
        _change(store, others, UNRELATED)
        _change(store, mine[:2], 2)  # two of the user's charts changed
        before = _audit_events(store)
        with httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30,
                          headers=bearer(sign_in(proc.base, doctor))) as fhir:
            reply = fhir.get("_history", params={"_since": since, "_count": "1000"})
        after = _audit_events(store)
    finally:
        store.close()
        proc.stop()
    assert reply.status_code == 200
    subjects = sorted(e["resource"]["subject"]["reference"] for e in reply.json()["entry"])
    assert subjects == sorted(f"Patient/{p}" for p in mine[:2])
    assert after - before == 2  # one AuditEvent per chart returned, none for the 300 others


def test_a_database_from_before_the_care_team_gets_it_at_start(
        seeded: tuple[Path, str | None]) -> None:
    data_dir, url = seeded
    doctor, mine, _ = _picks()
    store = open_store(data_dir, url)
    try:
        with store.write() as tx:
            tx.delete("Patient", mine[0])  # a deleted Patient keeps the physicians it had
            expected = sorted(tx._q("SELECT patient, practitioner FROM care_team"))
            tx._x("DROP TABLE care_team")
    finally:
        store.close()
    store = open_store(data_dir, url)  # as a server starting on that database
    try:
        with store.read() as tx:
            assert sorted(tx._q("SELECT patient, practitioner FROM care_team")) == expected
            assert (mine[0], f"Practitioner/user-{doctor}") in expected
    finally:
        store.close()
