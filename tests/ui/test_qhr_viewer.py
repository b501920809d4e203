"""The QHR viewer for real: the reference server's QHR gateway (trusting the test CA), a private
pcscd with the virtual key of the demo account, the user's store in the real Secret Service,
the main window wired by app.workstation.key_viewer (KeyMonitor → QhrSession), the PIN typed in the
dialog the GuiInteraction opens. Eligible (three tabs filled, locale formatting, screenshots in
both languages, key removal clears at once) and not eligible (every reason, no data widget).
The PIN, in both languages: a PIN outside the rules refused in the dialog (nothing sent), a
wrong PIN said with the tries left, and a blocked key said as such by the panel, the status bar
and the viewer service, with nothing that offers (or performs) an open."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTreeWidget

from app.demo.piv_applet import DEFAULT_PIN
from app.devices.errors import PinBlockedError
from app.devices.monitor import KeyMonitor, QueueListener
from app.ui.i18n import set_language
from app.ui.main_window import MainWindow
from app.ui.pin_dialog import PinDialog
from app.workstation.contracts import KeyState, PatientSummary
from server.seed import staff
from tests.integration.qhr_helpers import patient_of
from tests.integration.test_qhr_pin import BLOCKED, RULE_DIGITS, RULE_LENGTH, WRONG

TS_DIR = Path(__file__).resolve().parents[2] / "resources" / "translations"
sys.path.insert(0, str(TS_DIR))
from extract import read  # noqa: E402

pytestmark = pytest.mark.timeout(120)
CLEAR_WITHIN_S = 0.2


@pytest.fixture
def patient(seeded_charts) -> PatientSummary:
    pid, nam = patient_of(seeded_charts[0])
    return PatientSummary(pid, "Patient", "QHR", None, nam)


@pytest.fixture
def signed_in(qtbot, qhr_server, pcscd, ui_settings, tmp_path, monkeypatch):
    """signed_in(username) → the main window of that user, signed in online for real."""
    from app.workstation.charts import ChartReader
    from app.workstation.contracts import Services
    from app.workstation.key_viewer import KeyViewer
    from app.workstation.patients import PatientSearch
    from app.workstation.session import Session
    from app.workstation.wiring import QhrRules

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    made: list = []

    def sign_in(username: str, virtual_key=None) -> MainWindow:
        remote = Session(settings=ui_settings)
        session = remote.sign_in(qhr_server, username, staff.by_username(username).password)
        qhr = KeyViewer(remote, lambda: KeyMonitor(wait_ms=500))
        services = Services(session=remote, patients=PatientSearch(remote),
                            charts=ChartReader(remote), qhr=QhrRules(), keys=qhr, viewer=qhr,
                            virtual_key=virtual_key)
        made.append((remote, qhr))
        window = MainWindow(services, session, ui_settings)
        qtbot.addWidget(window)
        window.resize(1400, 860)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield sign_in
    for remote, qhr in made:
        qhr.close()
        remote.sign_out()


def type_pin(qtbot, window: MainWindow, pin: str) -> None:
    def dialog():
        found = [d for d in window.findChildren(PinDialog) if d.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: dialog() is not None, timeout=10000)
    box = dialog()
    box.pin.setText(pin)
    qtbot.keyClick(box.pin, Qt.Key.Key_Return)


def shot(widget, path: Path) -> Path:
    from PySide6.QtGui import QImage

    assert widget.grab().save(str(path))
    image = QImage(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert image.width() > 400 and len(colours) > 20, f"{path} looks blank"
    return path


@pytest.mark.parametrize("language", ["en", "fr_CA"])
def test_eligible_user_sees_the_three_tabs_and_key_removal_clears_them(
        qtbot, qm_files, signed_in, qhr_key, patient, language, tmp_path):
    assert set_language(language)
    try:
        key = qhr_key("1000001")
        window = signed_in("1000001")
        panel = window.qhr_panel
        qtbot.waitUntil(lambda: panel.key_state == KeyState.PRESENT, timeout=10000)
        assert window.status.key_label.text() == window.status.tr("QHR key: present")
        window.qhr_panel.set_patient(patient)
        assert panel.open_button.isVisible()
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
        type_pin(qtbot, window, DEFAULT_PIN)
        qtbot.waitUntil(lambda: panel.tabs is not None and not panel.tabs.empty, timeout=20000)
        tabs = panel.tabs
        assert panel.key_state == KeyState.SESSION_OPEN and not panel.open_button.isVisible()
        assert tabs.labs.topLevelItemCount() > 3 and tabs.labs.topLevelItem(0).childCount()
        assert tabs.imaging.topLevelItemCount() and tabs.medications.topLevelItemCount()
        assert tabs.trend.trend is not None and tabs.report.toPlainText()
        _check_content(tabs, language)
        assert window.work.sizes()[2] >= 0.4 * sum(window.work.sizes())  # room given
        shot(window, tmp_path / f"qhr_labs_{language}.png")
        for i, name in ((1, "imaging"), (2, "medications")):
            tabs.setCurrentIndex(i)
            shot(window, tmp_path / f"qhr_{name}_{language}.png")
        _removal_clears_at_once(qtbot, window, key)
        shot(window, tmp_path / f"qhr_cleared_{language}.png")
    finally:
        set_language("en")


def _check_content(tabs, language: str) -> None:
    """Reference ranges shown, numbers in the locale's format, medications in pharmacist's
    order (active first, then by last dispense), French headers in French."""
    decimals = [tabs.labs.topLevelItem(i).text(1) for i in range(tabs.labs.topLevelItemCount())]
    separator, other = (",", ".") if language == "fr_CA" else (".", ",")
    assert any(separator in v.split()[0] for v in decimals)
    assert not any(other in v.split()[0] for v in decimals)
    assert any(tabs.labs.topLevelItem(i).text(2) for i in range(tabs.labs.topLevelItemCount()))
    meds = [tabs.medications.topLevelItem(i) for i in range(tabs.medications.topLevelItemCount())]
    active = [bool(m.data(0, Qt.ItemDataRole.UserRole)) for m in meds]
    assert active == sorted(active, reverse=True)  # then by last dispense (app.qhr.views)
    assert {m.text(0) for m in meds} <= {tabs.tr("Active"), tabs.tr("Stopped")}
    assert all(m.text(2) and m.text(6) for m in meds)  # DIN, pharmacy
    if language == "fr_CA":
        fr = {src: tr for (_ctx, src), (tr, _kind) in read(TS_DIR / "clinicdesk_fr_CA.ts").items()}
        assert tabs.tabText(0) == fr["Laboratory results"] == "Résultats de laboratoire"
        assert tabs.medications.headerItem().text(1) == fr["Drug"]


def _removal_clears_at_once(qtbot, window: MainWindow, key) -> None:
    panel, tabs = window.qhr_panel, window.qhr_panel.tabs
    seen = QueueListener()
    window.services.keys.monitor.add_listener(seen)
    key.key.remove()  # the device event: pcscd sees the card leave
    event = seen.wait_for("removed", timeout=5)
    while not tabs.empty or not panel.cleared.isVisible():
        qtbot.wait(1)
        assert time.monotonic() - event.at < 2, "the viewer was not cleared"
    took = time.monotonic() - event.at
    assert took < CLEAR_WITHIN_S, f"cleared {took * 1000:.0f} ms after the key left"
    assert tabs.labs.topLevelItemCount() == tabs.imaging.topLevelItemCount() == 0
    assert tabs.medications.topLevelItemCount() == 0 and tabs.trend.trend is None
    assert tabs._trends == [] and tabs._reports == [] and not tabs.isVisible()
    assert panel.cleared.text() == panel.tr("The QHR viewer was cleared: the key was removed.")
    qtbot.waitUntil(lambda: panel.key_state == KeyState.ABSENT, timeout=5000)


def test_open_right_after_plugging_the_key_in_asks_the_pin(
        qtbot, signed_in, qhr_key, patient, monkeypatch):
    """The session looks at a card when it is plugged in (PIV SELECT, certificate, PIN state:
    slowed to 1 s here). Meanwhile the key is not called present (Open is not offered yet), and
    an Open already under way waits for the look and asks the PIN, not the key."""
    import app.qhr.session as qhr_session

    looked = qhr_session.inspect_card

    def slow(*args, **kwargs):
        time.sleep(1.0)
        return looked(*args, **kwargs)

    monkeypatch.setattr(qhr_session, "inspect_card", slow)
    window = signed_in("1000001")
    panel, session = window.qhr_panel, window.services.viewer.session
    panel.set_patient(patient)
    seen: list = []  # (state, the session had chosen the key) at each change
    window.services.keys.add_listener(lambda state: seen.append((state, session.key_plugged)))
    qhr_key("1000001")
    qtbot.waitUntil(lambda: session.inspecting, timeout=5000)
    assert window.services.keys.state() == KeyState.ABSENT and not panel.open_button.isVisible()
    panel.open_session()  # what the button does
    type_pin(qtbot, window, DEFAULT_PIN)
    qtbot.waitUntil(lambda: panel.key_state == KeyState.SESSION_OPEN, timeout=20000)
    assert not [w for w in window.findChildren(QMessageBox) if w.isVisible()]  # no key prompt
    assert session.key_id == "QHR-0001-TREM"
    assert all(plugged for state, plugged in seen if state == KeyState.PRESENT), seen


def test_not_eligible_user_sees_every_reason_and_no_data_widget(
        qtbot, signed_in, qhr_key, patient, tmp_path):
    qhr_key("1000013")  # a nurse of 2017 without the access form, her own key plugged in
    window = signed_in("1000013")
    panel = window.qhr_panel
    qtbot.waitUntil(lambda: panel.key_state == KeyState.PRESENT, timeout=10000)
    panel.set_patient(patient)
    assert panel.reasons.isVisible() and panel.reasons.text().startswith("• ")
    assert "access" in panel.reasons.text().casefold()
    assert panel.verdict.text() == "You may not use the QHR viewer, because:"
    assert not panel.open_button.isVisible() and panel.tabs is None
    assert panel.findChildren(QTreeWidget) == []
    shot(window, tmp_path / "qhr_not_eligible_en.png")


NO_SERVICE_SCRIPT = """
import time
from app.workstation.key_viewer import KeyViewer
from app.devices.monitor import KeyMonitor
qhr = KeyViewer(None, lambda: KeyMonitor(wait_ms=200))
seen = []
qhr.add_listener(seen.append)
end = time.monotonic() + 10
while qhr.state() != "no_service" and time.monotonic() < end:
    time.sleep(0.02)
print(qhr.state(), "no_service" in seen)
qhr.close()
"""


def test_no_smart_card_service_is_a_state_not_a_crash(tmp_path):
    """A workstation whose PC/SC service is not running: the key state says so."""
    import os
    import subprocess

    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    done = subprocess.run([sys.executable, "-c", NO_SERVICE_SCRIPT], env=env, timeout=60,
                          capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["no_service", "True"]


def test_idle_lock_clears_the_viewer(qtbot, signed_in, qhr_key, patient):
    qhr_key("1000008")  # the pharmacist
    window = signed_in("1000008")
    panel = window.qhr_panel
    qtbot.waitUntil(lambda: panel.key_state == KeyState.PRESENT, timeout=10000)
    panel.set_patient(patient)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    type_pin(qtbot, window, DEFAULT_PIN)
    qtbot.waitUntil(lambda: panel.tabs is not None and not panel.tabs.empty, timeout=20000)
    window.lock()  # the workstation's idle lock
    assert panel.tabs.empty and not panel.tabs.isVisible()  # at once, not later
    assert panel.cleared.text() == (
        "The QHR viewer was cleared after a period without activity.")


def test_the_demo_menu_inserts_and_removes_the_virtual_key(qtbot, signed_in, pcscd, qhr_pki):
    from app.demo.virtual_key import VirtualKey

    key = VirtualKey(qhr_pki.material("1000001"), pcscd.ports[0])
    window = signed_in("1000001", virtual_key=key)
    action = window.actions_["virtual_key"]
    try:
        assert action.isVisible() and action.text() == "Insert the virtual QHR key"
        assert action.shortcut().toString() == "Ctrl+Shift+I"
        action.trigger()
        qtbot.waitUntil(lambda: window.qhr_panel.key_state == KeyState.PRESENT, timeout=10000)
        assert window.status.key_label.text() == "QHR key: present"
        assert action.text() == "Remove the virtual QHR key"
        action.trigger()
        qtbot.waitUntil(lambda: window.qhr_panel.key_state == KeyState.ABSENT, timeout=10000)
        assert action.text() == "Insert the virtual QHR key"
    finally:
        if key.inserted:
            key.remove()
        pcscd.wait_for_card(pcscd.readers[0], present=False)


# -- the PIN: rules, wrong PIN, blocked key (VERIFY commands counted at the card) -------------
EN, FR = 0, 1


def _dialog(qtbot, window, seen: list) -> PinDialog:
    """The PIN dialog now open (a new one each time the key flow asks again)."""
    def fresh():
        found = [d for d in window.findChildren(PinDialog) if d.isVisible() and d not in seen]
        return found[0] if found else None
    qtbot.waitUntil(lambda: fresh() is not None, timeout=10000)
    seen.append(fresh())
    return seen[-1]


def _ok(qtbot, dialog: PinDialog, pin: str) -> None:
    dialog.pin.setText(pin)  # setText: accented text cannot be typed with keyClicks
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)


@pytest.mark.parametrize("language", ["en", "fr_CA"])
def test_pin_rules_wrong_pin_then_blocked_key_everywhere(
        qtbot, qm_files, signed_in, qhr_key, patient, language):
    lang = FR if language == "fr_CA" else EN
    assert set_language(language)
    try:
        key = qhr_key("1000001")
        applet = key.key.applet
        window = signed_in("1000001")
        panel = window.qhr_panel
        qtbot.waitUntil(lambda: panel.key_state == KeyState.PRESENT, timeout=10000)
        panel.set_patient(patient)
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
        seen: list = []
        dialog = _dialog(qtbot, window, seen)
        refused = (("123456789", RULE_LENGTH, {"n": 9}), ("12345", RULE_LENGTH, {"n": 5}),
                   ("12345é", RULE_DIGITS, {}), ("12a456", RULE_DIGITS, {}))
        for pin, rule, args in refused:
            _ok(qtbot, dialog, pin)
            assert dialog.isVisible() and dialog.warning.text() == rule[lang].format(**args)
        assert applet.verify_attempts == 0 and applet.tries == 3  # nothing sent
        _ok(qtbot, dialog, "000000")
        for left in (2, 1):
            dialog = _dialog(qtbot, window, seen)
            assert dialog.warning.text() == WRONG[lang].format(n=left)
            assert applet.verify_attempts == 3 - left
            _ok(qtbot, dialog, "000000")
        qtbot.waitUntil(lambda: panel.key_state == KeyState.BLOCKED, timeout=10000)
        qtbot.waitUntil(lambda: not panel._opening, timeout=10000)
        assert applet.verify_attempts == 3
        _blocked_everywhere(qtbot, window, panel, applet, lang)
    finally:
        set_language("en")


def _blocked_everywhere(qtbot, window, panel, applet, lang: int) -> None:
    hint = {EN: "Your QHR access key is blocked", FR: "Votre clé d'accès DSQ est bloquée"}
    verdict = {EN: "The QHR viewer cannot be opened: your access key is blocked.",
               FR: "Le visualiseur DSQ ne peut pas être ouvert : votre clé d'accès est bloquée."}
    assert panel.key_hint.isVisible() and panel.key_hint.text().startswith(hint[lang])
    assert "PUK" in panel.key_hint.text()
    assert panel.verdict.text() == verdict[lang]
    assert not panel.open_button.isVisible()
    assert not panel.message.isVisible()  # said once, in the hint
    status = ("QHR key: blocked (PIN)", "Clé DSQ : bloquée (NIP)")
    assert window.status.key_label.text() == status[lang]
    sent = (applet.verify_attempts, applet.verify_queries)
    panel.open_session()  # the button is hidden; a direct call does nothing either
    with pytest.raises(PinBlockedError) as refused:  # and the service below refuses
        window.services.viewer.open()
    assert str(refused.value.text) == BLOCKED[EN]
    qtbot.wait(100)
    assert [d for d in window.findChildren(PinDialog) if d.isVisible()] == []
    assert (applet.verify_attempts, applet.verify_queries) == sent


def test_a_key_plugged_in_blocked_never_offers_open(
        qtbot, signed_in, qhr_key, patient):
    key = qhr_key("1000001")
    key.key.applet.tries = 0
    window = signed_in("1000001")
    panel = window.qhr_panel
    qtbot.waitUntil(lambda: panel.key_state == KeyState.BLOCKED, timeout=10000)
    panel.set_patient(patient)
    _blocked_everywhere(qtbot, window, panel, key.key.applet, EN)
    assert key.key.applet.verify_attempts == 0
