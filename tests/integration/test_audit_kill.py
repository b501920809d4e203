"""Access-log anchor of a store written only by processes that were SIGKILLed (never closed):
the keyring anchor follows the commits, so `clinicdesk audit verify` catches a truncated tail,
40 of 50 entries deleted with the head fixed, a renumbered and rehashed chain, and every other
tampering, naming the first bad entry by its sequence number."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import cli
from app.store import Store, access_log, keys
from tests.fixtures.store import FAST_KDF, PASSWORD
from tests.integration.test_store_audit import tamper_file
from tests.unit import test_store_access_log as tampering

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = (30, 20)  # entries written by each killed process: 50 in all
TOTAL = sum(SESSIONS)


def kill_after_writing(path: Path, entries: int) -> float:
    """Run the worker, wait for its entries and for the keyring anchor to name them, SIGKILL
    it; returns how long the anchor took to follow after the process said it had written."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.integration.audit_kill_worker",
                             str(path), PASSWORD, str(entries)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    key_file = keys.KeyFile.load(keys.key_file_path(path))
    before = (keys.load_anchor(key_file) or (0, ""))[0]
    try:
        line = proc.stdout.readline().strip()
        assert line == f"wrote {entries}".encode(), proc.stderr.read()[-2000:]
        said = time.monotonic()
        while (keys.load_anchor(key_file) or (0, ""))[0] != before + entries:
            assert time.monotonic() - said < 10, "the anchor did not follow the commits"
            time.sleep(0.005)
        delay = time.monotonic() - said
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return delay


@pytest.fixture(scope="module")
def killed_store(tmp_path_factory):
    """A store whose 50 entries were written by two processes, both SIGKILLed."""
    path = tmp_path_factory.mktemp("killed") / "alice.db"
    Store.create("alice", PASSWORD, path=path, kdf=FAST_KDF).close()
    key_file = keys.KeyFile.load(keys.key_file_path(path))
    try:
        delays = [kill_after_writing(path, n) for n in SESSIONS]
        print(f"anchor followed the last commit within {max(delays) * 1000:.0f} ms")
        yield path
    finally:
        keys.delete_keyring_entries(key_file)


@pytest.fixture
def store_copy(killed_store, tmp_path, monkeypatch):
    """A copy of the killed store's files (same store id: same keyring entries)."""
    copy = tmp_path / "alice.db"
    for suffix in ("", "-wal", "-shm", ".key"):
        source = Path(f"{killed_store}{suffix}")
        if source.exists():
            shutil.copy2(source, f"{copy}{suffix}")
    monkeypatch.setenv("CLINICDESK_PASSWORD", PASSWORD)
    return copy


def verify(capsys, path: Path) -> tuple[int, str]:
    code = cli.main(["audit", "verify", "--store", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def truncate_tail_and_head(conn, keep: int = 45) -> None:
    """Remove the newest entries and fix the in-file head to match."""
    conn.execute("DELETE FROM access_log WHERE seq > ?", (keep,))
    last = conn.execute("SELECT hash FROM access_log WHERE seq = ?", (keep,)).fetchone()[0]
    conn.execute("UPDATE access_log_head SET count = ?, hash = ?", (keep, last))


def delete_40_and_fix_head(conn) -> None:
    truncate_tail_and_head(conn, keep=10)


def delete_40_and_rechain(conn) -> None:
    """Delete entries 6–45, renumber and rehash the 10 left, fix the head (needs the DB key)."""
    kept = conn.execute("SELECT * FROM access_log WHERE seq <= 5 OR seq > 45 ORDER BY seq"
                        ).fetchall()
    conn.execute("DELETE FROM access_log")
    prev = access_log.GENESIS
    for seq, row in enumerate(kept, start=1):
        values = (seq, *row[1:8], prev)
        prev = access_log.entry_hash(values)
        conn.execute("INSERT INTO access_log VALUES (?,?,?,?,?,?,?,?,?,?)", (*values, prev))
    conn.execute("UPDATE access_log_head SET count = ?, hash = ?", (len(kept), prev))


def test_killed_store_is_anchored_and_intact(store_copy, capsys):
    key_file = keys.KeyFile.load(keys.key_file_path(store_copy))
    count, _ = keys.load_anchor(key_file)
    assert count == TOTAL
    assert verify(capsys, store_copy) == (0, f"access log intact: {TOTAL} entries\n")


@pytest.mark.parametrize(("tamper", "first_bad"), [
    (truncate_tail_and_head, 46), (delete_40_and_fix_head, 11), (delete_40_and_rechain, 11),
    (tampering.tamper_truncate, 8), (tampering.tamper_truncate_and_head, 8),
    (tampering.tamper_rewrite_chain, TOTAL), (tampering.tamper_edit, 5),
    (tampering.tamper_delete, 5), (tampering.tamper_delete_first, 1),
    (tampering.tamper_reorder, 5),
])
def test_tampering_a_killed_store_exits_1(store_copy, capsys, tamper, first_bad):
    tamper_file(store_copy, tamper)
    code, out = verify(capsys, store_copy)
    assert code == 1, out
    assert f"broken at entry {first_bad} " in out
    assert "p1" not in out.replace("entry 1", "")  # sequence numbers only, no patient id
