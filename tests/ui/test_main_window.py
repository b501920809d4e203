"""Main window with narrow fake services: focus, keyboard-only search, sections by role,
key and status relays, idle lock."""

import pytest
from PySide6.QtCore import Qt

from app.core.data_class import DataClass
from app.ui.chart_view import SECTION
from app.ui.lock import IdleWatcher
from app.ui.main_window import MainWindow
from app.workstation.contracts import KeyState, SignedIn
from tests.fixtures.ui import PHYSICIAN, RECEPTIONIST, type_text

CLINICAL = {c.value for c in DataClass if c.is_clinical}


@pytest.fixture
def open_window(qtbot, fake_services, ui_settings):
    def make(profile=PHYSICIAN, online=True):
        fake_services.session.user = profile.username
        w = MainWindow(fake_services, SignedIn(profile, "https://emr.test", online), ui_settings)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        return w
    return make


def sections(window) -> set[str]:
    from PySide6.QtWidgets import QWidget

    return {w.property(SECTION) for w in window.findChildren(QWidget) if w.property(SECTION)}


def test_search_box_has_focus_at_start(open_window):
    w = open_window()
    assert w.focusWidget() is w.search


def test_keyboard_only_search_pick_and_open(open_window, qtbot, fake_services):
    w = open_window()
    type_text(w.focusWidget(), "Côté")
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.results.count() == 2, timeout=5000)
    assert w.focusWidget() is w.results and w.results.currentRow() == 0
    w.search.setFocus()
    qtbot.keyClick(w.search, Qt.Key.Key_Down)  # Down from the box goes to the results
    assert w.focusWidget() is w.results
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Down)
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.center.currentWidget() is w.chart_view, timeout=5000)
    assert fake_services.charts.opened == ["p2"]
    assert "Héloïse" in w.chart_view.header.text()
    qtbot.keyClick(w, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert w.chart_view.current_section() is w.chart_view.sections[DataClass.MEDICATIONS]
    assert w.chart_view.sections[DataClass.MEDICATIONS].topLevelItem(0).text(1) == "Ramipril 5 mg"
    w.actions_["close_chart"].trigger()
    assert w.center.currentWidget() is w.home and w.focusWidget() is w.search


def test_a_refused_search_shows_the_reason(open_window, qtbot):
    w = open_window()
    w.search.setText("Cô")
    w.run_search()
    qtbot.waitUntil(lambda: w.hint.property("kind") == "error", timeout=5000)
    assert w.hint.text() == "Search for one patient."


def test_physician_gets_every_chart_section(open_window):
    w = open_window()
    assert sections(w) >= {"demographics", "problems", "allergies",
                           "medications", "labs", "notes", "documents"}


def test_receptionist_window_has_no_clinical_section_at_all(open_window, qtbot):
    w = open_window(RECEPTIONIST)
    assert sections(w) == {"demographics"}  # the registration is the banner's physician
    assert not sections(w) & CLINICAL
    assert w.chart_view.nav.count() == 1
    w.open_chart("p1")
    qtbot.waitUntil(lambda: w.center.currentWidget() is w.chart_view, timeout=5000)
    assert not sections(w) & CLINICAL


def test_key_events_from_another_thread_reach_status_and_qhr_panel(open_window, qtbot,
                                                                   fake_services):
    w = open_window()
    assert w.status.key_label.text() == "QHR key: absent"
    assert "Plug in your QHR key." in w.qhr_panel.reasons.text()
    fake_services.keys.set(KeyState.PRESENT)
    qtbot.waitUntil(lambda: w.status.key_label.text() == "QHR key: present", timeout=5000)
    assert w.qhr_panel.eligibility.eligible
    assert w.qhr_panel.verdict.text() == "You may use the QHR viewer."
    fake_services.keys.set("absent")  # app.qhr.service.SessionKeys gives plain values
    qtbot.waitUntil(lambda: not w.qhr_panel.eligibility.eligible, timeout=5000)
    assert w.status.key_label.text() == "QHR key: absent"


def test_offline_session_is_said_plainly(open_window):
    w = open_window(online=False)
    assert w.banner.isVisible() and "offline" in w.banner.text()
    assert w.status.server.text() == "Server: offline"


def test_lock_hides_the_chart_until_the_password_is_typed(open_window, qtbot):
    w = open_window()
    w.actions_["lock"].trigger()
    assert w.locked and not w.chart_view.isVisible() and not w.menuBar().isEnabled()
    qtbot.keyClicks(w.lock_page.password, "wrong")
    qtbot.keyClick(w.lock_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.lock_page.message.isVisible(), timeout=5000)
    assert w.locked and w.lock_page.message.text() == "Wrong password."
    qtbot.keyClicks(w.lock_page.password, "demo-medecin-1")
    qtbot.keyClick(w.lock_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.locked, timeout=5000)
    assert w.focusWidget() is w.search


def test_idle_watcher_fires_without_input_and_restarts_on_input(qtbot):
    from PySide6.QtWidgets import QLineEdit

    watcher = IdleWatcher(minutes=0.3 / 60)  # 300 ms
    field = QLineEdit()
    qtbot.addWidget(field)
    try:
        qtbot.wait(200)
        qtbot.keyClick(field, Qt.Key.Key_A)  # input restarts the timer
        qtbot.wait(200)
        assert watcher.timer.isActive()
        with qtbot.waitSignal(watcher.idle, timeout=2000):
            pass
    finally:
        watcher.stop()


def test_sign_out_returns_to_the_caller(open_window, qtbot, fake_services):
    w = open_window()
    with qtbot.waitSignal(w.signed_out, timeout=2000):
        w.actions_["sign_out"].trigger()
    qtbot.waitUntil(lambda: fake_services.session.user is None, timeout=5000)


def test_key_removal_clears_the_qhr_panel_and_says_why(open_window, qtbot, fake_services):
    w = open_window()
    fake_services.keys.set("session_open")
    qtbot.waitUntil(lambda: w.status.key_label.text() == "QHR key: session open", timeout=5000)
    assert not w.qhr_panel.cleared.isVisible()
    fake_services.keys.clear("key_removed")
    qtbot.waitUntil(lambda: w.qhr_panel.cleared.isVisible(), timeout=5000)
    assert w.qhr_panel.cleared.text() == "The QHR viewer was cleared: the key was removed."
