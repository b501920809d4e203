"""The main window's three columns (search, chart, QHR pane) in one splitter: the QHR pane is a
narrow column of text until QHR data is shown, then takes half the width (what the chart's
legible minimum leaves), and gives it back when the data goes; a role that can never use the
QHR gets one line in the status bar instead of the column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QSplitter

    from app.ui.qhr_panel import QhrPanel

LEFT_MIN = 300  # the search column: its placeholder unclipped


class QhrColumns:
    """Mixin of MainWindow (a QMainWindow)."""

    work: QSplitter
    qhr_panel: QhrPanel
    qhr_line: QLabel
    _shown_once: bool

    def _place_qhr(self) -> None:
        """The QHR panel, or for a role that can never use the QHR its one line in the status
        bar (the panel's column goes back to the chart)."""
        reason = self.qhr_panel.unusable_reason
        self.qhr_line.setText(reason or "")
        self.qhr_line.setVisible(bool(reason))
        if self.qhr_panel.isHidden() != bool(reason):
            self.qhr_panel.setHidden(bool(reason))
            self._size_qhr_panel()

    def _widen_qhr(self) -> None:
        """QHR tables and charts need room: the panel takes half the width when narrower."""
        sizes = self.work.sizes()
        total = sum(sizes)
        if sizes[2] < total // 2:
            left = min(sizes[0], total // 4)
            self.work.setSizes([left, total - left - total // 2, total // 2])

    def _size_qhr_panel(self) -> None:
        """Without QHR data on screen the panel is a narrow column (its text only): the space it
        took for the data goes back to the chart."""
        sizes = self.work.sizes()
        total = sum(sizes) or self.work.width()
        narrow = 0 if self.qhr_panel.isHidden() else min(self.qhr_panel.sizeHint().width(),
                                                          total // 5)
        left = min(max(sizes[0], LEFT_MIN), total // 4)
        self.work.setSizes([left, max(total - left - narrow, 0), narrow])

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)  # type: ignore[misc]
        if not self._shown_once:  # the columns at the window's real width
            self._shown_once = True
            self._size_qhr_panel()
