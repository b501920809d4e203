"""What the authorisation gate and the synchronous audit add to a read (issue 15), on SQLite and
PostgreSQL: the same requests to two server processes on the same data, one with both on (a
signed-in physician: bearer check, `access.decide`, and the AuditEvent committed before the
answer), one with both off (`--no-auth`: no gate, nothing audited), taken in turns so that both
see the same machine.

Data (bench.data): the $everything chart (1,000 resources; its physician reads it) and the
first 2,000 Patients of the patient index, bulk-loaded before the servers start.

- `$everything` of that chart: median with both on ≤ 1.3× the median with both off;
- a Patient search by NAM (the one-individual search of a workstation): the same goal (medians
  of SEARCH_RUNS: more than `$everything`'s, a search is short); its p99 both ways, reported.
The limit column is the median with both off, measured in the same run. On SQLite each server
serves a copy of the loaded file of its own (a SQLite file is served by one process); on
PostgreSQL the three share the database. The same two figures
again with `--audit-durability process` (the AuditEvent committed before the answer but not
fsynced: it survives a kill of the server process, not a power cut; an operator's choice).
Reported beside them:
one AuditEvent committed alone through `AuditWriter` on the same database (median), the floor
that a durable audit adds to any audited read of one sequential client (concurrent reads share
commits); and the same not flushed to disk: the row's insert into the audit trail without the
fsync. From these, the floor of the search's ratio: what it would be if the gate and the audit
cost nothing but that one commit. And one bearer check alone (the token's statement, asked of
the database on every request: a revocation is seen at once), the other statement the on path
adds; with it, the floor of the two statements the gate cannot drop: (both off + one commit
alone + one bearer check alone) / both off.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app.core import fhir_systems
from bench import data
from bench.server import on_each_backend
from bench.stats import repeat_ms, row
from server.identity.audit import Access
from server.identity.audit_writer import AuditWriter
from server.identity.store import IdentityStore
from server.processes import Postgres, ServerProcess
from server.seed import load
from server.storage import open_store

GOAL = 1.3
RUNS = data.Size(100, 30)
# A search is ~1-2 ms: more of them cost little and steady a median that a 0.1 ms change moves
SEARCH_RUNS = data.Size(400, 200)
PATIENTS = 2_000


def _load(data_dir: Path, url: str | None) -> tuple[list[dict], dict]:
    """The chart and the index patients, straight into the database; (chart, a patient)."""
    (chart,) = data.charts(1, id_prefix="gate", size=data.EVERYTHING_CHART)
    store = open_store(data_dir, url)
    try:
        load.load_staff(store)
        load.bulk_create(store, chart)
        load.bulk_create(store, data.patients(PATIENTS))
    finally:
        store.close()
    return chart, data.patients(PATIENTS)[PATIENTS // 2]


def _turns(on: Callable[[], object], off: Callable[[], object], runs: int
           ) -> tuple[list[float], list[float]]:
    """Milliseconds of each call, on and off taken in turns (which goes first alternates)."""
    samples: dict[Callable, list[float]] = {on: [], off: []}
    for n in range(runs):
        for fn in (on, off) if n % 2 else (off, on):
            started = time.perf_counter()
            fn()
            samples[fn].append((time.perf_counter() - started) * 1000)
    return samples[on], samples[off]


def _rows(backend: str, what: str, on: list[float], off: list[float]) -> dict:
    value, limit = statistics.median(on), statistics.median(off)
    return row(f"{backend}: {what}, gate + audit on (median)", value, "ms",
               f"≤ {GOAL}× off", value <= GOAL * limit, "both off, median", limit, samples=on)


def _measure(backend: str, on_base: str, off_base: str, chart: list[dict], patient: dict,
             quick: bool) -> list[dict]:
    """`backend`: the label of the rows (with the audit durability when not the default)."""
    token = _token(on_base, chart)
    pid, size = chart[0]["id"], len(chart)
    nam = next(i["value"] for i in patient["identifier"] if i["system"] == fhir_systems.NAM)
    with httpx.Client(base_url=f"{on_base}/fhir/", timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as on, \
            httpx.Client(base_url=f"{off_base}/fhir/", timeout=60) as off:
        def everything(client: httpx.Client) -> Callable[[], object]:
            return lambda: client.get(f"Patient/{pid}/$everything",
                                      params={"_count": str(size)}).raise_for_status()

        def search(client: httpx.Client) -> Callable[[], object]:
            return lambda: client.get("Patient", params={
                "identifier": f"{fhir_systems.NAM}|{nam}"}).raise_for_status()
        for client in (on, off):  # the same answer both ways, checked outside the timing
            assert len(everything(client)().json()["entry"]) == size
            assert len(search(client)().json()["entry"]) == 1
        ev = _turns(everything(on), everything(off), RUNS.of(quick))
        found = _turns(search(on), search(off), SEARCH_RUNS.of(quick))
    search_label = f"Patient search by NAM among {PATIENTS:,}"
    return [_rows(backend, f"$everything, {size:,} resources", *ev),
            _rows(backend, search_label, *found), _p99_row(backend, search_label, *found)]


def _p99_row(backend: str, what: str, on: list[float], off: list[float]) -> dict:
    """The slow tail, reported: on SQLite about one audited read in ~190 also checkpoints the
    WAL in its commit (~0.7 ms more; BENCHMARKS.md, ckpt15)."""
    value, limit = _p99(on), _p99(off)
    return row(f"{backend}: {what}, gate + audit on (p99)", value, "ms", "reported", True,
               "both off, p99", limit, samples=on)


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def _token(base: str, chart: list[dict]) -> str:
    doctor = data.physician_of(chart)
    return httpx.post(f"{base}/oauth/token", timeout=30, data={
        "grant_type": "password", "username": doctor.profile.username,
        "password": doctor.password}).raise_for_status().json()["access_token"]


def _commit(backend: str, data_dir: Path, url: str | None, quick: bool,
            durable: bool = True) -> dict:
    """One audit row through the writer, as a read's is stored (its compact row: server.storage
    .audit_compact): its insert into the trail (server.storage.chain) and its commit, flushed
    to disk or (`durable=False`) not: the difference is the fsync. With no server on a SQLite
    file (each is served by one process)."""
    store = open_store(data_dir, url)
    writer = AuditWriter(store, durable=durable)
    try:
        def one() -> None:
            writer.write([Access("bench", "Bench", "p0", "read", {"labs"})])
        ms = repeat_ms(one, SEARCH_RUNS.of(quick))
    finally:
        writer.close()
        store.close()
    how = "" if durable else ", not flushed (durability process)"
    return row(f"{backend}: one AuditEvent commit, alone{how} (median)", statistics.median(ms),
               "ms", "reported", True, samples=ms)


def _bearer(backend: str, data_dir: Path, url: str | None, quick: bool, token: str) -> dict:
    """One bearer check alone on the same database, as `server.authz.current_user` asks it
    (`token`: one the server issued)."""
    store = open_store(data_dir, url)
    identity = IdentityStore(store)
    try:
        def one() -> None:
            assert identity.bearer_grant(token, time.time()) is not None
        ms = repeat_ms(one, SEARCH_RUNS.of(quick))
    finally:
        store.close()
    return row(f"{backend}: one bearer check, alone (median)", statistics.median(ms), "ms",
               "reported", True, samples=ms)


def _statements_floor(backend: str, search: dict, commit: dict, bearer: dict) -> dict:
    """The search's ratio with nothing added but the two statements the on path cannot drop,
    each as costly as alone: the bearer check and the AuditEvent's commit."""
    off = search["limit_value"]
    return row(f"{backend}: Patient search, floor (both off + commit + bearer check) / both off",
               (off + commit["value"] + bearer["value"]) / off, "×", "reported", True)


def _floor(backend: str, search: dict, commit: dict) -> dict:
    """The search's ratio with nothing but the commit added: (both off + one commit alone) /
    both off. A read of one sequential client cannot be answered before its commit, whatever the
    gate costs: past GOAL, the goal is out of reach with this durability on this disk."""
    off = search["limit_value"]
    return row(f"{backend}: Patient search, floor (both off + one commit alone) / both off",
               (off + commit["value"]) / off, "×", "reported", True)


def _one_backend(backend: str, quick: bool, pg: Postgres | None) -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix=f"clinicdesk-bench-gate-{backend}-"))
    try:
        url = pg.new_database("clinicdesk_bench_gate") if pg else None
        dirs = {name: root / (name if url is None else "shared")
                for name in ("on", "relaxed", "off")}
        chart, patient = _load(dirs["on"], url)
        if url is None:  # a SQLite file is served by one process: a copy each (closed: no WAL)
            for name in ("relaxed", "off"):
                shutil.copytree(dirs["on"], dirs[name])
        servers = [ServerProcess(dirs["on"], url, auth=True),
                   ServerProcess(dirs["relaxed"], url, auth=True,
                                 extra_args=("--audit-durability", "process")),
                   ServerProcess(dirs["off"], url, auth=False)]
        try:
            on, relaxed, off = (server.start() for server in servers)
            durable = _measure(backend, on.base, off.base, chart, patient, quick)
            process = _measure(f"{backend}, audit durability process", relaxed.base, off.base,
                               chart, patient, quick)
            token = _token(on.base, chart)
        finally:
            for server in servers:
                server.stop()
        # alone: on the served database, its server stopped
        commits = [_commit(backend, dirs["on"], url, quick),
                   _commit(backend, dirs["on"], url, quick, durable=False)]
        bearer = _bearer(backend, dirs["on"], url, quick, token)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    relaxed_label = f"{backend}, audit durability process"
    return [*durable, *process, *commits, bearer, _floor(backend, durable[1], commits[0]),
            _floor(relaxed_label, process[1], commits[1]),
            _statements_floor(backend, durable[1], commits[0], bearer),
            _statements_floor(relaxed_label, process[1], commits[1], bearer)]


def run(quick: bool) -> list[dict]:
    return on_each_backend(_one_backend, quick)
