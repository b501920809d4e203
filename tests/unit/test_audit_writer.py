"""AuditWriter on a real SQLite store: what concurrent requests queue while a commit runs goes
into the next single transaction (group commit), each waiter learns its own outcome, and every
event is chained."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.identity.audit import Access, audit_event
from server.identity.audit_writer import AuditWriter
from server.storage import chain, chain_verify, checkpoint, open_store
from server.storage.checkpoint import CHECKPOINT_FILE, read_checkpoint


def _event(n: int) -> dict:
    return audit_event(Access("u", "U", f"p{n}", "read", {"labs"}), datetime.now(UTC))


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store(tmp_path)
    yield opened
    opened.close()


def test_requests_queued_during_a_commit_share_the_next_one(store, monkeypatch) -> None:
    commits = []
    write = store.write
    monkeypatch.setattr(store, "write", lambda *args, **kwargs: commits.append(1) or
                        write(*args, **kwargs))
    writer = AuditWriter(store, checkpoint=None)
    blocker = write()
    blocker.__enter__()  # the database is busy: the writer waits with the first request
    try:
        first = writer.submit([_event(0)])
        threads = [threading.Thread(target=lambda n=n: writer.submit([_event(n)]))
                   for n in range(1, 20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not first.done()
    finally:
        blocker.__exit__(None, None, None)
    writer.write([_event(99)])  # after the 19 queued ones: all stored when it returns
    first.result(10)
    writer.close()
    assert len(commits) <= 3  # the first, the 19 queued together, and the last
    report = chain_verify.verify(store)
    assert report.intact and report.count == 21


def test_a_failed_commit_fails_every_waiter_of_its_batch(store) -> None:
    writer = AuditWriter(store, checkpoint=None)
    with store.write() as tx:
        tx.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON audit_event "
                        "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    waiting = [writer.submit([_event(n)]) for n in range(5)]
    for future in waiting:
        assert future.exception(10) is not None
    with store.write() as tx:
        tx.conn.execute("DROP TRIGGER refuse")
    writer.write([_event(9)])
    writer.close()
    assert chain_verify.verify(store).count == 1
    assert writer.submit([_event(10)]).exception(1) is not None  # closed: refused, not lost


def test_a_lone_request_commits_in_its_own_thread(store, monkeypatch) -> None:
    """No commit running: the caller's thread commits (no hop), its future is done on return."""
    threads = []
    write = store.write
    monkeypatch.setattr(store, "write", lambda *args, **kwargs: threads.append(
        threading.current_thread()) or write(*args, **kwargs))
    writer = AuditWriter(store, checkpoint=None)
    try:
        done = writer.submit([_event(0)], lead=True)
        assert done.done() and done.exception() is None
        assert threads == [threading.current_thread()]
    finally:
        writer.close()
    assert chain_verify.verify(store).count == 1


def test_while_a_leader_commits_the_others_queue_and_share_one_commit(store, monkeypatch) -> None:
    """A leader stuck in its commit: the requests behind it do not wait for it (they queue and
    return at once); the writer thread commits all of them together once it is done."""
    commits = []
    write = store.write
    monkeypatch.setattr(store, "write", lambda *args, **kwargs: commits.append(
        threading.current_thread().name) or write(*args, **kwargs))
    writer = AuditWriter(store, checkpoint=None)
    blocker = write()
    blocker.__enter__()  # the database is busy: the leader waits in its commit
    try:
        leader = threading.Thread(target=lambda: writer.submit([_event(0)], lead=True))
        leader.start()
        while not commits:
            threading.Event().wait(0.01)
        followers: list = []
        queuing = threading.Thread(target=lambda: followers.extend(
            writer.submit([_event(n)], lead=True) for n in range(1, 20)))
        queuing.start()
        queuing.join(5)
        assert not queuing.is_alive()  # queued: the requests behind the leader did not block
        assert not any(f.done() for f in followers)
    finally:
        blocker.__exit__(None, None, None)
    leader.join(10)
    for future in followers:
        assert future.exception(10) is None
    writer.close()
    assert commits[0] != "audit-writer" and commits[1:] == ["audit-writer"]
    report = chain_verify.verify(store)
    assert report.intact and report.count == 20


def test_the_checkpoint_file_is_written_by_the_writer_thread(store, monkeypatch,
                                                               tmp_path: Path) -> None:
    """A request that leads a commit does not also pay the checkpoint file's write (the
    store's file, the one the server gives it: its transactions note their heads there too)."""
    writers = []
    write_checkpoint = checkpoint.write_checkpoint
    monkeypatch.setattr(checkpoint, "write_checkpoint", lambda *args: writers.append(
        threading.current_thread().name) or write_checkpoint(*args))
    monkeypatch.setattr(checkpoint.Checkpoint, "EVERY", 0.0)
    writer = AuditWriter(store, checkpoint=tmp_path / CHECKPOINT_FILE)
    for n in range(3):
        writer.submit([_event(n)], lead=True).result(10)
    writer.close()
    assert writers and set(writers) == {"audit-writer"}
    assert read_checkpoint(tmp_path / CHECKPOINT_FILE) == \
        chain_verify.verify(store).heads


def _access(n: int) -> Access:
    """A read as the gate notes it (stored as a compact row, no identifier rows)."""
    return Access("u", "U", f"p{n}", "read", {"labs"})


@pytest.mark.parametrize("other", ["upload", "process"])
def test_a_head_another_writer_moved_is_read_again_before_the_next_commit(
        store, tmp_path: Path, monkeypatch, other: str) -> None:
    """On SQLite a commit chains after the head this writer moved it to, without reading it
    first; when another writer moved it meanwhile (a transaction of this process that appends,
    another process on the same file) the head is read, and every record still links to the
    one before it in the lane."""
    reads = []
    lock_head = chain.lock_head
    monkeypatch.setattr(chain, "lock_head", lambda tx: reads.append(tx.audit_head is None) or
                        lock_head(tx))
    writer = AuditWriter(store, checkpoint=None)
    try:
        writer.write([_access(0)])  # nothing known yet: the head is read
        writer.write([_access(1), _access(2)])  # after the known head, not read
        if other == "upload":
            with store.write(clinical=False) as tx:
                chain.append(tx, [_access(3)])
        else:
            second = open_store(tmp_path)
            try:
                chain.commit(second, [_access(3)])
            finally:
                second.close()
        writer.write([_access(4)])  # the head moved: read again
        writer.write([_access(5)])
    finally:
        writer.close()
    report = chain_verify.verify(store)
    assert report.intact and report.count == 6
    assert reads.count(True) == 3
