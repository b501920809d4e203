"""Sign-in for real: the reference server over loopback (password grant, /api/me), the user's
SQLCipher store with its key in the real Secret Service, then offline against that store."""

import pytest
from PySide6.QtCore import Qt

from app.core.data_class import DataClass
from app.ui.signin import SignInWindow
from app.workstation.session import Session
from server.processes import free_port


@pytest.fixture
def session(ui_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the stores of this test
    remote = Session(settings=ui_settings)
    yield remote
    remote.sign_out()


def sign_in_through_the_window(qtbot, session, settings, server, username, password):
    settings.server_url = server
    window = SignInWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    window.username.setText(username)
    window.password.setText(password)
    signed = []
    window.signed_in.connect(signed.append)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.submit.isEnabled(), timeout=30000)
    return window, signed


def test_online_then_offline_sign_in(qtbot, session, ui_settings, server, tmp_path):
    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, server, "1000001", "wrong-password")
    assert signed == [] and window.message.text() == "Wrong username or password."

    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, server, "1000001", "demo-medecin-1")
    assert window.message.text() in ("", "Signing in…") and len(signed) == 1
    online = signed[0]
    assert online.online and online.profile.username == "1000001"
    assert online.profile.profession.value == "physician"
    assert session.executor.call(lambda store: store.path.exists())
    assert session.verify_password("demo-medecin-1") and not session.verify_password("x")
    session.sign_out()

    unreachable = f"http://127.0.0.1:{free_port()}"
    assert not session.probe(unreachable)
    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, unreachable, "1000001", "not-it")
    assert signed == [] and window.message.text() == "Wrong username or password."
    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, unreachable, "1000001", "demo-medecin-1")
    assert len(signed) == 1 and not signed[0].online
    assert signed[0].profile == online.profile


def test_offline_without_a_previous_online_sign_in_says_what_to_do(qtbot, session,
                                                                   ui_settings):
    unreachable = f"http://127.0.0.1:{free_port()}"
    window, signed = sign_in_through_the_window(
        qtbot, session, ui_settings, unreachable, "1000002", "demo-medecin-2")
    assert signed == []
    assert "sign in once while the server is reachable" in window.message.text()


def _patient(chart: list[dict]) -> dict:
    return next(r for r in chart if r["resourceType"] == "Patient")


def _physician_patient(charts, username: str) -> dict:
    return next(_patient(c) for c in charts if any(
        g.get("reference") == f"Practitioner/user-{username}"
        for g in _patient(c).get("generalPractitioner") or ()))


def test_search_and_open_a_chart_for_real_then_offline(session, ui_settings, server,
                                                       seeded_charts):
    from app.workstation.charts import ChartReader
    from app.workstation.patients import PatientSearch

    session.sign_in(server, "1000001", "demo-medecin-1")
    patient = _physician_patient(seeded_charts, "1000001")
    nam = next(i["value"] for i in patient["identifier"] if i["system"].endswith("/nam"))
    found = PatientSearch(session).search(nam)
    assert [p.id for p in found] == [patient["id"]]
    name = patient["name"][0]
    by_name = PatientSearch(session).search(
        f"{name['family']}, {name['given'][0]} {patient['birthDate']}")
    assert patient["id"] in [p.id for p in by_name]
    chart = ChartReader(session).open(patient["id"])
    assert chart.patient.nam == nam
    assert DataClass.LABS in chart.readable and (chart.entries.get(DataClass.LABS) or chart.trends)
    log = session.executor.call(lambda store: store.access_entries())
    assert {e.information for e in log} >= {"search:nam:1", "labs", "demographics"}
    session.sign_out()

    unreachable = f"http://127.0.0.1:{free_port()}"
    session.sign_in(unreachable, "1000001", "demo-medecin-1")  # offline, from the store
    assert [p.id for p in PatientSearch(session).search(nam)] == [patient["id"]]
    offline = ChartReader(session).open(patient["id"])
    assert offline.entries.get(DataClass.LABS) or offline.trends


def test_receptionist_reads_no_clinical_class_of_a_real_chart(session, server, seeded_charts):
    from app.workstation.charts import ChartReader

    session.sign_in(server, "1000009", "demo-reception")
    patient = _physician_patient(seeded_charts, "1000001")
    chart = ChartReader(session).open(patient["id"])
    assert not {c for c in chart.readable if c.is_clinical}
    assert not {c for c in chart.entries if c.is_clinical}


def test_main_window_status_bar_follows_the_real_sync(qtbot, ui_settings, server, tmp_path,
                                                      monkeypatch):
    from app.ui.main_window import MainWindow
    from app.workstation.wiring import build_services

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    services = build_services(settings=ui_settings)
    session = services.session.sign_in(server, "1000001", "demo-medecin-1")
    try:
        window = MainWindow(services, session, ui_settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.status.last_sync.text().startswith("Last sync"),
                        timeout=30000)
        assert window.status.server.text() == "Server: online"
        assert not window.status.progress.isVisible()
        window.close()
    finally:
        services.session.sign_out()
