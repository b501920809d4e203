"""Small helpers shared by the windows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Signal,
)
from PySide6.QtWidgets import (
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QWidget,
)

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
    elided, nothing scrolled out of sight sideways; each row is as tall as its lines (measured
    by a delegate as the rows are laid out; laid out again when the column's width changes)."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QHeaderView

    tree.setWordWrap(True)
    tree.setUniformRowHeights(False)
    tree.setTextElideMode(Qt.TextElideMode.ElideNone)
    tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    tree.setItemDelegateForColumn(column, _WrapDelegate(tree, column))
    header = tree.header()
    header.setStretchLastSection(False)
    for i in range(tree.columnCount()):
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch if i == column
                                    else QHeaderView.ResizeMode.ResizeToContents)
    relayout = QTimer(tree, singleShot=True, interval=0)  # once per burst of resizes
    relayout.timeout.connect(tree.doItemsLayout)
    header.sectionResized.connect(lambda index, _old, _new: relayout.start()
                                  if index == column else None)


class _WrapDelegate(QStyledItemDelegate):
    """Row height of a wrapped column: its text's lines in the column's current width."""

    def __init__(self, tree: QTreeWidget, column: int):
        super().__init__(tree)
        self.tree, self.column = tree, column

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex  # noqa: N802
                 ) -> QSize:
        from PySide6.QtCore import QRect, Qt

        hint = super().sizeHint(option, index)
        text = str(index.data() or "")
        room = max(self.tree.columnWidth(self.column) - 6, 1)  # the delegate's margins
        metrics = self.tree.fontMetrics()
        if metrics.horizontalAdvance(text) <= room and "\n" not in text:
            return hint
        lines = metrics.boundingRect(QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap,
                                     text).height()
        return QSize(hint.width(), max(hint.height(), lines + 4))
