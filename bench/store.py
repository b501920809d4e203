"""Store figures: patient lookups in an encrypted patient index against the same queries on
plain SQLite (same schema, same rows, same pragmas, same run), bulk insert, and unlock time.

Data: `bench.data.store_patients` — the reference server's generated Patients (100,000;
quick 10,000), each with a valid NAM (looked up by its system, fhir_systems.NAM).

Figures:
- NAM lookup and name + birth-date lookup: p95 of LOOKUPS random lookups (each a sample, in
  ms) in the SQLCipher store; goal ≤ 5 ms and ≤ 2× the same lookups on plain SQLite, timed
  alternately with them so that noise is shared;
- unlock (scrypt KDF + keyring + open): the median of UNLOCKS unlocks, goal ≤ 300 ms; the
  KDF and the keyring + open shares are the medians of their parts;
- bulk insert (resource cache + patient index), patients/s; goal ≥ 0.5× plain SQLite.

`python -m bench --only store [--quick]`. The store needs a real keyring: when this process has no
usable Secret Service (e.g. `./dev.sh bench`), the measurement runs in a child inside a
private `dbus-run-session` with an unlocked gnome-keyring, as `./dev.sh test` does.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench import data, keyring_session, stats

LOOKUPS, BATCH, UNLOCKS = 2_000, 5_000, 5
PASSWORD = "bench password"


def plain_copy(path: Path, people: list[dict]) -> sqlite3.Connection:
    from app.store import db, migrations, patients, resources
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in db.PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    migrations.migrate(conn)
    for start in range(0, len(people), BATCH):
        batch = people[start:start + BATCH]
        conn.execute("BEGIN")
        resources.put(conn, batch)
        patients.upsert(conn, [patients.entry_from_patient(p) for p in batch])
        conn.execute("COMMIT")
    return conn


def nam_of(patient: dict) -> str:
    from app.core import fhir_systems
    return next(i["value"] for i in patient["identifier"] if i["system"] == fhir_systems.NAM)


def lookups(enc, plain, people: list[dict], rng: random.Random) -> dict[str, tuple]:
    """Per query kind, (encrypted samples, plain samples) in ms; the two alternate so that
    noise is shared."""
    from app.store import patients
    queries = {
        "NAM lookup": lambda c, p: patients.find_by_nam(c, nam_of(p)),
        "name + birth-date lookup": lambda c, p: patients.find_by_name_birthdate(
            c, p["name"][0]["family"], p["name"][0]["given"][0], p["birthDate"]),
    }
    out = {}
    for label, query in queries.items():
        times: dict[str, list[float]] = {"enc": [], "plain": []}
        sample = [rng.choice(people) for _ in range(LOOKUPS)]
        patients.warm(enc), patients.warm(plain)  # as the app does after unlock
        for person in sample:
            for name, conn in (("enc", enc), ("plain", plain)):
                started = time.perf_counter()
                found = query(conn, person)
                times[name].append((time.perf_counter() - started) * 1000)
                assert any(e.patient_id == person["id"] for e in found)
        out[label] = (times["enc"], times["plain"])
    return out


def unlock_times(path: Path) -> list[dict]:
    """The timings of UNLOCKS unlocks (seconds: kdf_s, keyring_s, open_s, total_s), and of
    the patient index's warming that the app starts on the store thread right after (warm_s)."""
    from app.store import Store
    runs = []
    for _ in range(UNLOCKS):
        store = Store.unlock("bench", PASSWORD, path=path)
        started = time.perf_counter()
        store.warm_index()
        runs.append({**store.timings, "warm_s": time.perf_counter() - started})
        store.close()
    return runs


def measure(quick: bool) -> list[dict]:
    from app.store import Store, keys
    people = data.store_patients(quick)
    n = len(people)
    work = Path(tempfile.mkdtemp(prefix="bench-store-"))
    store = None
    try:
        store = Store.create("bench", PASSWORD, path=work / "enc.db")
        started = time.perf_counter()
        for start in range(0, n, BATCH):
            store.put_resources(people[start:start + BATCH])
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        plain = plain_copy(work / "plain.db", people)
        plain_insert_s = time.perf_counter() - started
        found = lookups(store._conn, plain, people, random.Random(7))
        plain.close()
        store.close()
        unlock = unlock_times(work / "enc.db")
        return lookup_rows(n, found) + unlock_rows(unlock) + [
            insert_row(n / insert_s, n / plain_insert_s)]
    finally:
        if store is not None:
            keys.delete_keyring_entries(store.key_file)
        shutil.rmtree(work, ignore_errors=True)


def lookup_rows(n: int, found: dict) -> list[dict]:
    out = []
    for label, (enc, plain) in found.items():
        value, limit = stats.p95(enc), stats.p95(plain)
        out.append(stats.row(
            f"{label} p95, {n:,} patients, encrypted", value, "ms",
            "≤ 5 ms and ≤ 2× plain SQLite", value <= 5 and value <= 2 * limit,
            "plain SQLite p95", limit, samples=enc))
    return out


def unlock_rows(runs: list[dict]) -> list[dict]:
    total = [1000 * t["total_s"] for t in runs]
    kdf = [1000 * t["kdf_s"] for t in runs]
    rest = [t - k for t, k in zip(total, kdf, strict=True)]
    warm = [1000 * t["warm_s"] for t in runs]
    median = statistics.median(total)
    return [
        stats.row(f"unlock (KDF + keyring + open), median of {len(runs)}", median, "ms",
                  "≤ 300 ms", median <= 300, "budget", 300.0, samples=total),
        stats.row("unlock: scrypt KDF share (N=2^16, r=8, p=1)", statistics.median(kdf), "ms",
                  "stated", statistics.median(kdf) <= median, "unlock total", median,
                  samples=kdf),
        stats.row("unlock: keyring + open share", statistics.median(rest), "ms", "stated",
                  True, "unlock total", median, samples=rest),
        stats.row("patient index warmed after unlock (store thread, before the first search)",
                  statistics.median(warm), "ms", "≤ 300 ms", statistics.median(warm) <= 300,
                  "unlock total", median, samples=warm),
    ]


def insert_row(rate: float, plain_rate: float) -> dict:
    return stats.row("bulk insert of patients (cache + index), encrypted", rate, "patients/s",
                     "≥ 0.5× plain SQLite", rate >= 0.5 * plain_rate, "plain SQLite",
                     plain_rate)


def run(quick: bool) -> list[dict]:
    return keyring_session.measured("store", measure, quick)
