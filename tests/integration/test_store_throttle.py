"""The command-line tools that take the password (`clinicdesk audit verify`, `clinicdesk
export`) unlock the store through app.store.throttle.unlock: offline guessing there is slowed
down like at the sign-in window, on a real SQLCipher store with its key in the keyring."""

from __future__ import annotations

import json

import pytest

from app import cli
from app.store.throttle import FREE, Throttle, TooManyAttempts, unlock
from tests.fixtures.store import PASSWORD


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("CLINICDESK_HOME", raising=False)
    return Throttle()


def _time_passes(throttle: Throttle, user: str, seconds: float) -> None:
    """The wall clock moves on: the failure is recorded `seconds` earlier."""
    path = throttle.path(user)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "last": record["last"] - seconds}))


def test_audit_verify_is_throttled(store, store_path, state, capsys, monkeypatch):
    store.close()
    monkeypatch.setenv("CLINICDESK_PASSWORD", "not-it")
    for _ in range(FREE):
        assert cli.main(["audit", "verify", "--store", str(store_path)]) == 2
        assert "password is not correct" in capsys.readouterr().err
    monkeypatch.setenv("CLINICDESK_PASSWORD", PASSWORD)  # the right one, too early
    assert cli.main(["audit", "verify", "--store", str(store_path)]) == 2
    assert "Too many wrong passwords. Try again in 1 s." in capsys.readouterr().err
    _time_passes(state, "alice", 1.0)
    assert cli.main(["audit", "verify", "--store", str(store_path)]) == 0
    assert not state.path("alice").exists()  # the success reset it


def test_unlock_by_username_shares_the_count_with_the_path(store, store_path, state):
    store.close()
    for _ in range(FREE):
        with pytest.raises(Exception, match="password is not correct"):
            unlock(None, "not-it", path=store_path)
    with pytest.raises(TooManyAttempts):
        unlock("alice", PASSWORD, path=store_path)
    _time_passes(state, "alice", 1.0)
    unlock("alice", PASSWORD, path=store_path).close()
    assert state.wait_left("alice") == 0.0
