"""The hash chain over every stored AuditEvent version (the server's and the ones clients push).

`audit_chain(n, seq, hash)` has one row per AuditEvent version in `resource_version` (`seq`), in
commit order: hash(n) = SHA-256(hash(n-1), n, seq, id, version, lastUpdated, deleted, JSON).
`audit_head` is one row (n, hash) updated in the same transaction as each link; writers lock it
(`FOR UPDATE` on PostgreSQL, besides the store's write lock; SQLite has one writer anyway), so
several server processes on one PostgreSQL extend one chain. Each server also writes the head it
committed to a checkpoint file in its data directory (`CHECKPOINT_FILE`), outside the database
(at most once a second, and when it stops).

`verify(store, checkpoint)` walks the chain and names the first bad link: an edited, removed,
reordered or added AuditEvent row, a link removed, a head that the chain does not reach
(truncation), a checkpoint the chain no longer contains. Its messages carry numbers only.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
CHECKPOINT_FILE = "audit-chain.checkpoint"
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS audit_chain (n BIGINT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE, "
    "hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "n BIGINT NOT NULL, hash TEXT NOT NULL)",
]
REFUSED = "the audit trail is append-only"
# What may never change once written: AuditEvent versions (their served copy too) and chain
# links; the head only moves forward. The database refuses it (a trigger), whoever asks; the
# data-class column stays writable (filled by Store._migrate for an older database). An owner
# of the database can drop the triggers: then the chain and the checkpoint still tell.
_GUARDED = ("resource_version", "UPDATE OF rtype, rid, version, ts, deleted, content, patient, "
            "method", "OLD.rtype = 'AuditEvent'"), \
    ("resource_version", "DELETE", "OLD.rtype = 'AuditEvent'"), \
    ("resource_current", "UPDATE OF rtype, rid, version, ts, deleted, seq, content, patient",
     "OLD.rtype = 'AuditEvent'"), \
    ("resource_current", "DELETE", "OLD.rtype = 'AuditEvent'"), \
    ("audit_chain", "UPDATE", "1 = 1"), ("audit_chain", "DELETE", "1 = 1"), \
    ("audit_head", "UPDATE", "NEW.n < OLD.n"), ("audit_head", "DELETE", "1 = 1")


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


def drop_append_only(dialect: str) -> list[str]:
    """What an owner of the database would run to lift it (tests of `verify`)."""
    on = "" if dialect == "sqlite" else " ON {}"
    return [f"DROP TRIGGER IF EXISTS {_trigger_name(t, e)}{on.format(t)}" for t, e, _ in _GUARDED]


HEAD = "SELECT n, hash FROM audit_head WHERE id = 1"
SET_HEAD = ("INSERT INTO audit_head (id, n, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE "
            "SET n = excluded.n, hash = excluded.hash")


def link(prev: str, n: int, seq: int, rid: str, version: int, ts: str, deleted: bool,
         content: str | None) -> str:
    record = json.dumps([n, int(seq), rid, int(version), ts, bool(deleted), content],
                        ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{record}".encode()).hexdigest()


def read_checkpoint(path: Path) -> tuple[int, str] | None:
    try:
        n, digest = path.read_text(encoding="ascii").split()
        return int(n), digest
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return (-1, "")  # unreadable: verify reports it


def write_checkpoint(path: Path, head: tuple[int, str]) -> None:
    """Forward only, as far as this process knows (several servers may share the directory;
    a checkpoint a little behind the head is still a true statement about the chain)."""
    known = read_checkpoint(path)
    if known is not None and known[0] >= head[0]:
        return
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # servers may share the dir
    temporary.write_text(f"{head[0]} {head[1]}\n", encoding="ascii")
    temporary.replace(path)


def adopt(store: Any) -> int:
    """Chain the AuditEvents of a database that has none chained yet (written before the
    chain existed); the number chained. A database with a chain is left alone."""
    with store.write() as tx:
        if tx.conn.execute(HEAD).fetchone() or \
                tx.conn.execute("SELECT 1 FROM audit_chain LIMIT 1").fetchone():
            return 0
        rows = tx.conn.execute("SELECT seq, rid, version, ts, deleted, content FROM "
                               "resource_version WHERE rtype = 'AuditEvent' ORDER BY seq"
                               ).fetchall()
        for row in rows:
            tx.chain(*row)
    return len(rows)


@dataclass(frozen=True)
class Report:
    count: int  # links walked
    head: tuple[int, str] | None
    bad: int | None = None  # the first bad record's chain number (None: intact)
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.bad is None


def verify(store: Any, checkpoint: tuple[int, str] | None = None) -> Report:
    with store.read() as tx:
        head_row = tx.conn.execute(HEAD).fetchone()
        head = (int(head_row[0]), head_row[1]) if head_row else None
        walked = _walk(tx, head)
        if not walked.intact:
            return walked
        extra = tx.conn.execute(
            "SELECT min(v.seq) FROM resource_version v LEFT JOIN audit_chain a ON a.seq = v.seq "
            "WHERE v.rtype = 'AuditEvent' AND a.seq IS NULL").fetchone()[0]
        if extra is not None:
            return Report(walked.count, head, walked.count + 1,
                          f"an AuditEvent version (store seq {extra}) is not in the chain")
        served, first = tx.conn.execute(
            "SELECT count(*), min(a.n) FROM resource_current c "
            "LEFT JOIN audit_chain a ON a.seq = c.seq "
            "LEFT JOIN resource_version v ON v.seq = c.seq WHERE c.rtype = 'AuditEvent' AND "
            "(a.n IS NULL OR v.seq IS NULL OR v.rid <> c.rid OR v.version <> c.version OR "
            "v.content <> c.content OR (v.content IS NULL) <> (c.content IS NULL))").fetchone()
        if served:
            return Report(walked.count, head, int(first) if first is not None else walked.count,
                          "the served copy of an AuditEvent differs from its chained version")
    if checkpoint is not None:
        return _against_checkpoint(walked, checkpoint, store)
    return walked


def _walk(tx: Any, head: tuple[int, str] | None) -> Report:
    cursor = tx.conn.execute(
        "SELECT a.n, a.seq, a.hash, v.rtype, v.rid, v.version, v.ts, v.deleted, v.content "
        "FROM audit_chain a LEFT JOIN resource_version v ON v.seq = a.seq ORDER BY a.n")
    prev, count = GENESIS, 0
    for n, seq, digest, rtype, rid, version, ts, deleted, content in cursor:
        expected = count + 1
        if n != expected:
            return Report(count, head, expected, "chain record missing")
        if rtype is None:
            return Report(count, head, n, "chained AuditEvent removed")
        if rtype != "AuditEvent" or link(prev, n, seq, rid, version, ts, deleted,
                                         content) != digest:
            return Report(count, head, n, "record edited or out of order")
        prev, count = digest, n
    if head is None:
        return Report(count, head, count or None, "chain head missing" if count else "")
    if head[0] > count:
        return Report(count, head, count + 1, "records after this one removed (truncated)")
    if head[0] < count:
        return Report(count, head, head[0] + 1, "record beyond the chain head")
    if head[1] != prev:
        return Report(count, head, count, "chain head does not match the last record")
    return Report(count, head)


def _against_checkpoint(walked: Report, checkpoint: tuple[int, str], store: Any) -> Report:
    n, digest = checkpoint
    if n < 0:
        return Report(walked.count, walked.head, 1, "the checkpoint file is unreadable")
    if n == 0:
        return walked
    if n > walked.count:
        return Report(walked.count, walked.head, walked.count + 1,
                      "records after this one removed (the checkpoint is further)")
    with store.read() as tx:
        row = tx.conn.execute(store.dialect.sql("SELECT hash FROM audit_chain WHERE n = ?"),
                              (n,)).fetchone()
    if row is None or row[0] != digest:
        return Report(walked.count, walked.head, 1, "the chain was rewritten up to the checkpoint")
    return walked
