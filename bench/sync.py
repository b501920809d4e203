"""Sync figures against the real reference server process over loopback HTTP, into the real
encrypted store (authorisation off on the server: this measures the sync engine).

- initial pull of N charts of ~200 resources (N = 1,000; quick: 100) with `open_charts`:
  resources/s ingested, goal ≥ 10,000/s, beside the server's own serve rate (the same
  `$everything` calls one after the other, bodies parsed, nothing stored) and the store's raw
  insert rate (the same resources in transactions of the same size, no network);
- a sync round when nothing changed, N charts cached: ≤ 100 ms, and the same number of
  requests as with 10 charts cached (constant);
- 1,000 queued changes pushed: ≤ 3 s (limit: the same creates POSTed one by one).

`python -m bench.sync [--quick]`. Like bench.store, it runs in a child with a private D-Bus
session and an unlocked gnome-keyring when this process has no usable Secret Service.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench import keyring_session

PER_CHART, CHANGES, PASSWORD = 200, 1_000, "bench password"
BULK = 2000  # app.sync.bulk.BATCH_RESOURCES
PHYSICIAN, PHYSICIAN_PASSWORD = "1000001", "demo-medecin-1"
LOINC = (("718-7", "Hémoglobine", "g/L", 140), ("2345-7", "Glucose", "mmol/L", 5.4),
         ("2160-0", "Créatinine", "umol/L", 80), ("2093-3", "Cholestérol", "mmol/L", 4.8))


def chart(i: int) -> list[dict]:
    pid = f"b{i}"
    out = [{"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1961-04-12",
            "name": [{"family": f"Synthétique{i}", "given": ["Hélène"]}]}]
    for j in range(PER_CHART - 1):
        code, label, unit, value = LOINC[j % len(LOINC)]
        out.append({
            "resourceType": "Observation", "id": f"{pid}-o{j}", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                      "observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": code,
                                 "display": label}]},
            "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": f"20{10 + j % 15:02d}-0{1 + j % 9}-1{j % 10}",
            "valueQuantity": {"value": value + j % 7, "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": unit}})
    return out


def seed(data: Path, charts: int) -> None:
    from server.seed import load
    from server.storage import open_store
    store = open_store(data, None)
    try:
        load.load_staff(store)
        for start in range(0, charts, 50):
            load.bulk_create(store, [r for i in range(start, min(charts, start + 50))
                                     for r in chart(i)])
    finally:
        store.close()


class MemoryTokens:
    """The refresh token in memory: the keyring is not what is measured here."""

    def __init__(self) -> None:
        self.value: str | None = None

    def load(self) -> str | None:
        return self.value

    def save(self, token: str) -> None:
        self.value = token

    def delete(self) -> None:
        self.value = None


def row(figure: str, value: float, unit: str, goal: str, passed: bool, limit_name: str = "",
        limit_value: float | None = None) -> dict:
    return {"figure": figure, "value": value, "unit": unit, "goal": goal,
            "limit_name": limit_name, "limit_value": limit_value, "passed": passed}


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def with_meta(resources: list[dict]) -> list[dict]:
    stamp = "2026-11-25T12:00:00.000Z"
    return [{**r, "meta": {"versionId": "1", "lastUpdated": stamp}} for r in resources]


def notes(n: int, pid: str) -> Iterator[tuple[dict, object]]:
    from app.store import OutboxChange
    for i in range(n):
        note = {"resourceType": "DocumentReference", "id": f"local-{i}", "status": "current",
                "subject": {"reference": f"Patient/{pid}"},
                "content": [{"attachment": {"contentType": "text/plain", "data": "Tm90ZQ=="}}]}
        yield note, OutboxChange("DocumentReference", note["id"], "create", note, None, pid)


def measure(quick: bool) -> list[dict]:
    from app.store import KdfParams, Store, keys
    from app.sync.client import FhirClient, Settings
    from app.sync.engine import SyncService
    from app.sync.local import StoreCache
    from server.processes import ServerProcess
    n = 100 if quick else 1000
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    kdf = KdfParams(n=2**10, r=8, p=1)  # unlock is bench.store's figure, not this one's
    stores: list = []
    proc = None
    try:
        seed(work / "server", n)
        proc = ServerProcess(work / "server", auth=False).start()
        client = FhirClient(Settings(proc.base, PHYSICIAN), token_store=MemoryTokens())
        client.sign_in(PHYSICIAN_PASSWORD)
        client.capabilities()
        ids = [f"b{i}" for i in range(n)]
        params = {"_count": "1000"}
        serve_s, served = timed(lambda: sum(
            len(client.get(f"Patient/{pid}/$everything", params=params)["entry"]) for pid in ids))
        raw = Store.create("raw", PASSWORD, path=work / "raw.db", kdf=kdf)
        stores.append(raw)
        batches = [[r for i in range(k, min(n, k + BULK // PER_CHART)) for r in with_meta(chart(i))]
                   for k in range(0, n, BULK // PER_CHART)]  # the engine's transaction size
        insert_s, _ = timed(lambda: [raw.apply_pull(b, [], {}) for b in batches])
        batches = []
        store = Store.create("bench", PASSWORD, path=work / "ws.db", kdf=kdf)
        stores.append(store)
        sync = SyncService(client, StoreCache(store))
        pull_s, opened = timed(lambda: sync.open_charts(ids))
        pulled = sum(opened.values())
        time.sleep(2.5)  # past the round's overlap window: "nothing changed" means nothing
        round_ms, round_requests = no_change_round(sync)
        from app.sync.pull import HISTORY
        server_ms = bare_history_ms(proc.base, store.get_cursor(HISTORY))
        few = Store.create("few", PASSWORD, path=work / "few.db", kdf=kdf)
        stores.append(few)
        small = SyncService(client, StoreCache(few))
        small.open_charts(ids[:10])
        time.sleep(2.5)
        _, few_requests = no_change_round(small)
        push_s, floor_s = push_figures(client, store, proc.base)
    finally:
        if proc is not None:
            proc.stop()
        for s in stores:
            s.close()
            keys.delete_keyring_entries(s.key_file)
        shutil.rmtree(work, ignore_errors=True)
    return rows(n, pulled / pull_s, served / serve_s, pulled / insert_s, round_ms, server_ms,
                round_requests, few_requests, push_s, floor_s)


def no_change_round(sync) -> tuple[float, int]:
    """Median of 5 rounds (ms) and the requests one round makes."""
    times, requests = [], 0
    for _ in range(5):
        elapsed, report = timed(sync.sync)
        times.append(1000 * elapsed)
        requests = report.requests
    return sorted(times)[2], requests


def bare_history_ms(base: str, since: str) -> float:
    """The server's own answer to the round's request (median of 5, no engine, no store)."""
    import httpx
    with httpx.Client(base_url=f"{base}/fhir", timeout=60) as http:
        times = [1000 * timed(lambda: http.get("_history", params={
            "_since": since, "_count": "1000"}).raise_for_status())[0] for _ in range(5)]
    return sorted(times)[2]


def push_figures(client, store, base: str) -> tuple[float, float]:
    """1,000 queued notes pushed by the engine, and the same bundles POSTed bare (the floor)."""
    import httpx

    from app.sync.local import StoreCache
    from app.sync.push import Pusher, bundle_entry
    made = list(notes(CHANGES, "b0"))
    store.put_resources([n for n, _ in made], outbox_changes=[c for _, c in made])
    cache = StoreCache(store)
    push_s, report = timed(lambda: Pusher(client, cache).push())
    assert report.sent == CHANGES and not store.outbox_batch(), "push incomplete"
    size = client.settings.bundle_size
    bare = _fresh_changes(CHANGES)  # new creates: the floor does the same work
    bundles = [{"resourceType": "Bundle", "type": "transaction",
                "entry": [bundle_entry(c) for c in bare[i:i + size]]}
               for i in range(0, len(bare), size)]
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    with httpx.Client(base_url=f"{base}/fhir", headers=headers, timeout=60) as http:
        floor_s, _ = timed(lambda: [http.post("", json=b).raise_for_status() for b in bundles])
    return push_s, floor_s


def _fresh_changes(n: int) -> list:
    import uuid

    from app.sync.cache import Change
    return [Change(i, "create", "DocumentReference", f"x{i}", note, None,
                   f"urn:uuid:{uuid.uuid4()}") for i, (note, _) in enumerate(notes(n, "b1"))]


def rows(n, ingest, serve, insert, round_ms, server_ms, requests, few_requests, push_s,
         floor_s):
    return [
        row(f"initial pull of {n:,} charts × {PER_CHART} resources: ingested", ingest,
            "resources/s", "≥ 10,000/s", ingest >= 10_000, "server serve rate", serve),
        row("  store raw insert rate (same resources, no network)", insert, "resources/s",
            "stated", True, "ingest rate", ingest),
        row(f"no-change sync round, {n:,} charts cached (median of 5)", round_ms, "ms",
            "≤ 100 ms", round_ms <= 100, "server's bare _history answer", server_ms),
        row(f"requests per no-change round, {n:,} charts cached", requests, "requests",
            "constant (= with 10 cached)", requests == few_requests, "with 10 cached",
            few_requests),
        row(f"{CHANGES:,} queued changes pushed (transactions of 100)", push_s, "s", "≤ 3 s",
            push_s <= 3, "same bundles POSTed bare", floor_s),
    ]


def in_keyring_session(quick: bool) -> list[dict]:
    return keyring_session.in_keyring_session("bench.sync", quick)


def run(quick: bool) -> list[dict]:
    from bench.store import keyring_usable
    return measure(quick) if keyring_usable() else in_keyring_session(quick)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sync")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.out.write_text(json.dumps(measure(args.quick)))
        return
    for r in run(args.quick):
        limit = f"  ({r['limit_name']} {r['limit_value']:.4g})" if r["limit_name"] else ""
        print(f"{r['figure']}: {r['value']:.4g} {r['unit']} [goal {r['goal']}]{limit} "
              f"{'pass' if r['passed'] else 'FAIL'}")


if __name__ == "__main__":
    main()
