"""`Store`: the encrypted, per-user chart cache, with its index, outbox and access log.

    store = Store.create(username, password, path=None)     # first sign-in on this computer
    store = Store.unlock(username, password, path=None)     # every later sign-in (≤ 300 ms)
    store.put_resources([...], outbox_changes=[...], access=Access(...))   # ONE transaction
    store.close()

Threads (ARCHITECTURE rule 2): a Store is the write connection; one thread uses it at a time —
run it in a `StoreExecutor` (executor.py). Readers on other threads take `open_reader()`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from app.logsetup import PatientData
from app.store import (
    access_log,
    anchor,
    chart_access,
    db,
    drafts,
    keys,
    migrations,
    outbox,
    patients,
    ramq_cache,
    resources,
)
from app.store.db import Connection
from app.store.errors import StoreClosed, StoreExists, StoreNotFound, WrongKey
from app.store.reader import Reader, mapped

log = logging.getLogger(__name__)


class Store(Reader):
    """The write side (and all reads) of one user's store."""

    def __init__(self, conn: Connection, path: Path, key: bytes, key_file: keys.KeyFile):
        super().__init__(conn, path, key_file.db_salt)
        self._key = key
        self.key_file = key_file
        self.username = key_file.username
        self.keyring_backend = key_file.backend
        self.timings: dict[str, float] = {}
        self._head = access_log.head(conn)  # the access log's head after the last commit
        self.anchor = anchor.AnchorWriter(key_file, self._entry_hash)

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, username: str, password: str, *, path: Path | None = None,
               kdf: keys.KdfParams = keys.DEFAULT_KDF) -> Store:
        path = Path(path or keys.default_path(username))
        key_path = keys.key_file_path(path)
        if path.exists() or key_path.exists():
            raise StoreExists()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key, key_file = keys.create_key(username, password, kdf)
        conn = db.connect(path, key)
        migrations.migrate(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        key_file.db_salt = db.header_salt(path)
        key_file.save(key_path)
        log.info("store created (keyring back-end %s)", key_file.backend)
        return cls(conn, path, key, key_file)

    @classmethod
    def unlock(cls, username: str | None, password: str, *, path: Path | None = None) -> Store:
        """Open an existing store; `username` None takes the one recorded beside `path`."""
        started = time.perf_counter()
        if path is None and username is None:
            raise ValueError("a username or a path is needed")
        path = Path(path) if path else keys.default_path(str(username))
        if not path.exists():
            raise StoreNotFound("no database file")
        key_file = keys.KeyFile.load(keys.key_file_path(path))
        if username is not None and key_file.username != username:
            raise WrongKey("store of another user")
        timings: dict[str, float] = {}
        key = keys.unwrap_key(key_file, password, timings)
        opened = time.perf_counter()
        conn = db.connect(path, key, db_salt=key_file.db_salt)
        try:
            migrations.migrate(conn)
        except BaseException as err:
            conn.close()
            if isinstance(err, db.Error):
                raise db.classify(err, path, key_file.db_salt) from None
            raise
        store = cls(conn, path, key, key_file)
        store.timings = {**timings, "open_s": time.perf_counter() - opened,
                         "total_s": time.perf_counter() - started}
        if key_file.backend != keys.backend_name():
            log.warning("keyring back-end changed since the store was created")
        log.info("store unlocked in %.0f ms (KDF %.0f ms)", 1000 * store.timings["total_s"],
                 1000 * timings.get("kdf_s", 0))
        return store

    def open_reader(self) -> Reader:
        """A read-only connection of its own, for another thread."""
        self._require_open()
        return Reader(db.connect(self.path, self._key, db_salt=self._db_salt, readonly=True),
                      self.path, self._db_salt)

    def close(self) -> None:
        """Wait for the access log's anchor (app.store.anchor), fold the WAL back, close."""
        if self._conn is None:
            return
        try:
            self.anchor.close()
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except db.Error as err:
            log.warning("closing the store: %s", db.classify(err, self.path).detail)
        finally:
            super().close()
            self._key = b""

    def _entry_hash(self, seq: int) -> str | None:
        """The hash of access-log entry `seq`, on a read connection of the calling thread."""
        with self.open_reader() as reader:
            row = reader._conn.execute("SELECT hash FROM access_log WHERE seq = ?",
                                       (seq,)).fetchone()
        return row[0] if row else None

    def _require_open(self) -> None:
        if self._conn is None:
            raise StoreClosed()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction (BEGIN IMMEDIATE); errors become StoreErrors. Once committed, a
        transaction that added access-log entries moves the keyring anchor (app.store.anchor)."""
        self._require_open()
        with db.transaction(self._conn) as conn:
            yield conn
        head = access_log.head(self._conn)
        if head != self._head:
            self._head = head
            self.anchor.advance(head)

    # -- cache, index, outbox ------------------------------------------------------------
    def put_resources(self, items: list[dict[str, Any]], *,
                      outbox_changes: Sequence[outbox.OutboxChange] = (),
                      access: access_log.Access | None = None,
                      drop_draft: str | None = None) -> None:
        """Cache resources (indexing Patients), queue changes and log access: all or nothing.
        `drop_draft`: the patient whose note draft this saved note replaces."""
        index = [patients.entry_from_patient(r) for r in items
                 if r.get("resourceType") == "Patient"]
        with self.transaction() as conn:
            resources.put(conn, items)
            patients.upsert(conn, index)
            outbox.enqueue(conn, list(outbox_changes))
            if access is not None:
                access_log.append(conn, access)
            if drop_draft is not None:
                drafts.delete(conn, drop_draft)
        for entry in index:
            log.debug("indexed patient %s (%s)", entry.patient_id, PatientData(entry.nam))

    def delete_resource(self, resource_type: str, resource_id: str, *,
                        outbox_change: outbox.OutboxChange | None = None) -> bool:
        with self.transaction() as conn:
            found = resources.delete(conn, resource_type, resource_id)
            if resource_type == "Patient":
                patients.delete(conn, resource_id)
            outbox.enqueue(conn, [outbox_change] if outbox_change else [])
        return found

    def enqueue(self, changes: list[outbox.OutboxChange]) -> None:
        with self.transaction() as conn:
            outbox.enqueue(conn, changes)

    def apply_pull(self, upserts: list[dict[str, Any]], deletes: list[tuple[str, str]],
                   cursors: dict[str, str],
                   access: dict[str, chart_access.Row | None] | None = None) -> None:
        """One page from the server: resources in, (type, id) deletions out, cursors and
        charts' access rows (app.store.chart_access) moved — in one transaction, so a crash
        never leaves a cursor ahead of its data. Resources with changes still to send are
        left as they are (the local version wins until the server has it)."""
        with self.transaction() as conn:
            waiting = outbox.waiting(conn)
            if waiting:
                upserts = [r for r in upserts if (r["resourceType"], r["id"]) not in waiting]
                deletes = [d for d in deletes if d not in waiting]
            index = [patients.entry_from_patient(r) for r in upserts
                     if r.get("resourceType") == "Patient"]
            resources.put(conn, upserts)
            patients.upsert(conn, index)
            for resource_type, resource_id in deletes:
                resources.delete(conn, resource_type, resource_id)
                if resource_type == "Patient":
                    patients.delete(conn, resource_id)
            for stream, cursor in cursors.items():
                outbox.set_cursor(conn, stream, cursor)
            chart_access.put(conn, access or {})

    def mark_acknowledged(self, change_uuid: str, *,
                          server_resource: dict[str, Any] | None = None) -> None:
        """The server took the change; `server_resource` (its answer) replaces the cached copy."""
        self.mark_acknowledged_many([(change_uuid, server_resource)])

    def mark_acknowledged_many(self, done: list[tuple[str, dict[str, Any] | None]]) -> None:
        """Several acknowledged changes and the server's versions, in one transaction. A create
        the server gave another id drops the local-id copy; a delete leaves nothing cached."""
        with self.transaction() as conn:
            for change_uuid, server_resource in done:
                entry = outbox.get(conn, change_uuid)
                outbox.set_state(conn, change_uuid, outbox.ACKNOWLEDGED)
                if entry is None:
                    continue
                renamed = server_resource and str(server_resource.get("id")) != entry.resource_id
                if entry.method == "delete" or renamed:
                    resources.delete(conn, entry.resource_type, entry.resource_id)
                if server_resource and entry.method != "delete":
                    resources.put(conn, [server_resource])

    def mark_failed(self, change_uuid: str, error: str) -> None:
        """A try failed (network, 5xx); `error` is a code, never patient data."""
        with self.transaction() as conn:
            outbox.set_state(conn, change_uuid, outbox.FAILED, error)

    def record_conflict(self, change_uuid: str, server_resource: dict[str, Any] | None,
                        reason: str | None = None, *, earlier: Iterable[str] = ()) -> int:
        """Stop the change and keep both versions for the user (`reason`: a code); `earlier`
        changes of the same resource (coalesced into this one) stop with it."""
        with self.transaction() as conn:
            for uuid in earlier:
                outbox.set_state(conn, uuid, outbox.CONFLICT)
            return outbox.record_conflict(conn, change_uuid, server_resource, reason)

    def resolve_conflict(self, conflict_id: int, *, put: Sequence[dict[str, Any]] = (),
                         delete: tuple[str, str] | None = None,
                         outbox_changes: Sequence[outbox.OutboxChange] = ()) -> None:
        """Close a conflict, caching `put`, dropping `delete` and queuing `outbox_changes` (the
        user's choice, app.sync.conflicts) in the same transaction."""
        index = [patients.entry_from_patient(r) for r in put
                 if r.get("resourceType") == "Patient"]
        with self.transaction() as conn:
            resources.put(conn, list(put))
            patients.upsert(conn, index)
            if delete is not None:
                resources.delete(conn, *delete)
                if delete[0] == "Patient":
                    patients.delete(conn, delete[1])
            outbox.enqueue(conn, list(outbox_changes))
            outbox.resolve_conflict(conn, conflict_id)

    def set_cursor(self, stream: str, cursor: str | None) -> None:
        with self.transaction() as conn:
            outbox.set_cursor(conn, stream, cursor)

    # -- access log, purge ---------------------------------------------------------------
    def log_access(self, access: access_log.Access) -> access_log.Entry:
        with self.transaction() as conn:
            return access_log.append(conn, access)

    def log_accesses(self, accesses: list[access_log.Access]) -> list[access_log.Entry]:
        """Several entries in one write (one head read and write: a day's schedule logs one
        entry per patient)."""
        if not accesses:
            return []
        with self.transaction() as conn:
            return access_log.append_many(conn, accesses)

    def put_ramq_answer(self, nam: str, service: str, answer: dict[str, Any], as_of: str,
                        access: access_log.Access | None = None) -> None:
        """Keep the last RAMQ answer for offline use, and log the access, in one transaction."""
        with self.transaction() as conn:
            ramq_cache.put(conn, nam, service, answer, as_of)
            if access is not None:
                access_log.append(conn, access)

    def put_note_draft(self, patient_id: str, body: str | None) -> None:
        """Autosave of the note being written (None or blank: no draft any more)."""
        with self.transaction() as conn:
            if body and body.strip():
                drafts.put(conn, patient_id, body)
            else:
                drafts.delete(conn, patient_id)

    def acknowledge_access(self, seqs: list[int]) -> None:
        with self.transaction() as conn:
            access_log.acknowledge(conn, seqs)

    @mapped
    def verify_access_log(self) -> access_log.ChainVerdict:
        """Check the chain against the in-file head and the keyring anchor."""
        return access_log.verify(self._conn, keys.load_anchor(self.key_file))

    def evict_chart(self, patient_id: str) -> None:
        """The server no longer shows this chart: drop it. With changes still queued, those
        stay (to be refused by the server and kept as conflict records rather than lost) and
        only the cached resources and access row go; without, the chart is purged."""
        with self.transaction() as conn:
            if outbox.waiting(conn, patient_id):
                resources.delete_for_patient(conn, patient_id)
                chart_access.delete(conn, patient_id)
                return
        self.purge_patient(patient_id)

    def purge_patient(self, patient_id: str) -> int:
        """Remove a patient's chart, index row, queued changes and conflicts for good
        (secure_delete zeroes the freed pages; the WAL is folded back and truncated).
        Access-log entries stay: they record who saw what, by opaque patient id."""
        with self.transaction() as conn:
            removed = resources.delete_for_patient(conn, patient_id)
            patients.delete(conn, patient_id)
            conn.execute("DELETE FROM outbox WHERE patient_id = ?", (patient_id,))
            conn.execute("DELETE FROM conflicts WHERE patient_id = ?", (patient_id,))
            chart_access.delete(conn, patient_id)
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed


def remove_files(path: Path) -> None:
    """Delete a store's database, WAL, shared-memory and key files (tests, retirement)."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), keys.key_file_path(path)):
        if candidate.exists():
            os.remove(candidate)
