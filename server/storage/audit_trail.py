"""The audit trail (server.storage.chain) served as FHIR AuditEvent: `Tx` hands every read,
search, history and create of the type here, so the FHIR layer and the gate see AuditEvents as
before (version 1, never updated), while they never enter `resource_version`: not in `_history`
of the system, sync rounds, `$everything`, nor the clinical write lock.

`migrate(store, checkpoint)`: a database from before keeps its AuditEvents as FHIR versions
linked in `audit_chain`; at start they move into the trail (old chain and checkpoint checked
first: a tampered trail is not laundered into a fresh chain; the server then refuses to start),
in one transaction under the write lock, and the checkpoint is rewritten for the new chain.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from server.storage import chain
from server.storage.audit_compact import served
from server.storage.base import (
    BadQuery,
    Criteria,
    MultipleMatches,
    Page,
    StorageError,
    Version,
    VersionConflict,
)
from server.storage.checkpoint import Heads, read_checkpoint, write_checkpoint
from server.storage.query import OPS, _conditions

AUDIT = chain.AUDIT
SERVED = "n, id, recorded, patient, content"
log = logging.getLogger(__name__)


def _version(row: tuple) -> Version:
    """A stored record (SERVED order) as its FHIR version (a compact row built out)."""
    return Version(AUDIT, row[1], 1, row[2], False, int(row[0]),
                   served(row[1], row[2], row[4]), row[3], "POST")


def current(tx: Any, rid: str) -> Version | None:
    rows = tx._q(f"SELECT {SERVED} FROM audit_event WHERE id = ?", (rid,))
    return _version(rows[0]) if rows else None


def _where(criteria: Criteria) -> tuple[list[str], list]:
    conds, args = [], list[object]()
    for clause in criteria.clauses:
        marks = ", ".join("?" for _ in clause.values)
        if clause.name in ("_id", "patient"):
            conds.append(f"a.{'id' if clause.name == '_id' else 'patient'} IN ({marks})")
            args += clause.values
        elif clause.name == "_lastUpdated":
            conds.append(f"a.recorded {OPS[clause.prefix]} ?")
            args.append(clause.values[0])
        elif clause.name == "identifier":
            found = _conditions(clause)
            conds.append("a.n IN (SELECT t.n FROM audit_identifier t WHERE "
                         + " OR ".join(f"({c})" for c, _ in found) + ")")
            args += [v for _, vals in found for v in vals]
        else:
            raise BadQuery(f"unsupported search parameter: {clause.name}")
    return conds, args


def search(tx: Any, criteria: Criteria, total: bool) -> Page:
    """In a write (a conditional create's match): after the lane's head and the match's lock,
    so that two processes (two lanes) matching one criteria run one after the other."""
    if tx.write:
        chain.lock_head(tx)
        tx.match_locks([match_name(criteria)])
    conds, args = _where(criteria)
    text = " AND ".join(conds) or "1 = 1"
    rows = tx._q(f"SELECT {SERVED} FROM audit_event a WHERE {text} AND a.n > ? ORDER BY a.n "
                 "LIMIT ?", [*args, criteria.after_seq, criteria.count + 1])
    page = _paged(rows, criteria.count)
    if total:
        page.total = int(tx._q(f"SELECT count(*) FROM audit_event a WHERE {text}", args)[0][0])
    return page


def history(tx: Any, rid: str | None, since: str | None, count: int,
            before_seq: int | None) -> Page:
    """`AuditEvent/_history` (the trail, newest first) or one event's (its one version)."""
    conds, args = [], list[object]()
    for cond, value in (("a.id = ?", rid), ("a.recorded >= ?", since), ("a.n < ?", before_seq)):
        if value is not None:
            conds.append(cond)
            args.append(value)
    rows = tx._q(f"SELECT {SERVED} FROM audit_event a WHERE {' AND '.join(conds) or '1 = 1'} "
                 "ORDER BY a.n DESC LIMIT ?", [*args, count + 1])
    return _paged(rows, count)


def _paged(rows: list[tuple], count: int) -> Page:
    versions = [_version(r) for r in rows[:count]]
    more = len(rows) > count and versions
    return Page(versions, versions[-1].seq if more else None)


def match_name(criteria: Criteria) -> str:
    """What the lock of a conditional create's match is named after: its identifier's value
    (the workstation's entry hash), else the type (such matches one at a time)."""
    for clause in criteria.clauses:
        if clause.name == "identifier" and len(clause.values) == 1:
            return f"{AUDIT}|{clause.values[0].rpartition('|')[2]}"
    return AUDIT


def create(tx: Any, resource: dict, if_none_exist: Criteria | None,
           rid: str | None) -> tuple[Version, bool]:
    chain.lock_head(tx)  # first: the match and the insert see the same trail
    if if_none_exist is not None:
        if_none_exist.count = 2
        found = search(tx, if_none_exist, total=False).versions
        if len(found) > 1:
            raise MultipleMatches("If-None-Exist matches several resources")
        if found:
            return found[0], False
    if rid is not None:
        tx.match_locks([f"{AUDIT}/{rid}"])
    if rid is not None and current(tx, rid) is not None:
        raise VersionConflict(f"{AUDIT} id already in use")
    return create_new(tx, [{**resource, "id": rid} if rid else resource])[0], True


ID_CHUNK = 500  # ids per `taken` statement


def taken(tx: Any, rids: list[str]) -> set[str]:
    """Which of these AuditEvent ids are stored (in a write: after the head and the ids'
    locks are taken, so that `create_new` of the others sees the same trail, whichever
    process's lane another writer of these ids appends to)."""
    if tx.write:
        chain.lock_head(tx)
        tx.match_locks([f"{AUDIT}/{rid}" for rid in rids])
    found: set[str] = set()
    for start in range(0, len(rids), ID_CHUNK):
        chunk = rids[start:start + ID_CHUNK]
        found.update(rid for (rid,) in tx._q(
            f"SELECT id FROM audit_event WHERE id IN ({', '.join('?' for _ in chunk)})", chunk))
    return found


def create_new(tx: Any, resources: list[dict]) -> list[Version]:
    """AuditEvents whose ids (if any) are not stored (`create` or `taken` checked it), in one
    append. An id stored meanwhile all the same (a writer that took no id lock) is a
    VersionConflict, as `create` answers it, never a database error."""
    try:
        rows = chain.append(tx, resources)
    except Exception as error:
        if tx.store.dialect.duplicate(error, "audit_event", "id"):
            raise VersionConflict(f"{AUDIT} id already in use") from None
        raise
    return [_version((r[0], r[1], r[2], r[3], r[7])) for r in rows]


# The trail as it was kept before (FHIR versions linked in audit_chain, guarded by triggers)
_OLD_GUARDED = (("resource_version", "UPDATE"), ("resource_version", "DELETE"),
                ("resource_current", "UPDATE"), ("resource_current", "DELETE"),
                ("audit_chain", "UPDATE"), ("audit_chain", "DELETE"))


def _old_link(prev: str, n: int, seq: int, rid: str, version: int, ts: str, deleted: bool,
              content: str | None) -> str:
    record = json.dumps([n, int(seq), rid, int(version), ts, bool(deleted), content],
                        ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{record}".encode()).hexdigest()


def _old_chain_intact(tx: Any, versions: list[tuple], checkpoint: Heads | None
                      ) -> str | None:
    """What is wrong with the old chain (None: intact, or a database from before any chain)."""
    links = tx._q("SELECT n, seq, hash FROM audit_chain ORDER BY n") \
        if "n" in tx.store.dialect.columns(tx.conn, "audit_chain") else []
    head = tx._q(chain.HEAD, (1,))
    by_seq = {row[0]: row for row in versions}
    prev = chain.GENESIS
    for expected, (n, seq, digest) in enumerate(links, 1):
        row = by_seq.get(seq)
        if n != expected or row is None or _old_link(prev, n, *row) != digest:
            return f"record {expected}"
        prev = digest
    if head and (int(head[0][0]) != len(links) or (links and head[0][1] != prev)):
        return "its head"
    if links and len(links) != len(versions):
        return "an unchained record"
    n, digest = (checkpoint or {}).get(1, (0, ""))
    if n > 0 and (n > len(links) or links[n - 1][2] != digest):
        return "the checkpoint"
    return None


def migrate(store: Any, checkpoint: Path | None) -> int:
    """Move the AuditEvent versions of a database from before into the trail; the number
    moved (0: nothing to move)."""
    with store.read() as tx:
        old = bool(store.dialect.columns(tx.conn, "audit_chain")) or \
            bool(tx._q("SELECT 1 FROM resource_version WHERE rtype = ? LIMIT 1", (AUDIT,)))
    if not old:
        return 0
    dialect = store.dialect.name
    lane = store.lane  # claimed first: the transaction below locks the head rows
    with store.write(serial=True) as tx:  # the versions leave resource_version too
        versions = [tuple(r) for r in tx._q(
            "SELECT seq, rid, version, ts, deleted, content FROM resource_version "
            "WHERE rtype = ? ORDER BY seq", (AUDIT,))]
        if tx._q("SELECT 1 FROM audit_event LIMIT 1"):
            if versions or store.dialect.columns(tx.conn, "audit_chain"):
                raise StorageError("AuditEvents are both in the trail and in the versions: "
                                   "this database was written by two server versions at once")
            return 0  # another process moved them meanwhile
        if not versions and not store.dialect.columns(tx.conn, "audit_chain"):
            return 0
        known = read_checkpoint(checkpoint) if checkpoint is not None else None
        wrong = _old_chain_intact(tx, versions, known)
        if wrong is not None:
            raise chain.Broken(f"the audit chain of this database is broken ({wrong}): it is "
                               "not moved; check the database with the previous version's "
                               "`audit verify`")
        for statement in [*chain.drop_append_only(dialect, _OLD_GUARDED),
                          *chain.drop_append_only(dialect)]:
            tx._x(statement)
        latest = {rid: (json.loads(content), ts) for _, rid, _, ts, _, content in versions
                  if content}  # an id's last version (AuditEvents were never updated)
        tx._x(chain.SET_HEAD, (0, chain.GENESIS, lane))
        tx.audit_head = None
        chain.append(tx, [body for body, _ in latest.values()],
                     [ts for _, ts in latest.values()])
        for table in ("search_token", "resource_current", "resource_version"):
            tx._x(f"DELETE FROM {table} WHERE rtype = ?", (AUDIT,))
        tx._x("DROP TABLE IF EXISTS audit_chain")
        for statement in chain.append_only(dialect):
            tx._x(statement)
        head = (lane, *chain.lock_head(tx))
    if checkpoint is not None:
        write_checkpoint(checkpoint, head, force=True)
    log.warning("moved %d AuditEvents from the resource versions into the audit trail",
                len(latest))
    return len(latest)
