"""Idle lock: a watcher that restarts a timer on every keyboard or mouse event, and the page
that covers the window until the password is typed again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets import Retranslatable

INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                QEvent.Type.Wheel}


class IdleWatcher(QObject):
    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(self.idle)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)


class LockPage(Retranslatable, QWidget):
    unlock_requested = Signal(str)
    sign_out_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("LockPage")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.title = QLabel(self, objectName="title")
        self.explain = QLabel(self, objectName="subtitle")
        self.explain.setWordWrap(True)
        self.password = QLineEdit(self, objectName="lock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaximumWidth(360)
        self.message = QLabel(self, objectName="message")
        self.message.setProperty("kind", "error")
        self.unlock = QPushButton(self, objectName="unlock")
        self.sign_out = QPushButton(self, objectName="lock_sign_out")
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
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Session locked"))
        self.explain.setText(self.tr(
            "ClinicDesk locked itself after a period without activity. "
            "Type your password to continue."))
        self.password.setPlaceholderText(self.tr("Password"))
        self.unlock.setText(self.tr("Unlock"))
        self.sign_out.setText(self.tr("Sign out"))
        self.message.setText(self.tr("Wrong password.") if self._wrong else "")
        self.message.setVisible(self._wrong)

    def reset(self) -> None:
        self._wrong = False
        self.password.clear()
        self.retranslate()
        self.password.setFocus()

    def refused(self) -> None:
        self._wrong = True
        self.password.clear()
        self.retranslate()
        self.password.setFocus()

    def _submit(self) -> None:
        if self.password.text():
            self.unlock_requested.emit(self.password.text())
