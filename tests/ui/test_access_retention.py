"""Retention through the app's session against the real server: sign-out keeps only the charts
opened within the retention period (a setting), and sign-out with purge keeps none."""

from __future__ import annotations

from app.core.profiles import Profession
from app.workstation.charts import ChartReader
from app.workstation.session import Session
from tests import access_matrix as m
from tests.fixtures.access import MATRIX_PASSWORD


def _cached(session: Session) -> list[str]:
    return session.executor.call(lambda store: store.cached_patient_ids())


def test_sign_out_applies_retention_and_can_purge_everything(ui_settings, matrix_server,
                                                             tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    doctor = m.username(Profession.PHYSICIAN, "own")
    session = Session(settings=ui_settings)
    try:
        session.sign_in(matrix_server, doctor, MATRIX_PASSWORD)
        for consent in ("open", "restricted"):
            ChartReader(session).open(m.patient_id(consent))
        assert len(_cached(session)) == 2
        session.sign_out()  # both opened just now: kept for 30 days
        session.sign_in(matrix_server, doctor, MATRIX_PASSWORD)
        assert len(_cached(session)) == 2
        ui_settings.retention_days = 0
        session.sign_out()  # a zero-day retention keeps nothing opened before now
        session.sign_in(matrix_server, doctor, MATRIX_PASSWORD)
        assert _cached(session) == []
        ui_settings.retention_days = 30
        ChartReader(session).open(m.patient_id("open"))
        session.sign_out(purge_charts=True)
        session.sign_in(matrix_server, doctor, MATRIX_PASSWORD)
        assert _cached(session) == []
    finally:
        session.sign_out()


def test_report_and_export_offline_use_the_saved_profile(ui_settings, matrix_server, tmp_path,
                                                          monkeypatch, capsys):
    import json

    from app import cli
    from tests.fixtures.access import matrix_nam

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("CLINICDESK_SETTINGS", str(ui_settings.path))
    monkeypatch.setenv("CLINICDESK_PASSWORD", MATRIX_PASSWORD)
    doctor = m.username(Profession.PHYSICIAN, "own")
    session = Session(settings=ui_settings)
    try:
        session.sign_in(matrix_server, doctor, MATRIX_PASSWORD)  # saves the profile
        ChartReader(session).open(m.patient_id("open"))
    finally:
        session.sign_out()
    nam = matrix_nam(m.patient_id("open"))
    capsys.readouterr()
    assert cli.main(["audit", "report", "--patient", nam, "--user", doctor,
                     "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["source"] for r in rows} == {"workstation"}
    assert {r["information"] for r in rows if r["action"] == "read"} >= {"labs", "notes"}
    out = tmp_path / "export.json"
    assert cli.main(["export", "--patient", nam, "--user", doctor, "--output", str(out)]) == 0
    kinds = {e["resource"]["resourceType"] for e in json.loads(out.read_text())["entry"]}
    assert {"Patient", "Observation", "Encounter"} <= kinds
