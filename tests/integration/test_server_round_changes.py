"""What a user's round (system `_history?_since`) returns as charts change, now that it finds
the changed charts through `care_change` (server.storage.care) instead of probing every
patient of the care team: a change, a deletion (a resource's, a Patient's), reference data, a
mandate, a Patient moving to another physician, a database from before care_change, and two
writers of one chart at once (PostgreSQL: no global write lock)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.seed import load
from server.storage import Store, care, format_instant, open_store
from server.storage.tx import Tx
from tests.integration import test_server_round_cost as cost
from tests.integration.test_server_round_cost import _picks

seeded = cost.seeded  # the fixture: staff and 60 charts on each back-end

NURSE = "1000005"  # mandated by both family physicians (server.seed.staff)
OTHER = "1000003"  # the specialist: cares for none of the family physicians' patients moved here


def _now() -> str:
    return format_instant(datetime.now(UTC))


def _round(store: Store, usernames: list[str], since: str, count: int = 1000
           ) -> list[tuple[str, str, bool]]:
    """(type, id, deleted) of the round's versions, newest first (every page)."""
    found: list[tuple[str, str, bool]] = []
    cursor = None
    while True:
        with store.read() as tx:
            page = tx.history(None, None, since, count, cursor, usernames)
        found += [(v.rtype, v.rid, v.deleted) for v in page.versions]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def _condition(tx: Tx, pid: str) -> str:
    made, _ = tx.create("Condition", {"subject": {"reference": f"Patient/{pid}"},
                                      "code": {"text": "round changes"}})
    return made.rid


def test_changes_deletions_reference_data_and_mandates_come_in_the_round(
        seeded: tuple[Path, str | None]) -> None:
    data_dir, url = seeded
    doctor, mine, others = _picks()
    store = open_store(data_dir, url)
    try:
        since = _now()
        with store.write() as tx:
            made = _condition(tx, mine[0])
            _condition(tx, others[0])
        later = _now()
        with store.write() as tx:
            tx.delete("Condition", made)
            tx.delete("Patient", mine[1])  # server-side: a deleted Patient keeps its physicians
            tx.upsert("Organization", "round-changes", {"name": "reference data"})
        newest = [("Organization", "round-changes", False), ("Patient", mine[1], True),
                  ("Condition", made, True)]
        assert _round(store, [doctor], later) == newest
        assert _round(store, [doctor], since, count=2) == [*newest, ("Condition", made, False)]
        # a mandate: the nurse's round holds the patients of the physicians who mandate her
        assert _round(store, [NURSE, "1000001", "1000002"], later) == newest
        assert _round(store, [OTHER], later) == newest[:1]  # reference data only
    finally:
        store.close()


def test_a_patient_moved_to_another_physician(seeded: tuple[Path, str | None]) -> None:
    """The new physician's round since a point before the move holds the chart's versions
    since that point (as it did when it probed every patient); the former physician's holds
    no more of it (they may no longer read it)."""
    data_dir, url = seeded
    doctor, mine, _ = _picks()
    pid = mine[0]
    store = open_store(data_dir, url)
    try:
        since = _now()
        with store.write() as tx:
            before_move = _condition(tx, pid)
        moved_at = _now()
        with store.write() as tx:
            patient = tx.read("Patient", pid).resource()
            moved = {**patient, "generalPractitioner": [{"reference":
                                                         f"Practitioner/user-{OTHER}"}],
                     "extension": []}  # no RAMQ registration left with the former physician
            assert care.practitioner_refs(moved) == [f"Practitioner/user-{OTHER}"]
            tx.update("Patient", pid, moved, None)
        assert _round(store, [OTHER], moved_at) == [("Patient", pid, False)]
        assert _round(store, [OTHER], since) == [("Patient", pid, False),
                                                 ("Condition", before_move, False)]
        assert _round(store, [doctor], since) == []
    finally:
        store.close()


def test_a_database_from_before_care_change_gets_it_at_start(
        seeded: tuple[Path, str | None]) -> None:
    data_dir, url = seeded
    doctor, mine, _ = _picks()
    store = open_store(data_dir, url)
    try:
        since = _now()
        with store.write() as tx:
            made = _condition(tx, mine[0])
            tx._x("DROP TABLE care_change")
    finally:
        store.close()
    store = open_store(data_dir, url)  # as a server starting on that database
    try:
        assert _round(store, [doctor], since) == [("Condition", made, False)]
    finally:
        store.close()


def _waiting(store: Store) -> bool:
    with store.read() as tx:
        return bool(tx._q("SELECT 1 FROM pg_locks WHERE NOT granted LIMIT 1"))


def test_two_writers_of_one_chart_at_once_keep_changed(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """PostgreSQL, where clinical writers run at once: a Patient version that gives the chart
    a new physician (its care row inserted, not yet committed) and a Condition of that chart
    written meanwhile (its care rows updated after): the new physician's round since the
    Condition still finds it (an UPDATE alone would not see the row inserted meanwhile)."""
    url = request.getfixturevalue("postgres").new_database("clinicdesk_round_writers")
    store = open_store(tmp_path, url)
    load.load_staff(store)
    load.load_patients(store, 60, 12)
    _, mine, _ = _picks()
    pid = mine[0]
    written, commit = threading.Event(), threading.Event()
    made: list[str] = []

    def patient_writer() -> None:
        with store.write() as tx:
            patient = tx.read("Patient", pid).resource()
            team = [*patient["generalPractitioner"],
                    {"reference": f"Practitioner/user-{OTHER}"}]
            tx.update("Patient", pid, {**patient, "generalPractitioner": team}, None)
            written.set()
            commit.wait(10)

    def condition_writer() -> None:
        with store.write() as tx:
            made.append(_condition(tx, pid))

    first = threading.Thread(target=patient_writer)
    second = threading.Thread(target=condition_writer)
    try:
        first.start()
        assert written.wait(10)
        second.start()
        deadline = time.monotonic() + 10
        while not _waiting(store) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert second.is_alive()  # waits for the Patient's writer
        commit.set()
        first.join(10)
        second.join(10)
        with store.read() as tx:
            since = tx.read("Condition", made[0]).last_updated
        assert _round(store, [OTHER], since) == [("Condition", made[0], False)]
    finally:
        commit.set()
        first.join(10)
        second.join(10)
        store.close()
