"""The access log in the app, for real (reference server, SQLCipher store, keyring): the
patient's physician sees who read the record (its own look listed), exports it as CSV and as
FHIR AuditEvents; another physician is refused in the window (and the refusal is logged); the
administrator reviews the workstation's log, no one else."""

from __future__ import annotations

import csv
import json

import pytest

from app.workstation.access_log import REPORT_COLUMNS
from tests.ui.test_search_schedule import OUELLET, PASSWORD, PHYSICIAN, seed_with_today

WAIT = 30_000


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory("sqlite", auth=True, setup=seed_with_today, key="search20-today")


@pytest.fixture
def signed_in(ui_settings, tmp_path, monkeypatch, server):
    from app.workstation.wiring import build_services

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    made = []

    def sign_in(user: str = PHYSICIAN, password: str = PASSWORD):
        services = build_services(settings=ui_settings)
        made.append(services)
        services.session.sign_in(server, user, password)
        return services
    yield sign_in
    for services in made:
        services.session.sign_out()


def _dialog(qtbot, services, patient_id):
    from app.ui.access_log import AccessLogDialog

    dialog = AccessLogDialog(services.access_log, patient_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.message.text() != "Reading the access log…", timeout=WAIT)
    return dialog


def _entries(services):
    return services.session.executor.call(lambda store: store.access_entries(0, 10**6))


def test_the_patients_physician_sees_who_read_and_exports_csv_and_fhir(qtbot, signed_in,
                                                                      tmp_path):
    services = signed_in()
    services.charts.open(OUELLET)
    dialog = _dialog(qtbot, services, OUELLET)
    rows = dialog.rows
    assert dialog.table.topLevelItemCount() == len(rows) > 3
    assert {r["information"] for r in rows if r["action"] == "read"} >= {"demographics",
                                                                        "allergies"}
    assert rows[-1]["action"] == "report" and rows[-1]["username"] == PHYSICIAN  # its own look
    assert all(r["workstation"] for r in rows)
    name = services.session.profile.display_name  # who read it, by name, not only the number
    assert dialog.table.topLevelItem(len(rows) - 1).text(1) == f"{name} ({PHYSICIAN})"
    dialog.export("csv", str(tmp_path / "log.csv"))
    qtbot.waitUntil(lambda: dialog.message.text() == "Exported.", timeout=WAIT)
    with open(tmp_path / "log.csv", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert tuple(table[0]) == REPORT_COLUMNS and len(table) == len(rows)
    dialog.export("fhir", str(tmp_path / "log.json"))
    qtbot.waitUntil(lambda: (tmp_path / "log.json").exists(), timeout=WAIT)
    bundle = json.loads((tmp_path / "log.json").read_text(encoding="utf-8"))
    assert bundle["type"] == "collection" and bundle["total"] == len(rows)
    events = [e["resource"] for e in bundle["entry"]]
    assert {e["resourceType"] for e in events} == {"AuditEvent"}
    assert all(any(x.get("what", {}).get("reference") == f"Patient/{OUELLET}"
                   for x in e["entity"]) for e in events)


def test_another_physician_is_refused_in_the_window_and_logged(qtbot, signed_in):
    services = signed_in("1000002", "demo-medecin-2")
    dialog = _dialog(qtbot, services, OUELLET)
    assert dialog.rows == [] and dialog.table.topLevelItemCount() == 0
    assert dialog.message.text().startswith("Only the patient's physician or the privacy officer")
    assert not dialog.export_csv.isEnabled() and not dialog.export_fhir.isEnabled()
    last = _entries(services)[-1]
    assert (last.patient_id, last.information, last.action) == (OUELLET, "access-log", "denied")


@pytest.mark.parametrize("user,password,allowed", [
    ("1000010", "demo-admin", True), ("1000001", PASSWORD, False),
    ("1000009", "demo-reception", False)], ids=["administrator", "physician", "reception"])
def test_only_the_administrator_reviews_the_workstation_log(qtbot, signed_in, user, password,
                                                            allowed):
    services = signed_in(user, password)
    assert services.access_log.may_review_workstation(services.session.profile) is allowed
    dialog = _dialog(qtbot, services, None)
    if allowed:
        assert dialog.rows[-1]["action"] == "review"
        assert dialog.table.topLevelItemCount() == len(dialog.rows)
    else:
        assert dialog.rows == [] and "Only the clinic's administrator" in dialog.message.text()
    last = _entries(services)[-1]
    assert (last.information, last.action) == ("access-log", "review" if allowed else "denied")


def test_an_export_that_fails_midway_leaves_no_file_behind(tmp_path):
    """Written beside the target and renamed over it: a text that cannot be encoded (or a
    crash) leaves neither a half export nor its part file."""
    from app.ui.access_log import _write_whole

    target = tmp_path / "log.json"
    with pytest.raises(UnicodeEncodeError):
        _write_whole(target, "{" + "x" * 100_000 + "\ud800")
    assert list(tmp_path.iterdir()) == []
    _write_whole(target, "{}")
    assert target.read_text(encoding="utf-8") == "{}" and list(tmp_path.iterdir()) == [target]
