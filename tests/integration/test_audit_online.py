"""`clinicdesk audit verify --server URL`: the local access log against the AuditEvents the
real server holds. Pushed entries match; a log rewritten after its push — even with the in-file
head and the keyring anchor rewritten too, which no local check can catch — is reported by
sequence number; entries not pushed yet are only counted."""

from __future__ import annotations

import uuid

import keyring
import pytest

from app import cli
from app.central.auth import TokenStore
from app.core.data_class import DataClass
from app.store import Access, Store, access_log, keys
from tests.fixtures.store import FAST_KDF, raw_connection
from tests.fixtures.sync import PHYSICIAN, PHYSICIAN_PASSWORD, sync_pid

PUSHED, PENDING = 6, 2
PID = sync_pid(10)


@pytest.fixture
def pushed_store(sync_server, tmp_path, monkeypatch):
    """A store (the physician's, unlocked by their password) with 6 entries pushed to the
    server as AuditEvents and 2 not yet pushed; closed."""
    from app.central.client import ClientConfig, FhirClient
    from app.sync.engine import SyncEngine
    from app.sync.store_cache import StoreCache
    path = tmp_path / "ws.db"
    store = Store.create(PHYSICIAN, PHYSICIAN_PASSWORD, path=path, kdf=FAST_KDF)
    tokens = TokenStore(sync_server.base, PHYSICIAN, service=f"ClinicDesk test {uuid.uuid4()}")
    client = FhirClient(ClientConfig(sync_server.base, PHYSICIAN), token_store=tokens)
    try:
        client.sign_in(PHYSICIAN_PASSWORD)
        sync = SyncEngine(client, StoreCache(store))
        sync.open_chart(PID)
        for i in range(PUSHED):
            store.log_access(Access(PHYSICIAN, PID, (DataClass.NOTES, DataClass.LABS)[i % 2],
                                    "read", reason="urgence" if i == 2 else None))
        assert sync.sync().audited == PUSHED
        for _ in range(PENDING):
            store.log_access(Access(PHYSICIAN, PID, DataClass.NOTES, "read"))
    finally:
        client.close()
        tokens.delete()
        store.close()
    monkeypatch.setenv("CLINICDESK_PASSWORD", PHYSICIAN_PASSWORD)
    yield path, sync_server.base
    keys.delete_keyring_entries(store.key_file)
    TokenStore(sync_server.base, PHYSICIAN).delete()  # the command's own sign-in


def verify(capsys, path, *extra: str) -> tuple[int, str]:
    code = cli.main(["audit", "verify", "--store", str(path), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def rewrite_from(first: int, drop: tuple[int, ...] = ()):
    """Edit (and drop) entries from `first` on and rehash the chain and the in-file head, as
    someone with the database key would; returns the tampering function."""
    def tamper(conn) -> None:
        rows = conn.execute("SELECT * FROM access_log ORDER BY seq").fetchall()
        conn.execute("DELETE FROM access_log")
        prev, seq = access_log.GENESIS, 0
        for row in rows:
            if row[0] in drop:
                continue
            seq += 1
            information = "demographics" if row[0] >= first else row[4]
            values = (seq, *row[1:4], information, *row[5:8], prev)
            prev = access_log.entry_hash(values)
            conn.execute("INSERT INTO access_log VALUES (?,?,?,?,?,?,?,?,?,?)", (*values, prev))
        conn.execute("UPDATE access_log_head SET count = ?, hash = ?", (seq, prev))
    return tamper


def tamper_file(path, tamper) -> None:
    conn = raw_connection(path, PHYSICIAN_PASSWORD)
    conn.execute("DROP TRIGGER access_log_no_update")
    conn.execute("DROP TRIGGER access_log_no_delete")
    tamper(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def rewrite_anchor(path) -> None:
    """The keyring anchor moved to the rewritten head too (someone holding the session)."""
    conn = raw_connection(path, PHYSICIAN_PASSWORD)
    count, head_hash = access_log.head(conn)
    conn.close()
    keys.save_anchor(keys.KeyFile.load(keys.key_file_path(path)), count, head_hash)


def test_pushed_entries_match_the_server(pushed_store, capsys):
    path, base = pushed_store
    code, out = verify(capsys, path, "--server", base)
    assert code == 0, out
    assert f"access log intact: {PUSHED + PENDING} entries" in out
    assert f"server: {PUSHED} entries match, {PENDING} not pushed yet" in out


@pytest.mark.parametrize(("first", "drop", "named"), [
    (4, (), "entries 4-6 acknowledged but missing on the server"),
    (99, (2, 3), "entries 2-6 acknowledged but missing on the server"),
])
def test_log_rewritten_with_head_and_anchor_is_caught_online(pushed_store, capsys, first, drop,
                                                              named):
    path, base = pushed_store
    tamper_file(path, rewrite_from(first, drop))
    rewrite_anchor(path)
    code, out = verify(capsys, path, "--offline")
    assert code == 0, out  # locally, a perfect forgery
    code, out = verify(capsys, path, "--server", base)
    assert code == 1, out
    assert named in out
    assert PID not in out and "urgence" not in out


def test_tail_removed_with_head_and_anchor_is_caught_online(pushed_store, capsys):
    """Entries 5–8 removed, the in-file head fixed, the keyring anchor deleted: locally the
    shorter log is consistent; the server's acknowledgements of 5 and 6 still tell."""
    path, base = pushed_store
    tamper_file(path, rewrite_from(99, drop=(5, 6, 7, 8)))
    keyring.delete_password(keys.SERVICE, keys.KeyFile.load(keys.key_file_path(path)).account
                            + ":audit")
    code, out = verify(capsys, path, "--offline")
    assert code == 0, out
    code, out = verify(capsys, path, "--server", base)
    assert code == 1 and "entries 5-6 acknowledged by the server but gone from the local log" \
        in out, out


def test_server_that_cannot_be_asked_exits_2(pushed_store, capsys):
    path, _ = pushed_store
    code, out = verify(capsys, path, "--server", "http://127.0.0.1:9")
    assert code == 2 and "server not compared" in out


def test_entry_hash_searches_show_each_user_only_their_own_events(pushed_store):
    """The search the comparison makes (AuditEvent by entry hashes, a list) is allowed to every
    user, because hashes name known records; another physician gets none of this one's events,
    the administrator all; a list of other identifiers, or too long a list, is refused."""
    import httpx

    from app.sync.audit import ENTRY_HASH
    from server.fhir.search import MAX_IDS

    path, base = pushed_store
    store = Store.unlock(PHYSICIAN, PHYSICIAN_PASSWORD, path=path)
    try:
        hashes = [e.hash for e in store.access_entries(0, PUSHED)]
    finally:
        store.close()

    def found(username: str, password: str, values: list[str],
              by: str = "identifier") -> httpx.Response:
        token = httpx.post(f"{base}/oauth/token", data={
            "grant_type": "password", "username": username, "password": password},
            timeout=30).json()["access_token"]
        return httpx.post(f"{base}/fhir/AuditEvent/_search", timeout=30,
                          data={by: ",".join(values), "_count": "100"},
                          headers={"Authorization": f"Bearer {token}"})

    listed = [f"{ENTRY_HASH}|{h}" for h in hashes]
    mine = found(PHYSICIAN, PHYSICIAN_PASSWORD, listed)
    assert mine.status_code == 200 and len(mine.json()["entry"]) == PUSHED
    other = found("1000002", "demo-medecin-2", listed)
    assert other.status_code == 200 and other.json()["entry"] == []
    admin = found("1000010", "demo-admin", listed)
    assert admin.status_code == 200 and len(admin.json()["entry"]) == PUSHED
    assert found(PHYSICIAN, PHYSICIAN_PASSWORD,
                 [*listed[:1], "urn:other|x"]).status_code == 400
    assert found(PHYSICIAN, PHYSICIAN_PASSWORD,
                 listed[:1] * (MAX_IDS + 1)).status_code == 400
    # the same by the ids the uploads were given (audit verify asks `_id` first)
    ids = [str(uuid.UUID(h[:32])) for h in hashes]
    assert len(found(PHYSICIAN, PHYSICIAN_PASSWORD, ids, "_id").json()["entry"]) == PUSHED
    assert found("1000002", "demo-medecin-2", ids, "_id").json()["entry"] == []
    assert found(PHYSICIAN, PHYSICIAN_PASSWORD, ids[:1] * (MAX_IDS + 1), "_id").status_code == 400
