"""The note editor: plain text (no spell checking), saved through the NoteService on a
background operation; the note shows in the chart at once and is pushed at the next sync.

The draft is autosaved to the encrypted store a moment after each change (and when the editor
closes without saving), so a crash loses at most the last second of typing."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.ui.op import Op, user_message
from app.ui.widgets import Retranslatable, mark_data, named

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow
    from app.workstation.contracts import ChartEntry, NoteService


class NoteEditor(Retranslatable, QDialog):
    saved = Signal(object)  # app.workstation.contracts.ChartEntry of the new note

    AUTOSAVE_MS = 800

    def __init__(self, notes: NoteService, patient_id: str, parent: QWidget | None = None,
                 draft: str | None = None, whose: str = ""):
        super().__init__(parent)
        self.setObjectName("NoteEditor")
        self.notes, self.patient_id, self.whose = notes, patient_id, whose
        layout = QVBoxLayout(self)
        self.whose_label = mark_data(named(QLabel(self), "note_whose"))
        self.whose_label.setWordWrap(True)
        layout.addWidget(self.whose_label)
        self.editor = mark_data(QPlainTextEdit(self))
        self.editor.setObjectName("note_text")
        self.editor.setTabChangesFocus(True)
        if draft:
            self.editor.setPlainText(draft)
            self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        self._autosave = QTimer(self, singleShot=True, interval=self.AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        self.editor.textChanged.connect(self._autosave.start)
        self._saving = False
        self.message = named(QLabel(self), "note_message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save)
        self.resize(640, 480)
        self.retranslate()
        self.editor.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New note — {patient}").replace("{patient}", self.whose)
                            if self.whose else self.tr("New note"))
        self.whose_label.setText("<b>" + self.tr("Note in the chart of {patient}").replace(
            "{patient}", escape(self.whose)) + "</b>")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.editor.setPlaceholderText(self.tr("Type the note. Ctrl+Enter saves it."))

    def save_draft(self) -> None:
        if not self._saving:
            body = self.editor.toPlainText()
            Op(self, lambda: self.notes.save_draft(self.patient_id, body)).start()

    def reject(self) -> None:
        """Closed without saving: the draft stays (written now if a change is pending)."""
        if self._autosave.isActive():
            self._autosave.stop()
            self.save_draft()
        super().reject()

    def save(self) -> None:
        body = self.editor.toPlainText()
        self._autosave.stop()
        self._saving = True
        self.buttons.setEnabled(False)
        self.message.setText(self.tr("Saving…"))
        Op(self, lambda: self.notes.write(self.patient_id, body)).on_success(
            self._saved).on_failure(self._failed).start()

    def _saved(self, entry: ChartEntry) -> None:
        self.saved.emit(entry)
        self.accept()

    def _failed(self, err: BaseException) -> None:
        self._saving = False
        self.buttons.setEnabled(True)
        self.message.setText(user_message(err))


def open_for_chart(window: MainWindow, only_a_draft: bool = False) -> None:
    """From the main window: fetch the open chart's draft in the background, then show the
    editor with it (`only_a_draft`: only when there is one — the chart just opened)."""
    patient = getattr(window, "chart_patient", None)
    if patient:
        notes = window.services.notes
        assert notes is not None, "the action exists only with the note service"
        Op(window, lambda: notes.draft(patient)).on_success(
            lambda draft: _show(window, patient, draft, only_a_draft)).on_failure(
            window.panel.show_error).start()


def _show(window: MainWindow, patient: str, draft: str | None, only_a_draft: bool) -> None:
    from app.core.data_class import DataClass

    if patient != getattr(window, "chart_patient", None) or (only_a_draft and not draft):
        return
    editor = getattr(window, "note_editor", None)
    if editor is not None and editor.isVisible():
        editor.activateWindow()
        return
    notes = window.services.notes
    assert notes is not None, "the action exists only with the note service"
    view = window.chart_view
    chart = view.chart
    if chart is not None and DataClass.NOTES not in chart.writable:
        refuse(window)  # before a word is typed
        return
    p = chart.patient if chart is not None else None
    whose = (f"{p.family.upper()}, {p.given} — {p.birth_date.isoformat() if p.birth_date else ''}"
             f" — NAM {p.nam or '—'}" if p is not None else "")
    window.note_editor = editor = NoteEditor(notes, patient, window, draft, whose)
    view.show_data_class(DataClass.NOTES)
    editor.saved.connect(lambda entry: view.add_entry(DataClass.NOTES, entry))
    below = view.banner.mapToGlobal(view.banner.rect().bottomLeft())
    editor.move(below.x() + view.nav.width(), below.y() + 8)  # the banner stays in sight
    editor.open()


def refuse(window: MainWindow) -> None:
    """The chart cannot be written by this user: said at once, no editor to type in."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Information,
                      QCoreApplication.translate("NoteEditor", "New note"),
                      QCoreApplication.translate(
                          "NoteEditor", "You may not write notes in this chart: the patient is "
                          "not yours and you hold no mandate for them, or your role does not "
                          "allow it."), QMessageBox.StandardButton.Ok, window)
    box.setObjectName("note_refused")
    box.open()
