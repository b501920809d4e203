"""The patient search panel: one box (NAM, surname + first name + birth date, or chart number),
Enter searches, the arrow keys pick, Enter opens. It asks PatientService on a background
operation and never lists patients without a search.

The results are emptied when a search starts, and stay empty when it fails (bad date, malformed
NAM, empty box, not in the cache): nothing of an earlier search can be picked or opened. An
answer to a search that a newer one replaced is dropped."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.core.text import QT_TRANSLATE_NOOP
from app.ui.op import Op, user_message
from app.ui.widgets import Retranslatable, mark_data, named
from app.workstation.contracts import PatientService, PatientSummary

SEARCHING = QT_TRANSLATE_NOOP("SearchPanel", "Searching…")
NOTHING = QT_TRANSLATE_NOOP("SearchPanel", "No patient found.")
EMPTY = QT_TRANSLATE_NOOP("SearchPanel", "Type what to search for: NAM, chart number, or "
                          "surname, first name and birth date.")
OPENING = QT_TRANSLATE_NOOP("SearchPanel", "Opening the chart…")


class SearchPanel(Retranslatable, QWidget):
    open_requested = Signal(str)  # patient id

    def __init__(self, patients: PatientService, offline: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("search_panel")
        self.patients = patients
        self._note = ("", "")
        self._generation = 0  # bumped at each search: older answers are dropped
        self._error: BaseException | None = None
        box = QVBoxLayout(self)
        self.banner = named(QLabel(self), "banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(offline)
        self.label = QLabel(self)
        self.search = named(QLineEdit(self), "search")
        self.search.setClearButtonEnabled(True)
        self.label.setBuddy(self.search)
        self.results = mark_data(QListWidget(self))
        self.results.setObjectName("results")
        self.hint = named(QLabel(self), "hint")
        self.hint.setWordWrap(True)
        for w in (self.banner, self.label, self.search, self.results, self.hint):
            box.addWidget(w)
        self.search.returnPressed.connect(self.run_search)
        self.search.installEventFilter(self)
        self.results.itemActivated.connect(self._open_item)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(self.tr("&Find a patient"))
        self.search.setPlaceholderText(self.tr("NAM, name + birth date, or chart no."))
        self.banner.setText(self.tr(
            "Signed in offline: the central server cannot be reached. You are working from "
            "this workstation's copy; your changes will be sent when the server is back."))
        self._render_hint()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (watched is self.search and isinstance(event, QKeyEvent)
                and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and self.results.count()):
            self.results.setFocus()  # Down from the box goes to the results
            return True
        return False

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def run_search(self) -> None:
        self._generation += 1
        self.results.clear()
        query = self.search.text().strip()
        if not query:
            self.set_hint("error", EMPTY)
            return
        self.set_hint("info", SEARCHING)
        generation = self._generation
        Op(self, lambda cancel: self.patients.search(query, cancel)).on_success(
            lambda found: self._show_results(found, generation)).on_failure(
            lambda err: self._failed(err, generation)).start()

    def _failed(self, err: BaseException, generation: int) -> None:
        if generation == self._generation:  # the results were emptied when it started
            self.show_error(err)

    def _show_results(self, patients: list[PatientSummary], generation: int) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        for p in patients:
            born = p.birth_date.isoformat() if p.birth_date else ""
            item = QListWidgetItem(f"{p.family.upper()}, {p.given}\n{born}  {p.nam or ''}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.results.addItem(item)
        if patients:
            self.set_hint("", "")
            self.results.setCurrentRow(0)
            self.results.setFocus()
        else:
            self.set_hint("info", NOTHING)

    def show_error(self, err: BaseException) -> None:
        """Shown in the language of the moment (re-rendered when it changes)."""
        self._error = err
        self._note = ("error", "err:")
        self._render_hint()

    def _open_item(self, item: QListWidgetItem) -> None:
        patient: PatientSummary = item.data(Qt.ItemDataRole.UserRole)
        self.set_hint("info", OPENING)
        self.open_requested.emit(patient.id)

    def set_hint(self, kind: str, source: str) -> None:
        """`source`: an English string marked for translation, shown translated."""
        self._note = (kind, "tr:" + source if source else "")
        self._render_hint()

    def _render_hint(self) -> None:
        kind, shown = self._note
        if shown.startswith("tr:"):
            shown = self.tr(shown[3:])
        elif shown == "err:":
            shown = user_message(self._error) if self._error is not None else ""
        self.hint.setProperty("kind", kind)
        self.hint.style().polish(self.hint)
        self.hint.setText(shown)
        self.hint.setVisible(bool(shown))
