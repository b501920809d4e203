"""Idle lock: a watcher that restarts a timer on every keyboard or mouse event, and the page
that covers the window until the password is typed again. `PasswordWait`: the countdown that
the lock page and the sign-in window show while wrong passwords impose a wait (the wait itself
is enforced below the UI, app.store.throttle: the disabled button is a courtesy)."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.widgets import Retranslatable, named

WAIT_CTX = "PasswordWait"
WAIT_TEXT = QT_TRANSLATE_NOOP(WAIT_CTX, "Too many wrong passwords: try again in {seconds} s.")
INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                QEvent.Type.Wheel}



def _application() -> QCoreApplication:
    app = QApplication.instance()
    assert app is not None, "the idle watch runs in the application"
    return app

class IdleWatcher(QObject):
    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(self.idle)
        _application().installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        _application().removeEventFilter(self)


class PasswordWait(QObject):
    """Counts down a wait imposed after wrong passwords: `changed` each second (and when it
    starts or ends); `text()` says it in the UI's language; `active` while it lasts. `clock`
    (monotonic seconds) is replaceable: tests move it instead of sleeping."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.clock = time.monotonic
        self._end = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self._tick)

    @property
    def seconds_left(self) -> int:
        left = self._end - self.clock()
        return int(-(-left // 1)) if left > 0 else 0

    @property
    def active(self) -> bool:
        return self.seconds_left > 0

    def start(self, wait_s: float) -> None:
        self._end = self.clock() + max(0.0, wait_s)
        if self.active:
            self.timer.start()
        self.changed.emit()

    def stop(self) -> None:
        self._end = 0.0
        self.timer.stop()
        self.changed.emit()

    def text(self) -> str:
        if not self.active:
            return ""
        return QCoreApplication.translate(WAIT_CTX, WAIT_TEXT).format(seconds=self.seconds_left)

    def _tick(self) -> None:
        if not self.active:
            self.timer.stop()
        self.changed.emit()


class LockPage(Retranslatable, QWidget):
    unlock_requested = Signal(str)
    sign_out_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("LockPage")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.title = named(QLabel(self), "title")
        self.explain = named(QLabel(self), "subtitle")
        self.explain.setWordWrap(True)
        self.password = named(QLineEdit(self), "lock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaximumWidth(360)
        self.message = named(QLabel(self), "message")
        self.message.setProperty("kind", "error")
        self.unlock = named(QPushButton(self), "unlock")
        self.sign_out = named(QPushButton(self), "lock_sign_out")
        self.sign_out.setFlat(True)
        for w in (self.title, self.explain, self.password, self.message):
            outer.addWidget(w)
        row = QHBoxLayout()
        row.addWidget(self.unlock)
        row.addWidget(self.sign_out)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        outer.setContentsMargins(80, 40, 80, 40)
        self.password.returnPressed.connect(self._submit)
        self.unlock.clicked.connect(self._submit)
        self.sign_out.clicked.connect(self.sign_out_requested)
        self._wrong = False
        self.wait = PasswordWait(self)
        self.wait.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Session locked"))
        self.explain.setText(self.tr(
            "ClinicDesk locked itself after a period without activity. "
            "Type your password to continue."))
        self.password.setPlaceholderText(self.tr("Password"))
        self.unlock.setText(self.tr("Unlock"))
        self.sign_out.setText(self.tr("Sign out"))
        lines = [self.tr("Wrong password.")] if self._wrong else []
        lines += [self.wait.text()] if self.wait.active else []
        self.message.setText("\n".join(lines))
        self.message.setVisible(bool(lines))
        self.unlock.setEnabled(not self.wait.active)

    def reset(self) -> None:
        self._wrong = False
        self.password.clear()
        self.retranslate()
        self.password.setFocus()

    def refused(self, wait_s: float = 0.0) -> None:
        """Wrong password; `wait_s`: the wait now imposed before the next attempt."""
        self._wrong = True
        self.password.clear()
        self.wait.start(wait_s)
        self.password.setFocus()

    def throttled(self, wait_s: float) -> None:
        """The attempt came during a wait (refused below the UI, unchecked)."""
        self._wrong = False
        self.wait.start(wait_s)
        self.password.setFocus()

    def _submit(self) -> None:
        if self.password.text() and not self.wait.active:
            self.unlock_requested.emit(self.password.text())
