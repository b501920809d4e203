"""The sign-in window on a server that signs in through the browser (SMART code + PKCE): the
real session and reference server, the browser played by httpx (tests.fixtures.smart)."""

import threading

import pytest
from PySide6.QtCore import Qt

from app.ui.signin import SignInWindow
from app.workstation.session import Session
from server.seed import staff
from tests.fixtures.smart import Browser

PHYSICIAN = "1000001"


@pytest.fixture
def browser_only(browser_only_server):
    return browser_only_server


def window_for(qtbot, ui_settings, server, browser, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    ui_settings.server_url = server
    session = Session(settings=ui_settings, open_browser=browser)
    window = SignInWindow(session, ui_settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.password_label.text() == "Workstation passphrase",
                    timeout=10000)
    return window, session


def test_browser_mode_asks_the_passphrase_and_signs_in(qtbot, ui_settings, browser_only,
                                                       monkeypatch, tmp_path):
    browser = Browser(PHYSICIAN, staff.by_username(PHYSICIAN).password)
    window, session = window_for(qtbot, ui_settings, browser_only, browser, monkeypatch,
                                 tmp_path)
    assert "web browser will open" in window.message.text()
    window.username.setText(PHYSICIAN)
    window.password.setText("phrase du poste 42")
    window.confirm.setText("phrase du poste 42")  # first sign-in here: the passphrase chosen
    signed = []
    window.signed_in.connect(signed.append)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(signed), timeout=30000)
    assert signed[0].online and signed[0].profile.username == PHYSICIAN
    assert len(browser.opened) == 1 and session.verify_password("phrase du poste 42")
    session.sign_out()


def test_a_browser_sign_in_can_be_cancelled(qtbot, ui_settings, browser_only, monkeypatch,
                                            tmp_path):
    opened = threading.Event()

    def never_back(url: str) -> bool:  # the user closed the browser tab
        opened.set()
        return True
    window, session = window_for(qtbot, ui_settings, browser_only, never_back, monkeypatch,
                                 tmp_path)
    window.username.setText(PHYSICIAN)
    window.password.setText("phrase du poste 42")
    window.confirm.setText("phrase du poste 42")
    window.submit.click()
    qtbot.waitUntil(opened.is_set, timeout=10000)
    assert window.cancel.isVisible()
    assert window.message.text() == "Continue in your web browser, then come back to ClinicDesk."
    window.cancel.click()
    qtbot.waitUntil(lambda: window.submit.isEnabled(), timeout=5000)
    assert not window.cancel.isVisible() and session.executor is None
