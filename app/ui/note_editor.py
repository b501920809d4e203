"""The note editor: plain text (no spell checking), saved through the NoteService on a
background operation; the note shows in the chart at once and is pushed at the next sync."""

from __future__ import annotations

from PySide6.QtCore import Signal
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
from app.ui.widgets import Retranslatable, mark_data


class NoteEditor(Retranslatable, QDialog):
    saved = Signal(object)  # app.ui.services.ChartEntry of the new note

    def __init__(self, notes, patient_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("NoteEditor")
        self.notes, self.patient_id = notes, patient_id
        layout = QVBoxLayout(self)
        self.editor = mark_data(QPlainTextEdit(self))
        self.editor.setObjectName("note_text")
        self.editor.setTabChangesFocus(True)
        self.message = QLabel(self, objectName="note_message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        self.resize(640, 480)
        self.retranslate()
        self.editor.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New note"))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.editor.setPlaceholderText(self.tr("Type the note. Ctrl+Enter saves it."))

    def save(self) -> None:
        body = self.editor.toPlainText()
        self.buttons.setEnabled(False)
        self.message.setText(self.tr("Saving…"))
        Op(self, lambda: self.notes.write(self.patient_id, body)).on_success(
            self._saved).on_failure(self._failed).start()

    def _saved(self, entry) -> None:
        self.saved.emit(entry)
        self.accept()

    def _failed(self, err: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(user_message(err))
