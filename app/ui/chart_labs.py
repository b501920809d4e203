"""The chart's laboratory section: the tests grouped by LOINC code (app.qhr.views.lab_trends,
the same grouping as the QHR viewer), and for the selected test its history (newest first, values
in the locale's format, out-of-range values in red with their H/L flag beside) and its trend chart
with the reference band. Test names are never elided: the list is as wide as its longest name,
or, when the page is narrower (the QHR pane dragged wide at 1366 px), the names wrap on words
and the page keeps the width of its longest word (its minimum size: the splitter stops there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.data_class import DataClass
from app.ui.qhr_trend import TrendChart, day, reference_range, value_with_unit
from app.ui.widgets import mark_data
from app.workstation.chart_display import flag_of
from app.workstation.contracts import ChartEntry, LabTrend, Point

ABNORMAL = QColor("#c62828")
TREND_MIN_WIDTH = 360  # below this the trend chart goes under the list of tests
SECTION = "cd_section"


def _tree(parent: QWidget, name: str, columns: int) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setObjectName(name)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setColumnCount(columns)
    tree.setTextElideMode(Qt.TextElideMode.ElideNone)
    tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    tree.header().setStretchLastSection(True)
    return mark_data(tree)


def _flag(point: Point) -> str:
    return flag_of(point.value, point.low, point.high).value


class LabsPage(QWidget):
    """`set_trends(list[LabTrend])`; the first test is selected."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty(SECTION, DataClass.LABS.value)
        self.setObjectName(f"section_{DataClass.LABS.value}")
        self.trends: list[LabTrend] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        layout.addWidget(split)
        left = QSplitter(Qt.Orientation.Vertical, split)
        self.tests = _tree(left, "lab_tests", 4)
        self.others = _tree(left, "lab_other_results", 4)  # results without a number
        left.addWidget(self.tests)
        left.addWidget(self.others)
        self.tests.currentItemChanged.connect(self._selected)
        right = QSplitter(Qt.Orientation.Vertical, split)
        self.trend = TrendChart(right)
        self.trend.setObjectName("lab_trend")
        self.history = _tree(right, "lab_history", 4)
        right.addWidget(self.trend)
        right.addWidget(self.history)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([360, 480])
        split.setChildrenCollapsible(False)
        self.split = split
        self.tests.setWordWrap(True)  # names wrap rather than elide when the page is narrow
        self.tests.setUniformRowHeights(False)
        self._least = 0  # the narrowest legible list: its longest word and the other columns
        self._wrap = False
        self.tests.header().sectionResized.connect(self._fit_rows)

    def retranslate(self) -> None:
        self.tests.setHeaderLabels([self.tr("Test"), self.tr("Latest result"), self.tr("Flag"),
                                    self.tr("Date")])
        self.history.setHeaderLabels([self.tr("Date"), self.tr("Result"), self.tr("Flag"),
                                      self.tr("Reference range")])
        self.others.setHeaderLabels([self.tr("Date"), self.tr("Other results"),
                                     self.tr("Details"), self.tr("Flag")])

    def set_other_results(self, entries: Sequence[ChartEntry]) -> None:
        """Laboratory results without a numeric value (app.workstation.contracts.ChartEntry)."""
        from app.core.text import Text
        from app.ui.i18n import translate

        self.others.clear()
        for entry in entries:
            when = entry.when.strftime("%Y-%m-%d") if entry.when else ""
            title = translate(entry.title) if isinstance(entry.title, Text) else entry.title
            self.others.addTopLevelItem(QTreeWidgetItem([when, title, entry.detail,
                                                         entry.flag.value]))
        self.others.setVisible(bool(entries))

    def set_trends(self, trends: Iterable[LabTrend]) -> None:
        self.clear()
        self.trends = [t for t in trends if t.points]
        for trend in self.trends:
            last = trend.latest
            item = QTreeWidgetItem([trend.label, value_with_unit(last.value, last.unit),
                                    _flag(last), day(last.when)])
            if last.abnormal:
                item.setForeground(1, ABNORMAL)
                item.setForeground(2, ABNORMAL)
            self.tests.addTopLevelItem(item)
        first = self.tests.topLevelItem(0)
        if first is not None:
            self.tests.setCurrentItem(first)
        self._least = self._least_width() if self.trends else 0
        self.updateGeometry()  # the chart's minimum width follows (the splitter stops there)
        self._widen()

    def _widths(self) -> list[int]:
        header, metrics = self.tests.header(), self.tests.fontMetrics()
        names = max((metrics.horizontalAdvance(t.label) + 12 for t in self.trends), default=0)
        return [max(header.sectionSizeHint(0), names), *(
            max(header.sectionSizeHint(i), self.tests.sizeHintForColumn(i))
            for i in range(1, self.tests.columnCount()))]

    def _fit_rows(self, column: int = 0, _old: int = 0, _new: int = 0) -> None:
        """Wrapped names: each row as tall as its name's lines in the column's width (the
        tree does not measure wrapped text itself)."""
        if column != 0:
            return
        room = max(self.tests.columnWidth(0) - 6, 1)  # the delegate's margins
        metrics = self.tests.fontMetrics()
        for i in range(self.tests.topLevelItemCount()):
            item = self.tests.topLevelItem(i)
            if item is None:
                continue
            if self._wrap:
                lines = metrics.boundingRect(QRect(0, 0, room, 10_000),
                                             Qt.TextFlag.TextWordWrap, item.text(0)).height()
                item.setSizeHint(0, QSize(room, lines + 4))
            else:
                item.setData(0, Qt.ItemDataRole.SizeHintRole, None)

    def _widen(self) -> None:
        """The test list as wide as its columns need (names whole), the trend the rest; when
        the page is too narrow for both side by side, the trend goes below the list, and when
        it is narrower still the names wrap (the name column takes what the others leave)."""
        widths = self._widths()
        margins = self.tests.frameWidth() * 2 + 24
        needed = sum(widths) + margins
        right = self.split.widget(1)
        trend = max(TREND_MIN_WIDTH, right.minimumSizeHint().width() if right else 0)
        side_by_side = self.width() >= needed + self.split.handleWidth() + trend
        self.split.setOrientation(Qt.Orientation.Horizontal if side_by_side
                                  else Qt.Orientation.Vertical)
        header = self.tests.header()
        wrap = self._wrap = not side_by_side and self.width() < needed
        header.setStretchLastSection(not wrap)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch if wrap
                                    else QHeaderView.ResizeMode.ResizeToContents)
        if side_by_side:
            self.split.setSizes([needed, self.width() - needed])
        else:
            self.split.setSizes([self.height() // 2, self.height() - self.height() // 2])
        self._fit_rows()

    def _least_width(self) -> int:
        """The other columns whole and the longest word of a name on one line."""
        metrics = self.tests.fontMetrics()
        words = [w for t in self.trends for w in t.label.split()]
        longest = max((metrics.horizontalAdvance(w) for w in words), default=0) + 12
        header = self.tests.header()
        longest = max(longest, header.sectionSizeHint(0))
        return sum(self._widths()[1:]) + longest + self.tests.frameWidth() * 2 + 24

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self._least), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.trends:
            self._widen()

    def select(self, loinc: str) -> None:
        for i, trend in enumerate(self.trends):
            item = self.tests.topLevelItem(i)
            if trend.loinc == loinc and item is not None:
                self.tests.setCurrentItem(item)

    def clear(self) -> None:
        self.trends = []
        self.tests.clear()
        self.others.clear()
        self.history.clear()
        self.trend.set_trend(None)

    def _selected(self, current: QTreeWidgetItem | None,
                  _previous: QTreeWidgetItem | None = None) -> None:
        self.history.clear()
        index = self.tests.indexOfTopLevelItem(current) if current is not None else -1
        trend = self.trends[index] if 0 <= index < len(self.trends) else None
        self.trend.set_trend(trend)
        for p in reversed(trend.points if trend else ()):
            row = QTreeWidgetItem([day(p.when), value_with_unit(p.value, p.unit), _flag(p),
                                   reference_range(p.low, p.high, p.unit)])
            if p.abnormal:
                row.setForeground(1, ABNORMAL)
                row.setForeground(2, ABNORMAL)
            self.history.addTopLevelItem(row)
