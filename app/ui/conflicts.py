"""The conflict dialog: both versions side by side, the lines that differ marked, and the choice
(keep this workstation's version, or the server's). Nothing is ever overwritten silently."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.op import Op
from app.ui.widgets import Retranslatable, mark_data, named, on_gui_thread
from app.workstation.contracts import Conflict, Resource, SyncService, SyncStatus

SKIP = {"meta", "text"}  # bookkeeping, not what the person changed


def flatten(resource: Resource | list[Any] | None, prefix: str = "") -> dict[str, str]:
    """`{"code": {"text": "x"}}` → `{"code.text": "x"}`: one readable line per value."""
    if resource is None:
        return {}
    lines: dict[str, str] = {}
    items = resource.items() if isinstance(resource, dict) else enumerate(resource)
    for key, value in items:
        if not prefix and key in SKIP:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict | list):
            lines.update(flatten(value, path))
        else:
            lines[path] = value if isinstance(value, str) else json.dumps(value)
    return lines


def side_by_side(local: Resource | None, server: Resource | None) -> tuple[str, str, set[str]]:
    """The two versions as aligned text, and the fields that differ."""
    ours, theirs = flatten(local), flatten(server)
    keys = sorted(set(ours) | set(theirs))
    differ = {k for k in keys if ours.get(k) != theirs.get(k)}

    def render(lines: dict[str, str]) -> str:
        return "\n".join(f"{'▶ ' if k in differ else '  '}{k}: {lines.get(k, '—')}" for k in keys)
    return render(ours), render(theirs), differ


class ConflictDialog(Retranslatable, QDialog):
    resolved = Signal()

    def __init__(self, sync: SyncService, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ConflictDialog")
        self.sync = sync
        self.items: list[Conflict] = []
        layout = QVBoxLayout(self)
        self.explain = named(QLabel(self), "subtitle")
        self.explain.setWordWrap(True)
        self.list = mark_data(QListWidget(self))
        self.list.setObjectName("conflicts")
        self.list.currentRowChanged.connect(self._show)
        self.list.setMaximumHeight(120)
        panes = QHBoxLayout()
        self.local_title, self.server_title = QLabel(self), QLabel(self)
        self.local, self.server = (mark_data(QPlainTextEdit(self)), mark_data(QPlainTextEdit(self)))
        for title, pane in ((self.local_title, self.local), (self.server_title, self.server)):
            pane.setReadOnly(True)
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(pane)
            panes.addLayout(column)
        buttons = QHBoxLayout()
        self.keep_local = named(QPushButton(self), "keep_local")
        self.keep_server = named(QPushButton(self), "keep_server")
        for button in (self.keep_local, self.keep_server):
            button.setAutoDefault(False)  # Enter never settles a conflict by accident
        self.keep_local.clicked.connect(lambda: self._resolve(True))
        self.keep_server.clicked.connect(lambda: self._resolve(False))
        buttons.addStretch(1)
        buttons.addWidget(self.keep_local)
        buttons.addWidget(self.keep_server)
        for part in (self.explain, self.list):
            layout.addWidget(part)
        layout.addLayout(panes, 1)
        layout.addLayout(buttons)
        self.resize(960, 600)
        self.retranslate()
        stop = sync.add_listener(on_gui_thread(self, self._status_changed))
        self.finished.connect(lambda _code: stop())
        self.reload()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Conflicts to resolve"))
        self.explain.setText(self.tr(
            "Someone changed these records on the server after you changed them here. Compare "
            "the two versions (▶ marks what differs) and choose the one to keep."))
        self.local_title.setText(self.tr("This workstation's version"))
        self.server_title.setText(self.tr("The server's version"))
        self.keep_local.setText(self.tr("Keep mine"))
        self.keep_server.setText(self.tr("Keep the server's"))

    def _status_changed(self, status: SyncStatus) -> None:
        """A resolution or a sync round changed the number waiting: the list follows."""
        if status.conflicts != len(self.items):
            self.reload()

    def reload(self) -> None:
        Op(self, self.sync.conflicts).on_success(self._fill).start()

    def _fill(self, items: list[Conflict]) -> None:
        self.items = items
        self.list.clear()
        for c in items:
            self.list.addItem(f"{c.resource_type} — {c.created[:16].replace('T', ' ')}")
        self.list.setCurrentRow(0 if items else -1)
        for button in (self.keep_local, self.keep_server):
            button.setEnabled(bool(items))
        if not items:
            self.local.clear()
            self.server.clear()

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.items):
            ours, theirs, _ = side_by_side(self.items[row].local, self.items[row].server)
            self.local.setPlainText(ours)
            self.server.setPlainText(theirs)

    def _resolve(self, keep_local: bool) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.items):
            return
        conflict_id = self.items[row].id
        Op(self, lambda: self.sync.resolve(conflict_id, keep_local)).on_success(
            lambda _: self.resolved.emit()).start()  # the list reloads on the sync status
