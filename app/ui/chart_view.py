"""The chart: a header and one tab per section; sections the user may not read are never built."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
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
from app.core.text import QT_TRANSLATE_NOOP, Text
from app.ui.chart_labs import LabsPage
from app.ui.i18n import translate
from app.ui.widgets import Retranslatable, data_label, mark_data, named
from app.workstation.contracts import Chart, ChartEntry

CTX = "ChartView"
# (data class, tab title); the summary shows demographics and registration.
SECTIONS: tuple[tuple[DataClass, str], ...] = (
    (DataClass.DEMOGRAPHICS, QT_TRANSLATE_NOOP("ChartView", "Summary")),
    (DataClass.PROBLEMS, QT_TRANSLATE_NOOP("ChartView", "Problems")),
    (DataClass.ALLERGIES, QT_TRANSLATE_NOOP("ChartView", "Allergies")),
    (DataClass.MEDICATIONS, QT_TRANSLATE_NOOP("ChartView", "Medications")),
    (DataClass.LABS, QT_TRANSLATE_NOOP("ChartView", "Laboratory results")),
    (DataClass.NOTES, QT_TRANSLATE_NOOP("ChartView", "Encounters and notes")),
    (DataClass.DOCUMENTS, QT_TRANSLATE_NOOP("ChartView", "Documents")),
)
SECTION = "cd_section"  # property naming the DataClass a section widget shows


def _tr(source: str) -> str:
    return QCoreApplication.translate(CTX, source)


class EntryList(QTreeWidget):
    """Date, item, detail: the rows of one section."""

    def __init__(self, data_class: DataClass, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty(SECTION, data_class.value)
        self.setObjectName(f"section_{data_class.value}")
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setColumnCount(3)
        for column in (1, 2):
            self.header().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        mark_data(self)

    def retranslate(self) -> None:
        self.setHeaderLabels([self.tr("Date"), self.tr("Item"), self.tr("Details")])

    def show_entries(self, entries: list[ChartEntry]) -> None:
        self.clear()
        for entry in entries:
            when = entry.when.strftime("%Y-%m-%d") if entry.when else ""
            title = translate(entry.title) if isinstance(entry.title, Text) else entry.title
            self.addTopLevelItem(QTreeWidgetItem([when, title, entry.detail]))
        self.resizeColumnToContents(0)

    def add_entry(self, entry: ChartEntry) -> None:
        """A row written here (a new note): first, as the newest."""
        when = entry.when.strftime("%Y-%m-%d") if entry.when else ""
        title = translate(entry.title) if isinstance(entry.title, Text) else entry.title
        self.insertTopLevelItem(0, QTreeWidgetItem([when, title, entry.detail]))


class SummaryPage(QWidget):
    def __init__(self, readable: frozenset[DataClass], parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty(SECTION, DataClass.DEMOGRAPHICS.value)
        self.form = QFormLayout(self)
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for key in ("name", "birth_date", "nam", "chart_number"):
            self.labels[key], self.values[key] = QLabel(self), data_label(self, key)
            self.form.addRow(self.labels[key], self.values[key])
        self.registration = (EntryList(DataClass.REGISTRATION, self)
                             if DataClass.REGISTRATION in readable else None)
        if self.registration:
            self.registration_title = named(QLabel(self), "section_title")
            self.form.addRow(self.registration_title)
            self.form.addRow(self.registration)

    def retranslate(self) -> None:
        texts = {"name": self.tr("Name"), "birth_date": self.tr("Birth date"),
                 "nam": self.tr("Health insurance number"), "chart_number": self.tr("Chart number")}
        for key, label in self.labels.items():
            label.setText(texts[key])
        if self.registration:
            self.registration_title.setText(self.tr("RAMQ registration"))
            self.registration.retranslate()

    def show_chart(self, chart: Chart) -> None:
        p = chart.patient
        self.values["name"].setText(f"{p.family}, {p.given}")
        self.values["birth_date"].setText(p.birth_date.isoformat() if p.birth_date else "")
        self.values["nam"].setText(p.nam or "")
        self.values["chart_number"].setText(p.chart_number or "")
        if self.registration:
            self.registration.show_entries(chart.entries.get(DataClass.REGISTRATION, []))


class ChartView(Retranslatable, QWidget):
    """Built once per user: only the readable sections exist as widgets. A list of sections
    on the left (Alt+1…Alt+7), the section on the right. A section is filled when first shown
    (a large chart paints at once: only the visible section is populated)."""

    def __init__(self, readable: frozenset[DataClass], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ChartView")
        self.readable = readable
        layout = QVBoxLayout(self)
        self.header = data_label(self, "chart_header")
        layout.addWidget(self.header)
        row = QHBoxLayout()
        layout.addLayout(row, 1)
        self.nav = QListWidget(self)
        self.nav.setObjectName("chart_nav")
        self.stack = QStackedWidget(self)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.currentRowChanged.connect(self._fill)
        self.chart: Chart | None = None
        self._filled: set[int] = set()
        self._classes: list[DataClass] = []
        self.summary = SummaryPage(readable, self)
        self.sections: dict[DataClass, EntryList] = {}
        self.labs: LabsPage | None = None
        self._titles: list[str] = []
        for data_class, title in SECTIONS:
            if data_class is DataClass.DEMOGRAPHICS:
                page: QWidget = self.summary
            elif data_class is DataClass.LABS and data_class in readable:
                page = self.labs = LabsPage(self)
            elif data_class in readable:
                page = self.sections[data_class] = EntryList(data_class, self)
            else:
                continue
            self.stack.addWidget(page)
            self._classes.append(data_class)
            self.nav.addItem("")
            self._titles.append(title)
            shortcut = QShortcut(QKeySequence(f"Alt+{len(self._titles)}"), self)
            shortcut.activated.connect(partial(self.show_section, len(self._titles) - 1))
        self.nav.setCurrentRow(0)
        self.retranslate()

    def show_section(self, index: int) -> None:
        self.nav.setCurrentRow(index)
        current = self.stack.currentWidget()
        if current is not None:
            current.setFocus()

    def retranslate(self) -> None:
        for i, title in enumerate(self._titles):
            self.nav.item(i).setText(_tr(title))
        metrics = self.nav.fontMetrics()
        widest = max((metrics.horizontalAdvance(_tr(t)) for t in self._titles), default=80)
        self.nav.setFixedWidth(int(widest * 1.1) + 36)  # selected items are bold
        self.summary.retranslate()
        for section in self.sections.values():
            section.retranslate()
        if self.labs:
            self.labs.retranslate()

    def show_chart(self, chart: Chart) -> None:
        p = chart.patient
        born = p.birth_date.isoformat() if p.birth_date else ""
        self.header.setText(f"{p.family.upper()}, {p.given}   {born}   {p.nam or ''}".strip())
        self.summary.show_chart(chart)
        self.chart, self._filled = chart, {0}
        for section in self.sections.values():
            section.clear()
        if self.labs:
            self.labs.clear()
        if self.nav.currentRow() == 0:
            self._fill(0)
        self.nav.setCurrentRow(0)

    def _fill(self, index: int) -> None:
        if self.chart is None or index in self._filled or not 0 <= index < len(self._classes):
            return
        self._filled.add(index)
        data_class = self._classes[index]
        if data_class is DataClass.LABS and self.labs:
            self.labs.set_trends(self.chart.trends)
            self.labs.set_other_results(self.chart.entries.get(DataClass.LABS, []))
        elif data_class in self.sections:
            self.sections[data_class].show_entries(self.chart.entries.get(data_class, []))

    def show_data_class(self, data_class: DataClass) -> None:
        if data_class in self._classes:
            self.nav.setCurrentRow(self._classes.index(data_class))

    def add_entry(self, data_class: DataClass, entry: ChartEntry) -> None:
        """A row written here (a new note): kept with the chart, shown first in its section."""
        if self.chart is None:
            return
        self.chart.entries.setdefault(data_class, []).insert(0, entry)
        section = self.sections.get(data_class)
        if section is not None and self._classes.index(data_class) in self._filled:
            section.add_entry(entry)

    def clear(self) -> None:
        self.header.clear()
        self.chart, self._filled = None, set()
        for section in self.sections.values():
            section.clear()
        if self.labs:
            self.labs.clear()
        for value in self.summary.values.values():
            value.clear()
