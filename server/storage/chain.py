"""The audit trail: an append-only, hash-chained table of its own (not FHIR versions beside the
clinical data), written in batches, served as FHIR AuditEvent by server.storage.audit_trail.

`audit_event`: one lean row per event: `n` its place in the whole trail (the order searches
serve; SQLite's rowid, a sequence on PostgreSQL: numbers a failed write took are skipped), its
`lane`, its id, the instant the server recorded it (its meta.lastUpdated), the columns searches
and reviews need (patient, the user agent's username, action, subtype), the JSON body (for a
read the gate noted, its compact row: server.storage.audit_compact) and its link. Each lane is
a chain of its own: the k-th record of lane L links to the (k-1)-th of L,
hash = SHA-256(prev, [k, L, id, recorded, patient, agent, action, subtype, JSON]), L left out
in lane 1 (the one chain of a database from before lanes: its record n was its k-th, and its
links stay valid). `audit_identifier(n, system, value)`: the entity identifiers of the events
that carry one (a workstation's access-log entry hash), what `entity:identifier` searches find
them by. `audit_head`: a row (lane, k, hash) per lane, moved in the same statement or
transaction as each batch of the lane.

A lane has one writer: the server process that claimed it (`Store.lane`: on PostgreSQL a
session advisory lock, held while the process lives; a lane whose process died is free again
and continued from its head; a lock lost with its connection is claimed again before the next
append, `Store.held_lane`, and an append runs only while the lock is held: in the session that
holds it, `_if_head`, or after the database said so, `lock_head`; SQLite has one writer, lane
1). So server processes on one PostgreSQL never wait on each other's audit appends (with one
chain they queued on its head row, each waiting for the other's WAL flush). Within a process
the group commit (server.identity.audit_writer) and the transactions that append (uploads, a
posted AuditEvent) share the lane: an append is still conditioned on the head it links to
(`commit`, `lock_head`).
Each server writes its lane's head to a checkpoint file in its data directory (a line per
lane: `CHECKPOINT_FILE`, at most once a second, and when it stops), outside the database,
whichever path appended (server.storage.checkpoint).

server.storage.chain_verify walks the lanes and names the first bad record.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from app.core import fhir_systems
from app.core.fhir import patient_of
from server.storage import index
from server.storage.audit_compact import Access, compact, new_id
from server.storage.base import StorageError

AUDIT = "AuditEvent"
GENESIS = "0" * 64
REFUSED = "the audit trail is append-only"
FIELDS = "id, recorded, patient, agent, action, subtype, content, hash, lane"  # n: the database's
ROW = "n, " + FIELDS
CHUNK = 1000  # rows per INSERT (9 parameters each; PostgreSQL takes at most 65,535 a statement)
OPTIMISTIC_TRIES = 3  # PostgreSQL: appends tried against a head read anew (`commit`)
NUMBERS = "audit_event_n"  # PostgreSQL: the sequence of `n`


def schema(dialect: str) -> list[str]:
    """The audit tables and their guard (a database from before lanes: `migrate_lanes`)."""
    key = "INTEGER PRIMARY KEY" if dialect == "sqlite" else \
        f"BIGINT PRIMARY KEY DEFAULT nextval('{NUMBERS}')"
    return [
        *([] if dialect == "sqlite" else [f"CREATE SEQUENCE IF NOT EXISTS {NUMBERS}"]),
        f"CREATE TABLE IF NOT EXISTS audit_event (n {key}, id TEXT NOT NULL UNIQUE, "
        "recorded TEXT NOT NULL, patient TEXT, agent TEXT, action TEXT, subtype TEXT, "
        "content TEXT NOT NULL, hash TEXT NOT NULL, lane INTEGER NOT NULL DEFAULT 1)",
        "CREATE INDEX IF NOT EXISTS audit_patient ON audit_event (patient, n)",
        "CREATE INDEX IF NOT EXISTS audit_recorded ON audit_event (recorded)",
        "CREATE TABLE IF NOT EXISTS audit_identifier (n BIGINT NOT NULL, system TEXT NOT NULL, "
        "value TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS audit_identifier_value ON audit_identifier (value, system)",
        "CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id >= 1), "
        "n BIGINT NOT NULL, hash TEXT NOT NULL)",
        NEW_LANE.replace("?", "1"),
        *append_only(dialect)]


NEW_LANE = f"INSERT INTO audit_head (id, n, hash) VALUES (?, 0, '{GENESIS}') " \
    "ON CONFLICT (id) DO NOTHING"


def migrate_lanes(tx: Any) -> None:
    """A database from before lanes (one chain, one head row that could only be row 1): its
    records become lane 1 (their links unchanged, see the module's text); on PostgreSQL `n`
    then comes from the sequence, after the last record, and the head takes other lanes. In a
    `serial` write (several processes may start at once)."""
    dialect = tx.store.dialect
    if "lane" in dialect.columns(tx.conn, "audit_event"):
        return
    tx._x("ALTER TABLE audit_event ADD COLUMN lane INTEGER NOT NULL DEFAULT 1")
    if dialect.name == "postgres":
        tx._x(f"SELECT setval('{NUMBERS}', max(n)) FROM audit_event HAVING max(n) > 0")
        tx._x(f"ALTER TABLE audit_event ALTER COLUMN n SET DEFAULT nextval('{NUMBERS}')")
        tx._x("ALTER TABLE audit_head DROP CONSTRAINT IF EXISTS audit_head_id_check")
        tx._x("ALTER TABLE audit_head ADD CONSTRAINT audit_head_id_check CHECK (id >= 1)")
    # SQLite keeps its head row's CHECK (id = 1): one writer, one lane


# What may never change once written: events and their search rows; the head only moves
# forward. The database refuses it (a trigger), whoever asks. An owner of the database can
# drop the triggers: then the chain and the checkpoint still tell.
_GUARDED = (("audit_event", "UPDATE", "1 = 1"), ("audit_event", "DELETE", "1 = 1"),
            ("audit_identifier", "UPDATE", "1 = 1"), ("audit_identifier", "DELETE", "1 = 1"),
            ("audit_head", "UPDATE", "NEW.n < OLD.n"), ("audit_head", "DELETE", "1 = 1"))


def _trigger_name(table: str, event: str) -> str:
    return f"append_only_{table}_{event.split()[0].lower()}"


def append_only(dialect: str) -> list[str]:
    """The statements that make the audit trail append-only in this dialect (idempotent)."""
    if dialect == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS {_trigger_name(t, e)} BEFORE {e} ON {t} "
                f"WHEN {w} BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END" for t, e, w in _GUARDED]
    return ["CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{REFUSED}'; END $$ LANGUAGE plpgsql",
            *(f"CREATE OR REPLACE TRIGGER {_trigger_name(t, e)} BEFORE {e} ON {t} FOR EACH ROW "
              f"WHEN ({w}) EXECUTE FUNCTION audit_append_only()" for t, e, w in _GUARDED)]


def drop_append_only(dialect: str, guarded: tuple = _GUARDED) -> list[str]:
    """What an owner of the database would run to lift it (tests of `verify`, the migration)."""
    on = "" if dialect == "sqlite" else " ON {}"
    return [f"DROP TRIGGER IF EXISTS {_trigger_name(t, e)}{on.format(t)}" for t, e, *_ in guarded]


class Broken(StorageError):
    """A trail that fails its check where it must be intact (moving an old one: its text names
    a record number or what was wrong, never its content)."""


HEAD = "SELECT n, hash FROM audit_head WHERE id = ?"
HEADS = "SELECT id, n, hash FROM audit_head ORDER BY id"
SET_HEAD = "UPDATE audit_head SET n = ?, hash = ? WHERE id = ?"
SET_KNOWN_HEAD = SET_HEAD + " AND n = ? AND hash = ?"  # moved only from the head it was


def lock_head(tx: Any) -> tuple[int, str]:
    """Read and lock the head of this process's lane (the transaction's first audit statement:
    the lane's writers in this process queue here, so a conditional create's match and its
    insert see the same trail), `tx.audit_lane` the lane. In the same statement the database
    says whether this process still holds the lane's lock (Store.held_lane): if not (its
    connection ended unnoticed), the lane is claimed again and its head read."""
    if tx.audit_head is None:
        for _ in range(2):
            lane, holder = tx.store.held_lane()
            held, args = tx.store.dialect.held(lane, holder)
            row = tx._q(f"SELECT n, hash, {held} FROM audit_head WHERE id = ?"
                        + tx.store.dialect.lock_row, (*args, lane))
            if not row or row[0][2]:
                break
            tx.store.lane_lost(lane)
        else:
            raise StorageError("the audit lane could not be held: retry")
        tx.audit_lane = lane
        tx.audit_head = (int(row[0][0]), row[0][1]) if row else (0, GENESIS)
    return tx.audit_head


def link(prev: str, k: int, rid: str, recorded: str, patient: str | None, agent: str | None,
         action: str | None, subtype: str | None, content: str, lane: int = 1) -> str:
    """SHA-256 of the previous hash of the lane and the record as compact JSON (the bytes
    json.dumps with ensure_ascii=False writes, as every link so far was made: orjson writes the
    same for these strings and integers, in a fifth of the time; json.dumps for what orjson
    refuses, a lone surrogate, which then fails to encode as before). `k`: its place in the
    lane; the lane is hashed after it, but for lane 1 (the chains from before lanes)."""
    fields = [int(k), rid, recorded, patient, agent, action, subtype, content]
    if lane != 1:
        fields.insert(1, int(lane))
    try:
        record = orjson.dumps(fields)
    except TypeError:  # orjson.JSONEncodeError
        record = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(prev.encode() + b"\n" + record).hexdigest()


def columns(body: dict) -> tuple[str | None, str | None, str | None, str | None]:
    """(patient, the user agent's username, action, subtype code) of an AuditEvent."""
    agent = next((who["identifier"].get("value") for a in body.get("agent") or ()
                  if isinstance(a, dict) and isinstance(who := a.get("who"), dict)
                  and isinstance(who.get("identifier"), dict)
                  and who["identifier"].get("system") == fhir_systems.USERNAME), None)
    subtypes = body.get("subtype")
    subtype = next((c.get("code") for c in subtypes if isinstance(c, dict)), None) \
        if isinstance(subtypes, list) else None
    action = body.get("action")
    return (patient_of(body, AUDIT), _text(agent), _text(action), _text(subtype))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def identifiers(body: dict) -> list[tuple[str, str]]:
    return sorted((system, value) for _, system, value in index.tokens(AUDIT, body))


def append(tx: Any, events: Sequence[dict | Access], recorded: list[str] | None = None
           ) -> list[tuple]:
    """Add these AuditEvents at the end of this process's lane (ids kept, else random UUIDs;
    recorded now unless given, as the migration keeps their instants): an INSERT of the rows
    (per CHUNK; on PostgreSQL the head moved in the same statement), one of their identifiers
    if any. The stored rows (ROW order) come back."""
    head = lock_head(tx)
    lane = tx.audit_lane
    rows, idents = _rows(head, lane, events, recorded)
    if not rows:
        return []
    moved = (tx.audit_head[0] + len(rows), rows[-1][-2], lane)  # SET_HEAD's parameters
    numbers: dict[str, int] = {}
    postgres = tx.store.dialect.name == "postgres"
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        last = postgres and start + CHUNK >= len(rows)  # rows and head in one round trip
        numbers.update(tx._q(
            (f"WITH head AS ({SET_HEAD}) " if last else "") + f"INSERT INTO audit_event "
            f"({FIELDS}) VALUES " + ", ".join([ROW_MARKS] * len(chunk)) + " RETURNING id, n",
            (moved if last else ()) + tuple(v for row in chunk for v in row)))
    if not postgres:
        tx._x(SET_HEAD, moved)
    _insert(tx, "INSERT INTO audit_identifier (n, system, value) VALUES (?, ?, ?)",
            [(numbers[rid], system, value) for rid, system, value in idents])
    tx.audit_head = moved[:2]
    return [(numbers[row[0]], *row) for row in rows]


ROW_MARKS = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _rows(head: tuple[int, str], lane: int, events: Sequence[dict | Access],
          recorded: list[str] | None) -> tuple[list[tuple], list[tuple]]:
    """The rows (FIELDS order) of these events chained after `head` in `lane`, and their
    identifier rows (id, system, value). An `Access` (a read the gate noted) is stored as its
    compact row (server.storage.audit_compact), with a new id and no identifiers."""
    k, prev = head
    now = datetime.now(UTC).isoformat(timespec="microseconds")  # index.utc_instant's text
    rows, idents = [], []
    for i, event in enumerate(events):
        ts = recorded[i] if recorded else now
        if isinstance(event, Access):
            rid, text = new_id(), event.text()
            fields = event.columns()
        else:
            rid = str(event.get("id") or uuid.uuid4())
            meta = {**(event.get("meta") or {}), "versionId": "1", "lastUpdated": ts}
            body = {"resourceType": AUDIT, **event, "id": rid, "meta": meta}
            text = _compact(body)
            fields = columns(body)
            idents += [(rid, system, value) for system, value in identifiers(body)]
        k += 1
        prev = link(prev, k, rid, ts, *fields, text, lane)
        rows.append((rid, ts, *fields, text, prev, lane))
    return rows, idents


def stored_identifiers(content: str) -> list[tuple[str, str]]:
    """The identifier rows a stored record's content gives (none for a compact row)."""
    return [] if compact(content) else identifiers(json.loads(content))


def _compact(body: dict) -> str:
    """Compact JSON (orjson: a third of json.dumps' time on a search's event); json.dumps for
    what orjson refuses (an integer past 64 bits in a posted event). `link` hashes this text
    as stored, whichever encoder wrote it."""
    try:
        return orjson.dumps(body).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def commit(store: Any, events: Sequence[dict | Access], durable: bool = True,
           known: tuple[int, int, str] | None = None) -> tuple[int, int, str]:
    """Append these AuditEvents in a transaction of their own and commit it (`durable`: flushed
    to disk first); the new head (lane, k, hash). On PostgreSQL a batch is one statement that
    inserts its rows only if the lane's head is still the one they were chained to
    (`_if_head`; `known`: the head this process committed last): no other process writes the
    lane, so it moved only if this process appended by the other path meanwhile; then tried
    again from the head read anew. The head row is locked only while that statement runs and
    commits. On SQLite the transaction holds the one writer's lock: the head row moves only if
    it is still `known` (`_after_known`: no read of it first). The other path, a transaction
    that locks and reads the head first: uploads (their identifier rows), a first commit, and
    a head that moved meanwhile."""
    if store.dialect.name == "postgres":
        for _ in range(OPTIMISTIC_TRIES):
            lane = store.lane  # claimed again if its lock was lost
            head = known[1:] if known and known[0] == lane else read_head(store, lane)
            moved = _if_head(store, lane, events, durable, head)
            if moved is not None:
                return (lane, *moved)
            known = None
    after = known if known and store.dialect.name == "sqlite" else None
    with store.write(durable, clinical=False, head=after is None) as tx:
        if after is None or not _after_known(tx, events, after):
            append(tx, events)
        return (tx.audit_lane, *lock_head(tx))


def _after_known(tx: Any, events: Sequence[dict | Access], known: tuple[int, int, str]) -> bool:
    """SQLite, in the write transaction (BEGIN IMMEDIATE: the database's one writer, whichever
    process): the rows chained after `known`, the head this process committed last, without
    reading the head first: the head row moves only if it is still `known` (its UPDATE's
    condition), then the rows go in, one INSERT. False, nothing written: the head had moved (an
    upload's transaction, another process on the file) or a batch this path does not take
    (identifier rows); then `append` reads it, in the same transaction."""
    lane = tx.store.lane
    rows, idents = _rows(known[1:], lane, events, None) if known[0] == lane else ([], [])
    if not rows or idents or len(rows) > CHUNK:
        return False
    head = (known[1] + len(rows), rows[-1][-2])
    if tx._x(SET_KNOWN_HEAD, (*head, lane, *known[1:])).rowcount != 1:
        return False
    tx._x(f"INSERT INTO audit_event ({FIELDS}) VALUES " + ", ".join([ROW_MARKS] * len(rows)),
          tuple(v for row in rows for v in row))
    tx.audit_lane, tx.audit_head = lane, head
    return True


def read_head(store: Any, lane: int) -> tuple[int, str]:
    found = store.query(HEAD, (lane,))
    return (int(found[0][0]), found[0][1]) if found else (0, GENESIS)


def _if_head(store: Any, lane: int, events: Sequence[dict | Access], durable: bool,
             known: tuple[int, str]) -> tuple[int, str] | None:
    """PostgreSQL, one statement outside an explicit transaction (autocommit: its own), in the
    session that holds the lane's lock (Store.appending: lost, the statement fails with it): the
    rows inserted only if the lane's head is still `known` (the head row's UPDATE matches it
    and locks it, as `lock_head` would; `n` taken from the sequence after it). None: the head
    had moved, nothing was written (or a batch this path does not take)."""
    rows, idents = _rows(known, lane, events, None)
    if not rows or idents or len(rows) > CHUNK:
        return None
    head = (known[0] + len(rows), rows[-1][-2])
    relaxed = ("", "") if durable else RELAXED
    text = (
        f"WITH {relaxed[0]}head AS (UPDATE audit_head SET n = ?, hash = ? WHERE id = ? AND "
        f"n = ? AND hash = ? RETURNING 1) INSERT INTO audit_event ({FIELDS}) SELECT * FROM "
        f"(VALUES {', '.join([ROW_MARKS] * len(rows))}) AS v WHERE EXISTS (SELECT 1 FROM head)"
        + relaxed[1])
    args = (*head, lane, *known, *(v for row in rows for v in row))
    with store.appending() as (holding, conn):  # in the session that holds the lane's lock
        if holding != lane:  # lost and claimed again meanwhile: another lane
            return None
        if len(rows) == 1:  # one sequential client's read: prepared once per connection
            inserted = store.dialect.changed(conn, text, args)
        else:
            inserted = conn.execute(store.dialect.sql(text), args).rowcount
    return head if inserted == len(rows) else None


# `_if_head`'s statement not flushed at its commit: synchronous_commit off for its own implicit
# transaction only (as SET LOCAL; the session keeps its setting), in the same round trip (a SET
# before and a RESET after were two more)
RELAXED = ("relaxed AS (SELECT set_config('synchronous_commit', 'off', true)), ",
           " AND EXISTS (SELECT 1 FROM relaxed)")


def _insert(tx: Any, text: str, rows: list[tuple]) -> None:
    """One statement; executemany only for several rows."""
    if len(rows) == 1:
        tx._x(text, rows[0])
    elif rows:
        tx.conn.cursor().executemany(tx.store.dialect.sql(text), rows)
