"""A laboratory test's trend, drawn with QPainter: the values over time as a line (placed by
date: a gap of two years looks like one), the reference range as a shaded band, values outside
it in red; the axis labels are formatted for the UI's locale (decimal comma in French), and the
date labels never overlap: the last and first dates first, then as many of the others as fit
apart. Plus the locale formatting the QHR viewer uses."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.workstation.contracts import LabTrend, Point

YOf = Callable[[float | None], float]

INK, GRID, LINE = QColor("#334155"), QColor("#d5dbe3"), QColor("#1d5fa8")
BAND, HIGH = QColor(46, 160, 67, 40), QColor("#c62828")
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 16, 28, 34
LABEL_GAP = 12  # px at least between two date labels


def number(value: float | None) -> str:
    """5.4 → "5,4" in French, "5.4" in English; None → "—"."""
    from PySide6.QtCore import QLocale

    if value is None:
        return "—"
    return QLocale().toString(float(value), "g", 6)


def day(iso: str) -> str:
    """The date part of an ISO date or date-time, unambiguous in the locale's words:
    "4 Jul 2025", "4 juil. 2025"."""
    from PySide6.QtCore import QLocale

    parsed = QDate.fromString(iso[:10], Qt.DateFormat.ISODate)
    return QLocale().toString(parsed, "d MMM yyyy") if parsed.isValid() else iso


def value_with_unit(value: float | None, unit: str) -> str:
    return f"{number(value)} {unit}".strip() if value is not None else "—"


def reference_range(low: float | None, high: float | None, unit: str) -> str:
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {number(high)} {unit}".strip()
    if high is None:
        return f"≥ {number(low)} {unit}".strip()
    return f"{number(low)} – {number(high)} {unit}".strip()


class TrendChart(QWidget):
    """One test's history; `set_trend(None)` empties it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("qhr_trend")
        self.trend: LabTrend | None = None
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(480, 220)

    def set_trend(self, trend: LabTrend | None) -> None:
        self.trend = trend
        self.setAccessibleName(trend.label if trend else "")
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        trend = self.trend
        points = [p for p in (trend.points if trend else ()) if p.value is not None]
        if trend is None or not points:
            painter.end()
            return
        plot = self.plot_rect()
        lo, hi = self._bounds(points)
        painter.setPen(INK)
        painter.drawText(QRectF(8, 4, self.width() - 16, MARGIN_T - 6),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"{trend.label} ({trend.unit})" if trend.unit else trend.label)

        def y_of(v: float | None) -> float:
            assert v is not None  # only the points with a value are drawn
            return plot.bottom() - (v - lo) / (hi - lo) * plot.height()

        x_of = self._x_scale(plot, points)
        self._band(painter, plot, points[-1], y_of)
        self._axes(painter, plot, lo, hi, y_of)
        self._time_axis(painter, plot)
        path = QPainterPath(QPointF(x_of(0), y_of(points[0].value)))
        for i, p in enumerate(points[1:], 1):
            path.lineTo(x_of(i), y_of(p.value))
        painter.setPen(QPen(LINE, 2))
        painter.drawPath(path)
        for i, p in enumerate(points):
            colour = HIGH if p.abnormal else LINE
            painter.setPen(QPen(colour, 1))
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(x_of(i), y_of(p.value)), 3.2, 3.2)
        painter.end()

    @staticmethod
    def _bounds(points: list[Point]) -> tuple[float, float]:
        from app.workstation.face_sheet import axis_bounds

        last = points[-1]
        return axis_bounds([p.value for p in points if p.value is not None], last.low, last.high)

    @staticmethod
    def _band(painter: QPainter, plot: QRectF, last: Point, y_of: YOf) -> None:
        if last.low is None and last.high is None:
            return
        top = y_of(last.high) if last.high is not None else plot.top()
        bottom = y_of(last.low) if last.low is not None else plot.bottom()
        painter.fillRect(QRectF(plot.left(), top, plot.width(), bottom - top), BAND)

    @staticmethod
    def _x_scale(plot: QRectF, points: list[Point]) -> Callable[[int], float]:
        """Point i's x: by its date between the first and the last (by rank if one day)."""
        days = [QDate.fromString(p.when[:10], Qt.DateFormat.ISODate).toJulianDay()
                for p in points]
        first, span = days[0], days[-1] - days[0]

        def x_of(i: int) -> float:
            if span > 0:
                share = (days[i] - first) / span
            else:
                share = i / (len(points) - 1) if len(points) > 1 else 0.5
            return plot.left() + share * plot.width()
        return x_of

    def plot_rect(self) -> QRectF:
        return QRectF(MARGIN_L, MARGIN_T, max(10, self.width() - MARGIN_L - MARGIN_R),
                      max(10, self.height() - MARGIN_T - MARGIN_B))

    def time_labels(self, plot: QRectF | None = None) -> list[tuple[QRectF, str]]:
        """The date labels drawn under the plot, none overlapping another or the widget's
        edges: the last date, the first, then the others that fit (left to right)."""
        points = [p for p in (self.trend.points if self.trend else ()) if p.value is not None]
        if not points:
            return []
        plot = plot or self.plot_rect()
        x_of, metrics = self._x_scale(plot, points), self.fontMetrics()
        order = [len(points) - 1, 0, *range(1, len(points) - 1)]
        placed: list[tuple[QRectF, str]] = []
        for i in dict.fromkeys(order):
            text = day(points[i].when)
            width = metrics.horizontalAdvance(text) + 2
            left = min(max(x_of(i) - width / 2, 1.0), self.width() - width - 1)
            rect = QRectF(left, plot.bottom() + 4, width, metrics.height())
            room = rect.adjusted(-LABEL_GAP, 0, LABEL_GAP, 0)
            if left >= 0 and text not in (t for _r, t in placed) and not any(
                    room.intersects(r) for r, _t in placed):
                placed.append((rect, text))
        return sorted(placed, key=lambda item: item[0].left())

    def _time_axis(self, painter: QPainter, plot: QRectF) -> None:
        painter.setPen(INK)
        for rect, text in self.time_labels(plot):
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _axes(painter: QPainter, plot: QRectF, lo: float, hi: float, y_of: YOf) -> None:
        painter.setPen(QPen(GRID, 1))
        painter.drawRect(plot)
        painter.setPen(INK)
        align_r = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for v in (lo, (lo + hi) / 2, hi):
            shown = round(v, 2 if abs(hi - lo) < 10 else 0)
            painter.drawText(QRectF(0, y_of(v) - 8, MARGIN_L - 6, 16), align_r, number(shown))
