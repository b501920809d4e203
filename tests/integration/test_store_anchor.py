"""The access log's keyring anchor (app.store.anchor) on a real store and Secret Service: it
follows every commit that adds entries, coalesces bursts, and a write the keyring refused is
made again at the next commit or at the close."""

from __future__ import annotations

from app.core.data_class import DataClass
from app.store import Access, access_log, keys
from app.store.errors import KeyringUnavailable

READ = Access("dr.roy", "p1", DataClass.NOTES, "read")


def anchored(store) -> tuple[int, str] | None:
    return keys.load_anchor(store.key_file)


def head(store) -> tuple[int, str]:
    with store.transaction() as conn:
        return access_log.head(conn)


def test_the_anchor_follows_every_commit(store):
    assert anchored(store) is None
    for n in range(1, 4):
        store.log_access(READ)
        assert store.anchor.flush(10)
        assert anchored(store) == head(store) and head(store)[0] == n
    store.put_resources([], outbox_changes=[])  # no entry added: no write
    assert store.anchor.written == head(store)


def test_a_burst_of_commits_is_coalesced(store):
    for _ in range(30):
        store.log_access(READ)
    assert store.anchor.flush(10)
    assert anchored(store) == head(store) == (30, head(store)[1])


def test_a_refused_write_is_made_again_at_the_close(store, monkeypatch):
    real, calls = keys.save_anchor, []

    def refusing(key_file, count, head_hash):
        calls.append(count)
        if len(calls) == 1:
            raise KeyringUnavailable("locked")
        real(key_file, count, head_hash)
    monkeypatch.setattr(keys, "save_anchor", refusing)
    store.log_access(READ)
    assert store.anchor.flush(10)
    assert anchored(store) is None  # refused; nothing newer to write yet
    expected = head(store)
    store.close()
    assert calls == [1, 1]
    assert keys.load_anchor(store.key_file) == expected
