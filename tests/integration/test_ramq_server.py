"""The RAMQ routes on the real server (SQLite, auth on): import with good, failing-first and
expired credentials, a CE owner who left, the configuration's rules, look-ups by role, account
requests and their status, and the `ramq-import` command."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from app.core import fhir_systems, registration
from tests.fixtures.identity import bearer, sign_in
from tests.fixtures.ramq import good_config, good_request, registry, reset_registry

ADMIN, RECEPTION, SUPPORT, PHYSICIAN = "1000010", "1000009", "1000011", "1000001"


def _call(base: str, who: str, method: str, path: str, body: dict | None = None
          ) -> httpx.Response:
    return httpx.request(method, f"{base}/api/ramq/{path}", json=body, timeout=30,
                         headers=bearer(sign_in(base, who)))


def _nam(chart: list[dict]) -> str:
    return next(i["value"] for i in chart[0]["identifier"] if i["system"] == fhir_systems.NAM)


def _registered(charts: list[list[dict]]) -> list[dict]:
    return [c[0] for c in charts if registration.registrations_of(c[0])]


@pytest.fixture
def configured(ramq_server):
    reset_registry(ramq_server.data_dir)
    put = _call(ramq_server.base, ADMIN, "PUT", "config", good_config())
    assert put.status_code == 200, put.text
    yield ramq_server
    reset_registry(ramq_server.data_dir)


def test_good_credentials_import_and_no_password_comes_back(configured):
    done = _call(configured.base, ADMIN, "POST", "import")
    assert done.status_code == 200
    assert done.json()["state"] == "ok"
    assert done.json()["imported"] >= len(_registered(configured.charts)) * 0.8
    got = _call(configured.base, ADMIN, "GET", "config")
    assert got.json()["status"]["state"] == "ok" and got.json()["status"]["at"]
    text = got.text
    for secret in ("demo-aip-1", "demo-aip-2", "demo-ce-1", "password"):
        assert secret not in text
    assert got.json()["config"]["aip1_code"] == "AIPCD01"


def test_blank_passwords_keep_the_stored_ones(configured):
    again = good_config(aip1_password="", aip2_password="", ce_password="")
    assert _call(configured.base, ADMIN, "PUT", "config", again).status_code == 200
    assert _call(configured.base, ADMIN, "POST", "import").json()["state"] == "ok"


def test_first_aip_failing_uses_the_second(configured):
    registry(configured.data_dir, lambda r: r["aip"]["AIPCD01"].update(password="changed"))
    done = _call(configured.base, ADMIN, "POST", "import").json()
    assert done["state"] == "ok-second-aip" and done["credential"] == "aip1"


def test_expired_codes_stop_and_keep_what_was_imported(configured):
    assert _call(configured.base, ADMIN, "POST", "import").json()["state"] == "ok"
    patient = _registered(configured.charts)[0]

    def expire(r: dict) -> None:
        for code in ("AIPCD01", "AIPCD02"):
            r["aip"][code]["expires"] = "2020-01-01"
    registry(configured.data_dir, expire)
    first = _call(configured.base, ADMIN, "POST", "import").json()
    assert first["state"] == "credentials-expired"
    assert first["credential"] == "aip1+aip2" and first["since"]
    second = _call(configured.base, ADMIN, "POST", "import").json()
    assert second["since"] == first["since"]  # "since when": the first failure
    assert second["imported"] == first["imported"] > 0
    found = _call(configured.base, RECEPTION, "POST", "family-physician",
                  {"nam": _nam([patient])}).json()
    assert found["registered"] is True  # nothing imported was deleted


def test_invalid_ce_and_owner_who_left(configured):
    registry(configured.data_dir, lambda r: r["ce"]["CEGMF01"].update(password="other"))
    done = _call(configured.base, ADMIN, "POST", "import").json()
    assert (done["state"], done["credential"]) == ("credentials-invalid", "ce")
    registry(configured.data_dir, lambda r: r["ce"]["CEGMF01"].update(owner_active=False))
    done = _call(configured.base, ADMIN, "POST", "import").json()
    assert (done["state"], done["credential"]) == ("ce-owner-left", "ce")


@pytest.mark.parametrize(("change", "field"), [
    ({"aip1_code": "AIPFACT1"}, "aip1_code"),  # held by another system (billing)
    ({"place_of_follow_up": "74321"}, "place_of_follow_up"),
    ({"fmg_reference": "2234"}, "fmg_reference"),
    ({"import_type": "both"}, "import_type"),
    ({"ce_identifier": "XX123"}, "ce_identifier"),
])
def test_configuration_refused(ramq_server, change, field):
    answer = _call(ramq_server.base, ADMIN, "PUT", "config", good_config(**change))
    assert answer.status_code == 422
    assert field in answer.json()["problems"]


@pytest.mark.parametrize("who", [RECEPTION, PHYSICIAN, SUPPORT])
def test_administrator_forms_refused_to_others(ramq_server, who):
    for method, path, body in (("GET", "config", None), ("PUT", "config", good_config()),
                               ("POST", "import", None),
                               ("POST", "account-requests", good_request())):
        assert _call(ramq_server.base, who, method, path, body).status_code == 403


def test_lookups_for_the_front_desk(configured):
    _call(configured.base, ADMIN, "POST", "import")
    registered = _registered(configured.charts)[1]
    other = next(c[0] for c in configured.charts if not registration.registrations_of(c[0]))
    found = _call(configured.base, RECEPTION, "POST", "family-physician",
                  {"nam": _nam([registered]).lower()})
    assert found.status_code == 200
    body = found.json()
    assert body["registered"] and body["physician"] and body["since"] and body["as_of"]
    assert body["place_of_follow_up"] == "54321" and body["fmg"] == "1234"
    assert "GMF" in body["group"]
    assert not _call(configured.base, RECEPTION, "POST", "family-physician",
                     {"nam": _nam([other])}).json()["registered"]
    eligible = _call(configured.base, RECEPTION, "POST", "eligibility",
                     {"nam": _nam([registered])}).json()
    assert set(eligible) == {"insured", "until", "as_of"}
    assert _call(configured.base, SUPPORT, "POST", "eligibility",
                 {"nam": _nam([registered])}).status_code == 403
    assert _call(configured.base, RECEPTION, "POST", "eligibility",
                 {"nam": "ABCD12345678"}).status_code == 422
    _wait_for_audit(configured.base, registered["id"])


def _wait_for_audit(base: str, patient_id: str) -> None:
    headers = {**bearer(sign_in(base, ADMIN)), "Accept": "application/fhir+json"}
    for _ in range(50):
        page = httpx.get(f"{base}/fhir/AuditEvent", params={"_count": 1000}, headers=headers,
                         timeout=30).json()
        details = [d.get("valueString", "") for e in page.get("entry", ())
                   for ent in e["resource"].get("entity", ())
                   if ent.get("what", {}).get("reference") == f"Patient/{patient_id}"
                   for d in ent.get("detail", ())]
        if any("ramq-family-physician" in d for d in details) and any(
                "ramq-eligibility" in d for d in details):
            return
        time.sleep(0.1)
    pytest.fail("the look-ups were not recorded as AuditEvents")


def test_account_requests_status_and_no_duplicates(ramq_server):
    base = ramq_server.base
    email = f"annie.{time.monotonic_ns()}@example.ca"
    first = _call(base, ADMIN, "POST", "account-requests", good_request(email=email))
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "submitted" and first.json()["due"]
    other = _call(base, ADMIN, "POST", "account-requests",
                  good_request(email=email, first_name="Paul"))
    assert other.status_code == 422 and "email" in other.json()["problems"]
    again = _call(base, ADMIN, "POST", "account-requests",
                  good_request(email=email, had_account=True))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    shared = _call(base, ADMIN, "POST", "account-requests", good_request(email="info@gmf.ca"))
    assert "email" in shared.json()["problems"]
    mine = _call(base, ADMIN, "GET", "account-requests").json()["requests"]
    assert [r["id"] for r in mine].count(first.json()["id"]) == 1
    result = subprocess.run([sys.executable, "-m", "server.cli", "ramq-import", "--data",
                             str(ramq_server.data_dir)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode in (0, 1), result.stderr
    mine = _call(base, ADMIN, "GET", "account-requests").json()["requests"]
    assert next(r for r in mine if r["id"] == first.json()["id"])["status"] == "in-progress"
