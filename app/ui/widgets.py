"""Small helpers shared by the windows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QWidget

DATA = "cd_data"  # property on widgets whose text is data (names, dates), not a translation


def mark_data(widget: QWidget) -> QWidget:
    widget.setProperty(DATA, True)
    return widget


def data_label(parent: QWidget | None = None, name: str = "") -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return mark_data(label)


class Retranslatable:
    """Mixin: `retranslate()` runs at construction (by the subclass) and on LanguageChange."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)  # type: ignore[misc]

    def retranslate(self) -> None:
        raise NotImplementedError
