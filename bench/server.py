"""Reference-server figures, on SQLite and PostgreSQL, against the real server process over
loopback HTTP (authorisation off: this measures the FHIR engine).

Data (bench.data): one chart of the sync set padded to 1,000 resources (EVERYTHING_CHART: the
Patient, a few encounters and conditions, ~1,000 laboratory results), bulk-loaded into the
server's database before it starts; and the first 10,000 (quick: 2,000) Patients of the patient
index, created over HTTP.

- `$everything` of that chart, repeated: p95 ≤ 100 ms (limit: the same rows read straight
  from the database, no HTTP, median of 5);
- one `_history` page of 1,000 entries, repeated: p95 ≤ 250 ms;
- Patient create in transactions of 200 (resources/s; reported);
- Patient search for one individual among the created ones, by NAM and by family + given +
  birth date: p95 of one search per random target (no goal in the issue; reported);
- 50 concurrent clients, mixed reads and versioned updates (read, then PUT with If-Match; a 412
  is a conflict to retry, not an error) on 20 of the chart's laboratory results, 60 s (quick:
  10 s): zero errors, zero lost updates (the successful updates of each resource == its version
  increments); throughput, conflicts, and read / update latency (p95 of every request) reported.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app.core import fhir_systems
from bench import data
from bench.stats import p95, repeat_ms, row
from server.processes import Postgres, ServerProcess
from server.seed import load
from server.storage import open_store

CLIENTS, SHARED = 50, 20
SEARCH_PATIENTS = data.Size(10_000, 2_000)
REPORTED = "reported"


def _load_chart(data_dir: Path, url: str | None) -> tuple[str, list[str]]:
    """The $everything chart, written straight into the database; (patient id, lab ids)."""
    (chart,) = data.charts(1, id_prefix="ev", size=data.EVERYTHING_CHART)
    store = open_store(data_dir, url)
    try:
        load.bulk_create(store, chart)
    finally:
        store.close()
    return chart[0]["id"], [r["id"] for r in chart if r["resourceType"] == "Observation"]


def _create_patients(fhir: httpx.Client, n: int) -> tuple[list[dict], float]:
    """The first n Patients of the index, POSTed in transactions of 200; (as created, rate)."""
    patients = [{k: v for k, v in p.items() if k != "id"} for p in data.patients(n)]
    made, started = [], time.perf_counter()
    for start in range(0, n, 200):
        entries = [{"resource": p, "request": {"method": "POST", "url": "Patient"}}
                   for p in patients[start:start + 200]]
        r = fhir.post("", json={"resourceType": "Bundle", "type": "transaction", "entry": entries})
        r.raise_for_status()
        made += [e["resource"] for e in r.json()["entry"]]
    return made, n / (time.perf_counter() - started)


def _searches(backend: str, base: str, quick: bool) -> list[dict]:
    """One individual's record among many: by NAM, and by family + given + birth date."""
    n, runs = SEARCH_PATIENTS.of(quick), 20 if quick else 60
    with httpx.Client(base_url=f"{base}/fhir/", timeout=120) as fhir:
        made, rate = _create_patients(fhir, n)
        rng = random.Random(data.SEED)
        targets = [rng.choice(made) for _ in range(runs)]
        by_nam, by_name = iter(targets), iter(targets)

        def nam() -> None:
            nam = next(i["value"] for i in next(by_nam)["identifier"]
                       if i["system"] == fhir_systems.NAM)
            fhir.get("Patient", params={"identifier": f"{fhir_systems.NAM}|{nam}"}
                     ).raise_for_status()

        def name() -> None:
            p = next(by_name)
            fhir.get("Patient", params={"family": p["name"][0]["family"],
                                        "given": p["name"][0]["given"][0],
                                        "birthdate": p["birthDate"]}).raise_for_status()
        nam_ms, name_ms = repeat_ms(nam, runs), repeat_ms(name, runs)
    label = f"{backend}: Patient search among {n:,}"
    return [
        row(f"{backend}: Patient create in transactions of 200", rate, "resources/s",
            REPORTED, True),
        row(f"{label}, by NAM (p95)", p95(nam_ms), "ms", REPORTED, True, samples=nam_ms),
        row(f"{label}, by family + given + birthdate (p95)", p95(name_ms), "ms", REPORTED,
            True, samples=name_ms),
    ]


def _raw_read(backend: str, data_dir: Path, url: str | None, pid: str) -> float:
    """The floor: the same current rows read straight from the database (ms, median of 5)."""
    sql = "SELECT content FROM resource_current WHERE patient = {} AND deleted = 0 ORDER BY seq"
    if backend == "sqlite":
        import sqlite3
        conn = sqlite3.connect(data_dir / "clinicdesk.sqlite3")
        run = lambda: conn.execute(sql.format("?"), (pid,)).fetchall()  # noqa: E731
    else:
        import psycopg
        conn = psycopg.connect(url)
        run = lambda: conn.execute(sql.format("%s"), (pid,)).fetchall()  # noqa: E731
    try:
        return statistics.median(repeat_ms(run, 5))
    finally:
        conn.close()


def _reads(backend: str, base: str, data_dir: Path, url: str | None, pid: str,
           quick: bool) -> list[dict]:
    runs, size = 30 if quick else 100, data.EVERYTHING_CHART
    with httpx.Client(base_url=f"{base}/fhir/", timeout=60) as fhir:
        def everything() -> httpx.Response:
            return fhir.get(f"Patient/{pid}/$everything", params={"_count": str(size)}
                            ).raise_for_status()

        def history() -> httpx.Response:
            return fhir.get("_history", params={"_count": "1000"}).raise_for_status()
        # checked once, outside the timing (the client's JSON parse is not the server's)
        body, page = everything().json(), history().json()
        assert len(body["entry"]) == size and not any(
            x["relation"] == "next" for x in body["link"])
        assert len(page["entry"]) == 1000
        ev, hist = repeat_ms(everything, runs), repeat_ms(history, runs)
    floor = _raw_read(backend, data_dir, url, pid)
    return [
        row(f"{backend}: $everything, {size:,} resources (p95)", p95(ev), "ms", "p95 ≤ 100 ms",
            p95(ev) <= 100, "raw SQL read, median", floor, samples=ev),
        row(f"{backend}: _history page of 1,000 (p95)", p95(hist), "ms", "p95 ≤ 250 ms",
            p95(hist) <= 250, samples=hist),
    ]


async def _client(base: str, ids: list[str], pid: str, until: float, stats: dict) -> None:
    rng = random.Random()
    async with httpx.AsyncClient(base_url=f"{base}/fhir/", timeout=30) as fhir:
        while time.monotonic() < until:
            rid = rng.choice(ids)
            started = time.perf_counter()
            try:
                if rng.random() < 0.6:
                    url = rng.choice((f"Observation/{rid}", f"Patient/{pid}",
                                      f"Observation?patient={pid}&_count=10"))
                    r = await fhir.get(url)
                    stats["read"].append((time.perf_counter() - started) * 1000)
                    stats["errors"] += r.status_code != 200
                    continue
                current = await fhir.get(f"Observation/{rid}")
                body = current.json()
                body["valueQuantity"]["value"] = rng.randrange(1000)
                r = await fhir.put(f"Observation/{rid}", json=body,
                                   headers={"If-Match": current.headers["etag"]})
                stats["write"].append((time.perf_counter() - started) * 1000)
                if r.status_code == 200:
                    stats["updates"][rid] += 1
                elif r.status_code == 412:
                    stats["conflicts"] += 1
                else:
                    stats["errors"] += 1
            except (httpx.HTTPError, KeyError, ValueError):
                stats["errors"] += 1


async def _load(base: str, pid: str, ids: list[str], seconds: float) -> dict:
    stats: dict = {"read": [], "write": [], "errors": 0, "conflicts": 0,
                   "updates": dict.fromkeys(ids, 0)}
    until = time.monotonic() + seconds
    await asyncio.gather(*(_client(base, ids, pid, until, stats) for _ in range(CLIENTS)))
    with httpx.Client(base_url=f"{base}/fhir/", timeout=60) as fhir:
        versions = {rid: int(fhir.get(f"Observation/{rid}").json()["meta"]["versionId"])
                    for rid in ids}
    stats["lost"] = sum(abs(versions[r] - 1 - n) for r, n in stats["updates"].items())
    return stats


def _concurrency(backend: str, base: str, pid: str, labs: list[str], quick: bool) -> list[dict]:
    seconds = 10 if quick else 60
    s = asyncio.run(_load(base, pid, labs[:SHARED], seconds))
    ops = len(s["read"]) + len(s["write"])
    name = f"{backend}: {CLIENTS} clients, {seconds} s"
    return [
        row(f"{name}: errors", s["errors"], "count", "0", s["errors"] == 0),
        row(f"{name}: lost updates", s["lost"], "count", "0", s["lost"] == 0),
        row(f"{name}: throughput", ops / seconds, "req/s", REPORTED, True),
        row(f"{name}: successful updates", sum(s["updates"].values()), "count", REPORTED, True),
        row(f"{name}: If-Match conflicts (412)", s["conflicts"], "count", REPORTED, True),
        row(f"{name}: read (p95)", p95(s["read"]), "ms", REPORTED, True, samples=s["read"]),
        row(f"{name}: update, read + PUT (p95)", p95(s["write"]), "ms", REPORTED, True,
            samples=s["write"]),
    ]


def _one_backend(backend: str, quick: bool, pg: Postgres | None) -> list[dict]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"clinicdesk-bench-{backend}-"))
    url = pg.new_database("clinicdesk_bench") if pg else None
    pid, labs = _load_chart(data_dir, url)
    proc = ServerProcess(data_dir, url, auth=False).start()
    try:
        return (_reads(backend, proc.base, data_dir, url, pid, quick)
                + _searches(backend, proc.base, quick)
                + _concurrency(backend, proc.base, pid, labs, quick))
    finally:
        proc.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def on_each_backend(one_backend: Callable[[str, bool, Postgres | None], list[dict]],
                    quick: bool) -> list[dict]:
    """`one_backend(name, quick, cluster)` on SQLite, then on a throw-away PostgreSQL cluster
    with fsync on, as a clinic's would run (issue 19: commits flushed, like SQLite's)."""
    rows = one_backend("sqlite", quick, None)
    pg = Postgres(fsync=True).start()
    try:
        rows += one_backend("postgres", quick, pg)
    finally:
        pg.stop()
    return rows


def run(quick: bool) -> list[dict]:
    return on_each_backend(_one_backend, quick)
