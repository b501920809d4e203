"""Sync figures against an independent FHIR R4 server: Medplum's FHIR router and in-memory
repository (npm, thirdparty/medplum_shim), over loopback HTTP, into the real encrypted store.

Data: N charts of bench.data's sync set padded to RESOURCES resources each (N = 50; quick: 4
charts as generated, 12 to 27 resources, so that the quick run stays short), PUT over HTTP by
batches. The server has no `$everything`, no system `_history` and no
CapabilityStatement: charts are read type by type (`patient=Patient/{id}`), rounds search by
`_lastUpdated` and reconcile ids (app.sync.pull).

- initial pull of the N charts with `open_charts`: resources/s ingested, beside the server's
  own serve rate measured in the same run (the same type-level searches one after the other,
  bodies parsed, nothing stored): goal ≥ 0.5× that rate (the engine is not the bottleneck);
- a no-change sync round, N charts cached: median of ROUNDS rounds, beside the server's bare
  answers to the same searches (median): goal ≤ 1.5× those (the engine adds little).

And against the reference server (issue 19's figure): the online open of a cached large chart
(bench.data.large_chart, 5,701 resources) asking only what changed since its cursor, one
resource changed before each open: median of ROUNDS ≤ 150 ms, beside the first (full) open
(full runs only: its 5,701-resource seed would double the quick run's time here).

Medplum's in-memory search evaluates each resource against the `patient` parameter's
FHIRPath (a union over every resource type): ~12 ms per stored resource of the searched
type on this machine, so every figure here is bound by the server (its serve rate is the
limit shown). Part of every bench run (`python -m bench [--quick]`, or `--only sync_r4`); the
Medplum figures are skipped, with a line saying so, where node or the shim's node_modules are
missing (`./dev.sh setup` installs them).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import keyring_session, stats
from bench.sync import MemoryTokens, timed

PASSWORD, ROUNDS = "bench password", 3
RESOURCES = 100


def charts(quick: bool) -> list[list[dict]]:
    from server.seed import generate
    if quick:
        return list(generate.patients(4, 23))
    return list(generate.patients(50, 23, chart_size=RESOURCES))


def measure(quick: bool) -> list[dict]:
    from app.central.client import ClientConfig, FhirClient
    from app.store import KdfParams, Store, keys
    from app.sync.engine import SyncEngine
    from app.sync.pull import OVERLAP
    from app.sync.store_cache import StoreCache
    from tests.fixtures.r4 import MedplumShim, load_over_http
    work = Path(tempfile.mkdtemp(prefix="bench-sync-r4-"))
    shim, store = MedplumShim().start(), None
    try:
        seeded = charts(quick)
        total = sum(len(c) for c in seeded)
        load_over_http(shim.base, [r for c in seeded for r in c])
        ids = [c[0]["id"] for c in seeded]
        time.sleep(OVERLAP + 0.5)  # the charts are older than the pull's overlap window
        client = FhirClient(ClientConfig(shim.base, "bench"), token_store=MemoryTokens())
        client.sign_in(PASSWORD)
        serve_s, served = timed(lambda: sum(bare_chart(client, pid) for pid in ids))
        store = Store.create("ws", PASSWORD, path=work / "ws.db", kdf=KdfParams(n=2**10, r=8, p=1))
        sync = SyncEngine(client, StoreCache(store))
        pull_s, opened = timed(lambda: sync.open_charts(ids))
        pulled = sum(opened.values())
        if not total == served == pulled:
            raise RuntimeError(f"seeded {total}, served {served}, pulled {pulled}")
        time.sleep(OVERLAP + 0.5)  # past the round's overlap: "nothing changed" means nothing
        round_ms, requests = [], 0
        for _ in range(ROUNDS):
            elapsed, report = timed(sync.sync)
            round_ms.append(1000 * elapsed)
            requests = report.requests
        server_ms = bare_round_ms(client, ids, store)
    finally:
        shim.stop()
        if store is not None:
            store.close()
            keys.delete_keyring_entries(store.key_file)
        shutil.rmtree(work, ignore_errors=True)
    n, ingest, serve = len(ids), total / pull_s, total / serve_s
    median = statistics.median
    return [
        stats.row(f"Medplum: initial pull of {n} charts ({total:,} resources): ingested",
                  ingest, "resources/s", "≥ 0.5× server", ingest >= 0.5 * serve,
                  "Medplum serve rate (same searches)", serve),
        stats.row(f"Medplum: no-change sync round, {n} charts cached (median, {requests} "
                  "requests)", median(round_ms), "ms", "≤ 1.5× server",
                  median(round_ms) <= 1.5 * median(server_ms),
                  "Medplum's bare answers to the same searches (median)", median(server_ms),
                  samples=round_ms),
    ]


def incremental_open(quick: bool) -> list[dict]:
    """The large chart cached, then opened online again ROUNDS times, one Observation changed
    on the server before each open (reference server, authorisation off)."""
    import httpx

    from app.central.client import ClientConfig, FhirClient
    from app.store import KdfParams, Store, keys
    from app.sync.engine import SyncEngine
    from app.sync.pull import OVERLAP
    from app.sync.store_cache import StoreCache
    from bench import data
    from server.processes import ServerProcess
    from server.seed import load, staff
    from server.storage import open_store
    work = Path(tempfile.mkdtemp(prefix="bench-open-"))
    chart = data.large_chart()
    seeded = open_store(work / "server", None)
    try:
        load.load_staff(seeded)
        load.bulk_create(seeded, chart)
    finally:
        seeded.close()
    proc = ServerProcess(work / "server", auth=False).start()
    store = Store.create("ws", PASSWORD, path=work / "ws.db", kdf=KdfParams(n=2**10, r=8, p=1))
    try:
        account = staff.ACCOUNTS[0]  # authorisation is off: any account would do
        client = FhirClient(ClientConfig(proc.base, account.profile.username),
                            token_store=MemoryTokens())
        client.sign_in(account.password)
        sync, pid = SyncEngine(client, StoreCache(store)), chart[0]["id"]
        time.sleep(OVERLAP + 0.5)
        full_s, count = timed(lambda: sync.open_chart(pid))
        if count < len(chart):
            raise RuntimeError(f"large chart: {count} of {len(chart)} resources")
        time.sleep(OVERLAP + 1.1)  # what the first open brought is older than its cursor
        obs = [r for r in chart if r["resourceType"] == "Observation"]
        times = []
        with httpx.Client(base_url=f"{proc.base}/fhir", timeout=60) as http:
            for i in range(ROUNDS):
                current = http.get(f"Observation/{obs[i]['id']}").json()
                http.put(f"Observation/{obs[i]['id']}", json={
                    **current, "note": [{"text": f"revu {i}"}]}, headers={
                    "If-Match": f'W/"{current["meta"]["versionId"]}"'}).raise_for_status()
                elapsed, changed = timed(lambda: sync.open_chart(pid))
                if changed > ROUNDS + 1:
                    raise RuntimeError(f"incremental open brought {changed} resources")
                times.append(1000 * elapsed)
    finally:
        proc.stop()
        store.close()
        keys.delete_keyring_entries(store.key_file)
        shutil.rmtree(work, ignore_errors=True)
    median = statistics.median(times)
    return [stats.row(f"online open of the cached large chart ({len(chart):,} resources), "
                      "one changed (median)", median, "ms", "≤ 150 ms", median <= 150,
                      "its first (full) open", 1000 * full_s, samples=times)]


def bare_chart(client, pid: str) -> int:
    """One chart's type-level searches, answered and parsed: the resources served."""
    from app.central.capabilities import CHART_TYPES
    return sum(len(page.get("entry") or []) for rtype in CHART_TYPES
               for page in client.pages(rtype, [*bare_criteria(rtype, [pid]),
                                                ("_count", "1000")]))


def bare_round_ms(client, ids: list[str], store) -> list[float]:
    """The round's searches (changes since the cursor, then the reconciliation's), answered
    by the server and parsed, nothing applied: ROUNDS times."""
    from app.central.capabilities import CHART_TYPES
    from app.sync.pull import HISTORY
    since = store.get_cursor(HISTORY)

    def once() -> None:
        for pid_batch in [ids[i:i + 50] for i in range(0, len(ids), 50)]:
            for rtype in CHART_TYPES:
                crit = bare_criteria(rtype, pid_batch)
                list(client.pages(rtype, [*crit, ("_lastUpdated", f"ge{since}"),
                                          ("_count", "1000")]))
                list(client.pages(rtype, [*crit, ("_count", "1000")]))
    return [1000 * timed(once)[0] for _ in range(ROUNDS)]


def bare_criteria(rtype: str, ids: list[str]) -> list[tuple[str, str]]:
    if rtype == "Patient":
        return [("_id", ",".join(ids))]
    return [("patient", ",".join(f"Patient/{i}" for i in ids))]


def measure_all(quick: bool) -> list[dict]:
    from tests.fixtures.r4 import shim_missing
    rows = [] if quick else incremental_open(quick)
    missing = shim_missing()
    if missing:
        print(f"   sync_r4: Medplum figures skipped: {missing}", file=sys.stderr, flush=True)
        return rows
    return [*rows, *measure(quick)]


def run(quick: bool) -> list[dict]:
    return keyring_session.measured("sync_r4", measure_all, quick)
