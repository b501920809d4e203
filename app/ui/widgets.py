"""Small helpers shared by the windows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtWidgets import QLabel, QTreeWidget, QWidget

from app.core.text import QT_TRANSLATE_NOOP

Q = TypeVar("Q", bound=QObject)
W = TypeVar("W", bound=QWidget)

PROFESSIONS = {  # app.core.profiles.Profession values → names shown
    "physician": QT_TRANSLATE_NOOP("profession", "Physician"),
    "resident": QT_TRANSLATE_NOOP("profession", "Resident"),
    "nurse": QT_TRANSLATE_NOOP("profession", "Nurse"),
    "auxiliary_nurse": QT_TRANSLATE_NOOP("profession", "Auxiliary nurse"),
    "nurse_practitioner": QT_TRANSLATE_NOOP("profession", "Nurse practitioner"),
    "pharmacist": QT_TRANSLATE_NOOP("profession", "Pharmacist"),
    "extern": QT_TRANSLATE_NOOP("profession", "Extern"),
    "receptionist": QT_TRANSLATE_NOOP("profession", "Receptionist"),
    "administrator": QT_TRANSLATE_NOOP("profession", "Clinic administrator"),
    "technical_support": QT_TRANSLATE_NOOP("profession", "Technical support"),
}
DATA = "cd_data"  # property on widgets whose text is data (names, dates), not a translation


def profession_name(value: str) -> str:
    source = PROFESSIONS.get(value)
    return QCoreApplication.translate("profession", source) if source else value


def mark_data(widget: W) -> W:
    widget.setProperty(DATA, True)
    return widget


def data_label(parent: QWidget | None = None, name: str = "") -> QLabel:
    from PySide6.QtCore import Qt  # here: its ~90 enums cost ~12 ms before the sign-in paints

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


class _Relay(QObject):
    fired = Signal(object)


def on_gui_thread(owner: QObject, slot: Callable[[Any], object]) -> Callable[[Any], None]:
    """The Qt adapter of app.core.events: a listener that may be called from any thread and
    calls `slot(value)` on the GUI thread (queued from another thread, at once from this one).
    It lives as long as `owner`."""
    relay = _Relay(owner)
    relay.fired.connect(slot)
    return relay.fired.emit


def named(obj: Q, name: str) -> Q:
    """`obj` with its object name set (the style sheet and the tests find widgets by it)."""
    obj.setObjectName(name)
    return obj


def wrap_column(tree: QTreeWidget, column: int = 0) -> None:
    """`column` takes the width the other columns leave and wraps its text on words: nothing
    elided, nothing scrolled out of sight sideways; each row grows to its lines (`fit_rows`
    after filling the tree; a resize of the column fits them again)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QHeaderView

    tree.setWordWrap(True)
    tree.setUniformRowHeights(False)
    tree.setTextElideMode(Qt.TextElideMode.ElideNone)
    tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = tree.header()
    header.setStretchLastSection(False)
    for i in range(tree.columnCount()):
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch if i == column
                                    else QHeaderView.ResizeMode.ResizeToContents)
    header.sectionResized.connect(
        lambda index, _old, _new: fit_rows(tree, column) if index == column else None)


def fit_rows(tree: QTreeWidget, column: int = 0) -> None:
    """Each row as tall as its `column` text wrapped in the column's width (the tree does not
    measure wrapped text itself)."""
    from PySide6.QtCore import QRect, QSize, Qt

    room = max(tree.columnWidth(column) - 6, 1)  # the delegate's margins
    metrics = tree.fontMetrics()
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        if item is not None:
            lines = metrics.boundingRect(QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap,
                                         item.text(column)).height()
            item.setSizeHint(column, QSize(room, lines + 4))
