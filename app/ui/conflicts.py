"""The conflict dialog: for each record someone changed on the server after it was changed here,
whose chart and which record in clinical words, a field-by-field comparison of the two versions
(the fields that differ marked), and the choice (keep this workstation's version, or the
server's). Nothing is ever overwritten silently; with nothing to resolve, it says so."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.i18n import translate
from app.ui.op import Op
from app.ui.widgets import Retranslatable, mark_data, named, on_gui_thread
from app.workstation.conflict_display import comparison, kind_of, record_name
from app.workstation.contracts import Conflict, SyncService, SyncStatus

MARK = "▶ "


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
        self.fields = mark_data(named(QTableWidget(0, 3, self), "conflict_fields"))
        self.fields.verticalHeader().hide()
        self.fields.setWordWrap(True)
        self.fields.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.fields.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
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
        layout.addWidget(self.explain)
        layout.addWidget(self.list)
        layout.addWidget(self.fields, 1)
        layout.addLayout(buttons)
        self.resize(960, 600)
        self.retranslate()
        stop = sync.add_listener(on_gui_thread(self, self._status_changed))
        self.finished.connect(lambda _code: stop())
        self.reload()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Conflicts to resolve"))
        self.fields.setHorizontalHeaderLabels([self.tr("Field"), self.tr("This workstation"),
                                               self.tr("The clinic's server")])
        self.keep_local.setText(self.tr("Keep mine"))
        self.keep_server.setText(self.tr("Keep the server's"))
        self._explain()
        self._fill(self.items)

    def _explain(self) -> None:
        self.explain.setText(self.tr(
            "Someone changed these records on the clinic's server after you changed them here. "
            "Compare the two versions (▶ marks what differs) and choose the one to keep.")
            if self.items else self.tr("No conflict to resolve: every change made here was "
                                       "accepted by the clinic's server."))

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
            parts = [translate(kind_of(c.resource_type)), record_name(c.local, c.server),
                     c.patient or self.tr("patient not on this workstation")]
            self.list.addItem(" — ".join(p for p in parts if p))
        self.list.setCurrentRow(0 if items else -1)
        for button in (self.keep_local, self.keep_server):
            button.setEnabled(bool(items))
        self.list.setVisible(bool(items))
        self.fields.setVisible(bool(items))
        if not items:
            self.fields.setRowCount(0)
        self._explain()

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.items):
            return
        rows = comparison(self.items[row].local, self.items[row].server)
        self.fields.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for i, field in enumerate(rows):
            mark = MARK if field.differs else ""
            cells = (mark + translate(field.label), field.ours or "—", field.theirs or "—")
            for column, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                if field.differs:
                    cell.setFont(bold)
                self.fields.setItem(i, column, cell)
        self.fields.resizeRowsToContents()

    def _resolve(self, keep_local: bool) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.items):
            return
        conflict_id = self.items[row].id
        Op(self, lambda: self.sync.resolve(conflict_id, keep_local)).on_success(
            lambda _: self.resolved.emit()).start()  # the list reloads on the sync status

    def field_texts(self) -> list[tuple[str, str, str]]:
        """The comparison as shown (the tests read it)."""
        def cell(r: int, c: int) -> str:
            item = self.fields.item(r, c)
            return item.text() if item is not None else ""
        return [(cell(r, 0), cell(r, 1), cell(r, 2)) for r in range(self.fields.rowCount())]
