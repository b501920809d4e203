"""Creating and unlocking stores with the real Secret Service and SQLCipher; every failure is
its own StoreError, and nothing is deleted or rewritten when one is raised."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from app.store import (
    DEFAULT_KDF,
    CorruptDatabase,
    DatabaseTooNew,
    InsecureKeyring,
    KeyFileMissing,
    KeyringEntryMissing,
    Store,
    StoreError,
    StoreExists,
    StoreNotFound,
    WrongKey,
    WrongPassword,
    keys,
    migrations,
)
from tests.fixtures.store import PASSWORD, raw_connection


def fingerprint(path: Path) -> dict[str, str]:
    """Hashes of the database and its key file: they must not change on a failed unlock."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, keys.key_file_path(path)) if p.exists()}


def test_create_records_backend_and_unlock_round_trips(store, store_path):
    assert store.keyring_backend == "keyring.backends.SecretService.Keyring"
    store.put_resources([{"resourceType": "Patient", "id": "p1", "birthDate": "1980-01-01"}])
    store.close()
    recorded = json.loads(keys.key_file_path(store_path).read_text())
    assert recorded["backend"] == "keyring.backends.SecretService.Keyring"
    assert "wrapped" in recorded and PASSWORD not in keys.key_file_path(store_path).read_text()
    with Store.unlock("alice", PASSWORD, path=store_path) as again:
        assert again.get_resource("Patient", "p1")["birthDate"] == "1980-01-01"


def test_unlock_with_real_kdf_within_budget(make_store, tmp_path):
    path = tmp_path / "real.db"
    make_store("real", path=path, kdf=DEFAULT_KDF).close()
    assert keys.KeyFile.load(keys.key_file_path(path)).kdf == {"n": 2**16, "r": 8, "p": 1}
    # The budget is the KDF's own cost on this machine (scrypt alone, measured here: 0.35 s on
    # the 2-core CI machine, 0.15 s on a desktop) plus 0.1 s for the keyring and the open.
    scrypt = min(_scrypt_alone() for _ in range(3))
    runs = []
    for _ in range(5):  # the machine is shared: the best of up to five tries
        with Store.unlock("real", PASSWORD, path=path) as store:
            runs.append(store.timings)
        if runs[-1]["total_s"] <= scrypt + 0.100:
            break
    best = min(runs, key=lambda t: t["total_s"])
    assert best["total_s"] <= scrypt + 0.100, (best, scrypt)
    assert 0 < best["kdf_s"] < best["total_s"]


def _scrypt_alone() -> float:
    import hashlib
    import time
    start = time.perf_counter()
    hashlib.scrypt(b"x", salt=bytes(16), n=2**16, r=8, p=1, maxmem=2**27, dklen=32)
    return time.perf_counter() - start


def test_wrong_password(store, store_path):
    store.close()
    before = fingerprint(store_path)
    with pytest.raises(WrongPassword) as err:
        Store.unlock("alice", "not the password", path=store_path)
    assert "not the password" not in str(err.value)
    assert fingerprint(store_path) == before


def test_missing_keyring_entry(store, store_path):
    store.close()
    keyring.delete_password(keys.SERVICE, store.key_file.account)
    before = fingerprint(store_path)
    with pytest.raises(KeyringEntryMissing):
        Store.unlock("alice", PASSWORD, path=store_path)
    assert fingerprint(store_path) == before


def test_keyring_entry_of_another_store_is_wrong_key(make_store, store_path, tmp_path):
    make_store("alice", path=store_path).close()
    other = make_store("alice", path=tmp_path / "other" / "alice.db")
    other.close()
    mine = keys.KeyFile.load(keys.key_file_path(store_path))
    keyring.set_password(keys.SERVICE, mine.account,
                         keyring.get_password(keys.SERVICE, other.key_file.account))
    with pytest.raises(WrongKey):
        Store.unlock("alice", PASSWORD, path=store_path)


def test_database_of_another_store_is_wrong_key(make_store, store_path, tmp_path, capfd):
    make_store("alice", path=store_path).close()
    other_path = tmp_path / "other" / "alice.db"
    make_store("alice", path=other_path).close()
    store_path.write_bytes(other_path.read_bytes())
    before = fingerprint(store_path)
    capfd.readouterr()
    with pytest.raises(WrongKey):
        Store.unlock("alice", PASSWORD, path=store_path)
    assert fingerprint(store_path) == before
    assert "hmac" not in capfd.readouterr().err.lower()  # cipher_log_level = NONE


def test_colleague_with_same_keyring_cannot_open(make_store, store_path):
    make_store("alice", path=store_path).close()
    with pytest.raises(WrongKey):
        Store.unlock("bob", PASSWORD, path=store_path)
    with pytest.raises(WrongPassword):
        Store.unlock("alice", "bob's password", path=store_path)


@pytest.mark.parametrize("where", ["header", "page"])
def test_corrupted_file(store, store_path, where):
    store.put_resources([{"resourceType": "Patient", "id": f"p{i}", "text": "x" * 3000}
                         for i in range(20)])
    store.close()
    data = bytearray(store_path.read_bytes())
    offset = 100 if where == "header" else len(data) - 4096 * 3 + 200
    data[offset:offset + 64] = bytes(64)
    store_path.write_bytes(bytes(data))
    before = fingerprint(store_path)
    with pytest.raises(CorruptDatabase):
        opened = Store.unlock("alice", PASSWORD, path=store_path)
        try:  # a damaged inner page shows on the first read of it
            opened.list_by_type("Patient")
        finally:
            opened.close()
    assert fingerprint(store_path) == before


def test_database_newer_than_app_is_refused(store, store_path):
    store.close()
    conn = raw_connection(store_path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.close()
    before = fingerprint(store_path)
    with pytest.raises(DatabaseTooNew) as err:
        Store.unlock("alice", PASSWORD, path=store_path)
    assert str(migrations.LATEST + 1) in str(err.value.text)
    assert "delete" not in str(err.value.text).lower()
    assert fingerprint(store_path) == before


def test_not_found_exists_and_key_file_missing(make_store, store_path):
    with pytest.raises(StoreNotFound):
        Store.unlock("alice", PASSWORD, path=store_path)
    make_store("alice", path=store_path).close()
    with pytest.raises(StoreExists):
        Store.create("alice", PASSWORD, path=store_path)
    key_path = keys.key_file_path(store_path)
    key_path.rename(store_path.with_name("elsewhere"))
    with pytest.raises(KeyFileMissing):
        Store.unlock("alice", PASSWORD, path=store_path)
    assert store_path.exists()


class PlaintextKeyring(keyring.backend.KeyringBackend):
    """Stands for keyrings.alt's plaintext file back-end: a working but unprotected store."""
    priority = 1
    values: dict = {}

    def get_password(self, service, username):
        return self.values.get((service, username))

    def set_password(self, service, username, password):
        self.values[(service, username)] = password

    def delete_password(self, service, username):
        self.values.pop((service, username), None)


def test_plaintext_keyring_refused_unless_allowed(monkeypatch, tmp_path):
    monkeypatch.delenv(keys.ALLOW_INSECURE, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(InsecureKeyring) as err:
            Store.create("alice", PASSWORD, path=tmp_path / "a.db")
        assert "PlaintextKeyring" in str(err.value.text) and not PlaintextKeyring.values
        monkeypatch.setenv(keys.ALLOW_INSECURE, "1")  # the test/demo switch
        Store.create("alice", PASSWORD, path=tmp_path / "a.db").close()
        monkeypatch.delenv(keys.ALLOW_INSECURE)
        with pytest.raises(InsecureKeyring):  # refused on unlock too
            Store.unlock("alice", PASSWORD, path=tmp_path / "a.db")
    finally:
        keyring.set_keyring(previous)


def test_failing_keyring_refused_unless_allowed(monkeypatch, tmp_path):
    monkeypatch.delenv(keys.ALLOW_INSECURE, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(InsecureKeyring) as err:
            Store.create("alice", PASSWORD, path=tmp_path / "a.db")
        assert "keyring.backends.fail.Keyring" in str(err.value.text)
        assert not (tmp_path / "a.db").exists()
        monkeypatch.setenv(keys.ALLOW_INSECURE, "1")
        with pytest.raises(StoreError):  # allowed, but a failing keyring still cannot store
            Store.create("alice", PASSWORD, path=tmp_path / "a.db")
    finally:
        keyring.set_keyring(previous)


def test_default_path_is_in_user_data_folder(monkeypatch):
    path = keys.default_path("dr.côté")
    assert path.name == "dr._ot_.db" or path.suffix == ".db"
    assert "ClinicDesk" in str(path) and os.sep + "stores" + os.sep in str(path)


def test_unlock_failure_is_fast_enough_to_show(store, store_path):
    store.close()
    started = time.perf_counter()
    with pytest.raises(WrongPassword):
        Store.unlock("alice", "nope", path=store_path)
    assert time.perf_counter() - started < 1.0
