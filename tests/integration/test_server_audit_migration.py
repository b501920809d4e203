"""A database from before the audit trail had a table of its own (AuditEvents as FHIR versions
in resource_version / resource_current, linked in `audit_chain`, guarded by triggers, the head
checkpointed in the data directory): opening it moves them into the trail, on both back-ends —
same ids, bodies, patients and instants, findable by their entry hash, no longer versions,
chained anew with the checkpoint rewritten so `audit verify` passes; a second opening moves
nothing; an old chain that was tampered with is not moved (the store refuses to open).

A database from before lanes (one chain, its one head row, `n` given by the writer, a checkpoint
of one head): opening it keeps that chain as lane 1, unchanged, verified by its old checkpoint;
servers then continue lane 1 and open lane 2, and the trail verifies."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.core import fhir_systems
from server.storage import DB_FILE, Clause, Criteria, StorageError, chain, chain_verify, open_store
from server.storage.audit_trail import _old_link
from server.storage.checkpoint import CHECKPOINT_FILE, read_checkpoint, write_checkpoint
from tests.fixtures.server import BACKENDS
from tests.integration.test_server_audit_chain import _verify

EVENTS = 6
OLD_TRIGGER = {  # one of the old guards: it refused to remove an AuditEvent version
    "sqlite": "CREATE TRIGGER append_only_resource_version_delete BEFORE DELETE ON "
              "resource_version WHEN OLD.rtype = 'AuditEvent' BEGIN SELECT RAISE(ABORT, 'x'); END",
    "postgres": "CREATE OR REPLACE TRIGGER append_only_resource_version_delete BEFORE DELETE ON "
                "resource_version FOR EACH ROW WHEN (OLD.rtype = 'AuditEvent') "
                "EXECUTE FUNCTION audit_append_only()"}


def _body(n: int, ts: str) -> dict:
    return {"resourceType": "AuditEvent", "id": f"old-{n}", "recorded": ts, "action": "R",
            "type": {"code": "rest"}, "subtype": [{"code": "read"}],
            "agent": [{"who": {"identifier": {"system": fhir_systems.USERNAME,
                                              "value": "1000001"}}, "requestor": True}],
            "entity": [{"what": {"reference": f"Patient/p{n % 2}", "identifier": {
                "system": fhir_systems.ACCESS_LOG_HASH, "value": f"hash-{n}"}}}],
            "meta": {"versionId": "1", "lastUpdated": ts}}


def _write_old_trail(store, data_dir: Path) -> None:
    """What the previous version left: versions, served copies, tokens, links, head, guard."""
    with store.write() as tx:
        tx._x("CREATE TABLE audit_chain (n BIGINT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE, "
              "hash TEXT NOT NULL)")
        tx._x(OLD_TRIGGER[store.backend])
        prev = chain.GENESIS
        for n in range(1, EVENTS + 1):
            ts = f"2026-01-01T00:00:0{n}.000000+00:00"
            text = json.dumps(_body(n, ts), separators=(",", ":"))
            seq = tx._x("INSERT INTO resource_version (rtype, rid, version, ts, deleted, content, "
                        "patient, method) VALUES ('AuditEvent', ?, 1, ?, 0, ?, ?, 'POST') "
                        "RETURNING seq", (f"old-{n}", ts, text, f"p{n % 2}")).fetchone()[0]
            tx._x("INSERT INTO resource_current (rtype, rid, version, ts, deleted, seq, content, "
                  "patient) VALUES ('AuditEvent', ?, 1, ?, 0, ?, ?, ?)",
                  (f"old-{n}", ts, seq, text, f"p{n % 2}"))
            tx._x("INSERT INTO search_token (rtype, rid, name, system, value) VALUES "
                  "('AuditEvent', ?, 'identifier', ?, ?)",
                  (f"old-{n}", fhir_systems.ACCESS_LOG_HASH, f"hash-{n}"))
            prev = _old_link(prev, n, seq, f"old-{n}", 1, ts, False, text)
            tx._x("INSERT INTO audit_chain (n, seq, hash) VALUES (?, ?, ?)", (n, seq, prev))
        tx._x(chain.SET_HEAD, (EVENTS, prev, 1))
    (data_dir / CHECKPOINT_FILE).write_text(f"{EVENTS} {prev}\n")  # as it was written


@pytest.fixture(params=BACKENDS)
def old(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str | None]:
    url = request.getfixturevalue("postgres").new_database("clinicdesk_audit_migration") \
        if request.param == "postgres" else None
    store = open_store(tmp_path, url)
    try:
        _write_old_trail(store, tmp_path)
    finally:
        store.close()
    return tmp_path, url


def test_a_database_from_before_gets_its_audit_events_moved(old: tuple[Path, str | None]
                                                             ) -> None:
    data_dir, url = old
    store = open_store(data_dir, url)
    try:
        with store.read() as tx:
            assert tx._q("SELECT count(*) FROM resource_version WHERE rtype = 'AuditEvent'"
                         )[0][0] == 0
            assert tx._q("SELECT count(*) FROM resource_current WHERE rtype = 'AuditEvent'"
                         )[0][0] == 0
            assert tx._q("SELECT count(*) FROM search_token WHERE rtype = 'AuditEvent'"
                         )[0][0] == 0
            assert not store.dialect.columns(tx.conn, "audit_chain")
            for n in range(1, EVENTS + 1):
                moved = tx.read("AuditEvent", f"old-{n}")
                assert moved.resource() == _body(n, moved.last_updated)
                assert moved.last_updated == f"2026-01-01T00:00:0{n}.000000+00:00"
                assert moved.patient == f"p{n % 2}"
            found = tx.search(Criteria("AuditEvent", [Clause(
                "identifier", (f"{fhir_systems.ACCESS_LOG_HASH}|hash-3",))])).versions
            assert [v.rid for v in found] == ["old-3"]
            by_patient = tx.search(Criteria("AuditEvent", [Clause("patient", ("p1",))]))
            assert by_patient.total == EVENTS // 2
        report = chain_verify.verify(store, read_checkpoint(data_dir / CHECKPOINT_FILE))
        assert report.intact and report.count == EVENTS, report
        with store.write() as tx:  # the new guard stands, the old one is gone
            tx._x("DELETE FROM resource_version WHERE rtype = 'AuditEvent'")
        with pytest.raises(Exception, match="append-only"), store.write() as tx:
            tx._x("DELETE FROM audit_event")
    finally:
        store.close()
    again = open_store(data_dir, url)  # nothing left to move: the trail as it was
    try:
        assert chain_verify.verify(again).count == EVENTS
    finally:
        again.close()
    code, said = _verify(data_dir, url)  # the operator's check, with the rewritten checkpoint
    assert code == 0 and f"intact: {EVENTS} records" in said, said


@pytest.mark.parametrize("tamper", ["edit", "checkpoint"])
def test_a_tampered_old_trail_is_not_moved(old: tuple[Path, str | None], tamper: str) -> None:
    data_dir, url = old
    if tamper == "checkpoint":
        write_checkpoint(data_dir / CHECKPOINT_FILE, (1, 2, "f" * 64), force=True)
    else:
        _edit_old_version(data_dir, url)
    with pytest.raises(StorageError, match="broken"):
        open_store(data_dir, url)
    code, said = _verify(data_dir, url)  # the operator's check says so too
    assert code == 1 and "broken" in said, said
    with _connect(data_dir, url) as conn:  # nothing moved: the evidence stays as it is
        assert conn.execute("SELECT count(*) FROM resource_version WHERE rtype = 'AuditEvent'"
                            ).fetchone()[0] == EVENTS
        assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 0


@contextmanager
def _connect(data_dir: Path, url: str | None) -> Iterator[Any]:
    """The database below the store (which would migrate on opening)."""
    if url is not None:
        with psycopg.connect(url, autocommit=True) as conn:
            yield conn
        return
    conn = sqlite3.connect(data_dir / DB_FILE, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _edit_old_version(data_dir: Path, url: str | None) -> None:
    with _connect(data_dir, url) as conn:
        conn.execute("UPDATE resource_version SET content = replace(content, '\"R\"', '\"U\"') "
                     "WHERE rid = 'old-4'")


# The audit tables before lanes (server.storage.chain at that time)
BEFORE_LANES = [
    "CREATE TABLE audit_event (n {key}, id TEXT NOT NULL UNIQUE, recorded TEXT NOT NULL, "
    "patient TEXT, agent TEXT, action TEXT, subtype TEXT, content TEXT NOT NULL, "
    "hash TEXT NOT NULL)",
    "CREATE TABLE audit_identifier (n BIGINT NOT NULL, system TEXT NOT NULL, "
    "value TEXT NOT NULL)",
    "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL, "
    "hash TEXT NOT NULL)"]


def _link_before_lanes(prev: str, record: list) -> str:
    """hash(n) = SHA-256(hash(n-1), [n, id, recorded, patient, agent, action, subtype, JSON])."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()


def _trail_before_lanes(data_dir: Path, url: str | None) -> tuple[int, str]:
    """A trail of EVENTS records as the server wrote it before lanes; its head."""
    prev = chain.GENESIS
    with _connect(data_dir, url) as conn:
        q = (lambda sql, *args: conn.execute(sql.replace("?", "%s"), args)) if url else \
            (lambda sql, *args: conn.execute(sql, args))
        key = "BIGINT PRIMARY KEY" if url else "INTEGER PRIMARY KEY"
        for statement in BEFORE_LANES:
            q(statement.format(key=key))
        for n in range(1, EVENTS + 1):
            ts = f"2026-01-01T00:00:0{n}.000000+00:00"
            body = _body(n, ts)
            content = json.dumps(body, separators=(",", ":"))
            fields = chain.columns(body)
            prev = _link_before_lanes(prev, [n, body["id"], ts, *fields, content])
            q("INSERT INTO audit_event (n, id, recorded, patient, agent, action, subtype, "
              "content, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", n, body["id"], ts, *fields,
              content, prev)
            for system, value in chain.identifiers(body):
                q("INSERT INTO audit_identifier (n, system, value) VALUES (?, ?, ?)",
                  n, system, value)
        q("INSERT INTO audit_head (id, n, hash) VALUES (1, ?, ?)", EVENTS, prev)
        for statement in chain.append_only("sqlite" if url is None else "postgres"):
            q(statement)
    (data_dir / CHECKPOINT_FILE).write_text(f"{EVENTS} {prev}\n")
    return EVENTS, prev


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_trail_from_before_lanes_is_lane_1_and_is_continued(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    url = request.getfixturevalue("postgres").new_database("clinicdesk_before_lanes") \
        if backend == "postgres" else None
    head = _trail_before_lanes(tmp_path, url)
    store = open_store(tmp_path, url)  # the lanes' migration
    try:
        report = chain_verify.verify(store, read_checkpoint(
            tmp_path / CHECKPOINT_FILE))
        assert report.intact and report.count == EVENTS and report.heads == {1: head}, report
        assert store.query("SELECT DISTINCT lane FROM audit_event") == [(1,)]
        writers = [store] if url is None else [store, open_store(tmp_path, url)]
        try:  # each store appends as a server process would: lane 1 continued, lane 2 opened
            for k, writer in enumerate(writers):
                write_checkpoint(tmp_path / CHECKPOINT_FILE, chain.commit(
                    writer, [_body(EVENTS + 1 + k, "2026-01-02T00:00:00.000000+00:00")
                             | {"entity": []}]))
            assert sorted(writer.lane for writer in writers) == list(range(1, len(writers) + 1))
        finally:
            for writer in writers[1:]:
                writer.close()
        lanes = dict(store.query("SELECT lane, max(n) FROM audit_event GROUP BY lane"))
        assert lanes[1] == EVENTS + 1  # numbered after the records from before
        assert set(lanes.values()) == set(range(EVENTS + 1, EVENTS + 1 + len(writers)))
    finally:
        store.close()
    code, said = _verify(tmp_path, url)
    assert code == 0 and f"intact: {EVENTS + len(writers)} records" in said, said
    assert f"lane 1 {EVENTS + 1} " in said
