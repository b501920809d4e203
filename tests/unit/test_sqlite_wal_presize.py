"""A SQLite store opens with its WAL grown to the size it reaches between two checkpoints
(server.storage.sqlite.presize_wal): durable audit commits then write over the file instead of
growing it (an fdatasync of a growing file also journals its size), and the database holds
nothing of it."""

from __future__ import annotations

from pathlib import Path

from server.identity.audit import Access
from server.identity.audit_writer import AuditWriter
from server.storage import DB_FILE, chain_verify, open_store
from server.storage.sqlite import WAL_SPARE


def _wal(data_dir: Path) -> Path:
    return data_dir / f"{DB_FILE}-wal"


def _presized(store) -> int:
    (page,), = store.query("PRAGMA page_size")
    (frames,), = store.query("PRAGMA wal_autocheckpoint")
    return 32 + (frames + WAL_SPARE) * (page + 24)


def test_durable_audit_commits_write_over_a_presized_wal(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        size = _wal(tmp_path).stat().st_size
        assert size >= _presized(store)
        writer = AuditWriter(store, checkpoint=None)  # durable: synchronous FULL, fdatasync
        for n in range(50):
            writer.write([Access("u", "U", f"p{n}", "read", {"labs"})])
        writer.close()
        assert _wal(tmp_path).stat().st_size == size  # written over, never grown
        assert store.query("SELECT name FROM sqlite_master WHERE name = 'wal_presize'") == []
        assert store.query("PRAGMA integrity_check") == [("ok",)]
        assert store.query("PRAGMA cache_size") == [(-2000,)]  # SQLite's default, restored
        report = chain_verify.verify(store)
        assert report.intact and report.count == 50
    finally:
        store.close()


def test_a_store_reopened_keeps_its_data_and_a_presized_wal(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.write() as tx:
        tx.create("Patient", {"resourceType": "Patient", "gender": "female"})
    store.close()  # the last connection: SQLite checkpoints and removes the WAL
    store = open_store(tmp_path)
    try:
        assert _wal(tmp_path).stat().st_size >= _presized(store)
        assert store.query("SELECT count(*) FROM resource_current WHERE rtype = 'Patient'") \
            == [(1,)]
        assert store.query("PRAGMA integrity_check") == [("ok",)]
    finally:
        store.close()
