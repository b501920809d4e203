"""Synthetic-data figures: `clinicdesk-server seed`'s bulk load (server.seed.load over
server.seed.generate, as the command runs it, with bench.data's SEED) of 10,000 patients
(quick: 1,000), each with its whole unpadded chart, in under a minute, on SQLite and PostgreSQL;
and what authorisation + audit add to `$everything` of bench.data's 1,000-resource chart
(EVERYTHING_CHART), read by the chart's physician (bench.data.physician_of).

Limits measured in the same run: generation alone (no database), the same resource JSON written
by plain executemany into a one-table SQLite file (the floor of any SQLite store), the seed on
SQLite beside the one on PostgreSQL, and the same `$everything` with authorisation off.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path

import httpx

from bench import data
from bench.stats import p95, repeat_ms, row
from server.processes import Postgres, ServerProcess
from server.seed import generate, load, staff
from server.storage import open_store

GOAL_SECONDS = 60.0
SEED_PATIENTS = data.Size(10_000, 1_000)


def _plain_sqlite(n: int, path: Path) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE r (rtype TEXT, rid TEXT, content TEXT, PRIMARY KEY (rtype, rid))")
    for chart in generate.patients(n, data.SEED):
        conn.executemany("INSERT INTO r VALUES (?, ?, ?)", [
            (r["resourceType"], r["id"], json.dumps(r, ensure_ascii=False)) for r in chart])
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def _seed(n: int, data_dir: Path, url: str | None) -> tuple[float, int]:
    """What `clinicdesk-server seed --patients n` does: (seconds, resources written)."""
    store = open_store(data_dir, url)
    try:
        started = time.perf_counter()
        load.load_staff(store)
        count = load.load_patients(store, n, data.SEED)
        return time.perf_counter() - started, count
    finally:
        store.close()


def _big_chart(data_dir: Path) -> tuple[str, staff.DemoAccount]:
    """The $everything chart added to the seeded store; (patient id, its physician)."""
    (chart,) = data.charts(1, id_prefix="big", size=data.EVERYTHING_CHART)
    store = open_store(data_dir)
    try:
        load.bulk_create(store, chart)
    finally:
        store.close()
    return chart[0]["id"], data.physician_of(chart)


def _everything_ms(data_dir: Path, auth: bool, pid: str, reader: staff.DemoAccount,
                   runs: int) -> list[float]:
    server = ServerProcess(data_dir, auth=auth).start()
    try:
        headers = {}
        if auth:
            token = httpx.post(f"{server.base}/oauth/token", data={
                "grant_type": "password", "username": reader.profile.username,
                "password": reader.password}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"{server.base}/fhir/", headers=headers) as client:
            def everything() -> httpx.Response:
                return client.get(f"Patient/{pid}/$everything",
                                  params={"_count": str(data.EVERYTHING_CHART)}
                                  ).raise_for_status()
            # checked once, outside the timing (the client's JSON parse is not the server's)
            assert len(everything().json()["entry"]) == data.EVERYTHING_CHART
            return repeat_ms(everything, runs)
    finally:
        server.stop()


def _seed_rows(n: int, root: Path) -> list[dict]:
    started = time.perf_counter()
    resources = sum(len(c) for c in generate.patients(n, data.SEED))
    generation = time.perf_counter() - started
    floor = _plain_sqlite(n, root / "plain.sqlite3")
    seconds, count = _seed(n, root / "sqlite", None)
    cluster = Postgres(fsync=True).start()  # as a clinic's would run
    try:
        pg_seconds, _ = _seed(n, root / "pg", cluster.new_database("bench_seed"))
    finally:
        cluster.stop()
    goal = f"< {GOAL_SECONDS:.0f} s"
    return [
        row(f"seed {n:,} patients ({count:,} resources), SQLite", seconds, "s", goal,
            seconds < GOAL_SECONDS, "plain SQLite executemany", floor),
        row(f"generate {n:,} patients ({resources:,} resources), no database", generation, "s",
            "reported (part of the seed)", True),
        row(f"seed {n:,} patients, PostgreSQL", pg_seconds, "s", goal,
            pg_seconds < GOAL_SECONDS, "seed on SQLite", seconds),
    ]


def run(quick: bool) -> list[dict]:
    n, runs = SEED_PATIENTS.of(quick), 30 if quick else 100
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        root = Path(tmp)
        rows = _seed_rows(n, root)
        pid, physician = _big_chart(root / "sqlite")
        with_auth = _everything_ms(root / "sqlite", True, pid, physician, runs)
        without = _everything_ms(root / "sqlite", False, pid, physician, runs)
    size = data.EVERYTHING_CHART
    return rows + [
        row(f"$everything of a {size:,}-resource chart, authorisation + audit on (p95)",
            p95(with_auth), "ms", "p95 ≤ 100 ms (issue 3)", p95(with_auth) <= 100,
            "same, authorisation off, p95", p95(without), samples=with_auth),
    ]
