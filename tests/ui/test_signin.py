"""Sign-in window flows with narrow fake services (the real sign-in is in test_real_signin)."""

import threading

import pytest
from PySide6.QtCore import Qt

from app.ui.signin import SignInWindow
from tests.fixtures.ui import FakeSession, type_text


@pytest.fixture
def window(qtbot, ui_settings):
    def make(session=None, server="https://emr.example.qc.ca"):
        ui_settings.server_url = server
        w = SignInWindow(session or FakeSession(), ui_settings)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        return w
    return make


def test_first_run_asks_for_the_server_address(window):
    w = window(server="")
    assert w.server.isVisible() and not w.change_server.isVisible()
    assert w.focusWidget() is w.server
    w.username.setText("1000001")
    w.password.setText("demo-medecin-1")
    w.sign_in()
    assert w.message.text() == "Enter the server address."
    assert w.focusWidget() is w.server


def test_known_server_is_hidden_until_change_server(window, qtbot):
    w = window()
    assert not w.server.isVisible()
    qtbot.mouseClick(w.change_server, Qt.MouseButton.LeftButton)
    assert w.server.isVisible() and w.server.text() == "https://emr.example.qc.ca"


def test_wrong_password_says_so_and_selects_the_password(window, qtbot):
    session = FakeSession()
    w = window(session)
    qtbot.keyClicks(w.username, "1000001")
    qtbot.keyClicks(w.password, "not-the-password")
    with qtbot.assertNotEmitted(w.signed_in):
        qtbot.keyClick(w.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.submit.isEnabled() and bool(session.calls), timeout=5000)
    assert w.message.text() == "Wrong username or password."
    assert w.message.property("kind") == "error"
    assert w.focusWidget() is w.password


def test_keyboard_only_sign_in_emits_the_session_and_remembers_the_user(window, qtbot,
                                                                       ui_settings):
    session = FakeSession()
    session.gate = threading.Event()
    w = window(session)
    qtbot.keyClicks(w.username, "1000001")
    qtbot.keyClick(w.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(w.password, "demo-medecin-1")
    with qtbot.waitSignal(w.signed_in, timeout=5000) as signal:
        qtbot.keyClick(w.password, Qt.Key.Key_Return)
        assert not w.submit.isEnabled() and w.message.text() == "Signing in…"
        session.gate.set()
    assert signal.args[0].profile.username == "1000001"
    assert ui_settings.last_username == "1000001"
    assert w.password.text() == ""


def test_unreachable_server_is_said_plainly_before_sign_in(window, qtbot):
    w = window(FakeSession(reachable=False))
    qtbot.waitUntil(lambda: w.message.isVisible(), timeout=5000)
    assert "sign in offline" in w.message.text()
    assert w.message.property("kind") == "offline"


def test_demo_users_are_listed_and_fill_the_form(window, qtbot):
    w = window()
    assert w.demo_list.isVisible() and w.demo_list.count() == 2
    item = w.demo_list.item(1)
    rect = w.demo_list.visualItemRect(item)
    qtbot.mouseClick(w.demo_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert (w.username.text(), w.password.text()) == ("1000009", "demo-reception")


def test_accented_text_can_be_typed(window):
    w = window()
    type_text(w.username, "hélène.côté")
    assert w.username.text() == "hélène.côté"
