"""Breaking the glass online, against the real reference server over loopback (the access-matrix
server, tests/fixtures/access.py): the patient's physician opens a chart whose consent
restricts sections; each withheld section shows its notice and the break-the-glass action, the
physician types a reason in the dialog, the server returns the withheld data (kept in memory,
never cached), the reason is in the workstation's access log and in the server's AuditEvents
(and so in the in-app access log), and the sections close again when the time is up."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from app.central.client import ClientConfig, FhirClient
from app.core.data_class import DataClass
from app.core.profiles import Profession, profile_from_json
from app.store import Store, StoreExecutor, keys
from app.ui.chart_notice import BreakGlassDialog
from app.ui.chart_view import ChartView
from app.workstation import charts as charts_module
from app.workstation.access_log import AccessLogReader
from app.workstation.charts import ChartReader
from tests import access_matrix as m
from tests.fixtures.access import MATRIX_PASSWORD, MATRIX_RESOURCES
from tests.fixtures.store import FAST_KDF
from tests.fixtures.ui import type_text

REASON = "Patiente inconsciente à l'urgence, ses notes sont nécessaires pour la soigner"
GLASS_SECONDS = 4  # the glass stays broken this long here (BREAK_GLASS_MINUTES in the app)


class _Session:
    """What the chart reader and access log need of a signed-in, online session."""

    def __init__(self, executor, profile, client):
        self.executor, self.profile, self.client = executor, profile, client


@pytest.fixture
def online(matrix_server, tmp_path):
    doctor = m.username(Profession.PHYSICIAN, "own")
    client = FhirClient(ClientConfig(server_url=matrix_server, username=doctor))
    client.sign_in(MATRIX_PASSWORD)
    executor = StoreExecutor(lambda: Store.create(doctor, MATRIX_PASSWORD,
                                                  path=tmp_path / "doctor.db", kdf=FAST_KDF))
    yield _Session(executor, profile_from_json(client.me()), client)
    key_file = executor.call(lambda store: store.key_file)
    executor.close()
    keys.delete_keyring_entries(key_file)
    client.close()


def _break_glass(qtbot, page) -> None:
    """Click the notice's action, type the reason, confirm — as the physician does."""
    qtbot.mouseClick(page.notice.glass, Qt.MouseButton.LeftButton)
    dialog = page.notice.findChild(BreakGlassDialog)
    assert dialog is not None and dialog.isVisible()
    ok = dialog.buttons.buttons()[0]
    type_text(dialog.text, REASON)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def _server_reasons(client, patient_id: str) -> list[str]:
    found = []
    for page in client.pages("AuditEvent", {"patient": patient_id}):
        for entry in page.get("entry") or ():
            found += [p.get("text") for p in entry["resource"].get("purposeOfEvent") or ()]
    return found


def test_break_the_glass_online_reason_logged_on_both_sides_and_it_expires(
        qtbot, online, monkeypatch):
    monkeypatch.setattr(charts_module, "BREAK_GLASS_MINUTES", GLASS_SECONDS / 60)
    pid = m.patient_id("restricted")
    reader = ChartReader(online)
    view = ChartView(reader.readable(online.profile), charts=reader)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show_chart(reader.open(pid))  # pulled from the server first (online)
    view.show()
    withheld = sorted(view.chart.withheld, key=lambda c: c.value)
    assert withheld == [DataClass.MEDICATIONS, DataClass.NOTES]  # the consent's restriction
    for data_class in withheld:
        page = view.pages[data_class]
        assert page.currentWidget() is page.notice and not page.notice.glass.isHidden()
    cached_before = online.executor.call(lambda store: store.cached_patient_ids())

    view.show_data_class(DataClass.NOTES)
    _break_glass(qtbot, view.pages[DataClass.NOTES])
    qtbot.waitUntil(lambda: view.chart.glass_broken_until is not None, timeout=10000)
    for data_class in withheld:  # the server's data, shown
        page = view.pages[data_class]
        assert page.currentWidget() is not page.notice
        assert view.chart.entries.get(data_class), data_class
    assert "Glass broken" in view.status.text()
    opened = {MATRIX_RESOURCES[c] for c in withheld}  # MedicationRequest, Encounter
    cached = [r for r in online.executor.call(lambda store: store._list_resources(pid))
              if r["resourceType"] in opened]
    assert cached == [] and cached_before == [pid]  # memory only, never cached

    logged = online.executor.call(lambda store: store.access_entries())
    glass = {e.information for e in logged if e.action == "break-glass" and e.reason == REASON}
    assert glass == {c.value for c in withheld}  # each section opened, with the reason
    for _ in range(40):  # the server's AuditEvents of the glass-broken read
        if REASON in _server_reasons(online.client, pid):
            break
        time.sleep(0.25)
    assert REASON in _server_reasons(online.client, pid)
    rows = AccessLogReader(online).patient_log(pid)  # the access log in the app
    assert {r["source"] for r in rows if r["reason"] == REASON} == {"workstation", "server"}

    qtbot.waitUntil(lambda: view.chart.glass_broken_until is None, timeout=GLASS_SECONDS * 3000)
    for data_class in withheld:  # closed again: the notices are back
        page = view.pages[data_class]
        assert page.currentWidget() is page.notice and not view.chart.entries.get(data_class)
