"""RAMQ figures: `python -m bench --only ramq [--quick]`.

Data: the first Patients of bench.data's patient index (bench.data.patients: the generator's
demographics, 85 % of them registered with an FMG family physician), enough for 20,000
registrations (quick: 2,000), bulk-loaded with the demo staff into the server's SQLite store.

- nightly registration import of 20,000 registrations (quick: 2,000) into a SQLite store:
  ≤ 60 s, printed; beside it the same import when every registration changes (all Patients
  rewritten), and the floor: reading and parsing every Patient row once, no RAMQ logic;
- the front desk's family-physician look-up through app.ramq.service against the real server on
  loopback (signed in, audited), one per sampled NAM (40, quick; 150): p95 ≤ 150 ms (peer:
  GET /api/me on the same connection, p95);
- the same look-ups from the encrypted cache with the server down: p95 ≤ 20 ms (peer: the bare
  cache read, p95).
The store needs a real keyring: as bench.store, a private D-Bus session with an unlocked
gnome-keyring is started when this process has none.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.core import fhir_systems, registration
from app.core.ramq import ImportConfig
from bench import data, keyring_session
from bench.stats import p95, repeat_ms, row
from server.processes import ServerProcess
from server.ramq.db import RamqDb
from server.ramq.importer import run_import
from server.ramq.source import RamqSource
from server.seed import load
from server.storage import open_store

CONFIG = {"establishment_name": "GMF du Plateau-Mont-Royal", "import_type": "fmg",
          "fmg_reference": "1234", "aip1_code": "AIPCD01", "aip1_password": "demo-aip-1",
          "aip2_code": "AIPCD02", "aip2_password": "demo-aip-2", "place_of_follow_up": "54321",
          "ce_identifier": "CEGMF01", "ce_owner_name": "Nathalie Fortin",
          "ce_password": "demo-ce-1"}
INSTITUTION = "gmf-plateau"
REGISTRATIONS = data.Size(20_000, 2_000)


def _seed(data_dir: Path, registrations: int) -> list[str]:
    """Staff and enough of the index's Patients for `registrations`; the registered NAMs."""
    store = open_store(data_dir)
    try:
        load.load_staff(store)
        n = int(registrations / 0.85) + 200
        patients = data.patients(n)
        for start in range(0, n, 2000):
            load.bulk_create(store, patients[start:start + 2000])
    finally:
        store.close()
    return [next(i["value"] for i in p["identifier"] if i["system"] == fhir_systems.NAM)
            for p in patients if registration.registrations_of(p)]


def _imports(data_dir: Path) -> list[dict]:
    store = open_store(data_dir)
    try:
        db = RamqDb(store, data_dir)
        db.put_config(INSTITUTION, ImportConfig.from_json(CONFIG), "now")
        source = RamqSource(data_dir)
        started = time.perf_counter()
        nightly = run_import(store, db, source, INSTITUTION, date(2026, 11, 25))
        nightly_s = time.perf_counter() - started
        started = time.perf_counter()
        with store.read() as tx:
            rows = tx.conn.execute("SELECT content FROM resource_current WHERE rtype = "
                                   "'Patient'").fetchall()
        [json.loads(r[0]) for r in rows]
        floor = time.perf_counter() - started
        db.put_config(INSTITUTION, ImportConfig.from_json({**CONFIG, "fmg_reference": "1235"}),
                      "now")
        started = time.perf_counter()
        full = run_import(store, db, source, INSTITUTION, date(2026, 11, 25))
        full_s = time.perf_counter() - started
    finally:
        store.close()
    print(f"nightly import: {nightly.imported} registrations, {nightly.updated} patients "
          f"updated in {nightly_s:.2f} s; all changed: {full.updated} rewritten in {full_s:.2f} s")
    return [
        row(f"nightly RAMQ import, {nightly.imported} registrations ({nightly.updated} changed)",
            nightly_s, "s", "≤ 60 s", nightly_s <= 60, "read + parse all Patients", floor),
        row(f"RAMQ import, every registration changed ({full.updated} Patients rewritten)",
            full_s, "s", "≤ 60 s", full_s <= 60, "read + parse all Patients", floor),
    ]


def _desk(base: str, work: Path):
    from app.central.auth import TokenStore
    from app.central.client import ClientConfig, FhirClient
    from app.core.profiles import profile_from_json
    from app.ramq.service import RamqService
    from app.store import Store
    store = Store.create("1000009", "bench-pw", path=work / "desk.db")
    tokens = TokenStore(base, "1000009", service=f"ClinicDesk bench {uuid.uuid4()}")
    client = FhirClient(ClientConfig(base, "1000009", connect_timeout=1), token_store=tokens)
    client.sign_in("demo-reception")
    return RamqService(client, store, profile_from_json(client.me())), tokens


def _each_ms(fn: Callable[[str], object], items: list[str]) -> list[float]:
    """Wall time of fn(item) for each item, in milliseconds each."""
    it = iter(items)
    return repeat_ms(lambda: fn(next(it)), len(items))


def _lookups(data_dir: Path, work: Path, nams: list[str], quick: bool) -> list[dict]:
    from app.store import keys
    sample = nams[:: max(1, len(nams) // (40 if quick else 150))]
    server = ServerProcess(data_dir, auth=True, extra_args=("--ramq-import-hour", "-1")).start()
    desk, tokens = _desk(server.base, work)
    try:
        desk.family_physician(sample[0])  # warm the connection
        online = _each_ms(desk.family_physician, sample)
        me = _each_ms(lambda _: desk.client.http.get(desk.client.url("/api/me")), sample)
        server.stop()
        offline = _each_ms(desk.family_physician, sample)
        bare = _each_ms(lambda n: desk.store.ramq_answer(n, "family-physician"), sample)
        assert all(desk.family_physician(n).from_cache for n in sample[:3])
    finally:
        server.stop()
        desk.client.close()
        desk.store.close()
        keys.delete_keyring_entries(desk.store.key_file)
        tokens.delete()
    return [
        row("family-physician look-up, server on loopback (p95)", p95(online), "ms",
            "p95 ≤ 150 ms", p95(online) <= 150, "GET /api/me p95", p95(me), samples=online),
        row("family-physician look-up from the cache, server down (p95)", p95(offline), "ms",
            "p95 ≤ 20 ms", p95(offline) <= 20, "bare cache read p95", p95(bare),
            samples=offline),
    ]


def measure(quick: bool) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="bench-ramq-"))
    try:
        data_dir = work / "server"
        data_dir.mkdir()
        nams = _seed(data_dir, REGISTRATIONS.of(quick))
        rows = _imports(data_dir)
        return rows + _lookups(data_dir, work, nams, quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(quick: bool) -> list[dict]:
    return keyring_session.measured("ramq", measure, quick)
