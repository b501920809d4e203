"""The server's audit trail over a real server on loopback, on both back-ends.

- SIGKILL right after reads, ROUNDS times: each round sends a plain read, a `$everything` and a
  search (each naming its own patient or query) at once and kills the server as soon as the
  first answer arrives; after a restart every read that was answered has its AuditEvent, and
  the chain verifies.
- `clinicdesk-server audit verify` on a copy of that database: exit 0 untouched, exit 1 naming
  the record after each kind of tampering (edit of its body or of a column, removal of a record
  or of its search row, swap, truncation, truncation with the head rewritten, the whole chain
  recomputed, a lane removed), and no patient data in what it prints.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from app.core import fhir_systems
from server.processes import ServerProcess
from server.seed import generate, load
from server.storage import chain, open_store
from server.storage.audit_compact import served
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.server import BACKENDS
from tests.fixtures.server_forks import ForkedServer

ROUNDS = 20
SEED = 7
PATIENTS = 60
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Audited:
    data_dir: Path
    url: str | None
    answered: list[tuple[str, str, str | None]]  # (patient, subtype, query) of each 200
    charts: list[list[dict]]
    copy: Callable[[str], tuple[Path, str | None]]  # a copy of the database to tamper with


def _readable_charts(charts: list[list[dict]]) -> list[tuple[str, str]]:
    """(patient id, its physician's username) of charts with no Consent restriction."""
    found = []
    for chart in charts:
        gp = [r["reference"] for r in chart[0].get("generalPractitioner", ())]
        if gp and gp[0].startswith("Practitioner/user-") and \
                not any(r["resourceType"] == "Consent" for r in chart):
            found.append((chart[0]["id"], gp[0].removeprefix("Practitioner/user-")))
    return found


def _round(base: str, headers: dict[str, dict], picks: list[tuple[str, str]], n: int,
           proc: ServerProcess) -> list[tuple[str, str, str | None]]:
    """Three reads at once; SIGKILL once the first is answered; the answered ones."""
    (p1, u1), (p2, u2) = picks
    query = f"patient={p2}&_count={n + 1}"
    reads = [(f"Patient/{p1}", u1, (p1, "read", None)),
             (f"Patient/{p2}/$everything", u2, (p2, "operation", None)),
             (f"Observation?{query}", u2, (p2, "search-type", query))]

    def get(path: str, who: str) -> int:
        try:
            return httpx.get(f"{base}/fhir/{path}", headers=headers[who], timeout=30).status_code
        except httpx.TransportError:
            return 0

    with ThreadPoolExecutor(len(reads)) as pool:
        futures = {pool.submit(get, path, who): key for path, who, key in reads}
        wait(futures, return_when=FIRST_COMPLETED)
        os.kill(proc.proc.pid, signal.SIGKILL)
        proc.proc.wait()
        return [futures[f] for f in futures if f.result() == 200]


def _stored(data_dir: Path, url: str | None) -> list[dict]:
    store = open_store(data_dir, url)
    try:
        with store.read() as tx:
            rows = tx.conn.execute("SELECT id, recorded, content FROM audit_event ORDER BY n"
                                   ).fetchall()
    finally:
        store.close()
    return [json.loads(served(*r)) for r in rows]


def _key(event: dict) -> tuple[str, str, str | None]:
    entities = event["entity"]
    query = next((base64.b64decode(e["query"]).decode() for e in entities if "query" in e), None)
    return (entities[0]["what"]["reference"].removeprefix("Patient/"),
            (event.get("subtype") or [{}])[0].get("code", ""), query)


def _build(request: pytest.FixtureRequest, backend: str, data_dir: Path, rounds: int,
           durability: str = "disk") -> Audited:
    """A seeded server (`serve --audit-durability`); `rounds` SIGKILL rounds, then reads and an
    AuditEvent pushed by a workstation, and a graceful stop (the checkpoint then holds the
    whole chain)."""
    url = None
    if backend == "postgres":
        url = request.getfixturevalue("postgres").new_database(
            f"audit_{data_dir.name.replace('-', '_')}")
    store = open_store(data_dir, url)
    load.load_staff(store)
    load.load_patients(store, PATIENTS, SEED)
    store.close()
    charts = list(generate.patients(PATIENTS, SEED))
    picks = _readable_charts(charts)
    assert len(picks) > 2 * rounds + 6
    proc = ForkedServer(data_dir, url, extra_args=("--audit-durability", durability)).start()
    headers = {who: bearer(sign_in(proc.base, who)) for who in {u for _, u in picks}}
    answered = []
    try:
        for n in range(rounds):
            answered += _round(proc.base, headers, picks[2 * n:2 * n + 2], n, proc)
            proc.start()
        for pid, who in picks[2 * rounds:2 * rounds + 6]:
            assert httpx.get(f"{proc.base}/fhir/Patient/{pid}", headers=headers[who],
                             timeout=30).status_code == 200
            answered.append((pid, "read", None))
        pushed = httpx.post(f"{proc.base}/fhir/AuditEvent", json=_pushed(pid, who), timeout=30,
                            headers={**headers[who], "Content-Type": "application/fhir+json"})
        assert pushed.status_code == 201, pushed.text
    finally:
        proc.stop()
    return Audited(data_dir, url, answered, charts, lambda name: _copy(request, data_dir, url,
                                                                       name))


def _pushed(pid: str, username: str) -> dict:
    """An entry of a workstation's access log, as app.sync.audit pushes it."""
    return {"resourceType": "AuditEvent", "recorded": "2026-11-01T10:00:00+00:00",
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                     "code": "rest"},
            "agent": [{"who": {"identifier": {"system": fhir_systems.USERNAME,
                                              "value": username}}, "requestor": True}],
            "source": {"observer": {"display": "poste 12"}},
            "entity": [{"what": {"reference": f"Patient/{pid}", "identifier": {
                "system": fhir_systems.ACCESS_LOG_HASH, "value": f"{pid}-entry"}}}]}


def _copy(request: pytest.FixtureRequest, data_dir: Path, url: str | None,
          name: str) -> tuple[Path, str | None]:
    target = data_dir.parent / f"{data_dir.name}-{name}"
    shutil.copytree(data_dir, target)
    if url is None:
        return target, None
    postgres = request.getfixturevalue("postgres")
    source = url.rsplit("/", 1)[1]
    copied = f"{source}_{name.replace('-', '_')}"
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{copied}" TEMPLATE "{source}"')
    return target, postgres.url(copied)


@pytest.fixture(scope="module", params=BACKENDS)
def audited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Audited:
    return _build(request, request.param, tmp_path_factory.mktemp(f"audit-{request.param}"),
                  rounds=0)


def _verify(data_dir: Path, url: str | None) -> tuple[int, str]:
    args = [sys.executable, "-m", "server.cli", "audit", "verify", "--data", str(data_dir)]
    done = subprocess.run([*args, *(["--database", url] if url else [])], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def _tamper(data_dir: Path, url: str | None, how: Callable[[Any, Callable], None]) -> None:
    """`how(tx, q)`, q(sql, *args) running one statement in the store's SQL dialect."""
    store = open_store(data_dir, url)
    try:
        with store.write() as tx:  # the owner of the database lifts the append-only guard
            for statement in chain.drop_append_only(store.backend):
                tx.conn.execute(statement)
            how(tx, lambda sql, *args: tx.conn.execute(store.dialect.sql(sql), args).fetchall()
                if sql.startswith("SELECT") else tx.conn.execute(store.dialect.sql(sql), args))
    finally:
        store.close()


# A tampering `how(tx, q, n, lane)` acts on record n of `lane` (each lane is a chain: its rows
# in the order of n, server.storage.chain)
def _edit(old: str = '"read"', new: str = '"vread"') -> Callable:
    """By default a read's record (a compact row, server.storage.audit_compact) made a vread."""
    def how(tx: Any, q: Callable, n: int, lane: int) -> None:
        q("UPDATE audit_event SET content = replace(content, ?, ?) WHERE n = ?", old, new, n)
    return how


def _move(tx: Any, q: Callable, n: int, lane: int) -> None:
    """The record's patient column names another patient (its body unchanged)."""
    q("UPDATE audit_event SET patient = 'someone-else' WHERE n = ?", n)


def _remove(table: str) -> Callable:
    def how(tx: Any, q: Callable, n: int, lane: int) -> None:
        q(f"DELETE FROM {table} WHERE n = ?", n)
    return how


def _swap(tx: Any, q: Callable, n: int, lane: int) -> None:
    """Record n and the next of its lane exchange their place: each takes the other's content."""
    after = q("SELECT min(n) FROM audit_event WHERE lane = ? AND n > ?", lane, n)[0][0]
    first, second = (q("SELECT content FROM audit_event WHERE n = ?", m)[0][0] for m in (n, after))
    q("UPDATE audit_event SET content = ? WHERE n = ?", second, n)
    q("UPDATE audit_event SET content = ? WHERE n = ?", first, after)


def _truncate(rewrite_head: bool) -> Callable:
    """The lane's records after n removed (and its head set to n)."""
    def how(tx: Any, q: Callable, n: int, lane: int) -> None:
        q("DELETE FROM audit_identifier WHERE n IN (SELECT n FROM audit_event WHERE lane = ? "
          "AND n > ?)", lane, n)
        q("DELETE FROM audit_event WHERE lane = ? AND n > ?", lane, n)
        if rewrite_head:
            q("UPDATE audit_head SET n = (SELECT count(*) FROM audit_event WHERE lane = ?), "
              "hash = (SELECT hash FROM audit_event WHERE n = ?) WHERE id = ?", lane, n, lane)
    return how


def _recompute(tx: Any, q: Callable, n: int, lane: int) -> None:
    """The attacker who knows the scheme: edit, then rebuild every link of the lane and its
    head."""
    _edit()(tx, q, n, lane)
    prev = chain.GENESIS
    rows = q(f"SELECT {chain.ROW} FROM audit_event WHERE lane = ? ORDER BY n", lane)
    for k, (m, rid, ts, patient, agent, action, subtype, content, _, _) in enumerate(rows, 1):
        prev = chain.link(prev, k, rid, ts, patient, agent, action, subtype, content, lane)
        q("UPDATE audit_event SET hash = ? WHERE n = ?", prev, m)
    q("UPDATE audit_head SET n = ?, hash = ? WHERE id = ?", len(rows), prev, lane)


def _remove_lane(keep_head: bool) -> Callable:
    def how(tx: Any, q: Callable, n: int, lane: int) -> None:
        q("DELETE FROM audit_identifier WHERE n IN (SELECT n FROM audit_event WHERE lane = ?)",
          lane)
        q("DELETE FROM audit_event WHERE lane = ?", lane)
        if not keep_head:
            q("DELETE FROM audit_head WHERE id = ?", lane)
    return how


# kind: (the tampering, applied at the lane's record at place p; the record verify must name,
# by its place, None: none is left to name; a word of what it says) with p > 0 counted from
# the start of the lane, p <= 0 from its end (0: the last record, the one a workstation pushed)
TAMPERING: dict[str, tuple[Callable, int, int | None, str]] = {
    "edit": (_edit(), 5, 5, "edited"),
    "edit-a-column": (_move, 5, 5, "edited"),
    "edit-pushed": (_edit('"resourceType":"AuditEvent"',
                          '"resourceType":"AuditEvent","text":{"status":"empty"}'), 0, 0,
                    "edited"),
    "remove": (_remove("audit_event"), 5, 6, "removed"),  # the first whose link fails
    "remove-search-row": (_remove("audit_identifier"), 0, 0, "search rows"),
    "swap": (_swap, 5, 5, "out of order"),
    "truncate": (_truncate(False), -3, -3, "truncated"),  # the last one left: by its head
    "truncate-and-rewrite-head": (_truncate(True), -3, -3, "checkpoint"),
    # the pushed one only (a POST's transaction moves the checkpoint too)
    "truncate-pushed-and-rewrite-head": (_truncate(True), -1, -1, "checkpoint"),
    # only the checkpoint outside the database tells: named, the one it holds (the last)
    "recompute-chain": (_recompute, 5, 0, "checkpoint"),
    "remove-lane": (_remove_lane(keep_head=False), 1, None, "checkpoint"),
    "remove-lane-records": (_remove_lane(keep_head=True), 1, None, "truncated"),
}


def _lane(data_dir: Path, url: str | None, lane: int) -> list[int]:
    """The numbers of the lane's records, in order."""
    store = open_store(data_dir, url)
    try:
        return [n for (n,) in store.query("SELECT n FROM audit_event WHERE lane = ? ORDER BY n",
                                          (lane,))]
    finally:
        store.close()


def _tampered_is_named(audited: Audited, kind: str, lane: int) -> None:
    data_dir, url = audited.copy(f"{kind}-{lane}")
    count = len(_stored(data_dir, url))
    code, said = _verify(data_dir, url)
    assert code == 0 and f"intact: {count} records" in said, said
    how, at, named, word = TAMPERING[kind]
    ns = _lane(data_dir, url, lane)
    assert len(ns) >= 7  # room for each kind
    _tamper(data_dir, url, lambda tx, q: how(tx, q, ns[at - 1], lane))
    code, said = _verify(data_dir, url)
    assert code == 1, said
    where = "" if named is None else f" at record {ns[named - 1]}"
    assert f"broken{where} (lane {lane}):" in said and word in said, said
    for chart in audited.charts:  # nothing of any patient in what it prints
        assert chart[0]["id"] not in said
        assert chart[0]["name"][0]["family"] not in said


@pytest.mark.parametrize("kind", TAMPERING)
def test_audit_verify_names_the_first_tampered_record(audited: Audited, kind: str) -> None:
    _tampered_is_named(audited, kind, 1)


@pytest.mark.slow
@pytest.mark.parametrize("durability", ["disk", "process"])  # process: committed, not flushed
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_answered_read_survives_a_sigkill_right_after_it(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str, durability: str) -> None:
    killed = _build(request, backend, tmp_path / "killed", ROUNDS, durability)
    assert len(killed.answered) >= ROUNDS  # at least the first answer of every round
    stored = [_key(e) for e in _stored(killed.data_dir, killed.url)]
    missing = [read for read in killed.answered if read not in stored]
    assert not missing, f"{len(missing)} of {len(killed.answered)} answered reads lost"
    assert _verify(killed.data_dir, killed.url)[0] == 0


REFUSE = {
    "sqlite": ["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event "
               "BEGIN SELECT RAISE(ABORT, 'refused'); END"],
    "postgres": ["CREATE FUNCTION refuse_audit() RETURNS trigger AS "
                 "$$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
                 "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event FOR EACH ROW "
                 "EXECUTE FUNCTION refuse_audit()"],
}
ALLOW = {"sqlite": ["DROP TRIGGER refuse_audit"],
         "postgres": ["DROP TRIGGER refuse_audit ON audit_event", "DROP FUNCTION refuse_audit"]}


@pytest.mark.parametrize("durability", ["disk", "process"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_read_whose_audit_event_cannot_be_stored_is_not_answered(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str, durability: str) -> None:
    name = f"audit_refused_{durability}_{os.getpid()}"
    url = request.getfixturevalue("postgres").new_database(name) if backend == "postgres" else None
    store = open_store(tmp_path, url)
    load.load_staff(store)
    load.load_patients(store, 10, SEED)
    store.close()
    pid, who = _readable_charts(list(generate.patients(10, SEED)))[0]
    reads = [f"Patient/{pid}", f"Patient/{pid}/$everything", f"Observation?patient={pid}"]
    proc = ServerProcess(tmp_path, url, extra_args=("--audit-durability", durability)).start()
    try:
        headers = bearer(sign_in(proc.base, who))
        answers = lambda: [httpx.get(f"{proc.base}/fhir/{path}", headers=headers,  # noqa: E731
                                     timeout=30) for path in reads]
        assert [r.status_code for r in answers()] == [200] * len(reads)
        _tamper(tmp_path, url, lambda tx, q: [q(sql) for sql in REFUSE[backend]])
        for refused in answers():
            assert refused.status_code == 503, refused.text
            assert refused.json()["resourceType"] == "OperationOutcome"
            assert pid not in refused.text
        _tamper(tmp_path, url, lambda tx, q: [q(sql) for sql in ALLOW[backend]])
        assert [r.status_code for r in answers()] == [200] * len(reads)
    finally:
        proc.stop()
    assert _verify(tmp_path, url)[0] == 0
