"""The access log: who saw which information of which patient, when, where, and why.

Append-only and hash-chained. Entry n stores `prev_hash` = hash of entry n-1 (64 zeros for the
first) and `hash` = SHA-256 over the canonical JSON array
`[seq, at, username, patient_id, information, action, workstation, reason, prev_hash]`
(UTF-8, no spaces). So an edited row fails its own hash; a removed row leaves a gap in `seq`;
rows swapped keep their seq but not their hash (seq is hashed).

Truncation (removing the newest rows) leaves a valid shorter chain, so the head — count and
last hash — is kept twice: in `access_log_head`, written in the same transaction as each entry,
and in the OS keyring (account `<user>:<store id>:audit`, moved after every commit that adds
entries: app.store.anchor), which someone editing the file with the database key cannot roll
back in the same stroke. The
server copy (entries pushed as AuditEvent) is the final anchor.

Server acknowledgements live in `access_log_ack`, outside the hashed rows.
"""

from __future__ import annotations

import hashlib
import json
import socket
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.data_class import DataClass
from app.store.db import Connection

GENESIS = "0" * 64
FIELDS = ("seq", "at", "username", "patient_id", "information", "action", "workstation",
          "reason", "prev_hash", "hash")


@dataclass(frozen=True)
class Access:
    """What to record. `information` is a DataClass, or free text for a search."""
    username: str
    patient_id: str | None
    information: DataClass | str
    action: str  # read, create, update, delete, search, print, export…
    reason: str | None = None  # break-the-glass justification


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    username: str
    patient_id: str | None
    information: str
    action: str
    workstation: str
    reason: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainVerdict:
    ok: bool
    count: int
    first_bad: int | None = None  # sequence number of the first bad entry
    problem: str | None = None  # edited, broken-chain, missing, truncated


def entry_hash(values: tuple[Any, ...]) -> str:
    """SHA-256 of the canonical serialisation of the first nine fields."""
    canonical = json.dumps(list(values[:9]), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def head(conn: Connection) -> tuple[int, str]:
    row = conn.execute("SELECT count, hash FROM access_log_head WHERE id = 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def append(conn: Connection, access: Access, *, workstation: str | None = None,
           at: datetime | None = None) -> Entry:
    """Add one entry; call inside the caller's write transaction."""
    count, prev = head(conn)
    values = (count + 1, (at or datetime.now(UTC)).isoformat(timespec="microseconds"),
              access.username, access.patient_id, str(access.information), access.action,
              workstation or socket.gethostname(), access.reason, prev)
    entry = Entry(*values, entry_hash(values))
    conn.execute(f"INSERT INTO access_log ({', '.join(FIELDS)}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                 astuple(entry))
    conn.execute("INSERT OR REPLACE INTO access_log_head (id, count, hash) VALUES (1, ?, ?)",
                 (entry.seq, entry.hash))
    return entry


def append_many(conn: Connection, accesses: list[Access], *,
                workstation: str | None = None) -> list[Entry]:
    """Add several entries chained in order (one head read and write: a day's schedule logs
    one entry per patient); call inside the caller's write transaction."""
    count, prev = head(conn)
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    where = workstation or socket.gethostname()
    added = []
    for access in accesses:
        count += 1
        values = (count, at, access.username, access.patient_id, str(access.information),
                  access.action, where, access.reason, prev)
        added.append(Entry(*values, entry_hash(values)))
        prev = added[-1].hash
    if added:
        conn.executemany(f"INSERT INTO access_log ({', '.join(FIELDS)}) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?)", [astuple(e) for e in added])
        conn.execute("INSERT OR REPLACE INTO access_log_head (id, count, hash) VALUES (1, ?, ?)",
                     (count, prev))
    return added


def entries(conn: Connection, after: int = 0, limit: int = 1000) -> list[Entry]:
    rows = conn.execute(f"SELECT {', '.join(FIELDS)} FROM access_log WHERE seq > ? ORDER BY seq "
                        "LIMIT ?", (after, limit)).fetchall()
    return [Entry(*r) for r in rows]


def unacknowledged(conn: Connection, limit: int = 100) -> list[Entry]:
    rows = conn.execute(
        f"SELECT {', '.join('l.' + f for f in FIELDS)} FROM access_log l LEFT JOIN access_log_ack"
        " a ON a.seq = l.seq WHERE a.seq IS NULL ORDER BY l.seq LIMIT ?", (limit,)).fetchall()
    return [Entry(*r) for r in rows]


def acknowledged(conn: Connection) -> set[int]:
    """The sequence numbers the server has acknowledged."""
    return {r[0] for r in conn.execute("SELECT seq FROM access_log_ack")}


def acknowledge(conn: Connection, seqs: list[int]) -> None:
    """The server has these entries; the hashed rows are not touched."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    conn.executemany("INSERT OR IGNORE INTO access_log_ack (seq, acknowledged) VALUES (?, ?)",
                     [(s, stamp) for s in seqs])


def verify(conn: Connection, anchor: tuple[int, str] | None = None) -> ChainVerdict:
    """Walk the chain; the first bad entry by sequence number (never by content)."""
    prev, expected = GENESIS, 1
    hashes: dict[int, str] = {}
    for row in conn.execute(f"SELECT {', '.join(FIELDS)} FROM access_log ORDER BY seq"):
        seq = row[0]
        if seq != expected:
            return ChainVerdict(False, expected - 1, expected, "missing")
        if row[8] != prev:
            return ChainVerdict(False, seq - 1, seq, "broken-chain")
        if entry_hash(row) != row[9]:
            return ChainVerdict(False, seq - 1, seq, "edited")
        prev, expected = row[9], expected + 1
        if anchor and seq == anchor[0]:
            hashes[seq] = row[9]
    count = expected - 1
    recorded = head(conn)
    if recorded[0] != count or recorded[1] != prev:
        return ChainVerdict(False, count, min(count, recorded[0]) + 1, "truncated")
    if anchor and anchor[0] > 0:
        if anchor[0] > count:
            return ChainVerdict(False, count, count + 1, "truncated")
        if hashes.get(anchor[0]) != anchor[1]:
            return ChainVerdict(False, count, anchor[0], "rewritten")
    return ChainVerdict(True, count)
