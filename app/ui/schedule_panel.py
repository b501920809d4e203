"""Today's schedule, shown when no chart is open: the signed-in user's appointments (the
clinic's for reception), first from this workstation's store (fast, offline), then again after
the server's (app.workstation.schedule). Enter or a double-click opens the patient's chart.
Dates and times follow the language chosen (re-rendered when it changes)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QLocale, Qt, QTime, Signal
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.op import Op, user_message
from app.ui.widgets import Retranslatable, mark_data, named
from app.workstation.contracts import Appointment, DaySchedule, ScheduleService

STATUSES = {  # FHIR Appointment.status → shown
    "proposed": QT_TRANSLATE_NOOP("SchedulePanel", "Proposed"),
    "pending": QT_TRANSLATE_NOOP("SchedulePanel", "Pending"),
    "booked": QT_TRANSLATE_NOOP("SchedulePanel", "Booked"),
    "arrived": QT_TRANSLATE_NOOP("SchedulePanel", "Arrived"),
    "checked-in": QT_TRANSLATE_NOOP("SchedulePanel", "Checked in"),
    "fulfilled": QT_TRANSLATE_NOOP("SchedulePanel", "Seen"),
    "cancelled": QT_TRANSLATE_NOOP("SchedulePanel", "Cancelled"),
    "noshow": QT_TRANSLATE_NOOP("SchedulePanel", "No-show"),
}
PATIENT_ROLE = Qt.ItemDataRole.UserRole


def long_date(day: date) -> str:
    """"Monday 7 December 2026" / "lundi 7 décembre 2026": never ambiguous."""
    return QLocale().toString(QDate(day.year, day.month, day.day), "dddd d MMMM yyyy")


class SchedulePanel(Retranslatable, QWidget):
    open_requested = Signal(str)  # patient id

    def __init__(self, schedule: ScheduleService | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("schedule_panel")
        self.service = schedule
        self.shown: DaySchedule | None = None
        self._error = ""
        self._loading = False
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.title = named(QLabel(self), "schedule_title")
        self.table = mark_data(named(QTreeWidget(self), "schedule"))
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.itemActivated.connect(self._activated)
        self.hint = named(QLabel(self), "schedule_hint")
        self.hint.setWordWrap(True)
        for w in (self.title, self.table, self.hint):
            box.addWidget(w)
        self.setVisible(schedule is not None)
        self.retranslate()

    # -- loading ---------------------------------------------------------------------------
    def load(self, day: date | None = None) -> None:
        """The store's copy at once, then the server's when online."""
        if self.service is None or self._loading:
            return
        service, day = self.service, day or date.today()
        self._loading = True
        self._render_hint()

        def refresh(_cached: DaySchedule) -> None:
            self.show_schedule(_cached)
            Op(self, lambda cancel: service.refresh(day, cancel)).on_success(
                self._refreshed).on_failure(self._failed).on_cancelled(self._done).start()
        Op(self, lambda: service.cached(day)).on_success(refresh).on_failure(
            self._failed).start()

    def _refreshed(self, schedule: DaySchedule) -> None:
        self._done()
        self.show_schedule(schedule)

    def _done(self) -> None:
        self._loading = False
        self._render_hint()

    def _failed(self, err: BaseException) -> None:
        self._error = user_message(err)
        self._done()

    # -- rendering -------------------------------------------------------------------------
    def show_schedule(self, schedule: DaySchedule) -> None:
        self.shown = schedule
        self._error = ""
        self._render()

    def retranslate(self) -> None:
        headers = [self.tr("Time"), self.tr("Patient"), self.tr("Birth date"), self.tr("Reason"),
                   self.tr("Status")]
        if self.shown is not None and self.shown.clinic:
            headers.insert(1, self.tr("Physician"))
        self.table.setHeaderLabels(headers)
        self._render()

    def _render(self) -> None:
        shown = self.shown
        day = shown.day if shown else date.today()
        self.title.setText((self.tr("The clinic's schedule — {day}") if shown and shown.clinic
                            else self.tr("Today's schedule — {day}")).format(day=long_date(day)))
        if shown is not None and self.table.columnCount() != (6 if shown.clinic else 5):
            self.retranslate()
            return
        self.table.clear()
        clinic = shown is not None and shown.clinic
        self.table.addTopLevelItems([self._item(a, clinic) for a in shown.appointments]
                                    if shown else [])
        for column in range(self.table.columnCount() - 1):
            self.table.resizeColumnToContents(column)
        self._render_hint()

    def _item(self, a: Appointment, clinic: bool) -> QTreeWidgetItem:
        locale = QLocale()
        patient = a.patient
        name = (f"{patient.family.upper()}, {patient.given}" if patient
                else self.tr("(not available on this workstation)"))
        born = patient.birth_date.isoformat() if patient and patient.birth_date else ""
        status = STATUSES.get(a.status)
        at = locale.toString(QTime(a.start.hour, a.start.minute), "HH:mm")
        cells = [at, name, born, a.description, self.tr(status) if status else a.status]
        if clinic:
            cells.insert(1, a.practitioner)
        item = QTreeWidgetItem(cells)
        item.setData(0, PATIENT_ROLE, patient.id if patient else None)
        return item

    def _render_hint(self) -> None:
        if self._error:
            text, kind = self._error, "error"
        elif self._loading and (self.shown is None or not self.shown.appointments):
            text, kind = self.tr("Loading the day's appointments…"), "info"
        elif self.shown is not None and not self.shown.appointments:
            text, kind = self.tr("No appointments today."), "info"
        else:
            text, kind = "", ""
        self.hint.setProperty("kind", kind)
        self.hint.style().polish(self.hint)
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        patient_id = item.data(0, PATIENT_ROLE)
        if patient_id:
            self.open_requested.emit(patient_id)
