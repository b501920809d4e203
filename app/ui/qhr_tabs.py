"""The QHR viewer's three tabs for one patient: laboratory results (grouped by test, with the
reference range and a trend chart of the selected test), imaging reports (date, examination,
readable report text) and the medication profile (the pharmacist's ordering of
app.qhr.views.medication_profile). `show_data(data)` fills them; `clear()` empties every widget
and drops every reference to the data at once."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.ui.qhr_trend import TrendChart, day, number, reference_range, value_with_unit
from app.ui.widgets import Retranslatable, mark_data
from app.workstation.contracts import ImagingReport, LabTrend, QhrData

ABNORMAL = QBrush(QColor("#c62828"))


def _tree(parent: QWidget, name: str) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setObjectName(name)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    return tree


class QhrTabs(Retranslatable, QTabWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("qhr_tabs")
        self._trends: list[LabTrend] = []
        self._reports: list[ImagingReport] = []
        labs = QSplitter(Qt.Orientation.Vertical, self)
        self.labs = _tree(labs, "qhr_labs")
        self.labs.currentItemChanged.connect(self._lab_selected)
        self.trend = TrendChart(labs)
        labs.addWidget(self.labs)
        labs.addWidget(self.trend)
        labs.setSizes([320, 220])
        imaging = QSplitter(Qt.Orientation.Vertical, self)
        self.imaging = _tree(imaging, "qhr_imaging")
        self.imaging.setRootIsDecorated(False)
        self.imaging.currentItemChanged.connect(self._report_selected)
        self.report = mark_data(QTextBrowser(imaging))
        self.report.setObjectName("qhr_report")
        imaging.addWidget(self.imaging)
        imaging.addWidget(self.report)
        imaging.setSizes([180, 360])
        self.medications = _tree(self, "qhr_medications")
        self.medications.setRootIsDecorated(False)
        for page in (labs, imaging, self.medications):
            self.addTab(page, "")
        self.retranslate()

    def retranslate(self) -> None:
        for i, title in enumerate((self.tr("Laboratory results"), self.tr("Imaging reports"),
                                   self.tr("Medication profile"))):
            self.setTabText(i, title)
        self.labs.setHeaderLabels([self.tr("Test / date"), self.tr("Result"),
                                   self.tr("Reference range")])
        self.imaging.setHeaderLabels([self.tr("Date"), self.tr("Examination")])
        self.medications.setHeaderLabels([
            self.tr("Status"), self.tr("Drug"), self.tr("DIN"), self.tr("Strength"),
            self.tr("Dosage"), self.tr("Quantity"), self.tr("Pharmacy"),
            self.tr("First dispensed"), self.tr("Last dispensed")])
        if self._trends or self._reports or self.medications.topLevelItemCount():
            self._status_texts()

    # -- filling -----------------------------------------------------------------------------
    def show_data(self, data: QhrData) -> None:
        self.clear_data()
        self._trends, self._reports = list(data.labs), list(data.imaging)
        self._fill_labs()
        self._fill_imaging()
        self._fill_medications(data)
        for tree in (self.labs, self.imaging):
            first = tree.topLevelItem(0)
            if first is not None:
                tree.setCurrentItem(first)

    def _fill_labs(self) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        for trend in self._trends:
            last = trend.latest
            top = QTreeWidgetItem([trend.label, value_with_unit(last.value, last.unit),
                                   reference_range(last.low, last.high, last.unit)])
            top.setFont(0, bold)
            for p in reversed(trend.points):  # newest first under the test
                child = QTreeWidgetItem([day(p.when), value_with_unit(p.value, p.unit),
                                         reference_range(p.low, p.high, p.unit)])
                if p.abnormal:
                    child.setForeground(1, ABNORMAL)
                top.addChild(child)
            if last.abnormal:
                top.setForeground(1, ABNORMAL)
            self.labs.addTopLevelItem(top)
        self.labs.resizeColumnToContents(0)

    def _fill_imaging(self) -> None:
        for report in self._reports:
            self.imaging.addTopLevelItem(QTreeWidgetItem([day(report.when), report.title]))
        self.imaging.resizeColumnToContents(0)

    def _fill_medications(self, data: QhrData) -> None:
        for line in data.medications:
            item = QTreeWidgetItem([
                "", line.label, line.din, line.strength, line.dosage,
                number(line.quantity) if line.quantity is not None else "",
                line.pharmacy, day(line.first_dispensed.isoformat()),
                day(line.last_dispensed.isoformat())])
            item.setData(0, Qt.ItemDataRole.UserRole, line.active)
            self.medications.addTopLevelItem(item)
        self._status_texts()
        for column in range(self.medications.columnCount()):
            self.medications.resizeColumnToContents(column)

    def _status_texts(self) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        for i in range(self.medications.topLevelItemCount()):
            item = self.medications.topLevelItem(i)
            assert item is not None
            active = bool(item.data(0, Qt.ItemDataRole.UserRole))
            item.setText(0, self.tr("Active") if active else self.tr("Stopped"))
            for column in range(item.columnCount()):
                item.setFont(column, bold if active else self.font())

    def _lab_selected(self, current: QTreeWidgetItem | None,
                      _previous: QTreeWidgetItem | None = None) -> None:
        if current is None:
            self.trend.set_trend(None)
            return
        top = current.parent() or current
        index = self.labs.indexOfTopLevelItem(top)
        self.trend.set_trend(self._trends[index] if 0 <= index < len(self._trends) else None)

    def _report_selected(self, current: QTreeWidgetItem | None,
                         _previous: QTreeWidgetItem | None = None) -> None:
        index = self.imaging.indexOfTopLevelItem(current) if current is not None else -1
        if not 0 <= index < len(self._reports):
            self.report.clear()
            return
        r = self._reports[index]
        body = (r.text or r.conclusion).strip()
        if body.startswith(r.title):  # the report text repeats its title
            body = body[len(r.title):].strip()
        self.report.setHtml(f"<h3>{escape(r.title)}</h3><p><i>{escape(day(r.when))}</i></p>"
                            f"<p style='white-space: pre-wrap'>{escape(body)}</p>")

    # -- clearing ----------------------------------------------------------------------------
    def clear_data(self) -> None:
        """Every data widget emptied, every reference to the data dropped."""
        self._trends, self._reports = [], []
        for tree in (self.labs, self.imaging, self.medications):
            tree.clear()
        self.trend.set_trend(None)
        self.report.clear()

    @property
    def empty(self) -> bool:
        return not (self.labs.topLevelItemCount() or self.imaging.topLevelItemCount()
                    or self.medications.topLevelItemCount() or self.trend.trend
                    or self.report.toPlainText())
