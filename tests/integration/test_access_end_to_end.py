"""Privacy end to end against the real reference server (the access-matrix server): a
receptionist's cache never receives clinical data, the export and "who looked at my record"
commands sign in like the app and give only what the user may see."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app import cli
from app.central.client import ClientConfig, FhirClient
from app.central.errors import SyncError
from app.core.data_class import DataClass
from app.core.profiles import Profession, profile_from_json
from app.store import Store
from app.store.authorised import authorised_chart, authorised_read, chart_context
from app.sync.engine import SyncEngine
from app.sync.store_cache import StoreCache
from tests import access_matrix as m
from tests.fixtures.access import MATRIX_PASSWORD, MATRIX_RESOURCES, matrix_nam
from tests.fixtures.store import FAST_KDF
from tests.integration.test_access_privacy import REASON, decrypted_pages

CLINICAL_TYPES = {t for c, t in MATRIX_RESOURCES.items() if c.is_clinical}
# Values only the seeded clinical resources hold (tests/fixtures/access.class_resource).
CLINICAL_VALUES = (b"Hypertension", b"Ramipril", "Pénicilline".encode(), b"2345-7", b"Lettre",
                   b"laboratory")


def _store(tmp_path: Path, username: str) -> Store:
    return Store.create(username, MATRIX_PASSWORD, path=tmp_path / f"{username}.db", kdf=FAST_KDF)


def _client(base: str, username: str) -> FhirClient:
    client = FhirClient(ClientConfig(server_url=base, username=username))
    client.sign_in(MATRIX_PASSWORD)
    return client


def test_no_clinical_data_reaches_a_receptionists_cache(matrix_server, tmp_path):
    receptionist = m.username(Profession.RECEPTIONIST, "own")
    store, client = _store(tmp_path, receptionist), _client(matrix_server, receptionist)
    try:
        profile = profile_from_json(client.me())
        sync = SyncEngine(client, StoreCache(store))
        for consent in ("open", "restricted"):
            sync.open_chart(m.patient_id(consent))
        for rtype in sorted(CLINICAL_TYPES):
            with pytest.raises(SyncError) as refused:
                client.get(rtype, params={"patient": m.patient_id("open")})
            assert refused.value.kind.name == "FORBIDDEN", rtype
            with pytest.raises(SyncError):
                client.get(f"{rtype}/{m.patient_id('open')}-{_class_of(rtype).value}")
        sync.sync()
        cached = {r["resourceType"] for pid in store.cached_patient_ids()
                  for r in store._list_resources(pid)}
        assert "Patient" in cached and not cached & CLINICAL_TYPES
        chart = authorised_chart(store, profile, m.patient_id("open"))
        assert {c for c, r in chart.items() if r.decision.allowed} == {
            DataClass.DEMOGRAPHICS, DataClass.REGISTRATION, DataClass.APPOINTMENTS}
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        plain = decrypted_pages(store.path, store._key)
        assert b"Matrice" in plain  # the scan reads the cached demographics
        assert not [v for v in CLINICAL_VALUES if v in plain]
    finally:
        client.close()
        store.close()


def _class_of(rtype: str) -> DataClass:
    return next(c for c, t in MATRIX_RESOURCES.items() if t == rtype)


def _run(monkeypatch, *argv: str) -> int:
    monkeypatch.setenv("CLINICDESK_PASSWORD", MATRIX_PASSWORD)
    return cli.main(list(argv))


def test_export_command_writes_what_the_user_may_read(matrix_server, tmp_path, monkeypatch):
    nam = matrix_nam(m.patient_id("restricted"))
    results = {}
    for kind in (Profession.PHYSICIAN, Profession.RECEPTIONIST):
        user = m.username(kind, "own")
        _store(tmp_path, user).close()
        out = tmp_path / f"{user}.json"
        assert _run(monkeypatch, "export", "--patient", nam.lower(), "--output", str(out),
                    "--store", str(tmp_path / f"{user}.db"), "--server", matrix_server) == 0
        bundle = json.loads(out.read_text())
        assert bundle["type"] == "collection" and bundle["resourceType"] == "Bundle"
        results[kind] = {e["resource"]["resourceType"] for e in bundle["entry"]}
        entries = Store.unlock(user, MATRIX_PASSWORD, path=tmp_path / f"{user}.db")
        try:
            assert {e.action for e in entries.access_entries()} >= {"export", "denied"}
        finally:
            entries.close()
    # restricted: medications and notes blocked even for the patient's physician
    assert results[Profession.PHYSICIAN] == {"Patient", "Appointment", "Condition",
                                             "AllergyIntolerance", "Observation",
                                             "DocumentReference"}
    assert results[Profession.RECEPTIONIST] == {"Patient", "Appointment"}


def test_audit_report_lists_workstation_and_server_accesses(matrix_server, tmp_path,
                                                             monkeypatch, capsys):
    pid, nam = m.patient_id("restricted"), matrix_nam(m.patient_id("restricted"))
    doctor = m.username(Profession.PHYSICIAN, "own")
    store, client = _store(tmp_path, doctor), _client(matrix_server, doctor)
    try:
        sync = SyncEngine(client, StoreCache(store))
        sync.open_chart(pid)
        glass = authorised_read(store, profile_from_json(client.me()), chart_context(store, pid),
                                DataClass.NOTES, REASON)
        assert glass.decision.break_glass
        assert sync.sync().audited >= 1  # the workstation's log goes to the server
        # this test's own entries: the shared server holds other tests' break-glass records
        own = {e.hash for e in store.access_entries()}
    finally:
        client.close()
        store.close()
    admin = m.username(Profession.ADMINISTRATOR, "own")
    _store(tmp_path, admin).close()
    rows: list[dict] = []
    for _ in range(40):  # the server stores AuditEvents off the request's path
        capsys.readouterr()
        assert _run(monkeypatch, "audit", "report", "--patient", nam, "--format", "json",
                    "--store", str(tmp_path / f"{admin}.db"), "--server", matrix_server) == 0
        rows = json.loads(capsys.readouterr().out)
        if own <= {r["entry_hash"] for r in rows if r["source"] == "server"}:
            break
        time.sleep(0.25)
    server = [r for r in rows if r["source"] == "server" and r["username"] == doctor]
    assert server and all(r["workstation"] for r in server)
    assert "labs" in ",".join(r["information"] for r in server)
    pushed = [r for r in server if r["entry_hash"] in own]
    assert sorted(r["entry_hash"] for r in pushed) == sorted(own)  # each pushed once
    glass = [r["reason"] for r in pushed if r["action"] == "break-glass"]
    assert glass == [REASON]  # the workstation's break-glass, with its reason
    mine = [r for r in rows if r["source"] == "workstation"]
    assert mine[-1]["action"] == "report" and mine[-1]["username"] == admin
    assert _run(monkeypatch, "audit", "report", "--patient", nam, "--format", "csv",
                "--store", str(tmp_path / f"{admin}.db"), "--server", matrix_server) == 0
    assert capsys.readouterr().out.startswith("at,username,information,action,workstation")
