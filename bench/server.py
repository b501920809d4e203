"""Reference-server figures, on SQLite and PostgreSQL, against the real server process over
loopback HTTP (authorisation off: this measures the FHIR engine).

- `$everything` of a patient with 1,000 resources: p95 ≤ 100 ms (limit: the same rows read
  straight from the database, no HTTP);
- one `_history` page of 1,000 entries: p95 ≤ 250 ms;
- Patient search for one individual among 10,000 (quick: 2,000), by NAM and by family + given +
  birth date: p95 (no goal in the issue; reported);
- 50 concurrent clients, mixed reads and versioned updates (read, then PUT with If-Match; a 412
  is a conflict to retry, not an error) on 20 shared resources, 60 s (quick: 10 s): zero errors,
  zero lost updates (the successful updates of each resource == its version increments).
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from server.processes import Postgres, ServerProcess
from tests.integration.fhir_data import observation, patient

CLIENTS, SHARED = 50, 20


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else values[0]


def _row(figure: str, value: float, unit: str, goal: str, passed: bool,
         limit_name: str = "", limit_value: float | None = None) -> dict:
    return {"figure": figure, "value": value, "unit": unit, "goal": goal,
            "limit_name": limit_name, "limit_value": limit_value, "passed": passed}


def _load_patient(fhir: httpx.Client, n: int) -> str:
    """A patient and n - 1 resources naming it, in transactions of 100 entries."""
    pid = fhir.post("Patient", json=patient()).json()["id"]
    for start in range(0, n - 1, 100):
        entries = [{"resource": observation(f"Patient/{pid}", value=i),
                    "request": {"method": "POST", "url": "Observation"}}
                   for i in range(start, min(start + 100, n - 1))]
        r = fhir.post("", json={"resourceType": "Bundle", "type": "transaction", "entry": entries})
        r.raise_for_status()
    return pid


def _timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _load_patients(fhir: httpx.Client, n: int) -> list[dict]:
    made = []
    for start in range(0, n, 200):
        entries = [{"resource": patient(), "request": {"method": "POST", "url": "Patient"}}
                   for _ in range(start, min(start + 200, n))]
        r = fhir.post("", json={"resourceType": "Bundle", "type": "transaction", "entry": entries})
        r.raise_for_status()
        made += [e["resource"] for e in r.json()["entry"]]
    return made


def _searches(backend: str, base: str, quick: bool) -> list[dict]:
    """One individual's record among many: by NAM, and by family + given + birth date."""
    n, runs = (2000, 20) if quick else (10000, 60)
    with httpx.Client(base_url=f"{base}/fhir/", timeout=120) as fhir:
        started = time.perf_counter()
        made = _load_patients(fhir, n)
        load_rate = n / (time.perf_counter() - started)
        rng = random.Random(7)
        targets = [rng.choice(made) for _ in range(runs)]
        by_nam, by_name = [], []
        for p in targets:
            nam = p["identifier"][0]
            by_nam += _timed(lambda p=p, nam=nam: fhir.get("Patient", params={
                "identifier": f"{nam['system']}|{nam['value']}"}).raise_for_status(), 1)
            by_name += _timed(lambda p=p: fhir.get("Patient", params={
                "family": p["name"][0]["family"], "given": p["name"][0]["given"][0],
                "birthdate": p["birthDate"]}).raise_for_status(), 1)
    name = f"{backend}: Patient search among {n:,}"
    return [
        _row(f"{backend}: Patient create in transactions of 200", load_rate, "resources/s",
             "—", True),
        _row(f"{name}, by NAM, p95", _pct(by_nam, 95), "ms", "—", True),
        _row(f"{name}, by family + given + birthdate, p95", _pct(by_name, 95), "ms", "—", True),
    ]


def _raw_read(backend: str, data: Path, url: str | None, pid: str) -> float:
    """The floor: the same current rows read straight from the database (ms, median of 5)."""
    sql = "SELECT content FROM resource_current WHERE patient = {} AND deleted = 0 ORDER BY seq"
    if backend == "sqlite":
        import sqlite3
        conn = sqlite3.connect(data / "clinicdesk.sqlite3")
        run = lambda: conn.execute(sql.format("?"), (pid,)).fetchall()  # noqa: E731
    else:
        import psycopg
        conn = psycopg.connect(url)
        run = lambda: conn.execute(sql.format("%s"), (pid,)).fetchall()  # noqa: E731
    try:
        return statistics.median(_timed(run, 5))
    finally:
        conn.close()


def _reads(backend: str, base: str, data: Path, url: str | None, quick: bool) -> list[dict]:
    runs = 30 if quick else 100
    with httpx.Client(base_url=f"{base}/fhir/", timeout=60) as fhir:
        pid = _load_patient(fhir, 1000)

        def everything() -> None:
            body = fhir.get(f"Patient/{pid}/$everything").json()
            assert len(body["entry"]) == 1000 and not any(
                x["relation"] == "next" for x in body["link"])
        everything()
        ev = _timed(everything, runs)

        def history() -> None:
            assert len(fhir.get("_history", params={"_count": "1000"}).json()["entry"]) == 1000
        history()
        hist = _timed(history, runs)
    floor = _raw_read(backend, data, url, pid)
    return [
        _row(f"{backend}: $everything, 1,000 resources, p50", statistics.median(ev), "ms",
             "—", True, "raw SQL read", floor),
        _row(f"{backend}: $everything, 1,000 resources, p95", _pct(ev, 95), "ms", "≤ 100",
             _pct(ev, 95) <= 100, "raw SQL read", floor),
        _row(f"{backend}: _history page of 1,000, p50", statistics.median(hist), "ms", "—",
             True),
        _row(f"{backend}: _history page of 1,000, p95", _pct(hist, 95), "ms", "≤ 250",
             _pct(hist, 95) <= 250),
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


async def _load(base: str, seconds: float) -> dict:
    with httpx.Client(base_url=f"{base}/fhir/", timeout=60) as fhir:
        pid = fhir.post("Patient", json=patient()).json()["id"]
        ids = [fhir.post("Observation", json=observation(f"Patient/{pid}")).json()["id"]
               for _ in range(SHARED)]
    stats: dict = {"read": [], "write": [], "errors": 0, "conflicts": 0,
                   "updates": dict.fromkeys(ids, 0)}
    until = time.monotonic() + seconds
    await asyncio.gather(*(_client(base, ids, pid, until, stats) for _ in range(CLIENTS)))
    with httpx.Client(base_url=f"{base}/fhir/", timeout=60) as fhir:
        versions = {rid: int(fhir.get(f"Observation/{rid}").json()["meta"]["versionId"])
                    for rid in ids}
    stats["lost"] = sum(abs(versions[r] - 1 - n) for r, n in stats["updates"].items())
    return stats


def _concurrency(backend: str, base: str, quick: bool) -> list[dict]:
    seconds = 10 if quick else 60
    s = asyncio.run(_load(base, seconds))
    ops = len(s["read"]) + len(s["write"])
    name = f"{backend}: {CLIENTS} clients, {seconds} s"
    return [
        _row(f"{name}: errors", s["errors"], "count", "0", s["errors"] == 0),
        _row(f"{name}: lost updates", s["lost"], "count", "0", s["lost"] == 0),
        _row(f"{name}: throughput", ops / seconds, "req/s", "—", True),
        _row(f"{name}: successful updates", sum(s["updates"].values()), "count", "—", True),
        _row(f"{name}: If-Match conflicts (412)", s["conflicts"], "count", "—", True),
        _row(f"{name}: read p50", statistics.median(s["read"]), "ms", "—", True),
        _row(f"{name}: read p95", _pct(s["read"], 95), "ms", "—", True),
        _row(f"{name}: update (read + PUT) p50", statistics.median(s["write"]), "ms", "—", True),
        _row(f"{name}: update (read + PUT) p95", _pct(s["write"], 95), "ms", "—", True),
    ]


def _one_backend(backend: str, quick: bool, pg: Postgres | None) -> list[dict]:
    data = Path(tempfile.mkdtemp(prefix=f"clinicdesk-bench-{backend}-"))
    url = pg.new_database("clinicdesk_bench") if pg else None
    proc = ServerProcess(data, url, auth=False).start()
    try:
        return (_reads(backend, proc.base, data, url, quick) + _searches(backend, proc.base, quick)
                + _concurrency(backend, proc.base, quick))
    finally:
        proc.stop()
        shutil.rmtree(data, ignore_errors=True)


def run(quick: bool) -> list[dict]:
    rows = _one_backend("sqlite", quick, None)
    pg = Postgres().start()
    try:
        rows += _one_backend("postgres", quick, pg)
    finally:
        pg.stop()
    return rows


if __name__ == "__main__":
    import sys
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['figure']}: {row['value']:.4g} {row['unit']} (goal {row['goal']}) "
              f"{'pass' if row['passed'] else 'FAIL'}")
