"""`clinicdesk audit verify` on a real encrypted store, after each kind of tampering; the
keyring anchor catches a truncation that also rewrote the in-file head."""

from __future__ import annotations

import pytest

from app import cli
from app.core.data_class import DataClass
from app.store import Access, Store
from tests.fixtures.store import PASSWORD, raw_connection, synthetic_patients
from tests.unit import test_store_access_log as tampering


@pytest.fixture
def logged_store(store, store_path, monkeypatch):
    """A store with 10 access-log entries (patients with real-looking names), closed."""
    people = synthetic_patients(3, seed=9)
    store.put_resources(people)
    for i in range(10):
        store.log_access(Access("dr.roy", people[i % 3]["id"], DataClass.NOTES, "read",
                                reason="urgence vitale" if i == 3 else None))
    store.acknowledge_access([1, 2])
    store.close()
    monkeypatch.setenv("CLINICDESK_PASSWORD", PASSWORD)
    return store_path, people


def verify(capsys, path) -> tuple[int, str]:
    code = cli.main(["audit", "verify", "--store", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def tamper_file(path, tamper) -> None:
    conn = raw_connection(path)
    conn.execute("DROP TRIGGER access_log_no_update")
    conn.execute("DROP TRIGGER access_log_no_delete")
    tamper(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_intact_log_exits_0(logged_store, capsys):
    code, out = verify(capsys, logged_store[0])
    assert (code, out.strip()) == (0, "access log intact: 10 entries")


@pytest.mark.parametrize(("tamper", "first_bad"), [
    (tampering.tamper_edit, 5), (tampering.tamper_delete, 5), (tampering.tamper_reorder, 5),
    (tampering.tamper_truncate, 8), (tampering.tamper_truncate_and_head, 8),
    (tampering.tamper_rewrite_chain, 10),
])
def test_tampering_exits_1_naming_the_entry(logged_store, capsys, tamper, first_bad):
    path, people = logged_store
    tamper_file(path, tamper)
    code, out = verify(capsys, path)
    assert code == 1
    assert f"broken at entry {first_bad} " in out
    for person in people:  # the report names a sequence number, never the patient
        assert person["id"] not in out and person["name"][0]["family"] not in out
    assert "urgence" not in out


def test_wrong_password_exits_2(logged_store, capsys, monkeypatch):
    monkeypatch.setenv("CLINICDESK_PASSWORD", "nope")
    code, out = verify(capsys, logged_store[0])
    assert code == 2 and "password is not correct" in out


def test_needs_user_or_store(capsys):
    assert cli.main(["audit", "verify"]) == 2


def test_anchor_is_not_moved_past_a_truncation(logged_store, capsys):
    """Truncate (head fixed too), then the app appends and closes: the keyring anchor still
    remembers entry 10, so the truncation stays visible."""
    path, people = logged_store
    tamper_file(path, tampering.tamper_truncate_and_head)
    store = Store.unlock("alice", PASSWORD, path=path)
    for _ in range(5):
        store.log_access(Access("dr.roy", people[0]["id"], DataClass.LABS, "read"))
    store.close()
    code, out = verify(capsys, path)
    assert code == 1 and "broken at entry 10 " in out
