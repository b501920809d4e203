"""Durable local changes waiting for the server, sync cursors and conflict records.

A change is written in the same transaction as the cache update it mirrors
(`Store.put_resources(..., outbox_changes=[...])`), so the cache never shows a change that
would not be sent, nor the reverse.
"""

from __future__ import annotations

import json
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.store.db import Connection

PENDING, ACKNOWLEDGED, FAILED, CONFLICT = "pending", "acknowledged", "failed", "conflict"
COLUMNS = ("seq, uuid, resource_type, resource_id, patient_id, method, body, base_version, "
           "state, attempts, last_error, created")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class OutboxChange:
    """One change to send: `method` is create, update or delete; `body` the resource JSON."""
    resource_type: str
    resource_id: str
    method: str
    body: dict[str, Any] | None = None
    base_version: str | None = None  # the versionId the change was made on (If-Match)
    patient_id: str | None = None
    uuid: str = field(default_factory=lambda: str(uuid_module.uuid4()))


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    uuid: str
    resource_type: str
    resource_id: str
    patient_id: str | None
    method: str
    body: dict[str, Any] | None
    base_version: str | None
    state: str
    attempts: int
    last_error: str | None
    created: str


def enqueue(conn: Connection, changes: list[OutboxChange]) -> None:
    conn.executemany(
        "INSERT INTO outbox (uuid, resource_type, resource_id, patient_id, method, body, "
        "base_version, state, created) VALUES (?,?,?,?,?,?,?,?,?)",
        [(c.uuid, c.resource_type, c.resource_id, c.patient_id, c.method,
          json.dumps(c.body, ensure_ascii=False) if c.body is not None else None,
          c.base_version, PENDING, now()) for c in changes])


def _entry(row: tuple[Any, ...]) -> OutboxEntry:
    values = list(row)
    values[6] = json.loads(values[6]) if values[6] is not None else None
    return OutboxEntry(*values)


def batch(conn: Connection, limit: int = 50,
          states: tuple[str, ...] = (PENDING, FAILED)) -> list[OutboxEntry]:
    """The oldest changes still to send, in the order they were made."""
    marks = ",".join("?" * len(states))
    rows = conn.execute(f"SELECT {COLUMNS} FROM outbox WHERE state IN ({marks}) ORDER BY seq "
                        "LIMIT ?", (*states, limit)).fetchall()
    return [_entry(r) for r in rows]


def waiting(conn: Connection, patient_id: str | None = None) -> set[tuple[str, str]]:
    """(type, id) of the resources with changes still to send (of one patient, if given):
    read from the columns, no body decoded."""
    where = "" if patient_id is None else " AND patient_id = ?"
    rows = conn.execute("SELECT DISTINCT resource_type, resource_id FROM outbox WHERE state IN "
                        f"(?, ?){where}", (PENDING, FAILED, *([patient_id] if patient_id else [])))
    return {(t, i) for t, i in rows}


def get(conn: Connection, change_uuid: str) -> OutboxEntry | None:
    row = conn.execute(f"SELECT {COLUMNS} FROM outbox WHERE uuid = ?", (change_uuid,)).fetchone()
    return _entry(row) if row else None


def set_state(conn: Connection, change_uuid: str, state: str, error: str | None = None) -> None:
    bump = 1 if state == FAILED else 0
    conn.execute("UPDATE outbox SET state = ?, last_error = ?, attempts = attempts + ? "
                 "WHERE uuid = ?", (state, error, bump, change_uuid))


def record_conflict(conn: Connection, change_uuid: str, server_version: dict[str, Any] | None,
                    reason: str | None = None) -> int:
    """Keep the local change and the server's version side by side; the change stops.
    `reason` is a code (e.g. "412", "409"), never patient data."""
    entry = get(conn, change_uuid)
    if entry is None:
        raise KeyError("no such outbox change")
    set_state(conn, change_uuid, CONFLICT)
    cursor = conn.execute(
        "INSERT INTO conflicts (outbox_uuid, resource_type, resource_id, patient_id, local_json,"
        " server_json, reason, created) VALUES (?,?,?,?,?,?,?,?)",
        (change_uuid, entry.resource_type, entry.resource_id, entry.patient_id,
         json.dumps(entry.body, ensure_ascii=False) if entry.body is not None else None,
         json.dumps(server_version, ensure_ascii=False) if server_version else None, reason,
         now()))
    return int(cursor.lastrowid)


def open_conflicts(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, outbox_uuid, resource_type, resource_id, patient_id, local_json, "
        "server_json, reason, created FROM conflicts WHERE resolved IS NULL ORDER BY id").fetchall()
    keys = ("id", "outbox_uuid", "resource_type", "resource_id", "patient_id", "local", "server",
            "reason", "created")
    return [{k: (json.loads(v) if k in ("local", "server") and v else v)
             for k, v in zip(keys, row, strict=True)} for row in rows]


def resolve_conflict(conn: Connection, conflict_id: int) -> None:
    conn.execute("UPDATE conflicts SET resolved = ? WHERE id = ?", (now(), conflict_id))


def get_cursor(conn: Connection, stream: str) -> str | None:
    row = conn.execute("SELECT cursor FROM sync_state WHERE stream = ?", (stream,)).fetchone()
    return row[0] if row else None


def set_cursor(conn: Connection, stream: str, cursor: str | None) -> None:
    conn.execute("INSERT OR REPLACE INTO sync_state (stream, cursor, updated) VALUES (?,?,?)",
                 (stream, cursor, now()))
