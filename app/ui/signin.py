"""The sign-in window: server address (first run), username, password; offline said plainly.

Where the session signs in through the web browser (a server offering SMART code + PKCE:
`SessionService.browser_sign_in`), the password field is this workstation's passphrase (it
protects the user's copy of the charts and opens it offline) and a note says so; while the
browser sign-in runs, the window says to continue in the browser and offers Cancel. On a user's
first browser sign-in here (`store_exists`), the passphrase is chosen: asked twice, under
app.workstation.passphrase's rule (checked again below, before the browser opens)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP
from app.settings import Settings
from app.ui import signin_layout
from app.ui.i18n import set_language
from app.ui.widgets import Retranslatable

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent
    from PySide6.QtWidgets import (
        QComboBox,
        QFormLayout,
        QLabel,
        QLineEdit,
        QListWidget,
        QPushButton,
        QVBoxLayout,
    )

    from app.ui.op import Op
    from app.workstation.contracts import SessionService, SignedIn

PROBE_DELAY_MS = 150
OFFLINE_NOTE = QT_TRANSLATE_NOOP(
    "SignInWindow", "The central server cannot be reached. You can still sign in offline with "
    "your usual password: you will work from this workstation's copy of the charts.")
BROWSER_NOTE = QT_TRANSLATE_NOOP(
    "SignInWindow", "Your web browser will open to sign in to the server. The passphrase "
    "entered here protects this workstation's copy of your charts and opens it offline; on "
    "your first sign-in on this workstation, choose it now.")
BROWSER_BUSY = QT_TRANSLATE_NOOP(
    "SignInWindow", "Continue in your web browser, then come back to ClinicDesk.")


class SignInWindow(Retranslatable, QWidget):
    signed_in = Signal(object)  # SignedIn
    # built by app.ui.signin_layout
    title: QLabel
    subtitle: QLabel
    form: QFormLayout
    server: QLineEdit
    username: QLineEdit
    password: QLineEdit
    confirm: QLineEdit  # the passphrase again: first browser sign-in here only
    server_label: QLabel
    username_label: QLabel
    password_label: QLabel
    confirm_label: QLabel
    message: QLabel
    change_server: QPushButton
    submit: QPushButton
    cancel: QPushButton
    demo_box: QVBoxLayout
    demo_title: QLabel
    demo_list: QListWidget | None
    language_label: QLabel
    language: QComboBox

    def __init__(self, session: SessionService, settings: Settings, *, demo_note: str = ""):
        super().__init__()
        self.setObjectName("SignInWindow")
        self._session, self._settings = session, settings
        self._message: tuple[str, str] | None = None  # (kind, text already translated)
        self._offline = False
        self._op: Op | None = None  # imported on first use: start-up time
        self._shown = False
        self._browser = False  # the server signs in through the browser (passphrase here)
        self.new_store = False  # and this user has no store here yet: the passphrase is chosen
        self._error = ""  # the last failure's text, shown above the wait after wrong passwords
        signin_layout.build(self)
        from app.ui.lock import PasswordWait

        self.wait = PasswordWait(self)
        self.wait.changed.connect(self._show_wait)
        self.username.textChanged.connect(self._username_changed)
        self.username.textChanged.connect(self._update_confirm)
        self.server.setText(settings.server_url)
        self.username.setText(settings.last_username)
        self.show_server_field(not settings.server_url)
        signin_layout.fill_demo_users(self, session.demo_users())
        self.retranslate()
        first = self.server if not settings.server_url else (
            self.password if settings.last_username else self.username)
        first.setFocus()
        self._probe_pending = bool(settings.server_url)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._shown = True  # polished: a new message kind needs polish() from now on
        if self._probe_pending:  # after the first paint: start-up time is the window's
            self._probe_pending = False
            if self._refused(self._settings.server_url) is not None:  # https: probe it
                QTimer.singleShot(PROBE_DELAY_MS, lambda: self.probe(self._settings.server_url))
            QTimer.singleShot(PROBE_DELAY_MS, self._ask_wait)

    def _ask_wait(self) -> None:
        """After a restart: the wait that wrong passwords of the last user still impose."""
        from app.ui.op import Op

        username = self.username.text().strip()
        if username:
            Op(self, lambda: self._session.wait_left(username)).on_success(
                lambda wait_s: self._start_wait(wait_s, "") if wait_s > 0 else None).start()

    def probe(self, server: str) -> None:
        """Tell before sign-in when the server cannot be reached (offline sign-in follows)."""
        from app.ui.op import Op

        Op(self, lambda: self._session.probe(server)).on_success(self._probed).on_failure(
            lambda err: self._probed(False)).start()

    def _probed(self, reachable: bool) -> None:
        self._offline = not reachable
        asks = getattr(self._session, "browser_sign_in", None)
        if reachable and asks is not None:
            from app.ui.op import Op

            server = self._settings.server_url
            Op(self, lambda: asks(server)).on_success(self.set_browser_mode).start()
        if not reachable and (self._message is None or not self._message[1]):
            self._say("offline", OFFLINE_NOTE)

    def set_browser_mode(self, browser: bool) -> None:
        """Browser sign-in: the password field is the workstation passphrase."""
        self._browser = bool(browser)
        self._update_confirm()
        self.retranslate()
        if self._browser and (self._message is None or not self._message[1]):
            self._say("info", BROWSER_NOTE)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("ClinicDesk — Sign in"))
        self.title.setText(self.tr("ClinicDesk"))
        self.subtitle.setText(self.tr("Sign in to your clinic"))
        self.server_label.setText(self.tr("Server address"))
        self.server.setPlaceholderText(self.tr("https://emr.example.qc.ca"))
        self.username_label.setText(self.tr("Username"))
        self.password_label.setText(self.tr("Workstation passphrase") if self._browser
                                    else self.tr("Password"))
        self.confirm_label.setText(self.tr("Confirm passphrase"))
        self.cancel.setText(self.tr("Cancel"))
        self.change_server.setText(self.tr("Change server"))
        self.submit.setText(self.tr("Sign in"))
        self.demo_title.setText(self.tr("Demo accounts (click to fill in):"))
        self.language_label.setText(self.tr("Language"))
        signin_layout.retranslate_lists(self)
        self._render_message()

    # -- actions ---------------------------------------------------------------------------
    def sign_in(self) -> None:
        server = self.server.text().strip()
        username, password = self.username.text().strip(), self.password.text()
        missing = [(field, source) for field, value, source in (
            (self.server, server, QT_TRANSLATE_NOOP("SignInWindow", "Enter the server address.")),
            (self.username, username, QT_TRANSLATE_NOOP("SignInWindow", "Enter your username.")),
            (self.password, password, QT_TRANSLATE_NOOP(
                "SignInWindow", "Enter your workstation passphrase.") if self._browser
             else QT_TRANSLATE_NOOP("SignInWindow", "Enter your password.")),
        ) if not value]
        if missing:
            return self._say("error", missing[0][1], missing[0][0])
        if self.wait.active:  # Enter during the wait (the button is disabled)
            return None
        if self.new_store:  # the passphrase chosen now: asked twice, and the rule's
            from app.workstation.passphrase import check_new

            try:
                check_new(username, password, self.confirm.text())
            except UserFacingError as err:
                return self._failed(err)
        checked = self._refused(server)
        if checked is None:  # not https: refused here, before anything is sent
            return None
        server = checked
        from app.ui.op import Op

        self._set_busy(True)
        self._op = (Op(self, lambda cancel: self._session.sign_in(server, username, password,
                                                                   cancel))
                    .on_success(self._done).on_failure(self._failed)
                    .on_cancelled(self._cancelled).start())

    def _update_confirm(self) -> None:
        """Whether the typed user chooses a passphrase now (no store of theirs here)."""
        username = self.username.text().strip()
        exists = getattr(self._session, "store_exists", None) if self._browser else None
        self.new_store = bool(exists is not None and username and not exists(username))
        signin_layout.show_confirm(self, self.new_store)

    def cancel_sign_in(self) -> None:
        if self._op is not None:
            self._op.cancel()

    def _cancelled(self) -> None:
        self._set_busy(False)
        self._message = None
        self._render_message()

    def _done(self, session: SignedIn) -> None:
        self._set_busy(False)
        self._settings.server_url = session.server_url
        self._settings.last_username = session.profile.username
        self.password.clear()
        self._update_confirm()  # the store exists now
        self.signed_in.emit(session)

    def _failed(self, err: BaseException) -> None:
        from app.ui.op import user_message

        self._set_busy(False)
        field = self.confirm if getattr(err, "field", "") == "confirm" else self.password
        if field is self.password and self.new_store:  # a new passphrase: typed twice again
            self.confirm.clear()
        field.selectAll()
        field.setFocus()
        self._message = ("error", user_message(err))
        self._render_message()
        wait_s = getattr(err, "wait_s", 0.0)  # remote.PasswordRefused, throttle.TooManyAttempts
        if wait_s > 0:
            from app.workstation.session import TooManyAttempts  # loaded by the sign-in

            self._start_wait(wait_s, "" if isinstance(err, TooManyAttempts)
                             else user_message(err))

    def _start_wait(self, wait_s: float, error: str) -> None:
        self._error = error
        self.wait.start(wait_s)

    def _show_wait(self) -> None:
        self.submit.setEnabled(not self.wait.active and self.username.isEnabled())
        if self.wait.active:
            self._message = ("error", "\n".join(t for t in (self._error, self.wait.text()) if t))
        elif self._message and self._message[0] == "error":
            self._message = ("error", self._error)
        self._render_message()

    def _username_changed(self) -> None:
        if self.wait.active:  # another user's own wait is told by the next attempt
            self._error = ""
            self.wait.stop()

    def _refused(self, server: str) -> str | None:
        """The address if https (or loopback); else None, the reason shown, the field open."""
        from app.core.server_address import InsecureServer, check_server_url
        from app.ui.op import user_message

        try:
            return check_server_url(server)
        except InsecureServer as err:
            self._message = ("error", user_message(err))
            self._render_message()
            self.show_server_field(True)
            self.server.setFocus()
            return None

    def _set_busy(self, busy: bool) -> None:
        for w in (self.server, self.username, self.password, self.confirm, self.submit,
                  self.change_server):
            w.setEnabled(not busy)
        self.submit.setEnabled(not busy and not self.wait.active)
        self.cancel.setVisible(busy and self._browser)
        self._message = ("info", "") if busy else self._message
        if busy:
            self._say("info", BROWSER_BUSY if self._browser
                      else QT_TRANSLATE_NOOP("SignInWindow", "Signing in…"))

    def _say(self, kind: str, source: str, focus: QWidget | None = None) -> None:
        self._message = (kind, "tr:" + source)
        self._render_message()
        if focus:
            focus.setFocus()

    def _render_message(self) -> None:
        kind, shown = self._message or ("info", "")
        signin_layout.show_message(self, kind, self.tr(shown[3:]) if shown.startswith("tr:")
                                   else shown, polish=self._shown)

    def show_server_field(self, shown: bool) -> None:
        self.server.setVisible(shown)
        self.server_label.setVisible(shown)
        self.change_server.setVisible(not shown)

    def change_language(self) -> None:
        code = self.language.currentData()
        set_language(code)
        self._settings.language = code
