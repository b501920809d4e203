"""The main window: patient search (focus at start), today's schedule when no chart is open, the
chart, the QHR panel, status bar, idle lock; the access log windows. Its size and place are kept
in the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.data_class import DataClass
from app.settings import Settings
from app.ui.chart_view import ChartView
from app.ui.lock import IdleWatcher, LockPage
from app.ui.main_actions import MenuWindows, build_actions, retranslate_actions
from app.ui.main_columns import QhrColumns
from app.ui.main_lock import Locking
from app.ui.op import Op
from app.ui.qhr_panel import QhrPanel
from app.ui.schedule_panel import SchedulePanel
from app.ui.search_panel import OPENING, SearchPanel
from app.ui.status import StatusBar
from app.ui.widgets import Retranslatable, data_label, named, on_gui_thread, profession_name
from app.workstation.contracts import (
    Chart,
    KeyState,
    QhrEligibility,
    Services,
    SignedIn,
    SyncStatus,
    Unsubscribe,
)

if TYPE_CHECKING:
    from app.ui.note_editor import NoteEditor

SYNC_EVERY_MS = 5 * 60_000
GEOMETRY = "main"  # the settings key of this window's size and place


class MainWindow(MenuWindows, QhrColumns, Locking, Retranslatable, QMainWindow):
    signed_out = Signal()
    menus: dict[str, QMenu]  # built by app.ui.main_actions
    actions_: dict[str, QAction]

    def __init__(self, services: Services, session: SignedIn, settings: Settings):
        super().__init__()
        self.setObjectName("MainWindow")
        self.services, self.session, self.settings = services, session, settings
        self.readable: frozenset[DataClass] = services.charts.readable(session.profile)
        self._unsubscribe: list[Unsubscribe] = []
        self._syncing = False
        self.chart_patient: str | None = None  # the id of the chart open
        self.note_editor: NoteEditor | None = None
        self._shown_once = False
        self._build()
        build_actions(self)
        self._connect_services()
        self.idle = IdleWatcher(settings.idle_minutes, self)
        self.idle.idle.connect(self.lock)
        self.retranslate()
        self._restore_geometry()
        self.search.setFocus()
        QTimer.singleShot(0, self.schedule.load)

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.pages = QStackedWidget(self)
        self.setCentralWidget(self.pages)
        work = QSplitter(Qt.Orientation.Horizontal, self)
        self.pages.addWidget(work)
        self.lock_page = LockPage(self)
        self.pages.addWidget(self.lock_page)
        self.lock_page.unlock_requested.connect(self._unlock)
        self.lock_page.sign_out_requested.connect(self.sign_out)
        self.panel = left = SearchPanel(self.services.patients, not self.session.online, work)
        self.search, self.results, self.hint = left.search, left.results, left.hint
        self.banner = left.banner
        left.open_requested.connect(self.open_chart)
        self.center = QStackedWidget(work)
        self.home = named(QWidget(self.center), "home")  # no chart open: the day's schedule
        home = QVBoxLayout(self.home)
        self.placeholder = named(QLabel(self.home), "placeholder")
        self.placeholder.setWordWrap(True)
        self.schedule = SchedulePanel(getattr(self.services, "schedule", None), self.home)
        self.schedule.open_requested.connect(self.open_chart)
        home.addWidget(self.placeholder)
        home.addWidget(self.schedule, 1)
        if not self.schedule.isVisibleTo(self.home):
            home.addStretch(1)
        self.chart_view = ChartView(self.readable, self.center, self.services.charts)
        self.center.addWidget(self.home)
        self.center.addWidget(self.chart_view)
        self.qhr_panel = QhrPanel(self._eligibility(KeyState.ABSENT), work,
                                  viewer=self.services.viewer)
        work.addWidget(left)
        work.addWidget(self.center)
        work.addWidget(self.qhr_panel)
        work.setSizes([300, 826, 240])  # at 1366 px; the chart takes what the others give back
        work.setStretchFactor(1, 1)
        work.setCollapsible(1, False)  # the chart stops at its legible minimum (lab names)
        self.work = work
        self._size_qhr_panel()
        self.qhr_panel.data_shown.connect(self._widen_qhr)
        self.qhr_panel.data_cleared.connect(self._size_qhr_panel)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.user_label = data_label(self, "user")
        self.status.insertWidget(0, self.user_label)
        self.qhr_line = named(QLabel(self), "qhr_line")  # a role that never uses the QHR
        self.status.insertWidget(1, self.qhr_line)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("ClinicDesk"))
        profile = self.session.profile
        self.user_label.setText(
            f"{profile.display_name} — {profession_name(profile.profession.value)}")
        retranslate_actions(self)
        self._place_qhr()
        self.placeholder.setText(self.tr(
            "Search for one patient to open the chart, or open one from the day's schedule.\n"
            "Enter searches; the arrow keys pick; Enter opens."))

    # -- search and chart ------------------------------------------------------------------
    def focus_search(self) -> None:
        self.panel.focus_search()

    def run_search(self) -> None:
        self.panel.run_search()

    def open_chart(self, patient_id: str) -> None:
        self.panel.set_hint("info", OPENING)
        charts = self.services.charts  # the banner and face sheet first (app.ui.chart_view)
        first = getattr(charts, "open_first", charts.open)
        Op(self, lambda cancel: first(patient_id, cancel)).on_success(
            self._show_chart).on_failure(self.panel.show_error).start()

    def _show_chart(self, chart: Chart) -> None:
        self.panel.set_hint("", "")
        self.chart_view.show_chart(chart)
        self.chart_patient = chart.patient.id
        self.actions_["access_log"].setEnabled(True)
        if "new_note" in self.actions_:
            self.actions_["new_note"].setEnabled(True)
            self.new_note(only_a_draft=True)  # a note left unsaved (crash) comes back
        self.qhr_panel.set_patient(chart.patient)
        self.center.setCurrentWidget(self.chart_view)
        self.chart_view.nav.setFocus()

    def close_chart(self) -> None:
        self.chart_view.clear()
        self.chart_patient = None
        self.actions_["access_log"].setEnabled(False)
        if "new_note" in self.actions_:
            self.actions_["new_note"].setEnabled(False)
            if self.note_editor is not None:
                self.note_editor.reject()  # its draft stays for the next time
        self.qhr_panel.set_patient(None)
        self.center.setCurrentWidget(self.home)
        self.focus_search()

    def show_schedule(self) -> None:
        """The day's schedule again (the chart open is closed), fetched anew."""
        self.close_chart()
        self.schedule.load()
        self.schedule.table.setFocus()

    # -- services, lock, settings ----------------------------------------------------------
    def _connect_services(self) -> None:
        keys, sync = self.services.keys, self.services.sync
        if self.services.viewer is not None:
            from app.ui.interaction import GuiInteraction

            self.interaction = GuiInteraction(self)
            self.services.viewer.begin(self.session.profile, self.interaction)
        if keys:
            self._key_changed(keys.state())
            self._unsubscribe.append(keys.add_listener(on_gui_thread(self, self._key_changed)))
            self._unsubscribe.append(keys.add_clear_listener(
                on_gui_thread(self, self.qhr_panel.clear)))
        if sync:
            self.status.set_sync(sync.status())
            self._unsubscribe.append(sync.add_listener(on_gui_thread(self, self.status.set_sync)))
            self.sync_timer = QTimer(self)
            self.sync_timer.setInterval(SYNC_EVERY_MS)
            self.sync_timer.timeout.connect(self.sync_now)
            self.sync_timer.start()
            QTimer.singleShot(0, self.sync_now)
        else:
            self.status.set_sync(SyncStatus(online=self.session.online))

    def _eligibility(self, key: KeyState) -> QhrEligibility | None:
        qhr = self.services.qhr
        plugged = key != KeyState.ABSENT
        return qhr.eligibility(self.session.profile, plugged) if qhr else None

    def _key_changed(self, state: KeyState | str) -> None:
        state = KeyState(state)  # KeyService implementations may give the plain value
        self.status.set_key(state)
        self.qhr_panel.set_key_state(state, self._eligibility(state))
        self._place_qhr()

    def sync_now(self) -> None:
        """One round in the background; a failure shows in the status bar (offline is a
        state, not an error dialog)."""
        if self.services.sync and not self._syncing:
            self._syncing = True
            Op(self, self.services.sync.sync_now).on_success(self._synced).on_failure(
                self._synced).on_cancelled(lambda: self._synced(None)).start()

    def _synced(self, _result: object) -> None:
        self._syncing = False

    def sign_out(self) -> None:
        from app.ui.chart_unsent import may_leave

        if not self.locked and not may_leave(self, self.services.charts, "sign_out"):
            return
        self._leaving = True
        Op(None, self.services.session.sign_out).start()
        self._teardown()
        self.signed_out.emit()
        self.close()

    def new_note(self, only_a_draft: bool = False) -> None:
        """The note editor for the open chart, its draft restored (app.ui.note_editor)."""
        from app.ui.note_editor import open_for_chart

        if "new_note" in self.actions_:
            open_for_chart(self, only_a_draft)

    def _restore_geometry(self) -> None:
        saved = self.settings.window_geometry(GEOMETRY)
        if not saved or not self.restoreGeometry(saved):
            self.resize(1280, 760)  # fits 1366×768 with the taskbar

    def _teardown(self) -> None:
        self.settings.save_window_geometry(GEOMETRY, bytes(self.saveGeometry().data()))
        self.idle.stop()
        if self.services.viewer is not None:
            self.services.viewer.end()
        if hasattr(self, "sync_timer"):
            self.sync_timer.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        from app.ui.chart_unsent import may_leave

        if not getattr(self, "_leaving", False) and not self.locked and not may_leave(
                self, self.services.charts, "quit"):
            event.ignore()
            return
        self._leaving = True  # asked once: a second close does not ask again
        self._teardown()
        super().closeEvent(event)
