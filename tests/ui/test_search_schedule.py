"""Search and today's schedule for real (issue 20): the reference server over loopback, seeded
with patients and a full day of appointments for today, the user's SQLCipher store, the real
keyring; then offline against that store.

- names match with hyphens, spaces and accents alike, online and offline;
- offline, a patient not in the cache is "not in this workstation's cache", at once;
- a failed search (bad date, malformed NAM, empty box, not cached) leaves nothing to open;
- the day's schedule shows the physician's 30 appointments (the clinic's for reception), opens
  the chart from a row, and works offline from the prefetch; each look is logged."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from app.core.errors import UserFacingError
from server.processes import free_port
from server.seed import load
from tests.fixtures.identity import SEED, SEEDED_PATIENTS, seed_store

WAIT = 30_000
PHYSICIAN, PASSWORD = "1000001", "demo-medecin-1"
RECEPTION, RECEPTION_PASSWORD = "1000009", "demo-reception"
# Patients of 1000001 in seed 5 (names with hyphens, several first names, accents)
BERUBE = "9d876567-8050-5584-95f2-ea5c2446b382"  # Bérubé, Jean-François 1986-03-08
BEAUDOIN = "7ba0979b-f353-59b1-ab41-1cb673fb305e"  # Beaudoin-Lapointe, Camille Émilie 1969-02-04
OUELLET = "297ba306-737b-5da1-9ef3-b6551c19ef60"  # Ouellet, Marie-Ève Hélène 1957-04-30
NAMES = {"berube jean francois 1986-03-08": BERUBE,
         "BERUBE, JEAN-FRANCOIS 08/03/1986": BERUBE,
         "beaudoin lapointe, camille emilie 1969-02-04": BEAUDOIN,
         "Beaudoin-Lapointe, Camille 1969-02-04": BEAUDOIN,
         "ouellet marie eve 1957-04-30": OUELLET,
         "Ouellet, Marie-Ève Hélène 1957-04-30": OUELLET}


def seed_with_today(data_dir, database_url) -> None:
    from server.storage import open_store

    seed_store(data_dir, database_url)
    store = open_store(data_dir, database_url)
    try:
        load.load_schedule(store, SEEDED_PATIENTS, SEED, date.today())
    finally:
        store.close()


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory("sqlite", auth=True, setup=seed_with_today, key="search20-today")


@pytest.fixture
def workstation(ui_settings, tmp_path, monkeypatch):
    """`sign_in(user, password, online=True)` → (services, SignedIn); signed out at the end."""
    from app.workstation.wiring import build_services

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    made = []

    def sign_in(server_url: str, user: str = PHYSICIAN, password: str = PASSWORD):
        services = build_services(settings=ui_settings)
        made.append(services)
        return services, services.session.sign_in(server_url, user, password)
    yield sign_in
    for services in made:
        services.session.sign_out()


def offline_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def _nam(charts, pid: str) -> str:
    patient = next(c[0] for c in charts if c[0]["id"] == pid)
    return next(i["value"] for i in patient["identifier"] if i["system"].endswith("/nam"))


# -- search ----------------------------------------------------------------------------------
def test_names_match_with_hyphens_spaces_and_accents_online_then_offline(server, workstation):
    services, _ = workstation(server)
    for query, pid in NAMES.items():
        assert [p.id for p in services.patients.search(query)] == [pid], query
        services.charts.open(pid)  # cached for the offline part
    services.session.sign_out()
    services, signed = workstation(offline_url())
    assert not signed.online
    for query, pid in NAMES.items():
        assert [p.id for p in services.patients.search(query)] == [pid], query


def test_offline_a_patient_not_cached_is_not_in_the_cache_at_once(server, workstation,
                                                                   seeded_charts):
    services, _ = workstation(server)
    services.session.sign_out()
    services, _ = workstation(offline_url())
    started = clock.perf_counter()
    with pytest.raises(UserFacingError) as refused:
        services.patients.search(_nam(seeded_charts, BERUBE))
    assert clock.perf_counter() - started < 1.0
    assert str(refused.value.text) == ("Not in this workstation's cache — connect to search "
                                       "the clinic.")


def test_server_gone_mid_session_falls_back_to_the_cache_quickly(server, workstation,
                                                                  fault_proxy_factory,
                                                                  seeded_charts):
    port = int(server.rsplit(":", 1)[1])
    proxy = fault_proxy_factory(port)
    services, signed = workstation(proxy.url)
    assert signed.online
    services.charts.open(OUELLET)
    proxy.down()
    for query, cached in ((_nam(seeded_charts, OUELLET), True),
                          (_nam(seeded_charts, BERUBE), False)):
        started, sent = clock.perf_counter(), services.session.client.requests
        try:
            found = [p.id for p in services.patients.search(query)]
        except UserFacingError as err:
            found = [str(err.text)]
        assert clock.perf_counter() - started < 1.0  # was 6–26 s of retries
        assert services.session.client.requests - sent <= 1  # one try, not the retrier's six
        assert found == ([OUELLET] if cached else [
            "Not in this workstation's cache — connect to search the clinic."])


FAILURES = {"empty box": "", "bad date": "Bérubé, Jean-François 1986-02-30",
            "malformed NAM": "BERJ 8603 0899", "not in the cache": None}


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
def test_a_failed_search_leaves_nothing_to_open(qtbot, server, workstation, seeded_charts,
                                                failure):
    from app.ui.search_panel import SearchPanel

    services, _ = workstation(server)
    services.charts.open(OUELLET)
    if failure == "not in the cache":
        services.session.sign_out()
        services, _ = workstation(offline_url())
    panel = SearchPanel(services.patients, offline=False)
    qtbot.addWidget(panel)
    panel.show()
    opened: list[str] = []
    panel.open_requested.connect(opened.append)
    panel.search.setText(_nam(seeded_charts, OUELLET))
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.results.count() == 1, timeout=WAIT)
    query = FAILURES[failure]
    panel.search.setText(_nam(seeded_charts, BERUBE) if query is None else query)
    panel.search.setFocus()
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.hint.property("kind") == "error", timeout=WAIT)
    assert panel.results.count() == 0 and panel.results.currentItem() is None
    panel.results.setFocus()
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)  # Enter opens nothing
    assert opened == []
    if failure == "not in the cache":
        assert "connect to search the clinic" in panel.hint.text()


# -- today's schedule ------------------------------------------------------------------------
def _window(qtbot, services, signed, settings):
    from app.ui.main_window import MainWindow

    window = MainWindow(services, signed, settings)
    qtbot.addWidget(window)
    window.show()
    return window


def _rows(panel) -> list[list[str]]:
    table = panel.table
    return [[table.topLevelItem(i).text(c) for c in range(table.columnCount())]
            for i in range(table.topLevelItemCount())]


def test_todays_schedule_opens_charts_online_then_offline(qtbot, server, workstation,
                                                          ui_settings):
    services, signed = workstation(server)
    window = _window(qtbot, services, signed, ui_settings)
    panel = window.schedule
    qtbot.waitUntil(lambda: panel.table.topLevelItemCount() == 30 and not panel._loading,
                    timeout=WAIT)
    rows = _rows(panel)
    first = datetime.combine(date.today(), time(8), timezone(timedelta(hours=-5)))
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert rows[0][0] == first.astimezone().strftime("%H:%M")  # 8:00 in Quebec, local here
    assert all(r[1] and "not available" not in r[1] for r in rows)
    panel.table.setFocus()
    panel.table.setCurrentItem(panel.table.topLevelItem(3))
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.center.currentWidget() is window.chart_view, timeout=WAIT)
    fourth = panel.table.topLevelItem(3).data(0, Qt.ItemDataRole.UserRole)
    assert window.chart_patient == fourth
    window.close()
    services.session.sign_out()

    services, signed = workstation(offline_url())
    assert not signed.online
    window = _window(qtbot, services, signed, ui_settings)
    panel = window.schedule
    qtbot.waitUntil(lambda: panel.table.topLevelItemCount() == 30 and not panel._loading,
                    timeout=WAIT)
    assert _rows(window.schedule) == rows  # the prefetch: names and all, offline
    last = panel.table.topLevelItem(29)
    panel.table.itemActivated.emit(last, 0)
    qtbot.waitUntil(lambda: window.center.currentWidget() is window.chart_view, timeout=WAIT)
    assert window.chart_patient == last.data(0, Qt.ItemDataRole.UserRole)
    logged = services.session.executor.call(lambda store: store.access_entries(0, 10**6))
    assert sum(e.information == "appointments" and e.action == "read" for e in logged) >= 60
    assert services.session.executor.call(lambda store: store.verify_access_log()).ok
    window.close()


def test_reception_sees_the_clinics_day_with_each_physician(qtbot, server, workstation,
                                                            ui_settings):
    services, signed = workstation(server, RECEPTION, RECEPTION_PASSWORD)
    day = services.schedule.refresh(date.today())
    assert day.clinic
    doctors = {a.practitioner for a in day.appointments}
    assert {"Dre Marie Tremblay", "Dr Jean-François Gagnon"} <= doctors
    assert len(day.appointments) >= 60
    window = _window(qtbot, services, signed, ui_settings)
    qtbot.waitUntil(lambda: window.schedule.table.topLevelItemCount() == len(day.appointments),
                    timeout=WAIT)
    assert window.schedule.table.headerItem().text(1) == "Physician"
    assert window.schedule.title.text().startswith("The clinic's schedule — ")
    window.close()
