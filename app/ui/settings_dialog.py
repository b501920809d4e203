"""Settings: the language, applied at once (every window re-translates itself) and kept."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from app.settings import LANGUAGES, Settings
from app.ui.i18n import current_language, set_language
from app.ui.widgets import Retranslatable, named


class SettingsDialog(Retranslatable, QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("SettingsDialog")
        self.settings = settings
        form = QFormLayout(self)
        self.language_label = QLabel(self)
        self.language = named(QComboBox(self), "language")
        for code in LANGUAGES:
            self.language.addItem("", code)
        self.language.setCurrentIndex(max(0, self.language.findData(current_language())))
        form.addRow(self.language_label, self.language)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.language_label.setText(self.tr("Language"))
        for i, code in enumerate(LANGUAGES):
            self.language.setItemText(i, QCoreApplication.translate("language", LANGUAGES[code]))

    def accept(self) -> None:
        code = self.language.currentData()
        if code != current_language():
            set_language(code)
            self.settings.language = code
        super().accept()
