"""Sign-in for real: the reference server over loopback (password grant, /api/me), the user's
SQLCipher store with its key in the real Secret Service, then offline against that store."""

import pytest
from PySide6.QtCore import Qt

from app.ui.remote import RemoteSession
from app.ui.signin import SignInWindow
from server.processes import free_port
from tests.fixtures.identity import seed_store


@pytest.fixture
def server(server_factory):
    return server_factory("sqlite", auth=True, setup=seed_store, key="identity-seeded")


@pytest.fixture
def session(ui_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the stores of this test
    remote = RemoteSession(settings=ui_settings)
    yield remote
    remote.sign_out()


def sign_in_through_the_window(qtbot, session, settings, server, username, password):
    settings.server_url = server
    window = SignInWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    window.username.setText(username)
    window.password.setText(password)
    signed = []
    window.signed_in.connect(signed.append)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.submit.isEnabled(), timeout=30000)
    return window, signed


def test_online_then_offline_sign_in(qtbot, session, ui_settings, server, tmp_path):
    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, server, "1000001", "wrong-password")
    assert signed == [] and window.message.text() == "Wrong username or password."

    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, server, "1000001", "demo-medecin-1")
    assert window.message.text() in ("", "Signing in…") and len(signed) == 1
    online = signed[0]
    assert online.online and online.profile.username == "1000001"
    assert online.profile.profession.value == "physician"
    assert session.store is not None and session.store.path.exists()
    assert session.verify_password("demo-medecin-1") and not session.verify_password("x")
    session.sign_out()

    unreachable = f"http://127.0.0.1:{free_port()}"
    assert not session.probe(unreachable)
    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, unreachable, "1000001", "not-it")
    assert signed == [] and window.message.text() == "Wrong username or password."
    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, unreachable, "1000001", "demo-medecin-1")
    assert len(signed) == 1 and not signed[0].online
    assert signed[0].profile == online.profile


def test_offline_without_a_previous_online_sign_in_says_what_to_do(qtbot, session,
                                                                   ui_settings):
    unreachable = f"http://127.0.0.1:{free_port()}"
    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, unreachable, "1000002", "demo-medecin-2")
    assert signed == []
    assert "sign in once while the server is reachable" in window.message.text()
