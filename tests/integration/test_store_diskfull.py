"""Disk full on write: a real, tiny tmpfs (we run as root in CI); the failed transaction rolls
back, earlier data stays, and the error says what to do."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest

from app.store import DiskFull, Store
from tests.fixtures.store import PASSWORD


@contextlib.contextmanager
def tiny_filesystem(where: Path, size: str = "600k"):
    where.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(where)], check=True)


def blob(i: int) -> dict:
    return {"resourceType": "Binary", "id": f"b{i}", "data": f"{i:08d}" * 4000}


def test_disk_full_is_distinct_and_keeps_earlier_data(make_store, tmp_path):
    with tiny_filesystem(tmp_path / "small") as mounted:
        store = make_store("alice", path=tmp_path / "small" / "alice.db")
        if not mounted:  # not root: SQLite's own page limit gives the same SQLITE_FULL
            store._conn.execute("PRAGMA max_page_count = 150")
        written = 0
        with pytest.raises(DiskFull) as err:
            for i in range(200):
                store.put_resources([blob(i)])
                written += 1
        assert 0 < written < 200
        assert "disk is full" in str(err.value.text).lower()
        assert store.get_resource("Binary", f"b{written}") is None  # rolled back
        assert store.get_resource("Binary", "b0")["data"] == blob(0)["data"]
        store.close()
        with Store.unlock("alice", PASSWORD, path=tmp_path / "small" / "alice.db") as again:
            assert len(again.list_by_type("Binary")) == written
