"""The chart: the patient banner above, a list of sections on the left (Alt+1…), the section on
the right. The face sheet comes first. Sections the role may never read are not built; a section
withheld for this patient shows its notice (and break-the-glass where allowed), never an empty
table. Rows open in the reader (double-click or Enter); rows not yet sent are marked."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.data_class import DataClass
from app.core.text import QT_TRANSLATE_NOOP
from app.ui.chart_banner import PatientBanner
from app.ui.chart_face import ABNORMAL, FaceSheetPage, flag_text
from app.ui.chart_labs import LabsPage
from app.ui.chart_notice import WithheldNotice
from app.ui.chart_reader import ReaderDialog, detail_text, shown, when_text
from app.ui.op import Op, user_message
from app.ui.widgets import Retranslatable, mark_data, named
from app.workstation.contracts import FIRST, Chart, ChartEntry, Flag

if TYPE_CHECKING:
    from app.workstation.contracts import ChartService

CTX = "ChartView"
IMAGING = "imaging"  # the imaging reports: a section of their own, read under the LABS class
SECTIONS: tuple[tuple[DataClass, str], ...] = (
    (DataClass.DEMOGRAPHICS, QT_TRANSLATE_NOOP("ChartView", "Summary")),
    (DataClass.PROBLEMS, QT_TRANSLATE_NOOP("ChartView", "Problems")),
    (DataClass.ALLERGIES, QT_TRANSLATE_NOOP("ChartView", "Allergies")),
    (DataClass.MEDICATIONS, QT_TRANSLATE_NOOP("ChartView", "Medications")),
    (DataClass.LABS, QT_TRANSLATE_NOOP("ChartView", "Laboratory results")),
    (DataClass.LABS, QT_TRANSLATE_NOOP("ChartView", "Imaging")),
    (DataClass.NOTES, QT_TRANSLATE_NOOP("ChartView", "Encounters and notes")),
    (DataClass.DOCUMENTS, QT_TRANSLATE_NOOP("ChartView", "Documents")),
)
SECTION = "cd_section"  # property naming the DataClass a section widget shows
ENTRY = Qt.ItemDataRole.UserRole


def _tr(source: str) -> str:
    return QCoreApplication.translate(CTX, source)


class EntryList(QTreeWidget):
    """Date, item, detail, flag: the rows of one section; a row opens in the reader."""

    def __init__(self, data_class: DataClass, parent: QWidget | None = None, name: str = ""):
        super().__init__(parent)
        self.setProperty(SECTION, data_class.value)
        self.setObjectName(name or f"section_{data_class.value}")
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setColumnCount(4)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.header().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.entries: list[ChartEntry] = []
        self.itemActivated.connect(self._open)
        mark_data(self)

    def retranslate(self) -> None:
        self.setHeaderLabels([self.tr("Date"), self.tr("Item"), self.tr("Details"),
                              self.tr("Flag")])
        for i, entry in enumerate(self.entries):
            item = self.topLevelItem(i)
            if item is not None:
                self._mark(item, entry)

    def show_entries(self, entries: list[ChartEntry]) -> None:
        self.clear()
        self.entries = []
        for entry in entries:
            self.add_entry(entry, at_end=True)
        self.resizeColumnToContents(0)

    def add_entry(self, entry: ChartEntry, at_end: bool = False) -> None:
        """A row; one written here (a new note) goes first, as the newest."""
        item = QTreeWidgetItem([when_text(entry)[:10], shown(entry.title), detail_text(entry), ""])
        self._mark(item, entry)
        if at_end:
            self.entries.append(entry)
            self.addTopLevelItem(item)
        else:
            self.entries.insert(0, entry)
            self.insertTopLevelItem(0, item)

    def _mark(self, item: QTreeWidgetItem, entry: ChartEntry) -> None:
        marks = [flag_text(entry.flag)] if entry.flag is not Flag.NONE else []
        marks += [self.tr("Stopped")] if entry.inactive else []
        marks += [self.tr("Not sent")] if entry.unsent else []
        item.setText(3, " · ".join(m for m in marks if m))
        if entry.flag is not Flag.NONE or entry.unsent:
            item.setForeground(3, ABNORMAL)

    def _open(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        row = self.indexOfTopLevelItem(item)
        if 0 <= row < len(self.entries):
            ReaderDialog(self.entries[row], self).open()

    def open_current(self) -> None:
        item = self.currentItem()
        if item is not None:
            self._open(item)


class SectionPage(QStackedWidget):
    """A section's content, or its withheld notice in its place."""

    def __init__(self, content: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.content, self.notice = content, WithheldNotice(self)
        self.loading = named(QLabel(self), "section_loading")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for part in (content, self.notice, self.loading):
            self.addWidget(part)


class ChartView(Retranslatable, QWidget):
    """Built once per user. A section is filled when first shown (a large chart paints at once:
    only the banner and the face sheet are populated)."""

    def __init__(self, readable: frozenset[DataClass], parent: QWidget | None = None,
                 charts: ChartService | None = None):
        super().__init__(parent)
        self.setObjectName("ChartView")
        self.readable, self.charts = readable, charts
        layout = QVBoxLayout(self)
        self.banner = PatientBanner(self)
        self.header = self.banner.fields["name"]
        self.status = named(QLabel(self), "chart_status")
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.banner)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        layout.addLayout(row, 1)
        self.nav = named(QListWidget(self), "chart_nav")
        self.stack = QStackedWidget(self)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.currentRowChanged.connect(self._fill)
        self.chart: Chart | None = None
        self._filled: set[int] = set()
        self._keys: list[DataClass | str] = []
        self.summary = FaceSheetPage(self)
        self.summary.role_readable = readable
        self.sections: dict[DataClass, EntryList] = {}
        self.pages: dict[DataClass | str, SectionPage] = {}
        self.labs: LabsPage | None = None
        self.imaging: EntryList | None = None
        self._titles: list[str] = []
        self.glass_timer = QTimer(self, singleShot=True)
        self.glass_timer.timeout.connect(self.close_glass)
        for data_class, title in SECTIONS:
            self._build(data_class, title)
        self.nav.setCurrentRow(0)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.stack,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut).activated.connect(
            self._open_current)
        self.retranslate()

    def _build(self, data_class: DataClass, title: str) -> None:
        key: DataClass | str = IMAGING if title == "Imaging" else data_class
        if data_class is DataClass.DEMOGRAPHICS:
            page: QWidget = self.summary
        elif data_class not in self.readable:
            return
        elif key == IMAGING:
            page = self.imaging = EntryList(DataClass.LABS, self, "section_imaging")
        elif data_class is DataClass.LABS:
            page = self.labs = LabsPage(self)
        else:
            page = self.sections[data_class] = EntryList(data_class, self)
        if data_class is not DataClass.DEMOGRAPHICS:
            section = self.pages[key] = SectionPage(page, self)
            section.notice.break_glass.connect(self.break_glass)
            page = section
        self.stack.addWidget(page)
        self._keys.append(key)
        self.nav.addItem("")
        self._titles.append(title)
        shortcut = QShortcut(QKeySequence(f"Alt+{len(self._titles)}"), self)
        shortcut.activated.connect(partial(self.show_section, len(self._titles) - 1))

    def show_section(self, index: int) -> None:
        self.nav.setCurrentRow(index)
        current = self.stack.currentWidget()
        if current is not None:
            current.setFocus()

    def current_section(self) -> QWidget | None:
        current = self.stack.currentWidget()
        return current.currentWidget() if isinstance(current, SectionPage) else current

    def retranslate(self) -> None:
        for i, title in enumerate(self._titles):
            self.nav.item(i).setText(_tr(title))
        metrics = self.nav.fontMetrics()
        widest = max((metrics.horizontalAdvance(_tr(t)) for t in self._titles), default=80)
        self.nav.setFixedWidth(int(widest * 1.1) + 36)  # selected items are bold
        for section in (*self.sections.values(), *([self.imaging] if self.imaging else [])):
            section.retranslate()
        if self.labs:
            self.labs.retranslate()
        for page in self.pages.values():
            page.loading.setText(self.tr("Loading…"))
        self._show_status()

    def show_chart(self, chart: Chart) -> None:
        keep = self.nav.currentRow() if self.chart and self.chart.patient.id == \
            chart.patient.id else 0
        self.chart, self._filled = chart, set()
        self.banner.show_chart(chart)
        self.summary.show_chart(chart)
        for key, page in self.pages.items():
            data_class = DataClass.LABS if key == IMAGING else key
            withheld = chart.withheld.get(data_class)  # type: ignore[call-overload]
            waiting = not chart.complete and data_class not in FIRST
            page.setCurrentWidget(page.loading if waiting else
                                  page.notice if withheld else page.content)
            if withheld:
                page.notice.show_withheld(withheld)
        for section in (*self.sections.values(), *([self.imaging] if self.imaging else [])):
            section.clear()
        if self.labs:
            self.labs.clear()
        self._arm_glass(chart.glass_broken_until)
        self._show_status()
        self.nav.setCurrentRow(keep)
        self._fill(keep)
        if not chart.complete and self.charts is not None:
            self._complete(chart.patient.id)

    def _complete(self, patient_id: str) -> None:
        """The rest of the chart, read after the banner and face sheet are on screen."""
        charts = self.charts
        assert charts is not None
        Op(self, lambda cancel: charts.open_rest(patient_id, cancel)).on_success(
            self._glass_opened).on_failure(self._glass_failed).start()

    def _fill(self, index: int) -> None:
        if self.chart is None or index in self._filled or not 0 <= index < len(self._keys):
            return
        key = self._keys[index]
        if not self.chart.complete and (DataClass.LABS if key == IMAGING else key) not in FIRST:
            return  # filled when the whole chart is there
        self._filled.add(index)
        if key == IMAGING and self.imaging:
            self.imaging.show_entries(list(self.chart.imaging))
        elif key is DataClass.LABS and self.labs:
            self.labs.set_trends(self.chart.trends)
            self.labs.set_other_results(self.chart.entries.get(DataClass.LABS, []))
        elif key in self.sections:
            self.sections[key].show_entries(self.chart.entries.get(key, []))  # type: ignore

    def show_data_class(self, data_class: DataClass) -> None:
        if data_class in self._keys:
            self.nav.setCurrentRow(self._keys.index(data_class))

    def add_entry(self, data_class: DataClass, entry: ChartEntry) -> None:
        """A row written here (a new note): kept with the chart, shown first in its section."""
        if self.chart is None:
            return
        self.chart.entries.setdefault(data_class, []).insert(0, entry)
        section = self.sections.get(data_class)
        if section is not None and self._keys.index(data_class) in self._filled:
            section.add_entry(entry)
        self._show_status()

    def _open_current(self) -> None:
        current = self.current_section()
        if isinstance(current, EntryList):
            current.open_current()

    # -- break the glass -------------------------------------------------------------------
    def break_glass(self, reason: str) -> None:
        if self.chart is None or self.charts is None:
            return
        patient, charts = self.chart.patient.id, self.charts
        Op(self, lambda cancel: charts.break_glass(patient, reason, cancel)).on_success(
            self._glass_opened).on_failure(self._glass_failed).start()

    def _glass_opened(self, chart: Chart) -> None:
        if self.chart is not None and chart.patient.id == self.chart.patient.id:
            self.show_chart(chart)

    def _glass_failed(self, err: BaseException) -> None:
        self.status.setText(user_message(err))
        self.status.show()

    def _arm_glass(self, until: datetime | None) -> None:
        self.glass_timer.stop()
        if until is not None:
            left = (until - datetime.now().astimezone()).total_seconds()
            self.glass_timer.start(max(0, int(left * 1000)))

    def close_glass(self) -> None:
        """The time is up: the chart is read again without the glass."""
        if self.chart is None or self.charts is None or self.chart.glass_broken_until is None:
            return
        patient, charts = self.chart.patient.id, self.charts
        Op(self, lambda cancel: charts.open(patient, cancel)).on_success(
            self._glass_opened).on_failure(self._glass_failed).start()

    def _show_status(self) -> None:
        chart = self.chart
        said = []
        if chart is not None and chart.glass_broken_until is not None:
            said.append(self.tr("Glass broken: withheld sections are open until {time}, and "
                                "this access will be reviewed.").replace(
                "{time}", chart.glass_broken_until.strftime("%H:%M")))
        unsent = sum(e.unsent for rows in (chart.entries.values() if chart else ()) for e in rows)
        if unsent:
            said.append(self.tr("{n} change(s) in this chart not yet sent to the clinic's "
                                "server.").replace("{n}", str(unsent)))
        self.status.setText(" ".join(said))
        self.status.setVisible(bool(said))

    def clear(self) -> None:
        self.chart, self._filled = None, set()
        self.glass_timer.stop()
        self.banner.clear()
        self.summary.clear()
        self.status.hide()
        for section in (*self.sections.values(), *([self.imaging] if self.imaging else [])):
            section.clear()
        if self.labs:
            self.labs.clear()
