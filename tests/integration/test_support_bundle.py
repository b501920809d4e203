"""`clinicdesk support-bundle` run as a real process over a real settings file and real logs:
the zip carries versions, settings and logs, and none of the patient data or secrets put there."""

import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from app.core import nam
from tests.privacy_scan import Canary

ROOT = Path(__file__).resolve().parents[2]

# Synthetic patients (no real person): names, birth dates and the NAMs built from them.
PATIENTS = [("Pelletier-Ouellet", "Gisèle", date(1947, 3, 9), "F"),
            ("Bouchard", "Jean-Marc", date(1988, 11, 30), "M"),
            ("Saint-Onge", "Maëlle", date(2015, 6, 1), "F")]
NAMS = [nam.build(s, g, b, x) for s, g, b, x in PATIENTS]
SECRETS = ["s3cr3t-sync-token-9f2c", "hunter2-Password!", "eyJhbGciOiJIUzI1NiJ9.payload.sig"]
PHONE = "514-555-0199"


def log_lines() -> list[str]:
    """Patient data the way a faulty first filter, a library or an old version could log it:
    as written, URL-encoded (a GET search's URL, `%7C` before the NAM), JSON-escaped, spaced."""
    (s1, g1, b1, _), (s2, g2, b2, _), (s3, g3, b3, _) = PATIENTS
    fhir = json.dumps({"resourceType": "Patient", "name": [{"family": s2, "given": [g2]}],
                       "birthDate": b2.isoformat(), "telecom": [{"value": PHONE}],
                       "identifier": [{"system": "https://ramq.gouv.qc.ca/nam",
                                       "value": NAMS[1]}]}, ensure_ascii=False)
    escaped = json.dumps({"name": [{"family": s3, "given": [g3]}]})  # ensure_ascii: \u00eb
    spaced = f"{NAMS[2][:4]} {NAMS[2][4:8]} {NAMS[2][8:]}"
    by_nam = "identifier=" + quote("https://www.ramq.gouv.qc.ca/nam|", safe="") + "{n}"
    by_name = urlencode({"family": s3, "given": g3, "birthdate": b3.isoformat()})
    return [
        "2026-11-25 10:00:00,001 INFO app.sync pull finished in 120 ms (42 resources)",
        f"2026-11-25 10:00:01,002 WARNING app.ui opened chart patient={g1} {s1} reason=care",
        f"2026-11-25 10:00:02,003 ERROR httpx 409 Conflict body={fhir}",
        f"2026-11-25 10:00:03,004 INFO app.store search nam {NAMS[0]} birthdate={b1}",
        f"2026-11-25 10:00:04,005 DEBUG app.ramq lookup '{spaced}' name='{g3} {s3}'",
        f"2026-11-25 10:00:05,006 DEBUG httpx Authorization: Bearer {SECRETS[2]}",
        "2026-11-25 10:00:06,007 INFO app.devices key inserted in reader 'Test VPCD 00 00'",
        *(f'2026-11-25 10:00:07,008 INFO httpx HTTP Request: GET https://emr.test/fhir/Patient?'
          f'{by_nam.replace("{n}", n)}&_count=50 "HTTP/1.1 200 OK"' for n in NAMS),
        f'2026-11-25 10:00:08,009 INFO httpx HTTP Request: GET https://emr.test/fhir/Patient?'
        f'{by_name}&_count=50 "HTTP/1.1 200 OK"',
        f"2026-11-25 10:00:09,010 DEBUG app.sync body {escaped}",
        f"2026-11-25 10:00:10,011 DEBUG app.ramq lookup {NAMS[0][:4]}+{NAMS[0][4:8]}+"
        f"{NAMS[0][8:]} and {NAMS[1][:4]}%20{NAMS[1][4:8]}%20{NAMS[1][8:]}",
    ]


def canary() -> Canary:
    """Every value of PATIENTS, scanned for in every form (tests.privacy_scan)."""
    patients = [{"identifier": [{"system": "https://www.ramq.gouv.qc.ca/nam", "value": n}],
                 "name": [{"family": s, "given": [g]}], "birthDate": b.isoformat(),
                 "telecom": [{"system": "phone", "value": PHONE}]}
                for (s, g, b, _), n in zip(PATIENTS, NAMS, strict=True)]
    return Canary.from_patients(patients, extra=SECRETS)


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
    found, entries = canary().scan_zip(out)
    assert entries >= 8 and len(canary().values) == 19
    assert found == [], f"{len(found)} patient values or secrets left in the bundle:\n" + \
        "\n".join(found)
    assert summary["logs"] >= 2 and summary["redactions"]["logging_filter"] >= 2


def test_the_scan_finds_what_the_bundle_would_leak(workstation):
    """The check above can fail: the raw logs hold every value, in one form or another."""
    raw = (workstation / "logs" / "clinicdesk.log").read_bytes()
    found = {int(hit.split("#")[1].split()[0]) for hit in canary().hits("raw", raw)}
    missed = [v for i, (_kind, v) in enumerate(canary().values) if i not in found]
    assert missed == ["Jean-Marc Bouchard", *SECRETS[:2]]  # never written whole; the settings'


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
