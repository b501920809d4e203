"""A transaction on the versioned store (server.storage.sql: the tables, who waits for whom,
and why a `_since` query selects by lastUpdated): reads, searches, history and $everything,
and the writes of resource versions with their search tokens and care rows. AuditEvents are
no versions: Tx hands them to their own trail (server.storage.audit_trail).
"""

from __future__ import annotations

import json
import uuid
import zlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.core.fhir import patient_of
from server.storage import audit_trail, care, chain, index
from server.storage.base import (
    Clause,
    Criteria,
    Gone,
    MultipleMatches,
    NotFound,
    Page,
    StorageError,
    Version,
    VersionConflict,
)
from server.storage.index import utc_instant as format_instant
from server.storage.query import where

if TYPE_CHECKING:
    from server.storage.sql import Store

COLUMNS = "rtype, rid, version, ts, deleted, seq, content, patient, data_class"
CURRENT = ", ".join(f"c.{name}" for name in COLUMNS.split(", "))
MICRO = timedelta(microseconds=1)
# The versions stamped at or after `_since`: by the ts index, never a walk of every version in
# seq order (nor a seq found from a ts: seq order is not lastUpdated order, the module's text)
SINCE = "SELECT seq FROM resource_version WHERE ts >= ?"
CONSENTS_MAX = 10_000  # a patient's Consents read for an access decision
# Read statements sent prepared (Tx._rows), by text, per process: a search's text follows the
# client's parameters, and each text is prepared on every connection that sends it; the rest
# go through psycopg's cursor layer (its own cache of prepared statements is bounded)
PREPARED_TEXTS = 64
_prepared_texts: set[str] = set()


class NeedsSnapshot(Exception):
    """A `Store.alone(single=True)` read needed a second statement (not sent)."""


def _row(row: tuple, method: str = "PUT") -> Version:
    return Version.stored(row[0], row[1], int(row[2]), row[3], bool(row[4]), int(row[5]), row[6],
                          row[7], row[8], method)


def _part_seq(row: tuple) -> tuple[int, int]:
    """The order of a statement's rows of two parts (a first column 0 or 1) by seq."""
    return row[0], int(row[6])


def _preparable(text: str) -> bool:
    if text in _prepared_texts:
        return True
    if len(_prepared_texts) >= PREPARED_TEXTS:
        return False
    _prepared_texts.add(text)
    return True


def _scalars(args: list | tuple) -> bool:
    return all(a is None or type(a) in (str, int, float) for a in args)


class Tx:
    """Reads and writes inside one database transaction."""

    def __init__(self, store: Store, conn: Any, write: bool = False,
                 clock: datetime | None = None, single: bool = False, alone: bool = False):
        """`clock`: the database's clock when this write began (PostgreSQL), None: Store.tick
        stamps the versions (SQLite's one writer). `single`, `alone`: see Store.alone."""
        self.store, self.conn, self.write, self.clock = store, conn, write, clock
        self._alone = alone
        self._floor: str | None = None
        self._last: datetime | None = None  # the latest lastUpdated this transaction stamped
        self._matching: set[int] = set()  # the conditional-match locks held
        self.audit_head: tuple[int, str] | None = None  # read and locked at the first append
        self.audit_lane: int | None = None  # the lane of that head (chain.lock_head)
        self._consents: dict[str, list[Version]] = {}  # by patient: see `consents`
        self._single = 0 if single else None  # statements sent in a `Store.alone(single=True)` read

    def _q(self, text: str, args: list | tuple = ()) -> list[tuple]:
        return self._x(text, args).fetchall()

    def _rows(self, text: str, args: list | tuple = ()) -> list[tuple]:
        """The rows of one of this class's reads. Outside a transaction (Store.alone), when
        its parameters are scalars, on PostgreSQL a statement prepared once per connection and
        sent through libpq (server.storage.prepared: not psycopg's cursor layer, about as much
        client CPU as the round trip), for the first PREPARED_TEXTS texts; not inside one: a
        statement psycopg deallocated (at a ROLLBACK) would fail there, and fail the
        transaction with it."""
        if not (self._alone and _scalars(args) and _preparable(text)):
            return self._q(text, args)
        self._counted()
        return self.store.dialect.rows(self.conn, text, args)

    def _x(self, text: str, args: list | tuple = ()) -> Any:
        self._counted()
        return self.conn.execute(self.store.dialect.sql(text), tuple(args))

    def _counted(self) -> None:
        if self._single is not None:
            if self._single:
                raise NeedsSnapshot("a second statement: read again in one transaction")
            self._single = 1

    # reads
    def current(self, rtype: str, rid: str) -> Version | None:
        if rtype == chain.AUDIT:
            return audit_trail.current(self, rid)
        # in a write, its row stays locked until the commit: the version it reads is the one
        # the write follows (concurrent writers of one resource queue here)
        lock = self.store.dialect.lock_row if self.write else ""
        rows = self._rows(f"SELECT {COLUMNS} FROM resource_current WHERE rtype = ? AND rid = ?"
                       + lock, (rtype, rid))
        return _row(rows[0]) if rows else None

    def read(self, rtype: str, rid: str) -> Version:
        found = self.current(rtype, rid)
        if found is None:
            raise NotFound(f"{rtype} not found")
        if found.deleted:
            raise Gone(f"{rtype} deleted", found)
        return found

    def vread(self, rtype: str, rid: str, version_id: str) -> Version:
        if rtype == chain.AUDIT:
            found = audit_trail.current(self, rid) if version_id == "1" else None
            if found is None:
                raise NotFound(f"{rtype} version not found")
            return found
        rows = self._rows(f"SELECT {COLUMNS} FROM resource_version WHERE rtype = ? AND rid = ? "
                       "AND version = ?", (rtype, rid, int(version_id))) \
            if version_id.isdigit() else []
        if not rows:
            raise NotFound(f"{rtype} version not found")
        found = _row(rows[0])
        if found.deleted:
            raise Gone(f"{rtype} version is a deletion", found)
        return found

    def _paged(self, rows: list[tuple], count: int) -> Page:
        versions = [_row(r) for r in rows[:count]]
        more = len(rows) > count and versions
        return Page(versions, versions[-1].seq if more else None)

    def search(self, criteria: Criteria, total: bool = True, consents: bool = False) -> Page:
        """`consents`: the current Consents of the page's patients are read by the same
        statement (one snapshot, one round trip fewer than a read of its own), kept for
        `consents` (the patient context of each entry an authorised search decides)."""
        if criteria.rtype == chain.AUDIT:
            return audit_trail.search(self, criteria, total)
        if self.write:  # a conditional match: see `_match_lock`
            self._match_lock(criteria)
        source, text, args = where(criteria)
        found = (f"SELECT {CURRENT} FROM {source} WHERE {text} AND c.seq > ? "
                 "ORDER BY c.seq LIMIT ?")
        paged = [*args, criteria.after_seq, criteria.count + 1]
        rows = self._with_consents(found, paged) if consents else self._rows(found, paged)
        page = self._paged(rows, criteria.count)
        if total:
            page.total = int(self._rows(f"SELECT count(*) FROM {source} WHERE {text}",
                                     args)[0][0])
        return page

    def _with_consents(self, found: str, args: list) -> list[tuple]:
        """The rows of the page query `found`; the Consents of their patients kept aside
        (every patient of the page gets an entry, none found: an empty list)."""
        rows = self._rows(f"WITH page AS ({found}) SELECT 0 AS part, * FROM page UNION ALL "
                          f"SELECT 1, {CURRENT} FROM resource_current c WHERE c.rtype = "
                          "'Consent' AND c.deleted = 0 AND c.patient IN (SELECT patient FROM "
                          "page)", args)
        rows.sort(key=_part_seq)  # here: SQLite would sort (copy) the rows with their texts
        page = [r[1:] for r in rows if r[0] == 0]
        self._consents.update({r[7]: [] for r in page if r[7] is not None})
        for r in rows:
            if r[0] == 1:
                self._consents[r[8]].append(_row(r[1:]))
        return page

    def consents(self, patient_id: str) -> list[Version]:
        """The patient's current Consents in this transaction: read along a search page
        (`search(consents=True)`) or now (kept for the rest of a read; a write may change
        them: read each time)."""
        found = self._consents.get(patient_id)
        if found is None:
            found = self.search(Criteria("Consent", [Clause("patient", (patient_id,))],
                                         count=CONSENTS_MAX), total=False).versions
            if not self.write:
                self._consents[patient_id] = found
        return found

    def _match_lock(self, criteria: Criteria) -> None:
        """Before a conditional match in a write: the lock of its type and patient, held to the
        commit, so that two writers matching one criteria (a create's If-None-Exist and its
        retry) run one after the other, the second seeing what the first created. Keyed on the
        patient clause ops.conditional ends the criteria with (every resource a criteria with
        it matches names that patient, and so would its creator's criteria); on the type
        alone without one (a Patient's NAM, reference data)."""
        self.match_locks([self._match_name(criteria)])

    @staticmethod
    def _match_name(criteria: Criteria) -> str:
        if criteria.rtype == chain.AUDIT:
            return audit_trail.match_name(criteria)
        last = criteria.clauses[-1] if criteria.clauses else None
        if last is not None and last.name == "patient" and len(last.values) == 1:
            return f"{criteria.rtype}/{last.values[0]}"
        return criteria.rtype

    def lock_matches(self, conditions: list[Criteria]) -> None:
        """The locks of several conditional creates' matches (a batch's), taken before the
        first match in one order, so that two writers of the same criteria listed in other
        orders never deadlock."""
        if any(c.rtype == chain.AUDIT for c in conditions):
            chain.lock_head(self)  # first, as audit_trail.search takes it
        self.match_locks([self._match_name(c) for c in conditions])

    def match_locks(self, names: list[str]) -> None:
        """The conditional-match locks of these names (not yet held), held to the commit; taken
        in the order of their keys, so that two writers wanting several never deadlock."""
        keys = {zlib.crc32(name.encode()) - (1 << 31) for name in names}  # signed 32-bit
        for key in sorted(keys - self._matching):
            self.store.dialect.lock(self.conn, key)
            self._matching.add(key)

    def history(self, rtype: str | None, rid: str | None, since: str | None, count: int,
                before_seq: int | None, accounts: list[str] | None = None) -> Page:
        """`accounts` (a user's system history, with `since`: the user's and their mandators'
        usernames): only reference data (no patient) and the resources of the patients the
        Practitioners of these accounts care for (server.storage.care), selected in SQL by
        lastUpdated: the care rows whose chart changed since, then those charts' versions
        since — never a read of the other patients' changes nor a probe per patient of the
        care team. AuditEvents: their own trail (`AuditEvent/_history`), never in the system
        history."""
        if rtype == chain.AUDIT:
            return audit_trail.history(self, rid, since, count, before_seq)
        v = "resource_version"
        conds: list[str] = []
        args: list[object] = []
        for cond, value in (("rtype = ?", rtype), ("rid = ?", rid), ("seq < ?", before_seq)):
            if value is not None:
                conds.append(f"{v}.{cond}")
                args.append(value)
        source = v
        if since is not None and accounts is not None:
            # the chosen seqs drive the query (CROSS JOIN: in that order on SQLite), the page's
            # alone: a first round reads the rows of its page, not of every version since
            chosen, more = care.changed_since(self, accounts, since, before_seq)
            source = f"(SELECT seq FROM ({chosen}) c ORDER BY seq DESC LIMIT ?) s CROSS JOIN {v}"
            conds.append(f"{v}.seq = s.seq")
            args[:0] = [*more, count + 1]
        elif since is not None:  # by ts: seq order is not lastUpdated order (module text)
            conds.append(f"{v}.seq IN ({SINCE})")
            args.append(since)
        text = " AND ".join(conds) or "1 = 1"
        columns = ", ".join(f"{v}.{c}" for c in (*COLUMNS.split(", "), "method"))
        rows = self._rows(f"SELECT {columns} FROM {source} WHERE {text} "
                          f"ORDER BY {v}.seq DESC LIMIT ?", [*args, count + 1])
        versions = [_row(r, r[9]) for r in rows[:count]]
        return Page(versions, versions[-1].seq if len(rows) > count and versions else None)

    def everything(self, patient_id: str, since: str | None, count: int, after_seq: int) -> Page:
        # AuditEvents name the patient but are not part of the chart (nor of resource_current:
        # server.storage.audit_trail)
        text = "c.patient = ? AND c.deleted = 0 AND c.seq > ?"
        args: list = [patient_id, after_seq]
        if since is not None:
            text += " AND c.ts >= ?"
            args.append(since)
        rows = self._rows(f"SELECT {COLUMNS} FROM resource_current c WHERE {text} "
                          "ORDER BY c.seq LIMIT ?", [*args, count + 1])
        page = self._paged(rows, count)
        if since is None and not after_seq and page.next_cursor is None and not self.write:
            # the whole chart: its Consents are among it (`consents` reads them no more)
            self._consents[patient_id] = [v for v in page.versions if v.rtype == "Consent"]
        return page

    # writes
    def create(self, rtype: str, resource: dict, if_none_exist: Criteria | None = None,
               rid: str | None = None) -> tuple[Version, bool]:
        """(version, created): an If-None-Exist match returns the existing resource."""
        if rtype == chain.AUDIT:
            return audit_trail.create(self, resource, if_none_exist, rid)
        if if_none_exist is not None:
            if_none_exist.count = 2
            found = self.search(if_none_exist, total=False).versions
            if len(found) > 1:
                raise MultipleMatches("If-None-Exist matches several resources")
            if found:
                return found[0], False
        # an id of the client's may be taken; a new random one is not read first: its
        # version 1 would break UNIQUE (rtype, rid, version), never overwrite
        if rid is not None and self.current(rtype, rid) is not None:
            raise VersionConflict(f"{rtype} id already in use")
        return self._put(rtype, rid or str(uuid.uuid4()), None, resource, "POST"), True

    def audit_taken(self, rids: list[str]) -> set[str]:
        """Which of these AuditEvent ids are stored, in one statement."""
        return audit_trail.taken(self, rids)

    def audit_create(self, resources: list[dict]) -> list[Version]:
        """AuditEvents with ids of their own that `audit_taken` (in this transaction) found
        free, in one append."""
        return audit_trail.create_new(self, resources)

    def update(self, rtype: str, rid: str, resource: dict, if_match: str | None) -> Version:
        """If-Match (a versionId) is checked when given; the HTTP layer requires it."""
        found = self.current(rtype, rid)
        if found is None:
            raise NotFound(f"{rtype} not found")
        if if_match is not None and if_match != found.version_id:
            raise VersionConflict(f"{rtype} is at another version than If-Match")
        return self._put(rtype, rid, found, resource, "PUT")

    def upsert(self, rtype: str, rid: str, resource: dict) -> Version:
        """Create with this id, or add a version without any check (seeding, server-side)."""
        found = self.current(rtype, rid)
        method = "PUT" if found is not None else "POST"
        return self._put(rtype, rid, found, resource, method)

    def delete(self, rtype: str, rid: str, if_match: str | None = None) -> Version | None:
        """The deletion version, or None when there was nothing to delete."""
        found = self.current(rtype, rid)
        if found is not None and if_match is not None and if_match != found.version_id:
            raise VersionConflict(f"{rtype} is at another version than If-Match")
        if found is None or found.deleted:
            return None
        return self._put(rtype, rid, found, None, "DELETE")

    def _stamp(self, previous: Version | None) -> str:
        """The lastUpdated of a new version: on PostgreSQL the write's clock (at or after the
        start the fence sees), after the previous version and this write's last stamp."""
        if self.clock is None:
            if self._floor is None:  # another process may write this SQLite file
                row = self._q("SELECT ts FROM resource_version ORDER BY seq DESC LIMIT 1")
                self._floor = row[0][0] if row else ""
            return format_instant(self.store.tick(self._floor))
        floors = [self.clock, *([self._last + MICRO] if self._last else []),
                  *([datetime.fromisoformat(previous.last_updated) + MICRO] if previous else [])]
        self._last = max(floors)
        return format_instant(self._last)

    def _put(self, rtype: str, rid: str, previous: Version | None, resource: dict | None,
             method: str) -> Version:
        """A new version after `previous` (read locked, by `current`); None: the first."""
        if rtype == chain.AUDIT:  # never updated nor deleted (server.storage.chain)
            raise StorageError(chain.REFUSED)
        version = previous.version + 1 if previous else 1
        patient = previous.patient if previous else None  # a deletion's
        ts = self._stamp(previous)
        text = None
        if resource is not None:
            meta = {**(resource.get("meta") or {}), "versionId": str(version), "lastUpdated": ts}
            body = {"resourceType": rtype, "id": rid, **resource, "meta": meta}
            body["id"] = rid
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            patient = patient_of(body, rtype, rid)
        data_class = index.data_class(rtype, body if resource is not None else None)
        deleted = int(resource is None)
        seq = self._x("INSERT INTO resource_version (rtype, rid, version, ts, deleted, content, "
                      "patient, method, data_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "RETURNING seq", (rtype, rid, version, ts, deleted, text, patient, method,
                                        data_class)).fetchone()[0]
        if rtype == "Patient":
            care.record(self, rid, body if resource is not None else None, ts)
        elif patient is not None:
            care.touch(self, patient, ts)
        self._x("INSERT INTO resource_current (rtype, rid, version, ts, deleted, seq, content, "
                "patient, data_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rtype, rid) "
                "DO UPDATE SET version = excluded.version, ts = excluded.ts, "
                "deleted = excluded.deleted, seq = excluded.seq, content = excluded.content, "
                "patient = excluded.patient, data_class = excluded.data_class",
                (rtype, rid, version, ts, deleted, seq, text, patient, data_class))
        if previous is not None:  # a resource never stored has no tokens
            self._x("DELETE FROM search_token WHERE rtype = ? AND rid = ?", (rtype, rid))
        rows = [(rtype, rid, *t) for t in index.tokens(rtype, resource)] if resource else []
        if rows:
            self.conn.cursor().executemany(self.store.dialect.sql(
                "INSERT INTO search_token (rtype, rid, name, system, value) "
                "VALUES (?, ?, ?, ?, ?)"), rows)
        return Version(rtype, rid, version, ts, bool(deleted), int(seq), text, patient, method,
                       data_class)
