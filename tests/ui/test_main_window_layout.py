"""The main window's layout with narrow fakes: the QHR pane gives its room back and is one line
for roles that never use the QHR; the window's size and place are kept; the schedule is
re-rendered (dates included) when the language changes; an answer to a replaced search is
dropped."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from PySide6.QtCore import QLocale, QRect, Qt

from app.core.profiles import Profession, UserProfile
from app.ui.main_window import MainWindow
from app.workstation.contracts import PatientSummary, SignedIn
from tests.fixtures.ui import GMF, PHYSICIAN, RECEPTIONIST, FakeSchedule

ADMIN = UserProfile("1000010", "Nathalie Fortin", Profession.ADMINISTRATOR, institutions=(GMF,),
                    primary_institution_id="gmf")
EXTERN = UserProfile("1000012", "Zoé Caron", Profession.EXTERN, institutions=(GMF,),
                     primary_institution_id="gmf")


@pytest.fixture
def window(qtbot, fake_services, ui_settings):
    def make(profile=PHYSICIAN, schedule=None, size=(1366, 740)):
        fake_services.schedule = schedule
        w = MainWindow(fake_services, SignedIn(profile, "https://emr.test", True), ui_settings)
        qtbot.addWidget(w)
        if size:
            w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        return w
    return make


@pytest.mark.parametrize("profile", [RECEPTIONIST, ADMIN, EXTERN],
                         ids=["receptionist", "administrator", "extern"])
def test_a_role_that_never_uses_the_qhr_gets_one_line(window, profile):
    w = window(profile)
    assert w.qhr_panel.isHidden() and w.work.sizes()[2] == 0
    line = w.qhr_line.text()
    assert w.qhr_line.isVisible() and "\n" not in line and line.startswith("QHR viewer: ")
    assert "administrator" not in line


def test_the_physician_without_a_key_gets_a_narrow_column(window):
    w = window(PHYSICIAN)
    sizes = w.work.sizes()
    assert not w.qhr_panel.isHidden() and not w.qhr_line.isVisible()
    assert 0 < sizes[2] <= sum(sizes) // 5 and sizes[1] > sizes[0]


def test_the_qhr_pane_gives_its_room_back_when_its_data_goes(window, qtbot):
    w = window(PHYSICIAN)
    narrow = w.work.sizes()[2]
    w._widen_qhr()  # as when QHR data is shown (data_shown)
    sizes = w.work.sizes()  # half the width, or what the chart's legible minimum leaves
    room = sum(sizes) - sizes[0] - w.center.minimumSizeHint().width()
    assert sizes[2] >= min(sum(sizes) // 2, room) - 5 and sizes[2] > 2 * narrow
    w.qhr_panel.clear("key_removed")
    assert w.work.sizes()[2] <= max(narrow, sum(w.work.sizes()) // 5)
    assert w.work.sizes()[1] > w.work.sizes()[2]


def test_the_window_size_and_place_are_kept(window, qtbot):
    w = window(PHYSICIAN)
    w.setGeometry(QRect(20, 10, 700, 500))  # inside the offscreen 800×600 screen
    qtbot.wait(50)
    kept = w.geometry()
    w.close()
    again = window(PHYSICIAN, size=None)
    assert again.size() == kept.size()  # not the default 1280×760 (offscreen frames: no x, y)


def test_the_schedule_is_shown_and_re_rendered_in_french(window, qtbot, french_later):
    w = window(PHYSICIAN, FakeSchedule())
    panel = w.schedule
    qtbot.waitUntil(lambda: panel.table.topLevelItemCount() == 30, timeout=5000)
    english_day = QLocale("en").toString(date.today(), "dddd d MMMM yyyy")
    assert panel.title.text() == f"Today's schedule — {english_day}"
    assert panel.table.topLevelItem(5).text(1) == "(not available on this workstation)"
    assert panel.table.headerItem().text(0) == "Time"
    french_later()
    french_day = QLocale("fr_CA").toString(date.today(), "dddd d MMMM yyyy")
    qtbot.waitUntil(lambda: panel.title.text().startswith("Horaire"), timeout=5000)
    assert panel.title.text() == f"Horaire du jour — {french_day}"
    assert panel.table.headerItem().text(0) == "Heure"
    assert panel.table.topLevelItem(0).text(4) == "Réservé"
    assert panel.table.topLevelItem(5).text(1) == "(non disponible sur ce poste)"


def test_the_clinics_schedule_names_each_physician(window, qtbot):
    w = window(RECEPTIONIST, FakeSchedule(clinic=True))
    panel = w.schedule
    qtbot.waitUntil(lambda: panel.table.topLevelItemCount() == 30, timeout=5000)
    assert panel.table.headerItem().text(1) == "Physician"
    assert [panel.table.topLevelItem(i).text(1) for i in (0, 1)] == [
        "Dre Marie Tremblay", "Dr Jean-François Gagnon"]


def test_a_row_of_the_schedule_opens_the_chart(window, qtbot, fake_services):
    w = window(PHYSICIAN, FakeSchedule())
    table = w.schedule.table
    qtbot.waitUntil(lambda: table.topLevelItemCount() == 30, timeout=5000)
    table.setFocus()
    table.setCurrentItem(table.topLevelItem(1))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.center.currentWidget() is w.chart_view, timeout=5000)
    assert fake_services.charts.opened == ["p2"]
    w.actions_["schedule"].trigger()
    assert w.center.currentWidget() is w.home


@pytest.fixture
def french_later(qapp, qm_files):
    from app.ui.i18n import set_language

    yield lambda: set_language("fr_CA")
    set_language("en")


class SlowThenFailing:
    """The first search answers late (after the second, failing one, was typed)."""

    def __init__(self):
        self.release = threading.Event()

    def search(self, query, cancel=None):
        from app.core.errors import UserFacingError
        from app.core.text import text

        if query == "first":
            self.release.wait(5)
            return [PatientSummary("p1", "Côté", "Hélène", date(1955, 1, 1), "COTH55510112")]
        raise UserFacingError(text("search", "Search for one patient."))


def test_a_late_answer_to_a_replaced_search_is_dropped(qtbot):
    from app.ui.search_panel import SearchPanel

    service = SlowThenFailing()
    panel = SearchPanel(service, offline=False)
    qtbot.addWidget(panel)
    panel.search.setText("first")
    panel.run_search()
    panel.search.setText("second")
    panel.run_search()
    qtbot.waitUntil(lambda: panel.hint.property("kind") == "error", timeout=5000)
    service.release.set()
    qtbot.wait(300)
    assert panel.results.count() == 0


class NotCachedPatients:
    def search(self, query, cancel=None):
        from app.workstation.patients import NotInCache

        raise NotInCache()


def test_a_search_error_is_re_rendered_when_the_language_changes(qtbot, french_later):
    from app.ui.search_panel import SearchPanel

    panel = SearchPanel(NotCachedPatients(), offline=True)
    qtbot.addWidget(panel)
    panel.search.setText("TREM 8553 1412")
    panel.run_search()
    qtbot.waitUntil(lambda: panel.hint.property("kind") == "error", timeout=5000)
    assert panel.hint.text() == ("Not in this workstation's cache — connect to search the "
                                 "clinic.")
    french_later()
    qtbot.waitUntil(lambda: panel.hint.text().startswith("Absent de la copie"), timeout=5000)
