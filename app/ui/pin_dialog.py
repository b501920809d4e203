"""The PIN dialog of the QHR access key, and the "insert your key" prompt (both window-modal,
opened with `open()`: the GUI keeps running while they are shown)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.core.text import Text
from app.ui.i18n import translate
from app.ui.widgets import Retranslatable


class PinDialog(Retranslatable, QDialog):
    answered = Signal(str)  # the PIN, or "" when closed without one

    def __init__(self, parent: QWidget | None, reason: Text | None, tries_left: int | None):
        super().__init__(parent)
        self.setObjectName("PinDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.reason, self.tries_left = reason, tries_left
        box = QVBoxLayout(self)
        self.explain = QLabel(self, objectName="pin_explain")
        self.explain.setWordWrap(True)
        self.warning = QLabel(self, objectName="message")
        self.warning.setProperty("kind", "error")
        self.pin = QLineEdit(self, objectName="pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for w in (self.explain, self.warning, self.pin, self.buttons):
            box.addWidget(w)
        self.finished.connect(self._answer)
        self.retranslate()
        self.pin.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("QHR access key"))
        self.explain.setText(translate(self.reason) if self.reason else self.tr(
            "Type the PIN of your QHR access key."))
        tries = self.tries_left
        self.warning.setText(self.tr("{n} attempt(s) left before the key locks.").format(n=tries)
                             if tries is not None else "")
        self.warning.setVisible(tries is not None)

    def _answer(self, result: int) -> None:
        pin = self.pin.text() if result == QDialog.DialogCode.Accepted else ""
        self.pin.clear()
        self.answered.emit(pin)


def key_prompt(parent: QWidget | None):
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setObjectName("KeyPrompt")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowTitle(QCoreApplication.translate("PinDialog", "QHR access key"))
    box.setText(QCoreApplication.translate(
        "PinDialog", "Insert your QHR access key, then choose OK."))
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    return box
