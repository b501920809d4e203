"""The main window's menus and their actions (File, Patient, Tools): each with its shortcut,
shown only to the roles that may use it, their texts in the language shown; and the windows
they open (MenuWindows, a mixin of MainWindow)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.op import Op

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.settings import Settings
    from app.ui.main_window import MainWindow
    from app.workstation.contracts import Services, SignedIn

Keys = QKeySequence | QKeySequence.StandardKey
CTX = "MainWindow"  # the texts' translation context (they were the window's own)
MENUS = {"file": QT_TRANSLATE_NOOP(CTX, "&File"), "patient": QT_TRANSLATE_NOOP(CTX, "&Patient"),
         "tools": QT_TRANSLATE_NOOP(CTX, "&Tools")}
TEXTS = {
    "find": QT_TRANSLATE_NOOP(CTX, "Find a patient"),
    "close_chart": QT_TRANSLATE_NOOP(CTX, "Close the chart"),
    "sync": QT_TRANSLATE_NOOP(CTX, "Synchronise now"),
    "new_note": QT_TRANSLATE_NOOP(CTX, "New note…"),
    "conflicts": QT_TRANSLATE_NOOP(CTX, "Resolve conflicts…"),
    "lock": QT_TRANSLATE_NOOP(CTX, "Lock"),
    "sign_out": QT_TRANSLATE_NOOP(CTX, "Sign out"),
    "quit": QT_TRANSLATE_NOOP(CTX, "Quit"),
    "settings": QT_TRANSLATE_NOOP(CTX, "Settings…"),
    "ramq": QT_TRANSLATE_NOOP(CTX, "RAMQ services…"),
    "schedule": QT_TRANSLATE_NOOP(CTX, "Today's schedule"),
    "access_log": QT_TRANSLATE_NOOP(CTX, "Who read this record…"),
    "review_log": QT_TRANSLATE_NOOP(CTX, "Review this workstation's access log…"),
}
KEY_IN = QT_TRANSLATE_NOOP(CTX, "Insert the virtual QHR key")
KEY_OUT = QT_TRANSLATE_NOOP(CTX, "Remove the virtual QHR key")


def _tr(source: str) -> str:
    return QCoreApplication.translate(CTX, source)


def _specs(w: MainWindow) -> list[tuple[str, str, Keys, Callable[[], object]]]:
    return [
        ("find", "patient", QKeySequence.StandardKey.Find, w.focus_search),
        ("close_chart", "patient", QKeySequence("Ctrl+W"), w.close_chart),
        ("schedule", "patient", QKeySequence("Ctrl+T"), w.show_schedule),
        ("access_log", "patient", QKeySequence("Ctrl+Shift+J"), w.open_access_log),
        ("new_note", "patient", QKeySequence("Ctrl+N"), w.new_note),
        ("sync", "patient", QKeySequence("F5"), w.sync_now),
        ("conflicts", "patient", QKeySequence("Ctrl+Shift+K"), w.open_conflicts),
        ("lock", "file", QKeySequence("Ctrl+L"), w.lock),
        ("sign_out", "file", QKeySequence("Ctrl+Shift+Q"), w.sign_out),
        ("quit", "file", QKeySequence.StandardKey.Quit, w.close),
        ("ramq", "tools", QKeySequence("Ctrl+R"), w.open_ramq),
        ("settings", "tools", QKeySequence("Ctrl+,"), w.open_settings),
        ("review_log", "tools", QKeySequence("Ctrl+Shift+R"), w.open_workstation_log),
        ("virtual_key", "tools", QKeySequence("Ctrl+Shift+I"), w.toggle_virtual_key),
    ]


def build_actions(w: MainWindow) -> None:
    """`w.menus` and `w.actions_` (by name); an action the role may never use is hidden, and
    "New note" is not even drawn for a role that cannot write notes."""
    bar = w.menuBar()
    w.menus = {k: bar.addMenu("") for k in ("file", "patient", "tools")}
    w.actions_ = {}
    for name, menu, keys, slot in _specs(w):
        action = QAction(w)
        action.setShortcut(keys)
        action.triggered.connect(slot)
        w.menus[menu].addAction(action)
        w.actions_[name] = action
    services, profile = w.services, w.session.profile
    w.actions_["virtual_key"].setVisible(services.virtual_key is not None)
    w.actions_["schedule"].setVisible(w.schedule.service is not None)
    log = getattr(services, "access_log", None)
    w.actions_["access_log"].setVisible(log is not None and log.may_see_patient_logs(profile))
    w.actions_["access_log"].setEnabled(False)  # until a chart is open
    w.actions_["review_log"].setVisible(log is not None and log.may_review_workstation(profile))
    notes = getattr(services, "notes", None)
    if notes is None or not notes.may_write(profile):
        note_action = w.actions_.pop("new_note")  # not even drawn
        w.menus["patient"].removeAction(note_action)
        note_action.deleteLater()
    else:
        w.actions_["new_note"].setEnabled(False)  # until a chart is open
    from app.ui.ramq_window import offered
    w.actions_["ramq"].setVisible(offered(getattr(services, "ramq", None), profile))


def retranslate_actions(w: MainWindow) -> None:
    for menu, source in MENUS.items():
        w.menus[menu].setTitle(_tr(source))
    key = w.services.virtual_key
    texts = TEXTS | {"virtual_key": KEY_OUT if key and key.inserted else KEY_IN}
    for name, source in texts.items():
        if name in w.actions_:
            w.actions_[name].setText(_tr(source))


class MenuWindows:
    """Mixin of MainWindow: the windows its menus open."""

    services: Services
    session: SignedIn
    settings: Settings
    chart_patient: str | None

    def open_access_log(self) -> None:
        """Who read the open chart (its physician, the privacy officer); refused in the window
        for anyone else (decided and logged below)."""
        log = getattr(self.services, "access_log", None)
        if log is not None and self.chart_patient is not None:
            from app.ui.access_log import AccessLogDialog

            AccessLogDialog(log, self.chart_patient, self._owner()).open()

    def open_workstation_log(self) -> None:
        log = getattr(self.services, "access_log", None)
        if log is not None:
            from app.ui.access_log import AccessLogDialog

            AccessLogDialog(log, None, self._owner()).open()

    def open_conflicts(self) -> None:
        if self.services.sync is None:
            return
        from app.ui.conflicts import ConflictDialog

        dialog = ConflictDialog(self.services.sync, self._owner())
        dialog.resolved.connect(self.sync_now)  # "keep mine" is sent at once
        dialog.open()

    def open_ramq(self) -> None:
        from app.ui.ramq_window import ramq_window

        window = ramq_window(getattr(self.services, "ramq", None), self.session.profile,
                             self._owner())
        if window is not None:
            window.open()

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog
        SettingsDialog(self.settings, self._owner()).open()

    def toggle_virtual_key(self) -> None:
        """The demo's virtual QHR key in or out (a local socket: quick, but off the GUI
        thread all the same)."""
        key = self.services.virtual_key
        if key is not None:
            Op(self._owner(), key.remove if key.inserted else key.insert).on_success(
                lambda _r: self.retranslate()).start()

    def _owner(self) -> QWidget:
        return self  # type: ignore[return-value]  # a MainWindow

    if TYPE_CHECKING:  # MainWindow's
        def sync_now(self) -> None: ...
        def retranslate(self) -> None: ...
