"""The PIN dialog of the QHR access key, and the "insert your key" prompt (both window-modal,
opened with `open()`: the GUI keeps running while they are shown).

The dialog says the key's PIN rule and checks it before answering (app.devices.piv.check_pin,
the same check the PIV session makes before VERIFY): a PIN that breaks it is never handed to
the key, so it costs no try. `reason` is why the PIN is asked again ("Wrong PIN. 2 attempt(s)
left…" from the card's 63 Cx, or the rule); without one, the tries left are said, and the last
one is called the last."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.core.text import Text
from app.ui.i18n import translate
from app.ui.widgets import Retranslatable, named
from app.workstation.key_viewer import PIN_MAX, PinFormatError, check_pin


class PinDialog(Retranslatable, QDialog):
    answered = Signal(str)  # the PIN, or "" when closed without one

    def __init__(self, parent: QWidget | None, reason: Text | None, tries_left: int | None):
        super().__init__(parent)
        self.setObjectName("PinDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.reason, self.tries_left = reason, tries_left
        self.refused: Text | None = None  # the rule, when the typed PIN breaks it
        box = QVBoxLayout(self)
        self.explain = named(QLabel(self), "pin_explain")
        self.explain.setWordWrap(True)
        self.warning = named(QLabel(self), "message")
        self.warning.setWordWrap(True)
        self.warning.setProperty("kind", "error")
        self.pin = named(QLineEdit(self), "pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(PIN_MAX + 8)  # longer than the rule: said, not silently cut
        self.pin.textEdited.connect(self._edited)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        for w in (self.explain, self.warning, self.pin, self.buttons):
            box.addWidget(w)
        self.finished.connect(self._answer)
        self.retranslate()
        self.pin.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("QHR access key"))
        self.explain.setText(self.tr("Type the PIN of your QHR access key (6 to 8 digits)."))
        self.warning.setText(self._warning())
        self.warning.setVisible(bool(self.warning.text()))

    def _warning(self) -> str:
        if self.refused is not None:
            return translate(self.refused)
        if self.reason is not None:
            return translate(self.reason)
        if self.tries_left == 1:
            return self.tr("Last attempt: one more wrong PIN blocks the key.")
        if self.tries_left is not None:
            return self.tr("{n} attempt(s) left before the key locks.").format(n=self.tries_left)
        return ""

    def _accept_if_valid(self) -> None:
        try:
            check_pin(self.pin.text())
        except PinFormatError as err:
            self.refused = err.text  # said here; nothing goes to the key
            self.retranslate()
            self.pin.selectAll()
            self.pin.setFocus()
            return
        self.accept()

    def _edited(self) -> None:
        if self.refused is not None:
            self.refused = None
            self.retranslate()

    def _answer(self, result: int) -> None:
        pin = self.pin.text() if result == QDialog.DialogCode.Accepted else ""
        self.pin.clear()
        self.answered.emit(pin)


def key_prompt(parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("KeyPrompt")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowTitle(QCoreApplication.translate("PinDialog", "QHR access key"))
    box.setText(QCoreApplication.translate(
        "PinDialog", "Insert your QHR access key, then choose OK."))
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    return box
