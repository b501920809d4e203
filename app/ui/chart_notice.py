"""A withheld section is never an empty table: its notice says so and why (the access policy's
reasons: the patient's refusal or restriction, no mandate, the role), and offers to break the
glass where the policy allows it. The glass is broken with a typed reason (checked by the same
rule as the policy's), for a limited time."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.access import reason_text, valid_break_glass_reason
from app.ui.i18n import translate
from app.ui.widgets import Retranslatable, named
from app.workstation.contracts import BREAK_GLASS_MINUTES, Withheld


class WithheldNotice(Retranslatable, QFrame):
    """`show_withheld(Withheld)`; `break_glass` is emitted with the typed reason."""

    break_glass = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("withheld_notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = named(QLabel(self), "withheld_title")
        self.title.setWordWrap(True)  # the chart keeps its narrow width beside the QHR pane
        self.why = named(QLabel(self), "withheld_why")
        self.why.setWordWrap(True)
        self.glass = named(QPushButton(self), "break_glass")
        self.glass.setAutoDefault(False)
        self.glass.clicked.connect(self.ask_reason)
        for part in (self.title, self.why, self.glass):
            layout.addWidget(part)
        layout.addStretch(1)
        self.withheld: Withheld | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("This section is withheld from you: it is not empty, it "
                                   "is not shown."))
        self.glass.setText(self.tr("Break the glass…"))
        if self.withheld is not None:
            self.show_withheld(self.withheld)

    def show_withheld(self, withheld: Withheld) -> None:
        self.withheld = withheld
        self.why.setText("\n".join(translate(r) for r in withheld.reasons))
        self.glass.setVisible(withheld.can_break_glass)

    def ask_reason(self) -> None:
        dialog = BreakGlassDialog(self)
        dialog.accepted.connect(lambda: self.break_glass.emit(dialog.reason()))
        dialog.open()


class BreakGlassDialog(Retranslatable, QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("BreakGlassDialog")
        layout = QVBoxLayout(self)
        self.explain = named(QLabel(self), "break_glass_explain")
        self.explain.setWordWrap(True)
        self.text = named(QPlainTextEdit(self), "break_glass_reason")
        self.text.setTabChangesFocus(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._check)
        for part in (self.explain, self.text, self.buttons):
            layout.addWidget(part)
        self.resize(520, 260)
        self.retranslate()
        self._check()
        self.text.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Break the glass"))
        self.explain.setText(self.tr(
            "Type why you must see this information now (a full sentence). The reason is "
            "recorded with each section you open, the access is reviewed, and the sections "
            "close again after {minutes} minutes.").replace("{minutes}",
                                                           str(BREAK_GLASS_MINUTES)))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Open the withheld sections"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))

    def reason(self) -> str:
        return reason_text(self.text.toPlainText())

    def _check(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            valid_break_glass_reason(self.reason()))
