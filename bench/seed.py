"""Synthetic-data figures: `clinicdesk-server seed`'s bulk load of 10,000 patients (quick: 1,000)
in under a minute, on SQLite and PostgreSQL; and what authorisation + audit add to a
$everything of 1,000 resources.

Limits measured in the same run: generation alone (no database), and the same resource JSON
written by plain executemany into a one-table SQLite file (the floor of any SQLite store).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from server.processes import Postgres, ServerProcess
from server.seed import generate, load, staff
from server.storage import open_store

GOAL_SECONDS = 60.0
BIG_CHART = 1_000


def _row(figure: str, value: float, unit: str, goal: str, passed: bool,
         limit_name: str = "", limit_value: float | None = None) -> dict:
    return {"figure": figure, "value": value, "unit": unit, "goal": goal,
            "limit_name": limit_name, "limit_value": limit_value, "passed": passed}


def _plain_sqlite(n: int, path: Path) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE r (rtype TEXT, rid TEXT, content TEXT, PRIMARY KEY (rtype, rid))")
    for chart in generate.patients(n, 1):
        conn.executemany("INSERT INTO r VALUES (?, ?, ?)", [
            (r["resourceType"], r["id"], json.dumps(r, ensure_ascii=False)) for r in chart])
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def _seed(n: int, data: Path, url: str | None) -> tuple[float, int]:
    store = open_store(data, url)
    try:
        started = time.perf_counter()
        load.load_staff(store)
        count = load.load_patients(store, n, 1)
        return time.perf_counter() - started, count
    finally:
        store.close()


def _big_chart(store, size: int) -> tuple[str, str]:
    """One chart of `size` resources; (patient id, username of one of its physicians)."""
    (chart,) = generate.patients(1, 1, id_prefix="big", chart_size=size)
    load.bulk_create(store, chart)
    enc = next(r for r in chart if r["resourceType"] == "Encounter")
    return chart[0]["id"], enc["participant"][0]["individual"]["reference"].split("user-")[1]


def _everything_ms(data: Path, auth: bool, pid: str, username: str, runs: int) -> float:
    server = ServerProcess(data, auth=auth).start()
    try:
        headers = {}
        if auth:
            token = httpx.post(f"{server.base}/oauth/token", data={
                "grant_type": "password", "username": username,
                "password": staff.by_username(username).password}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"{server.base}/fhir/", headers=headers) as client:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                got = client.get(f"Patient/{pid}/$everything?_count=1000")
                got.raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            assert len(got.json()["entry"]) == BIG_CHART
        return statistics.quantiles(times, n=100, method="inclusive")[94]
    finally:
        server.stop()


def run(quick: bool) -> list[dict]:
    n = 1_000 if quick else 10_000
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        resources = sum(len(c) for c in generate.patients(n, 1))
        generation = time.perf_counter() - started
        floor = _plain_sqlite(n, root / "plain.sqlite3")
        seconds, count = _seed(n, root / "sqlite", None)
        rows.append(_row(f"seed {n:,} patients ({count:,} resources), SQLite", seconds, "s",
                         f"< {GOAL_SECONDS:.0f} s", seconds < GOAL_SECONDS,
                         "plain SQLite executemany", floor))
        rows.append(_row(f"generate {n:,} patients ({resources:,} resources), no database",
                         generation, "s", "(part of the seed)", True))
        cluster = Postgres().start()
        try:
            pg_seconds, _ = _seed(n, root / "pg", cluster.new_database("bench_seed"))
        finally:
            cluster.stop()
        rows.append(_row(f"seed {n:,} patients, PostgreSQL", pg_seconds, "s",
                         f"< {GOAL_SECONDS:.0f} s", pg_seconds < GOAL_SECONDS,
                         "seed on SQLite", seconds))
        store = open_store(root / "sqlite")
        try:
            pid, username = _big_chart(store, BIG_CHART)
        finally:
            store.close()
        runs = 30 if quick else 100
        with_auth = _everything_ms(root / "sqlite", True, pid, username, runs)
        without = _everything_ms(root / "sqlite", False, pid, username, runs)
        rows.append(_row(f"$everything of a {BIG_CHART:,}-resource chart, authorisation + "
                         "audit on, p95", with_auth, "ms", "≤ 100 ms (issue 3)",
                         with_auth <= 100, "same, authorisation off", without))
    return rows


if __name__ == "__main__":
    for result in run(quick=False):
        print(result)
