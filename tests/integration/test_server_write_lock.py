"""Writers without a global lock (PostgreSQL), over a real server on loopback and a second
store on the same database (another server process would be one).

- An audited read, and a write of another resource, do not wait for an open clinical write;
  a write of the same resource does, and its stale If-Match is refused (412).
- Rounds polled from the answers' fence (Bundle.meta.lastUpdated, no overlap) see every
  version written by concurrent writers that hold their transaction open a random while after
  stamping it, while audited readers run: nothing missed, no entry twice in an answer.
- Concurrent conditional creates of one identifier create exactly one resource.
- Concurrent updates of one resource, with If-Match and without: version numbers without gaps
  or repeats, every stale If-Match refused, no update lost.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from server.storage import Clause, Contention, Criteria, VersionConflict, chain_verify, open_store
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server import BACKENDS
from tests.fixtures.server_forks import ForkedServer
from tests.integration.test_server_sync_round import _audit_events, seeded

WRITES, DIRECT, HELD = 15, 6, 0.04  # HTTP writes per writer, direct writers, max hold (s)
TAG = "lock test "
SYSTEM = "urn:clinicdesk:test:lock"


def _condition(pid: str, n: int | str) -> dict:
    return {"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"},
            "code": {"text": f"{TAG}{n}"}}


def _trail(store: object) -> int:
    """AuditEvents stored (a read: it takes no lock)."""
    with store.read() as tx:  # type: ignore[attr-defined]
        return int(tx._q("SELECT count(*) FROM audit_event")[0][0])


def _run(jobs: list[Callable[[], object]]) -> list[object]:
    """Every job at once (a barrier lines them up); their results, errors raised."""
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], object]) -> object:
        start.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return [f.result() for f in [pool.submit(run, job) for job in jobs]]


def test_no_write_waits_for_another_resources_write(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url, doctor, mine = seeded(request, tmp_path, "postgres", "clinicdesk_audit_lock")
    proc = ForkedServer(tmp_path, url).start()
    holder = open_store(tmp_path, url)
    try:
        with httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30,
                          headers=bearer(sign_in(proc.base, doctor))) as fhir:
            made = fhir.post("Condition", json=_condition(mine[0], 0))
            assert made.status_code == 201, made.text
            rid, body = made.json()["id"], made.json()
            before = _trail(holder)
            with ThreadPoolExecutor(1) as pool, holder.write() as tx:  # held open
                tx.update("Condition", rid, _condition(mine[0], 1), "1")
                same = pool.submit(fhir.put, f"Condition/{rid}", json=body,
                                   headers={"If-Match": 'W/"1"'})
                read = fhir.get(f"Patient/{mine[0]}", timeout=10)
                assert read.status_code == 200, read.text
                assert _trail(holder) == before + 1  # durable before the answer
                other = fhir.post("Condition", json=_condition(mine[0], 2), timeout=10)
                assert other.status_code == 201, other.text  # no global lock
                time.sleep(0.3)
                assert not same.done()  # the same resource's writer waits for the row
            assert same.result(30).status_code == 412  # it was at version 1: lost, refused
    finally:
        holder.close()
        proc.stop()


class _Round:
    """A workstation's rounds from the fence alone (no overlap): every version seen."""

    def __init__(self, fhir: httpx.Client):
        self.fhir, self.since = fhir, datetime.now(UTC).isoformat()
        self.seen: set[tuple[str, str]] = set()

    def poll(self) -> None:
        page = self.fhir.get("_history", params={"_since": self.since, "_count": "1000"})
        assert page.status_code == 200, page.text
        body = page.json()
        assert "next" not in {link["relation"] for link in body.get("link", ())}
        found = [(r["id"], r["meta"]["versionId"]) for e in body.get("entry", ())
                 if (r := e.get("resource", {})).get("resourceType") == "Condition"
                 and (r.get("code") or {}).get("text", "").startswith(TAG)]
        assert len(found) == len(set(found))  # no version twice in one answer
        self.seen.update(found)
        self.since = body["meta"]["lastUpdated"]


def _direct_writer(store: object, mine: list[str], k: int, written: set) -> Callable[[], None]:
    """Creates and updates straight into the database, each transaction held open a random
    while after its versions were stamped (a slow writer of another server process)."""
    def write() -> None:
        rng, last = random.Random(k), ("", "")
        for n in range(WRITES):
            with store.write() as tx:  # type: ignore[attr-defined]
                if not last[0] or rng.random() < 0.5:
                    pid = mine[(k + n) % len(mine)]
                    v, _ = tx.create("Condition", _condition(pid, n))
                else:
                    v = tx.update("Condition", last[0], _condition(last[1], n), None)
                time.sleep(rng.uniform(0, HELD))  # stamped, not yet committed
            last = (v.rid, pid if v.version == 1 else last[1])
            written.add((v.rid, v.version_id))
    return write


@pytest.mark.parametrize("backend", BACKENDS)
def test_rounds_see_every_change_under_concurrent_writes_and_audits(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    url, doctor, mine = seeded(request, tmp_path, backend, "clinicdesk_lock_rounds")
    proc = ForkedServer(tmp_path, url).start()
    # SQLite: one server process per file (its fence knows that process's writer only)
    store = open_store(tmp_path, url) if backend == "postgres" else None
    written: set[tuple[str, str]] = set()
    answered = [0]
    done = threading.Event()
    try:
        fhir = httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30,
                            headers=bearer(sign_in(proc.base, doctor)))

        def writer(k: int) -> None:
            for n in range(WRITES):
                made = fhir.post("Condition", json=_condition(mine[n % len(mine)], n))
                assert made.status_code == 201, made.text
                written.add((made.json()["id"], "1"))

        def reader() -> None:
            while not done.is_set():
                assert fhir.get(f"Patient/{mine[answered[0] % len(mine)]}").status_code == 200
                answered[0] += 1

        rounds = _Round(fhir)
        with ThreadPoolExecutor(4 + DIRECT) as pool:
            writers = [pool.submit(writer, k) for k in range(2)]
            if store is not None:
                writers += [pool.submit(_direct_writer(store, mine, k, written))
                            for k in range(DIRECT)]
            readers = [pool.submit(reader) for _ in range(2)]
            while not all(w.done() for w in writers):
                rounds.poll()
            done.set()
            for future in [*writers, *readers]:
                future.result()
        rounds.poll()
        fhir.close()
    finally:
        if store is not None:
            store.close()
        proc.stop()
    assert len(written) == (2 + (DIRECT if store else 0)) * WRITES
    assert rounds.seen == written, sorted(written - rounds.seen)[:5]
    assert _audit_events(tmp_path, url) >= answered[0]
    store = open_store(tmp_path, url)
    try:
        assert chain_verify.verify(store).intact
    finally:
        store.close()


def _conditional_race(fhir: httpx.Client, stores: list, pid: str, value: str) -> list[object]:
    """Six writers and one HTTP create with If-None-Exist, at once: their status codes."""
    body = {**_condition(pid, f"conditional {value}"),
            "identifier": [{"system": SYSTEM, "value": value}]}
    criteria = Criteria("Condition", [Clause("identifier", (f"{SYSTEM}|{value}",)),
                                      Clause("patient", (pid,))])  # as ops.conditional makes

    def direct(k: int) -> object:
        with stores[k % 2].write() as tx:
            if tx.search(criteria, total=False).versions:
                return 200
            time.sleep(0.05)
            tx.create("Condition", body)
            return 201

    def http() -> object:
        return fhir.post("Condition", json=body, headers={
            "If-None-Exist": f"identifier={SYSTEM}|{value}"}).status_code

    return _run([*(lambda k=k: direct(k) for k in range(6)), http])


def test_concurrent_conditional_creates_create_once(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Writers each match the criteria in their write, wait, then create when nothing matched
    (ops.create's write), plus one over HTTP with If-None-Exist: one resource per identifier."""
    url, doctor, mine = seeded(request, tmp_path, "postgres", "clinicdesk_lock_conditional")
    proc = ForkedServer(tmp_path, url).start()
    stores = [open_store(tmp_path, url) for _ in range(2)]
    try:
        fhir = httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30,
                            headers=bearer(sign_in(proc.base, doctor)))
        for n in range(4):
            codes = _conditional_race(fhir, stores, mine[0], f"c{n}")
            assert codes.count(201) == 1 and set(codes) <= {200, 201}, codes
            found = fhir.get("Condition", params={"identifier": f"{SYSTEM}|c{n}",
                                                  "patient": mine[0]}).json()
            assert len(found.get("entry", ())) == 1
        fhir.close()
    finally:
        for store in stores:
            store.close()
        proc.stop()


def test_concurrent_updates_neither_skip_nor_repeat_a_version(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url, doctor, mine = seeded(request, tmp_path, "postgres", "clinicdesk_lock_updates")
    proc = ForkedServer(tmp_path, url).start()
    stores = [open_store(tmp_path, url) for _ in range(2)]
    try:
        fhir = httpx.Client(base_url=f"{proc.base}/fhir/", timeout=30,
                            headers=bearer(sign_in(proc.base, doctor)))
        rid = fhir.post("Condition", json=_condition(mine[0], "updated")).json()["id"]
        outcomes: list[str] = []

        def guarded(k: int) -> None:  # If-Match: the version read before, maybe stale
            for n in range(5):
                with stores[k % 2].read() as tx:
                    seen = tx.current("Condition", rid)
                time.sleep(random.uniform(0, 0.02))
                try:
                    with stores[k % 2].write() as tx:
                        tx.update("Condition", rid, _condition(mine[0], f"g{k}.{n}"),
                                  seen.version_id if seen else None)
                        time.sleep(random.uniform(0, 0.01))
                    outcomes.append("stored")
                except VersionConflict:
                    outcomes.append("refused")

        def blind(k: int) -> None:  # no If-Match: each one a new version
            for n in range(5):
                with stores[k % 2].write() as tx:
                    tx.upsert("Condition", rid, _condition(mine[0], f"b{k}.{n}"))
                    time.sleep(random.uniform(0, 0.01))
                outcomes.append("stored")

        def over_http() -> None:
            for _ in range(5):
                now = fhir.get(f"Condition/{rid}")
                put = fhir.put(f"Condition/{rid}", json=now.json(),
                               headers={"If-Match": now.headers["ETag"]})
                assert put.status_code in (200, 412), put.text
                outcomes.append("stored" if put.status_code == 200 else "refused")

        _run([*(lambda k=k: guarded(k) for k in range(4)),
              *(lambda k=k: blind(k) for k in range(3)), over_http])
        with stores[0].read() as tx:
            numbers = [int(r[0]) for r in tx._q(
                "SELECT version FROM resource_version WHERE rtype = 'Condition' AND rid = ? "
                "ORDER BY seq", (rid,))]
            stamps = [r[0] for r in tx._q(
                "SELECT ts FROM resource_version WHERE rtype = 'Condition' AND rid = ? "
                "ORDER BY version", (rid,))]
        assert numbers == list(range(1, len(numbers) + 1))  # in commit order, no gap
        assert len(numbers) == 1 + outcomes.count("stored")  # no update lost
        assert outcomes.count("refused") > 0  # the stale ones were there, and refused
        assert stamps == sorted(set(stamps))  # lastUpdated grows with the version
        fhir.close()
    finally:
        for store in stores:
            store.close()
        proc.stop()


def test_writers_crossing_on_two_resources_one_is_told_to_retry(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Two writers locking two resources in opposite orders: PostgreSQL rolls one back
    (deadlock), which the store tells as Contention (409 over HTTP), the other commits."""
    url = request.getfixturevalue("postgres").new_database("clinicdesk_lock_deadlock")
    stores = [open_store(tmp_path, url) for _ in range(2)]
    try:
        with stores[0].write() as tx:
            rids = [tx.create("Condition", _condition("p", n))[0].rid for n in range(2)]

        def cross(k: int) -> str:
            try:
                with stores[k].write() as tx:
                    for rid in (rids[k], rids[1 - k]):
                        tx.upsert("Condition", rid, _condition("p", f"crossed {k}"))
                        time.sleep(0.2)
                return "stored"
            except Contention:
                return "retry"

        assert sorted(_run([lambda: cross(0), lambda: cross(1)])) == ["retry", "stored"]
    finally:
        for store in stores:
            store.close()
