"""The status bar: server online/offline, sync progress, last sync, conflicts, key state."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.widgets import Retranslatable, named
from app.workstation.contracts import KeyState, SyncStatus

KEY_TEXTS = {
    KeyState.ABSENT: QT_TRANSLATE_NOOP("StatusBar", "QHR key: absent"),
    KeyState.PRESENT: QT_TRANSLATE_NOOP("StatusBar", "QHR key: present"),
    KeyState.PIN_NEEDED: QT_TRANSLATE_NOOP("StatusBar", "QHR key: PIN needed"),
    KeyState.SESSION_OPEN: QT_TRANSLATE_NOOP("StatusBar", "QHR key: session open"),
    KeyState.NO_SERVICE: QT_TRANSLATE_NOOP("StatusBar", "QHR key: smart-card service not running"),
    KeyState.BLOCKED: QT_TRANSLATE_NOOP("StatusBar", "QHR key: blocked (PIN)"),
}


class StatusBar(Retranslatable, QStatusBar):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("StatusBar")
        self.sync = SyncStatus(online=False)
        self.key: KeyState | None = None
        self.server = named(QLabel(self), "status_server")
        self.progress = named(QProgressBar(self), "status_progress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.last_sync = named(QLabel(self), "status_last_sync")
        self.conflicts = named(QLabel(self), "status_conflicts")
        self.key_label = named(QLabel(self), "status_key")
        for w in (self.server, self.progress, self.last_sync, self.conflicts, self.key_label):
            self.addPermanentWidget(w)
        self.retranslate()

    def set_sync(self, status: SyncStatus) -> None:
        self.sync = status
        self.retranslate()

    def set_key(self, state: KeyState | None) -> None:
        self.key = state
        self.retranslate()

    def retranslate(self) -> None:
        s = self.sync
        self.server.setText(self.tr("Server: online") if s.online else self.tr("Server: offline"))
        self.server.setProperty("kind", "ok" if s.online else "warn")
        self.server.style().polish(self.server)
        self.progress.setVisible(s.progress is not None)
        self.progress.setValue(int((s.progress or 0) * 100))
        if s.last_sync:
            when = QLocale().toString(s.last_sync,  # type: ignore[call-overload]  # a datetime
                                      QLocale.FormatType.ShortFormat)  # is a QDateTime
            self.last_sync.setText(self.tr("Last sync: {when}").format(when=when))
        else:
            self.last_sync.setText(self.tr("Not synced yet"))
        self.conflicts.setVisible(s.conflicts > 0)
        self.conflicts.setText(self.tr("Conflicts waiting: {n}").format(n=s.conflicts))
        self.key_label.setVisible(self.key is not None)
        if self.key is not None:
            self.key_label.setText(self.tr(KEY_TEXTS[self.key]))
