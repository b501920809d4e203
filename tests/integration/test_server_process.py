"""The server as a process: health, logs without patient data, graceful shutdown on SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from app.core import fhir_systems
from server.processes import ServerProcess
from tests.integration.fhir_data import nam_of, patient


def test_health_logs_and_graceful_shutdown(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path, auth=False, extra_args=("--log-level", "debug")).start()
    try:
        health = httpx.get(f"{proc.base}/health")
        assert health.json()["status"] == "ok" and health.json()["backend"] == "sqlite"
        p = patient()
        fhir = f"{proc.base}/fhir"
        assert httpx.post(f"{fhir}/Patient", json=p).status_code == 201
        httpx.get(f"{fhir}/Patient", params={"identifier": f"{fhir_systems.NAM}|{nam_of(p)}"})
        httpx.get(f"{fhir}/Patient", params={"family": p["name"][0]["family"]})
        httpx.post(f"{fhir}/Patient", json={**p, "birthDate": "1999-99-99"})
    finally:
        proc.proc.send_signal(signal.SIGTERM)
        proc.proc.wait(15)
    assert proc.proc.returncode in (0, -signal.SIGTERM)
    log = proc.log.read_text()
    assert "store closed" in log and "Finished server process" in log
    for secret in (nam_of(p), p["name"][0]["family"], p["birthDate"], "1999-99-99"):
        assert secret not in log
    assert (tmp_path / "clinicdesk.sqlite3").exists()
