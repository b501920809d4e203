"""The access log window: who read what of one patient's record (or, for the administrator,
everything this workstation logged), when, from which workstation, with the break-the-glass
reasons; exported as CSV or as FHIR AuditEvents (app.workstation.access_log.format_rows, the
same as `clinicdesk audit report`). The rows come from AccessLogService on a background
operation, which logs the look itself; refusals are said in the window, not as an empty list."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.op import Op, user_message
from app.ui.widgets import Retranslatable, mark_data, named
from app.workstation.contracts import AccessLogService, AccessRow

ACTIONS = {
    "read": QT_TRANSLATE_NOOP("AccessLogDialog", "Read"),
    "break-glass": QT_TRANSLATE_NOOP("AccessLogDialog", "Read (break the glass)"),
    "denied": QT_TRANSLATE_NOOP("AccessLogDialog", "Refused"),
    "search": QT_TRANSLATE_NOOP("AccessLogDialog", "Search"),
    "export": QT_TRANSLATE_NOOP("AccessLogDialog", "Export"),
    "report": QT_TRANSLATE_NOOP("AccessLogDialog", "Access log read"),
    "review": QT_TRANSLATE_NOOP("AccessLogDialog", "Access log review"),
    "create": QT_TRANSLATE_NOOP("AccessLogDialog", "Created"),
    "update": QT_TRANSLATE_NOOP("AccessLogDialog", "Changed"),
    "delete": QT_TRANSLATE_NOOP("AccessLogDialog", "Deleted"),
    "print": QT_TRANSLATE_NOOP("AccessLogDialog", "Printed"),
}
INFORMATION = {  # app.core.data_class.DataClass values, and the log's own kinds
    "demographics": QT_TRANSLATE_NOOP("AccessLogDialog", "Identification"),
    "registration": QT_TRANSLATE_NOOP("AccessLogDialog", "RAMQ registration"),
    "appointments": QT_TRANSLATE_NOOP("AccessLogDialog", "Appointments"),
    "problems": QT_TRANSLATE_NOOP("AccessLogDialog", "Problems"),
    "allergies": QT_TRANSLATE_NOOP("AccessLogDialog", "Allergies"),
    "medications": QT_TRANSLATE_NOOP("AccessLogDialog", "Medications"),
    "labs": QT_TRANSLATE_NOOP("AccessLogDialog", "Laboratory results"),
    "notes": QT_TRANSLATE_NOOP("AccessLogDialog", "Notes"),
    "documents": QT_TRANSLATE_NOOP("AccessLogDialog", "Documents"),
    "qhr": QT_TRANSLATE_NOOP("AccessLogDialog", "QHR"),
    "access-log": QT_TRANSLATE_NOOP("AccessLogDialog", "Access log"),
}
SOURCES = {"workstation": QT_TRANSLATE_NOOP("AccessLogDialog", "This workstation"),
           "server": QT_TRANSLATE_NOOP("AccessLogDialog", "Central server")}


def local_time(stamp: str) -> str:
    """An ISO instant in local time, in the language's long-enough form (2026-12-07 14:05)."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return QLocale().toString(QDateTime(moment.replace(tzinfo=None)), "yyyy-MM-dd HH:mm")


def who(row: dict) -> str:
    """The reader's name and username ("Dre Marie Tremblay (1000001)"), else the username."""
    name, username = row.get("name") or "", row.get("username") or ""
    return f"{name} ({username})" if name and name != username else username


class AccessLogDialog(Retranslatable, QDialog):
    def __init__(self, service: AccessLogService, patient_id: str | None,
                 parent: QWidget | None = None):
        """`patient_id`: that patient's log; None: the workstation's (administrator)."""
        super().__init__(parent)
        self.setObjectName("AccessLogDialog")
        self.service, self.patient_id = service, patient_id
        self.rows: list[AccessRow] = []
        self._error = ""
        box = QVBoxLayout(self)
        self.intro = named(QLabel(self), "access_intro")
        self.intro.setWordWrap(True)
        self.table = mark_data(named(QTreeWidget(self), "access_rows"))
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.message = named(QLabel(self), "access_message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        self.export_csv = named(QPushButton(self), "export_csv")
        self.export_fhir = named(QPushButton(self), "export_fhir")
        for button, kind in ((self.export_csv, "csv"), (self.export_fhir, "fhir")):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.clicked.connect(lambda _=False, k=kind: self.export(k))
            button.setEnabled(False)
        for w in (self.intro, self.table, self.message, self.buttons):
            box.addWidget(w)
        self.resize(1000, 560)  # fits 1366×768 with the window frame
        self.retranslate()
        self.load()

    def load(self) -> None:
        service, pid = self.service, self.patient_id
        self._set_message(self.tr("Reading the access log…"), "info")
        work = ((lambda cancel: service.patient_log(pid, cancel)) if pid is not None
                else (lambda cancel: service.workstation_log(cancel)))
        Op(self, work).on_success(self.show_rows).on_failure(self._failed).start()

    def show_rows(self, rows: list[AccessRow]) -> None:
        self.rows = rows
        self._error = ""
        self._set_message("" if rows else self.tr("No access recorded."), "info")
        for button in (self.export_csv, self.export_fhir):
            button.setEnabled(bool(rows))
        self._render()

    def _failed(self, err: BaseException) -> None:
        self._error = user_message(err)
        self._set_message(self._error, "error")

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Access log") if self.patient_id
                            else self.tr("This workstation's access log"))
        self.intro.setText(self.tr(
            "Who read this patient's record, when and from which workstation; break-the-glass "
            "reasons are shown. Opening this log is itself recorded.") if self.patient_id
            else self.tr("Every access recorded on this workstation, for review by the "
                         "privacy officer. Opening this log is itself recorded."))
        self.table.setHeaderLabels([self.tr("When"), self.tr("Who"), self.tr("Information"),
                                    self.tr("Action"), self.tr("Workstation"), self.tr("Reason"),
                                    self.tr("Source")])
        self.export_csv.setText(self.tr("Export as CSV…"))
        self.export_fhir.setText(self.tr("Export as FHIR…"))
        self._render()

    def _render(self) -> None:
        self.table.clear()
        for row in self.rows:
            action, source = ACTIONS.get(row.get("action", "")), SOURCES.get(row.get("source", ""))
            item = QTreeWidgetItem([
                local_time(row.get("at", "")), who(row),
                self._information(row.get("information") or ""),
                self.tr(action) if action else row.get("action", ""),
                row.get("workstation", ""), row.get("reason") or "",
                self.tr(source) if source else row.get("source", "")])
            if row.get("action") in ("break-glass", "denied"):
                item.setData(0, Qt.ItemDataRole.AccessibleDescriptionRole, row["action"])
                font = item.font(0)
                font.setBold(True)
                for column in range(item.columnCount()):
                    item.setFont(column, font)
            self.table.addTopLevelItem(item)
        for column in range(self.table.columnCount() - 1):
            self.table.resizeColumnToContents(column)

    def _information(self, value: str) -> str:
        """Data class codes as the chart names them ("labs,notes" from the server)."""
        if value.startswith("search:"):
            return self.tr("Search")
        names = [INFORMATION.get(code) for code in value.split(",")]
        return ", ".join(self.tr(n) if n else code
                         for n, code in zip(names, value.split(","), strict=True))

    def _set_message(self, text: str, kind: str) -> None:
        self.message.setProperty("kind", kind)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def export(self, kind: str, path: str | None = None) -> None:
        """Write the rows shown as CSV or a FHIR Bundle (`path`: asked when not given)."""
        from app.workstation.access_log import format_rows

        if path is None:
            suffix = "csv" if kind == "csv" else "json"
            path, _ = QFileDialog.getSaveFileName(
                self, self.tr("Export the access log"), f"access-log.{suffix}")
            if not path:
                return
        rows, target = list(self.rows), Path(path)
        Op(self, lambda: _write_whole(target, format_rows(rows, kind))).on_success(
            lambda _n: self._set_message(self.tr("Exported."), "info")).on_failure(
            self._failed).start()


def _write_whole(target: Path, text: str) -> None:
    """The file appears whole or not at all (written beside it, then renamed over it): a
    reader, or a crash, never sees half an export."""
    part = target.with_name(target.name + ".part")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
