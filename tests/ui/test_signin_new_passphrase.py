"""A user's first browser sign-in on this workstation chooses the passphrase of their store:
the sign-in window asks it twice ("Confirm passphrase", shown only then), refuses a weak one
or a mismatch at its field before anything is sent (the browser never opens), keyboard-first,
in French and English; the next sign-in, online or offline, takes the same passphrase with no
confirmation. The real window, session, SQLCipher store and keyring, against the reference
server over loopback (browser sign-in only; the browser played by tests.fixtures.smart)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.store import keys
from app.ui.signin import SignInWindow
from app.workstation.session import Session
from server.seed import staff
from tests.fixtures.smart import Browser

PHYSICIAN = "1000001"
PASSPHRASE = "trois erables au printemps"  # typed by QTest: ASCII
ROOM = (1366, 768 - 40)  # tests/ui/test_dialogs_fit.py: the taskbar's 40 px left
WEAK = ["1", "court 2026", PHYSICIAN * 2, "Mot de passe 2026", "aaaaaaaaaaaaaa",
        "qwertyuiopasdf", "123456789012"]


@pytest.fixture
def stores(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # this test's stores
    from app.workstation import online_signin

    monkeypatch.setattr(online_signin, "BROWSER_TIMEOUT", 10.0)


@pytest.fixture
def open_window(qtbot, ui_settings, stores):
    made: list[Session] = []

    def make(server: str, browser: Browser, *, browser_mode: bool = True) -> SignInWindow:
        ui_settings.server_url, ui_settings.last_username = server, ""
        session = Session(settings=ui_settings, open_browser=browser)
        made.append(session)
        window = SignInWindow(session, ui_settings)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        if browser_mode:
            qtbot.waitUntil(lambda: window._browser, timeout=10000)
        else:
            qtbot.waitUntil(lambda: window._offline, timeout=10000)
        window.username.setFocus()
        qtbot.keyClicks(window.username, PHYSICIAN)
        return window
    yield make
    for session in made:
        session.sign_out()


def browser() -> Browser:
    return Browser(PHYSICIAN, staff.by_username(PHYSICIAN).password)


def calls_to_sign_in(window: SignInWindow, monkeypatch) -> list[str]:
    """The usernames the window asked its session to sign in (a spy on the real session)."""
    calls: list[str] = []
    real = window._session.sign_in

    def spy(server, username, password, cancel=None):
        calls.append(username)
        return real(server, username, password, cancel)
    monkeypatch.setattr(window._session, "sign_in", spy)
    return calls


def sign_in_by_keyboard(qtbot, window: SignInWindow, passphrase: str, confirmation: str) -> None:
    """Typed as a person does: the passphrase, Tab, the confirmation, Enter."""
    qtbot.keyClick(window.username, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.password
    qtbot.keyClicks(window.password, passphrase)
    qtbot.keyClick(window.password, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.confirm
    qtbot.keyClicks(window.confirm, confirmation)
    qtbot.keyClick(window.confirm, Qt.Key.Key_Return)


def test_first_sign_in_asks_twice_then_the_same_passphrase_opens_online_and_offline(
        qtbot, open_window, browser_only_server):
    first, seen = browser(), []
    window = open_window(browser_only_server, first)
    assert window.confirm.isVisible() and window.confirm_label.text() == "Confirm passphrase"
    window.signed_in.connect(seen.append)
    sign_in_by_keyboard(qtbot, window, PASSPHRASE, PASSPHRASE)
    qtbot.waitUntil(lambda: bool(seen), timeout=30000)
    assert seen[0].online and len(first.opened) == 1 and keys.default_path(PHYSICIAN).exists()
    assert not window.confirm.isVisible()  # the store exists now
    window._session.sign_out()

    again, seen = browser(), []
    window = open_window(browser_only_server, again)
    assert not window.confirm.isVisible()  # the store exists: no confirmation, no rule
    window.signed_in.connect(seen.append)
    qtbot.keyClick(window.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(window.password, PASSPHRASE)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen), timeout=30000)
    assert seen[0].online and len(again.opened) == 1
    window._session.sign_out()

    offline, seen = browser(), []
    window = open_window("http://127.0.0.1:9", offline, browser_mode=False)
    assert not window.confirm.isVisible()
    window.signed_in.connect(seen.append)
    window.password.setText(PASSPHRASE)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen), timeout=30000)
    assert not seen[0].online and offline.opened == []


@pytest.mark.parametrize("weak", WEAK)
def test_a_weak_passphrase_is_refused_at_its_field_before_the_browser_opens(
        qtbot, open_window, browser_only_server, monkeypatch, weak):
    opened = browser()
    window = open_window(browser_only_server, opened)
    calls = calls_to_sign_in(window, monkeypatch)
    sign_in_by_keyboard(qtbot, window, weak, weak)
    assert window.message.text().startswith(("Choose a passphrase of at least 12 characters",
                                              "This passphrase is too easy to guess"))
    assert QApplication.focusWidget() is window.password and window.confirm.text() == ""
    assert calls == [] and opened.opened == [] and not keys.default_path(PHYSICIAN).exists()


@pytest.mark.parametrize("confirmation,said", [
    ("", "Type your passphrase again to confirm it."),
    (PASSPHRASE + " ", "The two passphrases differ: type the same passphrase in both fields."),
])
def test_a_missing_or_different_confirmation_is_refused_at_the_confirm_field(
        qtbot, open_window, browser_only_server, monkeypatch, confirmation, said):
    opened = browser()
    window = open_window(browser_only_server, opened)
    calls = calls_to_sign_in(window, monkeypatch)
    sign_in_by_keyboard(qtbot, window, PASSPHRASE, confirmation)
    assert window.message.text() == said and QApplication.focusWidget() is window.confirm
    assert calls == [] and opened.opened == [] and not keys.default_path(PHYSICIAN).exists()


def test_in_french_the_confirmation_and_the_rule_speak_french_and_the_window_fits(
        qtbot, french, open_window, browser_only_server):
    window = open_window(browser_only_server, browser())
    assert window.confirm_label.text() == "Confirmez la phrase de passe"
    sign_in_by_keyboard(qtbot, window, "court", "court")
    assert window.message.text().startswith("Choisissez une phrase de passe d'au moins 12")
    window.password.setText(PASSPHRASE)
    window.confirm.setText("autre chose encore")
    window.sign_in()
    assert window.message.text().startswith("Les deux phrases de passe diffèrent")
    size = window.minimumSizeHint()
    assert size.width() <= ROOM[0] and size.height() <= ROOM[1], size
