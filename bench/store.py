"""Store figures: patient lookups in an encrypted 100,000-patient store against the same
queries on plain SQLite (same schema, same rows, same pragmas, same run), and unlock time.

`python -m bench.store [--quick]`. The store needs a real keyring: when this process has no
usable Secret Service (e.g. `./dev.sh bench`), the measurement runs in a child inside a
private `dbus-run-session` with an unlocked gnome-keyring, as `./dev.sh test` does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench import keyring_session

N_FULL, N_QUICK, LOOKUPS, BATCH = 100_000, 10_000, 2_000, 5_000
PASSWORD = "bench password"


def keyring_usable() -> bool:
    import keyring

    from app.store import keys
    allowed = os.environ.pop(keys.ALLOW_INSECURE, None)  # measure the real thing only
    try:
        keys.check_backend()
        keyring.set_password("ClinicDesk bench", "probe", "x")
        keyring.delete_password("ClinicDesk bench", "probe")
        return True
    except Exception:
        return False
    finally:
        if allowed is not None:
            os.environ[keys.ALLOW_INSECURE] = allowed


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


def p95_ms(samples: list[int]) -> float:
    return statistics.quantiles(samples, n=20)[18] / 1e6


def lookups(enc, plain, people: list[dict], rng: random.Random) -> dict[str, tuple]:
    """Per query kind, (encrypted p95, plain p95) in ms; the two alternate so noise is shared."""
    from app.store import patients
    queries = {
        "NAM lookup": lambda c, p: patients.find_by_nam(c, p["identifier"][0]["value"]),
        "name + birth-date lookup": lambda c, p: patients.find_by_name_birthdate(
            c, p["name"][0]["family"], p["name"][0]["given"][0], p["birthDate"]),
    }
    out = {}
    for label, query in queries.items():
        times: dict[str, list[int]] = {"enc": [], "plain": []}
        sample = [rng.choice(people) for _ in range(LOOKUPS)]
        for person in sample[:200]:  # warm both page caches alike
            query(enc, person), query(plain, person)
        for person in sample:
            for name, conn in (("enc", enc), ("plain", plain)):
                started = time.perf_counter_ns()
                found = query(conn, person)
                times[name].append(time.perf_counter_ns() - started)
                assert any(e.patient_id == person["id"] for e in found)
        out[label] = (p95_ms(times["enc"]), p95_ms(times["plain"]))
    return out


def unlock_times(path: Path, rounds: int = 5) -> dict:
    from app.store import Store
    runs = []
    for _ in range(rounds):
        store = Store.unlock("bench", PASSWORD, path=path)
        runs.append(store.timings)
        store.close()
    runs.sort(key=lambda t: t["total_s"])
    return runs[len(runs) // 2]  # the median run


def measure(quick: bool) -> list[dict]:
    from app.store import Store, keys
    from tests.fixtures.store import synthetic_patients
    n = N_QUICK if quick else N_FULL
    people = synthetic_patients(n, seed=2026)
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
        return rows(n, found, unlock, insert_s, plain_insert_s)
    finally:
        if store is not None:
            keys.delete_keyring_entries(store.key_file)
        shutil.rmtree(work, ignore_errors=True)


def rows(n: int, found: dict, unlock: dict, insert_s: float, plain_insert_s: float) -> list[dict]:
    out = []
    for label, (enc, plain) in found.items():
        out.append({"figure": f"{label} p95, {n:,} patients, encrypted", "value": enc,
                    "unit": "ms", "goal": "≤ 5 ms and ≤ 2× plain SQLite",
                    "limit_name": "plain SQLite p95", "limit_value": plain,
                    "passed": enc <= 5 and enc <= 2 * plain})
    total_ms, kdf_ms = 1000 * unlock["total_s"], 1000 * unlock["kdf_s"]
    out.append({"figure": "unlock (KDF + keyring + open), median of 5", "value": total_ms,
                "unit": "ms", "goal": "≤ 300 ms", "limit_name": "budget", "limit_value": 300.0,
                "passed": total_ms <= 300})
    out.append({"figure": "unlock: scrypt KDF share (N=2^16, r=8, p=1)", "value": kdf_ms,
                "unit": "ms", "goal": "stated", "limit_name": "unlock total",
                "limit_value": total_ms, "passed": kdf_ms <= total_ms})
    out.append({"figure": "unlock: keyring + open share", "value": total_ms - kdf_ms,
                "unit": "ms", "goal": "stated", "limit_name": "unlock total",
                "limit_value": total_ms, "passed": True})
    rate, plain_rate = n / insert_s, n / plain_insert_s
    out.append({"figure": "bulk insert of patients (cache + index), encrypted", "value": rate,
                "unit": "patients/s", "goal": "≥ 0.5× plain SQLite",
                "limit_name": "plain SQLite", "limit_value": plain_rate,
                "passed": rate >= 0.5 * plain_rate})
    return out


def in_keyring_session(quick: bool) -> list[dict]:
    return keyring_session.in_keyring_session("bench.store", quick)


def run(quick: bool) -> list[dict]:
    if keyring_usable():
        return measure(quick)
    return in_keyring_session(quick)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.store")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.out.write_text(json.dumps(measure(args.quick)))
        return
    for row in run(args.quick):
        limit = f"  ({row['limit_name']} {row['limit_value']:.4g})" if row["limit_name"] else ""
        print(f"{row['figure']}: {row['value']:.4g} {row['unit']} [goal {row['goal']}]{limit} "
              f"{'pass' if row['passed'] else 'FAIL'}")


if __name__ == "__main__":
    main()
