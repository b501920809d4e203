"""What a sync round's statement reads once the planner has every table's statistics (issue
19): the demo clinic's charts (PATIENTS); for each physician, OTHER_CHANGES Conditions of
charts outside their care and two of their own, then ANALYZE of every table (what autovacuum
gives a busy server), then the round's query in process (Tx.history as the route runs it:
outside a transaction, `_count` 100) for

- a no-change round (`_since` now),
- a round since before the changes (two versions of theirs among OTHER_CHANGES others'),
- a first round (`_since` long ago: the first page of every version of their charts),

for the specialist (~15 % of the charts) and a family physician with the mandate of the other
(~85 %). Printed: the median time of ROUNDS, and the rows the database read (PostgreSQL: the
rows of resource_version and the care tables read and the index scans made, this
transaction's statistics; SQLite: the virtual machine's steps / 10). `python -m bench.round_reads
[postgres|sqlite]` (default postgres); not in `python -m bench` (bench.load times the same
round over HTTP without the statistics of the changes).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import row
from server.processes import Postgres
from server.seed import load, staff
from server.storage import format_instant, open_store

SEED = 19
PATIENTS = 7_000
OTHER_CHANGES = 5_000
ROUNDS = 20
DOCTORS = {"specialist": "1000003", "family physician, mandated": "1000002"}
LONG_AGO = format_instant(datetime(2000, 1, 1, tzinfo=UTC))
WORK = ("SELECT sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) + "
        "coalesce(idx_scan, 0)) FROM pg_stat_xact_user_tables "
        "WHERE relname IN ('resource_version', 'care_team', 'care_change')")


def _usernames(doctor: str) -> list[str]:
    return [doctor, *(m.grantor for m in staff.by_username(doctor).profile.mandates)]


def _work(store: Any, usernames: list[str], since: str) -> tuple[int, int]:
    """(versions returned, rows read or steps) of one round in a read transaction."""
    with store.read() as tx:
        if store.backend == "postgres":
            before = int(tx._q(WORK)[0][0] or 0)
            page = tx.history(None, None, since, 100, None, usernames)
            return len(page.versions), int(tx._q(WORK)[0][0] or 0) - before
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0
        tx.conn.set_progress_handler(step, 10)
        try:
            page = tx.history(None, None, since, 100, None, usernames)
        finally:
            tx.conn.set_progress_handler(None, 10)
        return len(page.versions), steps[0]


def _times(store: Any, usernames: list[str], since: str) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with store.alone() as tx:  # as server.fhir.history runs a round first
            tx.history(None, None, since, 100, None, usernames)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _changes(store: Any, usernames: list[str]) -> str:
    """OTHER_CHANGES Conditions of charts outside these users' care and two of theirs: the
    instant before them."""
    team = [f"Practitioner/user-{u}" for u in usernames]
    marks = ", ".join("?" for _ in team)
    with store.read() as tx:
        theirs = [r for (r,) in tx._q("SELECT DISTINCT patient FROM care_team WHERE "
                                      f"practitioner IN ({marks}) ORDER BY 1", team)]
        others = [r for (r,) in tx._q(
            "SELECT DISTINCT patient FROM care_team WHERE patient NOT IN (SELECT patient FROM "
            f"care_team WHERE practitioner IN ({marks})) ORDER BY 1", team)]
    since = format_instant(datetime.now(UTC))
    with store.write() as tx:
        for pid in [*(others[i % len(others)] for i in range(OTHER_CHANGES)), *theirs[:2]]:
            tx.create("Condition", {"subject": {"reference": f"Patient/{pid}"},
                                    "code": {"text": "round reads"}})
    return since


def run(backend: str) -> list[dict]:
    pg = Postgres(fsync=True).start() if backend == "postgres" else None
    data_dir = Path(tempfile.mkdtemp(prefix="clinicdesk-round-reads-"))
    try:
        store = open_store(data_dir, pg.new_database("clinicdesk_round_reads") if pg else None)
        try:
            load.load_staff(store)
            load.load_patients(store, PATIENTS, SEED)
            rows = []
            for name, doctor in DOCTORS.items():
                usernames = _usernames(doctor)
                before = _changes(store, usernames)
                store.analyze()
                for shape, since in (("no change", format_instant(datetime.now(UTC))),
                                     ("2 of theirs among the others' changes", before),
                                     ("a first round, page of 100", LONG_AGO)):
                    found, work = _work(store, usernames, since)
                    times = _times(store, usernames, since)
                    what = f"{backend}, {name}, {shape} ({found} versions)"
                    unit = "rows read" if pg else "steps"
                    rows += [row(f"{what}: round's SQL (median)", statistics.median(times), "ms",
                                 "≤ 10 ms" if shape == "no change" else "reported",
                                 shape != "no change" or statistics.median(times) <= 10,
                                 samples=times),
                             row(f"{what}: {unit}", work, unit, "reported", True)]
            return rows
        finally:
            store.close()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if pg:
            pg.stop()


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run(sys.argv[1] if len(sys.argv) > 1 else "postgres"))
