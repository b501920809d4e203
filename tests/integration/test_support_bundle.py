"""`clinicdesk support-bundle` run as a real process over a real settings file and real logs:
the zip carries versions, settings and logs, and none of the patient data or secrets put there."""

import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from app.core import nam

ROOT = Path(__file__).resolve().parents[2]

# Synthetic patients (no real person): names, birth dates and the NAMs built from them.
PATIENTS = [("Pelletier-Ouellet", "Gisèle", date(1947, 3, 9), "F"),
            ("Bouchard", "Jean-Marc", date(1988, 11, 30), "M"),
            ("Saint-Onge", "Maëlle", date(2015, 6, 1), "F")]
NAMS = [nam.build(s, g, b, x) for s, g, b, x in PATIENTS]
SECRETS = ["s3cr3t-sync-token-9f2c", "hunter2-Password!", "eyJhbGciOiJIUzI1NiJ9.payload.sig"]


def log_lines() -> list[str]:
    """Patient data the way a faulty first filter, a library or an old version could log it."""
    (s1, g1, b1, _), (s2, g2, b2, _), (s3, g3, _, _) = PATIENTS
    fhir = json.dumps({"resourceType": "Patient", "name": [{"family": s2, "given": [g2]}],
                       "birthDate": b2.isoformat(),
                       "identifier": [{"system": "https://ramq.gouv.qc.ca/nam",
                                       "value": NAMS[1]}]}, ensure_ascii=False)
    spaced = f"{NAMS[2][:4]} {NAMS[2][4:8]} {NAMS[2][8:]}"
    return [
        "2026-11-25 10:00:00,001 INFO app.sync pull finished in 120 ms (42 resources)",
        f"2026-11-25 10:00:01,002 WARNING app.ui opened chart patient={g1} {s1} reason=care",
        f"2026-11-25 10:00:02,003 ERROR httpx 409 Conflict body={fhir}",
        f"2026-11-25 10:00:03,004 INFO app.store search nam {NAMS[0]} birthdate={b1}",
        f"2026-11-25 10:00:04,005 DEBUG app.ramq lookup '{spaced}' name='{g3} {s3}'",
        f"2026-11-25 10:00:05,006 DEBUG httpx Authorization: Bearer {SECRETS[2]}",
        "2026-11-25 10:00:06,007 INFO app.devices key inserted in reader 'Test VPCD 00 00'",
    ]


@pytest.fixture
def workstation(tmp_path):
    home = tmp_path / "home"
    (home / "logs").mkdir(parents=True)
    (home / "settings.ini").write_text(
        "[General]\nlanguage=fr\nserver_url=https://emr.clinic.test/fhir\n"
        f"sync_token={SECRETS[0]}\n[proxy]\npassword={SECRETS[1]}\n", encoding="utf-8")
    (home / "logs" / "clinicdesk.log").write_text("\n".join(log_lines()) + "\n", "utf-8")
    (home / "logs" / "clinicdesk.log.1").write_text(log_lines()[3] + "\n", "utf-8")
    return home


def run_bundle(home: Path, out: Path) -> dict:
    env = {**os.environ, "CLINICDESK_SETTINGS": str(home / "settings.ini"),
           "CLINICDESK_LOG_DIR": str(home / "logs"), "CLINICDESK_API_TOKEN": SECRETS[0]}
    done = subprocess.run([sys.executable, "-m", "app", "support-bundle", "--output", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_bundle_has_no_patient_data_nor_secrets(workstation, tmp_path):
    out = tmp_path / "support.zip"
    summary = run_bundle(workstation, out)
    with zipfile.ZipFile(out) as zf:
        contents = {name: zf.read(name).decode("utf-8") for name in zf.namelist()}
    everything = "\n".join(contents.values()).casefold()
    forbidden = [*NAMS, *SECRETS] + [p for s, g, b, _ in PATIENTS
                                     for p in (s, g, b.isoformat(), s.split("-")[0])]
    found = [f for f in forbidden if f.casefold() in everything]
    assert found == [], f"{len(found)} patient values or secrets left in the bundle"
    assert summary["logs"] == 2 and summary["redactions"]["logging_filter"] >= 2


def test_the_bundle_keeps_what_support_needs(workstation, tmp_path):
    out = tmp_path / "support.zip"
    run_bundle(workstation, out)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        versions = json.loads(zf.read("versions.json"))
        settings = zf.read("settings.ini").decode()
        log = zf.read("logs/clinicdesk.log").decode()
        diagnose = json.loads(zf.read("key-diagnose.json"))
    assert {"versions.json", "locations.json", "environment.json", "settings.ini",
            "key-diagnose.json", "logs/clinicdesk.log", "logs/clinicdesk.log.1"} <= names
    assert versions["python"] == ".".join(map(str, sys.version_info[:3]))
    assert versions["clinicdesk"] != "not installed" and versions["qt"].startswith("6.")
    assert versions["sqlcipher"].startswith("4."), versions["sqlcipher"]
    assert "language=fr" in settings and "server_url=https://emr.clinic.test/fhir" in settings
    assert "sync_token=********" in settings and "password=********" in settings
    assert "pull finished in 120 ms (42 resources)" in log and "409 Conflict" in log
    assert "key inserted in reader 'Test VPCD 00 00'" in log
    assert diagnose  # the diagnosis, or a line saying this build has none
    if sys.platform != "win32":
        assert out.stat().st_mode & 0o777 == 0o600


@pytest.mark.pcscd
def test_the_bundle_carries_the_key_diagnosis(workstation, tmp_path, virtual_key):
    virtual_key.insert()
    virtual_key.pcscd.wait_for_card(virtual_key.reader, present=True)
    out = tmp_path / "support.zip"
    run_bundle(workstation, out)  # the subprocess inherits the private pcscd's socket
    with zipfile.ZipFile(out) as zf:
        report = json.loads(zf.read("key-diagnose.json"))
    assert report["verdict"]["code"] == "ready" and report["usable"] is True
    assert [card["key_id"] for card in report["cards"]] == [virtual_key.key_id]
