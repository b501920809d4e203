"""Password guessing slowed down, for real: the reference server over loopback (online sign-in),
the user's SQLCipher store in the real Secret Service (offline sign-in checks the password
against its wrapped key), the idle lock's check; the throttle's clock is injected so that no
test sleeps through a wait. Then the sign-in window and the lock page: the wait said, the
button disabled, and a correct password after the wait works."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.store.throttle import FREE, Throttle, TooManyAttempts
from app.ui.signin import SignInWindow
from app.workstation.session import PasswordRefused, Session
from server.processes import free_port
from tests.unit.test_signin_throttle import Clock

USER, PASSWORD = "1000001", "demo-medecin-1"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(tmp_path, clock) -> Throttle:
    return Throttle(tmp_path / "state" / "throttle", clock)


@pytest.fixture
def session(ui_settings, tmp_path, monkeypatch, throttle):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the stores of this test
    remote = Session(settings=ui_settings, throttle=throttle)
    yield remote
    remote.sign_out()


def _wrong_until_a_wait(sign_in) -> float:
    """FREE wrong passwords: the last one imposes the first wait (1 s)."""
    waits = []
    for _ in range(FREE):
        with pytest.raises(PasswordRefused) as refused:
            sign_in("not-the-password")
        assert str(refused.value.text) == "Wrong username or password."
        waits.append(refused.value.wait_s)
    assert waits == [0.0] * (FREE - 1) + [1.0]
    return waits[-1]


def _the_wait_then_the_right_password(session, sign_in, throttle, clock) -> None:
    with pytest.raises(TooManyAttempts) as early:  # even the right password: not checked
        sign_in(PASSWORD)
    assert early.value.wait_s == 1.0 and session.profile is None
    clock.now += 0.5
    with pytest.raises(TooManyAttempts):
        sign_in(PASSWORD)
    with pytest.raises(PasswordRefused):  # a wrong one after the wait: the wait doubles
        clock.now += 0.5
        sign_in("still-not-it")
    assert session.wait_left(USER) == 2.0
    clock.now += 2.0
    signed = sign_in(PASSWORD)
    assert signed.profile.username == USER
    assert session.wait_left(USER) == 0.0 and not throttle.path(USER).exists()  # reset


def test_online_sign_in_is_throttled(session, server, throttle, clock):
    def sign_in(password):
        return session.sign_in(server, USER, password)
    _wrong_until_a_wait(sign_in)
    _the_wait_then_the_right_password(session, sign_in, throttle, clock)
    assert session.client is not None  # online


def test_offline_sign_in_is_throttled_against_the_store(session, server, throttle, clock):
    session.sign_in(server, USER, PASSWORD)  # creates the store and keeps the profile
    session.sign_out()
    unreachable = f"http://127.0.0.1:{free_port()}"

    def sign_in(password):
        return session.sign_in(unreachable, USER, password)
    _wrong_until_a_wait(sign_in)
    _the_wait_then_the_right_password(session, sign_in, throttle, clock)
    assert session.client is None  # offline: the store's wrapped key took the password


def test_the_idle_lock_is_throttled_and_shares_the_count(session, server, throttle, clock):
    session.sign_in(server, USER, PASSWORD)
    for _ in range(FREE):
        assert session.verify_password("not-it") is False
    with pytest.raises(TooManyAttempts):
        session.verify_password(PASSWORD)
    with pytest.raises(TooManyAttempts):  # the sign-in window counts the same failures
        session.sign_in(server, USER, PASSWORD)
    clock.now += 1.0
    assert session.verify_password(PASSWORD) is True
    assert session.wait_left() == 0.0


def test_the_wait_survives_a_restart(session, server, throttle, clock, ui_settings, tmp_path):
    def sign_in(password):
        return session.sign_in(server, USER, password)
    for _ in range(FREE + 2):
        clock.now += 60  # each failure after the previous wait
        with pytest.raises(PasswordRefused):
            sign_in("not-it")
    restarted = Session(settings=ui_settings,
                              throttle=Throttle(tmp_path / "state" / "throttle", clock))
    assert restarted.wait_left(USER) == 4.0
    with pytest.raises(TooManyAttempts):
        restarted.sign_in(server, USER, PASSWORD)
    clock.now += 4.0
    restarted.sign_in(server, USER, PASSWORD)
    restarted.sign_out()


# -- the windows --------------------------------------------------------------------------------
def _submit(qtbot, window, password: str) -> None:
    window.password.setText(password)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)


@pytest.mark.parametrize("language", ["en", "fr_CA"])
def test_sign_in_window_says_the_wait_and_disables_the_button(
        qtbot, qm_files, session, server, ui_settings, clock, language):
    from app.ui.i18n import set_language

    assert set_language(language)
    try:
        ui_settings.server_url = server
        window = SignInWindow(session, ui_settings)
        qtbot.addWidget(window)
        window.wait.clock = clock  # the countdown moves with the throttle's clock
        window.show()
        window.username.setText(USER)
        for _ in range(FREE):
            _submit(qtbot, window, "not-it")
            qtbot.waitUntil(lambda: window.password.isEnabled(), timeout=30000)
        wrong, wait = ("Wrong username or password.",
                       "Too many wrong passwords: try again in 1 s.")
        if language == "fr_CA":
            wrong, wait = ("Nom d'utilisateur ou mot de passe incorrect.",
                           "Trop de mots de passe erronés : réessayez dans 1 s.")
        assert window.message.text() == f"{wrong}\n{wait}"
        assert not window.submit.isEnabled()
        signed = []
        window.signed_in.connect(signed.append)
        _submit(qtbot, window, PASSWORD)  # Enter during the wait: nothing is attempted
        qtbot.wait(50)
        assert signed == [] and session.profile is None
        clock.now += 1.0
        qtbot.waitUntil(lambda: window.submit.isEnabled(), timeout=3000)
        assert window.message.text() == wrong
        _submit(qtbot, window, PASSWORD)
        qtbot.waitUntil(lambda: bool(signed), timeout=30000)
    finally:
        set_language("en")


def test_sign_in_window_shows_the_wait_left_after_a_restart(
        qtbot, session, server, ui_settings, clock):
    for _ in range(FREE + 3):
        session.throttle.failed(USER)  # a previous run's failures, read from the file
    ui_settings.server_url, ui_settings.last_username = server, USER
    window = SignInWindow(session, ui_settings)
    qtbot.addWidget(window)
    window.wait.clock = clock
    window.show()
    qtbot.waitUntil(lambda: "try again in" in window.message.text(), timeout=10000)
    assert window.message.text() == "Too many wrong passwords: try again in 8 s."
    assert not window.submit.isEnabled()
    clock.now += 3.0
    qtbot.waitUntil(lambda: window.message.text().endswith(" 5 s."), timeout=3000)
    assert not window.submit.isEnabled()
    clock.now += 5.0
    qtbot.waitUntil(lambda: window.submit.isEnabled(), timeout=3000)
    assert not window.message.isVisible()


def test_lock_page_says_the_wait_and_disables_unlock(qtbot, session, server, ui_settings, clock):
    from app.ui.main_window import MainWindow
    from app.workstation.contracts import Services
    from tests.fixtures.ui import FakeCharts, FakePatients

    signed = session.sign_in(server, USER, PASSWORD)
    window = MainWindow(Services(session=session, patients=FakePatients(), charts=FakeCharts()),
                        signed, ui_settings)
    qtbot.addWidget(window)
    window.show()
    window.lock()
    page = window.lock_page
    page.wait.clock = clock  # the countdown moves with the throttle's clock
    for _ in range(FREE):
        page.password.setText("not-it")
        qtbot.mouseClick(page.unlock, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.message.isVisible() and not page.password.text(),
                        timeout=10000)
    assert page.message.text() == ("Wrong password.\n"
                                   "Too many wrong passwords: try again in 1 s.")
    assert not page.unlock.isEnabled() and window.locked
    page.password.setText(PASSWORD)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)  # during the wait: not attempted
    qtbot.wait(100)
    assert window.locked
    clock.now += 1.0
    qtbot.waitUntil(lambda: page.unlock.isEnabled(), timeout=3000)
    qtbot.mouseClick(page.unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.locked, timeout=10000)
    assert session.wait_left() == 0.0
