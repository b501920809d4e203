"""Versioned FHIR resource storage: SQLite (default, one file) or PostgreSQL (a URL).

`open_store(data_dir, database_url)` gives a `Store`; use it as
`with store.read() as tx: tx.read("Patient", pid)` or
`with store.write() as tx: tx.create("Patient", body)` (all or nothing).
Errors: see server.storage.base (root `StorageError`).
"""

from __future__ import annotations

from pathlib import Path

from server.storage import audit_trail
from server.storage.base import (
    BadQuery,
    Clause,
    Contention,
    Criteria,
    Gone,
    MultipleMatches,
    NotFound,
    Page,
    StorageError,
    Unavailable,
    Version,
    VersionConflict,
)
from server.storage.checkpoint import CHECKPOINT_FILE, Checkpoint
from server.storage.sql import Store, format_instant
from server.storage.tx import NeedsSnapshot, Tx

DB_FILE = "clinicdesk.sqlite3"

__all__ = ["BadQuery", "Clause", "Contention", "Criteria", "Gone", "MultipleMatches", "NotFound",
           "NeedsSnapshot", "Page", "StorageError", "Store", "Tx", "Unavailable", "Version",
           "VersionConflict", "format_instant", "open_store"]


def open_store(data_dir: Path, database_url: str | None = None) -> Store:
    """The store; a database from before gets its AuditEvents moved into the audit trail
    (server.storage.audit_trail.migrate, the checkpoint in `data_dir` rewritten)."""
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise StorageError("database URL must start with postgresql://")
        from server.storage.postgres import PostgresDialect
        store = Store(PostgresDialect(database_url))
    else:
        from server.storage.sqlite import SqliteDialect
        store = Store(SqliteDialect(Path(data_dir) / DB_FILE))
    store.checkpoint = Checkpoint(Path(data_dir) / CHECKPOINT_FILE)
    try:
        audit_trail.migrate(store, Path(data_dir) / CHECKPOINT_FILE)
    except BaseException:
        store.close()
        raise
    return store
