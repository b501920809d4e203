"""The audit trail: an append-only, hash-chained table of its own (not FHIR versions beside the
clinical data), written in batches, served as FHIR AuditEvent by server.storage.audit_trail.

`audit_event`: one lean row per event, `n` its place in the chain (1, 2, …): its id, the instant
the server recorded it (its meta.lastUpdated), the columns searches and reviews need (patient,
the user agent's username, action, subtype), the JSON body and
hash(n) = SHA-256(hash(n-1), [n, id, recorded, patient, agent, action, subtype, JSON]).
`audit_identifier(n, system, value)`: the entity identifiers of the events that carry one (a
workstation's access-log entry hash), what `entity:identifier` searches find them by.
`audit_head`: one row (n, hash), moved in the same transaction as each batch; writers lock it
(`FOR UPDATE` on PostgreSQL, or an UPDATE that matches only the head a writer already knows:
`commit`; audit writers queue on this row, never on the clinical write lock; SQLite has one
writer anyway), so several server processes extend one chain. Each server
also writes the head it committed to a checkpoint file in its data directory (`CHECKPOINT_FILE`,
at most once a second, and when it stops), outside the database.

server.storage.chain_verify walks the chain and names the first bad record.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from app.core import fhir_systems
from app.core.fhir import patient_of
from server.storage import index
from server.storage.base import StorageError

AUDIT = "AuditEvent"
GENESIS = "0" * 64
CHECKPOINT_FILE = "audit-chain.checkpoint"
REFUSED = "the audit trail is append-only"
ROW = "n, id, recorded, patient, agent, action, subtype, content, hash"
CHUNK = 1000  # rows per INSERT on PostgreSQL (9 parameters each; at most 65,535 a statement)
OPTIMISTIC_TRIES = 3  # PostgreSQL: appends tried against a head read anew (`commit`)


def schema(dialect: str) -> list[str]:
    """The audit tables (`n`: SQLite's rowid, a BIGINT on PostgreSQL) and their guard."""
    key = "INTEGER PRIMARY KEY" if dialect == "sqlite" else "BIGINT PRIMARY KEY"
    return [
        f"CREATE TABLE IF NOT EXISTS audit_event (n {key}, id TEXT NOT NULL UNIQUE, "
        "recorded TEXT NOT NULL, patient TEXT, agent TEXT, action TEXT, subtype TEXT, "
        "content TEXT NOT NULL, hash TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS audit_patient ON audit_event (patient, n)",
        "CREATE INDEX IF NOT EXISTS audit_recorded ON audit_event (recorded)",
        "CREATE TABLE IF NOT EXISTS audit_identifier (n BIGINT NOT NULL, system TEXT NOT NULL, "
        "value TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS audit_identifier_value ON audit_identifier (value, system)",
        "CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "n BIGINT NOT NULL, hash TEXT NOT NULL)",
        f"INSERT INTO audit_head (id, n, hash) VALUES (1, 0, '{GENESIS}') "
        "ON CONFLICT (id) DO NOTHING",
        *append_only(dialect)]


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


HEAD = "SELECT n, hash FROM audit_head WHERE id = 1"
SET_HEAD = "UPDATE audit_head SET n = ?, hash = ? WHERE id = 1"


def lock_head(tx: Any) -> tuple[int, str]:
    """Read and lock the head (the transaction's first audit statement: audit writers queue
    here, so a conditional create's match and its insert see the same trail)."""
    if tx.audit_head is None:
        row = tx._q(HEAD + tx.store.dialect.lock_row)
        tx.audit_head = (int(row[0][0]), row[0][1]) if row else (0, GENESIS)
    return tx.audit_head


def link(prev: str, n: int, rid: str, recorded: str, patient: str | None, agent: str | None,
         action: str | None, subtype: str | None, content: str) -> str:
    """SHA-256 of the previous hash and the record as compact JSON (the bytes json.dumps with
    ensure_ascii=False writes, as every link so far was made: orjson writes the same for
    these strings and integers, in a fifth of the time; json.dumps for what orjson refuses, a
    lone surrogate, which then fails to encode as before)."""
    fields = [int(n), rid, recorded, patient, agent, action, subtype, content]
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


def append(tx: Any, events: list[dict], recorded: list[str] | None = None) -> list[tuple]:
    """Add these AuditEvents at the end of the chain (ids kept, else random UUIDs; recorded
    now unless given, as the migration keeps their instants): one INSERT of the rows, one of
    their identifiers if any, the head moved. The stored rows (ROW order) come back."""
    rows, idents = _rows(lock_head(tx), events, recorded)
    if not rows:
        return []
    n, prev = rows[-1][0], rows[-1][-1]
    insert = f"INSERT INTO audit_event ({ROW}) VALUES "
    if tx.store.dialect.name == "postgres":  # rows and head in one round trip per chunk
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            last = start + CHUNK >= len(rows)
            tx._x((f"WITH head AS ({SET_HEAD}) " if last else "") + insert
                  + ", ".join([ROW_MARKS] * len(chunk)),
                  ((n, prev) if last else ()) + tuple(v for row in chunk for v in row))
    else:
        _insert(tx, insert + ROW_MARKS, rows)
        tx._x(SET_HEAD, (n, prev))
    _insert(tx, "INSERT INTO audit_identifier (n, system, value) VALUES (?, ?, ?)", idents)
    tx.audit_head = (n, prev)
    return rows


ROW_MARKS = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _rows(head: tuple[int, str], events: list[dict], recorded: list[str] | None
          ) -> tuple[list[tuple], list[tuple]]:
    """The chained rows of these events after `head`, and their identifier rows."""
    n, prev = head
    now = index.utc_instant(datetime.now(UTC))
    rows, idents = [], []
    for k, event in enumerate(events):
        ts = recorded[k] if recorded else now
        rid = str(event.get("id") or uuid.uuid4())
        meta = {**(event.get("meta") or {}), "versionId": "1", "lastUpdated": ts}
        body = {"resourceType": AUDIT, **event, "id": rid, "meta": meta}
        text = _compact(body)
        fields = columns(body)
        n += 1
        prev = link(prev, n, rid, ts, *fields, text)
        rows.append((n, rid, ts, *fields, text, prev))
        idents += [(n, system, value) for system, value in identifiers(body)]
    return rows, idents


def _compact(body: dict) -> str:
    """Compact JSON (orjson: a third of json.dumps' time on a search's event); json.dumps for
    what orjson refuses (an integer past 64 bits in a posted event). `link` hashes this text
    as stored, whichever encoder wrote it."""
    try:
        return orjson.dumps(body).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def commit(store: Any, events: list[dict], durable: bool = True,
           known: tuple[int, str] | None = None) -> tuple[int, str]:
    """Append these AuditEvents in a transaction of their own and commit it (`durable`: flushed
    to disk first); the new head. On PostgreSQL a batch is one statement that inserts its rows
    only if the head is still the one it was chained to (`_if_head`), tried again from the head
    read anew when another process moved it (`known`: the head this process committed last),
    so the head row is locked only while that statement runs and commits — never across round
    trips to a server process that may be waiting for the GIL, as the locked transaction below
    holds it. That path: SQLite (one writer), uploads (their identifier rows), and a head that
    keeps moving."""
    if store.dialect.name == "postgres":
        for _ in range(OPTIMISTIC_TRIES):
            known = known or read_head(store)
            head = _if_head(store, events, durable, known)
            if head is not None:
                return head
            known = None
    with store.write(durable, clinical=False) as tx:
        append(tx, events)
        return lock_head(tx)


def read_head(store: Any) -> tuple[int, str]:
    found = store.query("SELECT n, hash FROM audit_head WHERE id = 1")
    return (int(found[0][0]), found[0][1]) if found else (0, GENESIS)


def _if_head(store: Any, events: list[dict], durable: bool, known: tuple[int, str]
             ) -> tuple[int, str] | None:
    """PostgreSQL, one statement outside an explicit transaction (autocommit: its own): the
    rows inserted only if the head is still `known` (the head row's UPDATE matches it and locks
    it, as `lock_head` would). None: the head had moved, nothing was written (or a batch this
    path does not take)."""
    rows, idents = _rows(known, events, None)
    if not rows or idents or len(rows) > CHUNK:
        return None
    head = (rows[-1][0], rows[-1][-1])
    relaxed = ("", "") if durable else RELAXED
    text = store.dialect.sql(
        f"WITH {relaxed[0]}head AS (UPDATE audit_head SET n = ?, hash = ? WHERE id = 1 AND "
        f"n = ? AND hash = ? RETURNING 1) INSERT INTO audit_event ({ROW}) SELECT * FROM "
        f"(VALUES {', '.join([ROW_MARKS] * len(rows))}) AS v WHERE EXISTS (SELECT 1 FROM head)"
        + relaxed[1])
    with store._connection() as conn:
        inserted = conn.execute(text, (*head, *known, *(v for row in rows for v in row)))
    return head if inserted.rowcount == len(rows) else None


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


def read_checkpoint(path: Path) -> tuple[int, str] | None:
    try:
        n, digest = path.read_text(encoding="ascii").split()
        return int(n), digest
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return (-1, "")  # unreadable: verify reports it


def write_checkpoint(path: Path, head: tuple[int, str], force: bool = False) -> None:
    """Forward only, as far as this process knows (several servers may share the directory;
    a checkpoint a little behind the head is still a true statement about the chain).
    `force`: the chain was rebuilt (the migration), the old checkpoint names another one."""
    known = read_checkpoint(path)
    if known is not None and known[0] >= head[0] and not force:
        return
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # servers may share the dir
    temporary.write_text(f"{head[0]} {head[1]}\n", encoding="ascii")
    temporary.replace(path)
