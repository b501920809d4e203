"""Sync figures against the real reference server process over loopback HTTP, into the real
encrypted store (authorisation off on the server: this measures the sync engine, not the
access rules).

Data: the sync set of bench.data (`sync_charts`: N = 1,000 generated charts, quick 100, each a
Patient with encounters, notes, problems, medications and laboratory results, padded with labs
to ~200 resources), bulk-loaded into the server's store before it starts. Every resource count
below is what was actually seeded, not the nominal size.

- initial pull of the N charts with `open_charts` (one run at full size: it is the figure):
  resources/s ingested, goal ≥ 10,000/s, beside the server's own serve rate (the same
  `$everything` calls one after the other, bodies parsed, nothing stored); and the store's raw
  insert rate (the same resources in transactions of the engine's size, no network), stated;
- peak resident memory of this process during that pull, beside its RSS just before: goal a
  growth of ≤ 150 MiB for up to 1,000 charts. A clinic workstation (4–8 GiB, a browser and
  other clinic software open) can spare that; the engine streams the charts in batches, so
  holding the whole set at once (several hundred MiB as Python objects) would fail it.
  Measured here: ~25 MiB for 100 charts, ~50 MiB for 1,000;
- a sync round when nothing changed, N charts cached: median of 5 rounds ≤ 100 ms, beside the
  server's bare answer to the same `_history` request (median of 5); and the same number of
  requests as with 10 charts cached (constant);
- 1,000 queued changes pushed: median of 3 pushes ≤ 3 s, beside the same bundles POSTed bare.

`python -m bench --only sync [--quick]`. Like bench.store, it runs in a child with a private D-Bus
session and an unlocked gnome-keyring when this process has no usable Secret Service.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from bench import data, keyring_session, stats
from bench.memory import PeakRss

CHANGES, PASSWORD, ROUNDS, PUSHES = 1_000, "bench password", 5, 3
RSS_GROWTH_MIB = 150
SEED_BATCH = 50  # charts per bulk insert into the server's store


class Seeded(NamedTuple):
    ids: list[str]  # the Patient ids, in order
    resources: int  # every resource of those charts
    username: str  # the first chart's physician (authorisation is off: any account would do)
    password: str


def seed(data_dir: Path, quick: bool) -> Seeded:
    """The server's store: demo staff, then the sync set of bench.data."""
    from server.seed import load
    from server.storage import open_store
    store = open_store(data_dir, None)
    ids: list[str] = []
    count, batch, account = 0, [], None
    try:
        load.load_staff(store)
        for chart in data.sync_charts(quick):
            account = account or data.physician_of(chart)
            ids.append(chart[0]["id"])
            batch.extend(chart)
            if len(ids) % SEED_BATCH == 0:
                count += load.bulk_create(store, batch)
                batch = []
        if batch:
            count += load.bulk_create(store, batch)
    finally:
        store.close()
    return Seeded(ids, count, account.profile.username, account.password)


class MemoryTokens:
    """The refresh token in memory: the keyring is not what is measured here (nor what
    tests/integration/qhr_helpers is about)."""

    def __init__(self) -> None:
        self.value: str | None = None

    def load(self) -> str | None:
        return self.value

    def save(self, token: str) -> None:
        self.value = token

    def delete(self) -> None:
        self.value = None


def signed_in(base: str, seeded: Seeded):
    from app.central.client import ClientConfig, FhirClient
    client = FhirClient(ClientConfig(base, seeded.username), token_store=MemoryTokens())
    client.sign_in(seeded.password)
    return client


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def notes(n: int, pid: str, prefix: str) -> Iterator[tuple[dict, object]]:
    """New notes on that patient, each with its queued create."""
    from app.store import OutboxChange
    for i in range(n):
        note = {"resourceType": "DocumentReference", "id": f"{prefix}-{i}", "status": "current",
                "subject": {"reference": f"Patient/{pid}"},
                "content": [{"attachment": {"contentType": "text/plain", "data": "Tm90ZQ=="}}]}
        yield note, OutboxChange("DocumentReference", note["id"], "create", note, None, pid)


def measure(quick: bool) -> list[dict]:
    from app.store import KdfParams, Store, keys
    from app.sync.engine import SyncEngine
    from app.sync.pull import HISTORY, OVERLAP
    from app.sync.store_cache import StoreCache
    from server.processes import ServerProcess
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    kdf = KdfParams(n=2**10, r=8, p=1)  # unlock is bench.store's figure, not this one's
    stores: list = []

    def new_store(name: str):
        stores.append(Store.create(name, PASSWORD, path=work / f"{name}.db", kdf=kdf))
        return stores[-1]

    proc = None
    try:
        seeded = seed(work / "server", quick)
        time.sleep(OVERLAP + 0.5)  # the charts are older than the pull's overlap window
        proc = ServerProcess(work / "server", auth=False).start()
        client = signed_in(proc.base, seeded)
        client.capabilities()
        serve_s, served = timed(lambda: serve_all(client, seeded.ids))
        store = new_store("ws")
        sync = SyncEngine(client, StoreCache(store))
        with PeakRss() as peak:
            pull_s, opened = timed(lambda: sync.open_charts(seeded.ids))
        pulled = sum(opened.values())
        if pulled != seeded.resources or served != seeded.resources:
            raise RuntimeError(f"seeded {seeded.resources}, served {served}, pulled {pulled}")
        insert_s = raw_insert_s(new_store("raw"), quick)
        time.sleep(OVERLAP + 0.5)  # past the round's overlap: "nothing changed" means nothing
        round_ms, requests = no_change_rounds(sync)
        server_ms = bare_history_ms(proc.base, store.get_cursor(HISTORY))
        small = SyncEngine(client, StoreCache(new_store("few")))
        small.open_charts(seeded.ids[:10])
        time.sleep(OVERLAP + 0.5)
        _, few_requests = no_change_rounds(small)
        push_s, floor_s = push_figures(client, store, proc.base, seeded.ids)
    finally:
        if proc is not None:
            proc.stop()
        for s in stores:
            s.close()
            keys.delete_keyring_entries(s.key_file)
        shutil.rmtree(work, ignore_errors=True)
    n, total = len(seeded.ids), seeded.resources
    return [*pull_rows(n, total, pull_s, serve_s, insert_s, peak),
            *round_rows(n, round_ms, server_ms, requests, few_requests, push_s, floor_s)]


def serve_all(client, ids: list[str]) -> int:
    """The charts' `$everything`, one after the other, bodies parsed: resources served."""
    params = {"_count": "1000"}
    return sum(len(client.get(f"Patient/{pid}/$everything", params=params)["entry"])
               for pid in ids)


def raw_insert_s(raw, quick: bool) -> float:
    """The sync set put in the store as the engine does (transactions of BATCH_RESOURCES),
    timing the inserts only."""
    from app.sync.bulk import BATCH_RESOURCES
    elapsed, batch = 0.0, []
    for chart in data.sync_charts(quick):
        batch.extend(data.with_meta(chart))
        if len(batch) >= BATCH_RESOURCES:
            elapsed += timed(lambda b=batch: raw.apply_pull(b, [], {}))[0]
            batch = []
    if batch:
        elapsed += timed(lambda: raw.apply_pull(batch, [], {}))[0]
    return elapsed


def no_change_rounds(sync) -> tuple[list[float], int]:
    """ROUNDS rounds (ms each) and the requests one round makes."""
    times, requests = [], 0
    for _ in range(ROUNDS):
        elapsed, report = timed(sync.sync)
        times.append(1000 * elapsed)
        requests = report.requests
    return times, requests


def bare_history_ms(base: str, since: str) -> list[float]:
    """The server's own answer to the round's request (no engine, no store), ROUNDS times."""
    import httpx
    with httpx.Client(base_url=f"{base}/fhir", timeout=60) as http:
        return stats.repeat_ms(lambda: http.get("_history", params={
            "_since": since, "_count": "1000"}).raise_for_status(), ROUNDS)


def push_figures(client, store, base: str, ids: list[str]) -> tuple[list[float], list[float]]:
    """PUSHES times: 1,000 queued notes pushed by the engine, then the same number of new
    creates in the same bundles POSTed bare (the floor). Seconds each."""
    import httpx

    from app.sync.push import Pusher
    from app.sync.store_cache import StoreCache
    cache, pushed, floor = StoreCache(store), [], []
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    with httpx.Client(base_url=f"{base}/fhir", headers=headers, timeout=60) as http:
        for run in range(PUSHES):
            made = list(notes(CHANGES, ids[0], f"local{run}"))
            store.put_resources([n for n, _ in made], outbox_changes=[c for _, c in made])
            elapsed, report = timed(lambda: Pusher(client, cache).push())
            if report.sent != CHANGES or store.outbox_batch():
                raise RuntimeError("push incomplete")
            pushed.append(elapsed)
            bundles = _bare_bundles(ids[1], f"bare{run}", client.settings.bundle_size)
            floor.append(timed(lambda b=bundles: [http.post("", json=x).raise_for_status()
                                                  for x in b])[0])
    return pushed, floor


def _bare_bundles(pid: str, prefix: str, size: int) -> list[dict]:
    import uuid

    from app.sync.cache import Change
    from app.sync.push import bundle_entry
    changes = [Change(i, "create", "DocumentReference", note["id"], note, None,
                      f"urn:uuid:{uuid.uuid4()}")
               for i, (note, _) in enumerate(notes(CHANGES, pid, prefix))]
    return [{"resourceType": "Bundle", "type": "transaction",
             "entry": [bundle_entry(c) for c in changes[i:i + size]]}
            for i in range(0, len(changes), size)]


def pull_rows(n: int, total: int, pull_s: float, serve_s: float, insert_s: float,
              peak: PeakRss) -> list[dict]:
    ingest = total / pull_s
    return [
        stats.row(f"initial pull of {n:,} charts ({total:,} resources): ingested", ingest,
                  "resources/s", "≥ 10,000/s", ingest >= 10_000, "server serve rate",
                  total / serve_s),
        stats.row("  store raw insert rate (same resources, no network)", total / insert_s,
                  "resources/s", "stated", True, "ingest rate", ingest),
        stats.row(f"peak RSS during the initial pull of {n:,} charts", peak.peak_mib, "MiB",
                  f"growth ≤ {RSS_GROWTH_MIB} MiB", peak.growth_mib <= RSS_GROWTH_MIB,
                  "RSS before the pull", peak.before_mib),
    ]


def round_rows(n: int, round_ms: list[float], server_ms: list[float], requests: int,
               few_requests: int, push_s: list[float], floor_s: list[float]) -> list[dict]:
    median = statistics.median
    return [
        stats.row(f"no-change sync round, {n:,} charts cached (median)", median(round_ms),
                  "ms", "≤ 100 ms", median(round_ms) <= 100,
                  "server's bare _history answer (median)", median(server_ms),
                  samples=round_ms),
        stats.row(f"requests per no-change round, {n:,} charts cached", requests, "requests",
                  "constant (= with 10 cached)", requests == few_requests, "with 10 cached",
                  few_requests),
        stats.row(f"{CHANGES:,} queued changes pushed (transactions of 100, median)",
                  median(push_s), "s", "≤ 3 s", median(push_s) <= 3,
                  "same bundles POSTed bare (median)", median(floor_s), samples=push_s),
    ]


def run(quick: bool) -> list[dict]:
    return keyring_session.measured("sync", measure, quick)
