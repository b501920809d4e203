"""The load benchmark's region (bench.region.population): a clinician per workstation, each with
their own patients, signed in by tokens the bench issues through the server's token store, and
accounts that no password opens. Against the real server over loopback HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.core import registration
from bench import region as bench_region
from server.seed import generate, staff

CLINICIANS, PATIENTS, SEED = 4, 40, 19


@pytest.fixture(scope="module")
def region():
    clinicians = staff.clinicians(CLINICIANS, SEED)
    charts = list(generate.patients(PATIENTS, SEED, id_prefix="region", physicians=clinicians))
    return clinicians, charts


def test_every_patient_is_registered_with_one_clinician_in_turn(region):
    clinicians, charts = region
    assert len({c.username for c in clinicians}) == CLINICIANS
    assert not {c.username for c in clinicians} & {a.profile.username for a in staff.ACCOUNTS}
    for index, chart in enumerate(charts):
        own = clinicians[index % CLINICIANS].reference
        (reg,) = registration.registrations_of(chart[0])
        assert reg.physician == own and chart[0]["generalPractitioner"][0]["reference"] == own
        # the chart's clinical authors are its own physician (no demo account)
        authors = {a["reference"] for r in chart for a in r.get("author") or ()}
        assert authors <= {own}
    # the one-in-100 Consent's "other physician" is the next clinician, not a demo account
    (chart,) = generate.patients(1, SEED, start=57, id_prefix="region", physicians=clinicians)
    text = str([r for r in chart if r["resourceType"] == "Consent"])
    assert clinicians[58 % CLINICIANS].reference in text and "user-100000" not in text


@pytest.fixture(scope="module")
def seeded(region, server_factory):
    clinicians, charts = region
    tokens: dict[str, str] = {}

    def setup(data_dir: Path, url: str | None) -> None:
        tokens.update(bench_region.seed(data_dir, url, charts, clinicians,
                                       [c.username for c in clinicians]))
    base = server_factory("sqlite", auth=True, setup=setup, key="bench-population")
    return base, tokens, bench_region.readable(charts)


def test_each_workstation_signs_in_as_its_clinician_whose_round_holds_their_patients(seeded):
    base, tokens, mine = seeded
    assert sorted(mine) == sorted(tokens)
    for username, token in tokens.items():
        with httpx.Client(base_url=f"{base}/fhir/", timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as fhir:
            assert fhir.get(f"{base}/api/me").json()["username"] == username
            for pid, _ in mine[username]:
                assert fhir.get(f"Patient/{pid}/$everything").status_code == 200
            since = "2000-01-01T00:00:00Z"
            page = fhir.get("_history", params={"_since": since, "_count": "1000"}).json()
            patients = {e["resource"]["id"] for e in page.get("entry", [])
                        if e.get("resource", {}).get("resourceType") == "Patient"}
            readable = {pid for pid, _ in mine[username]}
            assert readable <= patients and not patients - readable - _restricted(seeded,
                                                                                  username)


def _restricted(seeded, username: str) -> set[str]:
    """The clinician's own patients with a Consent restriction (left out of `mine`)."""
    return {c[0]["id"] for c in generate.patients(PATIENTS, SEED, id_prefix="region",
                                                  physicians=staff.clinicians(CLINICIANS, SEED))
            if c[0]["generalPractitioner"][0]["reference"].endswith(username)}


def test_no_password_opens_a_bench_clinicians_account(seeded):
    base, tokens, _ = seeded
    for username in tokens:
        for password in ("", "none", bench_region.load.NO_PASSWORD):
            reply = httpx.post(f"{base}/oauth/token", timeout=30, data={
                "grant_type": "password", "username": username, "password": password})
            assert reply.status_code in (400, 401), (username, reply.status_code)
            assert reply.json()["error"] == "invalid_grant"
