"""Rows the server withheld from a physician a Consent denies come back once the deny stops
applying to them: withdrawn (made inactive, or deleted) on the server, or its period over — a
change no incremental pull brings. Real reference server (auth on), real SQLCipher store.

The patient is created for each test as in test_access_consent_actor: RELATIVE holds a mandate,
so only the Consent stops them. The server judges periods on its own day (the clock of this
machine); the workstation's day is passed to SyncEngine (`today`).
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from app.central.client import ClientConfig, FhirClient
from app.core import fhir_systems, nam
from app.core.consent import consent_resource
from app.core.data_class import DataClass
from app.core.profiles import Profession, practitioner_reference
from app.store import Store, keys
from app.sync.engine import SyncEngine
from app.sync.pull import OVERLAP
from app.sync.store_cache import StoreCache
from tests import access_matrix as m
from tests.fixtures.access import (
    CONSENT_REASON,
    MATRIX_PASSWORD,
    class_resource,
    patient_resource,
)
from tests.fixtures.server import FHIR_JSON
from tests.fixtures.store import FAST_KDF

DOCTOR = m.username(Profession.PHYSICIAN, "own")
RELATIVE = m.username(Profession.PHYSICIAN, "mandate")
FRONT_DESK = m.username(Profession.RECEPTIONIST, "own")
WITHHELD = {"Condition", "Encounter"}
PRCP = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "PRCP"}]}


@pytest.fixture
def server(matrix_server, matrix_tokens):
    def as_(user: str) -> dict:
        return {"Authorization": f"Bearer {matrix_tokens[user]}"}
    with httpx.Client(base_url=f"{matrix_server}/fhir/", timeout=30,
                      headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}) as http:
        yield http, as_


def seed(server, given: str, period: dict | None = None) -> tuple[str, dict]:
    """A patient with a Condition and an Encounter, and a Consent denying RELATIVE
    (over `period`): (patient id, the Consent as stored)."""
    http, as_ = server
    patient = patient_resource("new") | {"name": [{"family": "Levée", "given": [given]}]}
    patient["identifier"] = [{"system": fhir_systems.NAM,
                              "value": nam.build("Levee", given, date(1972, 3, 4), "F", "1")}]
    del patient["id"]
    made = http.post("Patient", json=patient, headers=as_(FRONT_DESK))
    assert made.status_code == 201, made.status_code
    pid = made.json()["id"]
    for data_class in (DataClass.PROBLEMS, DataClass.NOTES):
        assert http.post(MATRIX_TYPE[data_class], json=class_resource(data_class, pid),
                         headers=as_(DOCTOR)).status_code == 201
    deny = {"type": "deny", "actor": [{"role": PRCP, "reference": {
        "reference": practitioner_reference(RELATIVE)}}]}
    if period:
        deny["period"] = period
    consent = http.post("Consent", json=consent_resource(f"Patient/{pid}", deny),
                        headers=as_(DOCTOR) | CONSENT_REASON)
    assert consent.status_code == 201, consent.status_code
    return pid, consent.json()


MATRIX_TYPE = {DataClass.PROBLEMS: "Condition", DataClass.NOTES: "Encounter"}


class Workstation:
    """RELATIVE's workstation: its store, client and sync service on the day `self.day`."""

    def __init__(self, base: str, path: Path, day: date | None = None):
        self.day = day or date.today()
        self.store = Store.create(RELATIVE, MATRIX_PASSWORD, path=path, kdf=FAST_KDF)
        self.client = FhirClient(ClientConfig(server_url=base, username=RELATIVE))
        self.client.sign_in(MATRIX_PASSWORD)
        self.sync = SyncEngine(self.client, StoreCache(self.store), today=lambda: self.day)

    def types(self, pid: str) -> set[str]:
        return {r["resourceType"] for r in self.store._list_resources(pid)}

    def quiet_round(self):
        """A round when nothing changed: after one that starts past the overlap of the
        server's last change (a round re-reads its cursor's last OVERLAP seconds)."""
        time.sleep(OVERLAP + 0.5)
        assert self.sync.sync().refetched == 0
        return self.sync.sync()

    def close(self) -> None:
        self.client.close()
        self.store.close()
        keys.delete_keyring_entries(self.store.key_file)


@pytest.fixture
def workstation(matrix_server, tmp_path):
    made: list[Workstation] = []

    def make(day: date | None = None) -> Workstation:
        made.append(Workstation(matrix_server, tmp_path / f"ws{len(made)}.db", day))
        return made[-1]
    yield make
    for ws in made:
        ws.close()


def test_a_withdrawn_deny_brings_the_withheld_rows_at_the_next_round(server, workstation):
    http, as_ = server
    inactive, inactive_consent = seed(server, "Inès")
    deleted, deleted_consent = seed(server, "Delphine")
    ws = workstation()
    ws.sync.open_charts([inactive, deleted])
    for pid in (inactive, deleted):
        assert "Consent" in ws.types(pid) and not ws.types(pid) & WITHHELD  # the server's deny
    report = ws.quiet_round()
    assert (report.requests, report.refetched) == (1, 0)  # nothing due: one request, as before

    def match(consent: dict) -> dict:
        return as_(DOCTOR) | CONSENT_REASON | {
            "If-Match": f'W/"{consent["meta"]["versionId"]}"'}
    withdrawn = {**inactive_consent, "status": "inactive"}
    assert http.put(f"Consent/{inactive_consent['id']}", json=withdrawn,
                    headers=match(inactive_consent)).status_code == 200
    assert http.delete(f"Consent/{deleted_consent['id']}",
                       headers=match(deleted_consent)).status_code in (200, 204)
    report = ws.sync.sync()
    assert report.refetched == 2
    for pid in (inactive, deleted):
        assert ws.types(pid) >= WITHHELD, pid
    assert ws.store.chart_access([inactive, deleted]) == {}  # nothing withheld any more
    assert ws.quiet_round().requests == 1


def test_a_deny_whose_period_ended_refetches_the_chart_on_the_next_day(server, workstation):
    """The deny ended yesterday on the server's day, so the server sends everything now: the
    rows it withheld while the deny ran are removed from the cache after the fetch (the
    workstation fetched on a day the deny applied, the day before yesterday)."""
    yesterday = date.today() - timedelta(days=1)
    pid, _ = seed(server, "Perrine", {"start": (yesterday - timedelta(days=30)).isoformat(),
                                     "end": yesterday.isoformat()})
    ws = workstation(day=yesterday - timedelta(days=1))
    ws.sync.open_chart(pid)
    for row in ws.store._list_resources(pid):
        if row["resourceType"] in WITHHELD:
            ws.store.delete_resource(row["resourceType"], row["id"])
    assert not ws.types(pid) & WITHHELD
    [(withheld, _, due)] = ws.store.chart_access([pid]).values()
    assert due == date.today().isoformat() and "problems" in withheld.split(",")

    assert ws.quiet_round().refetched == 0  # still the day before yesterday: nothing due
    ws.day = yesterday  # the deny's last day: still applies
    assert ws.sync.sync().refetched == 0
    ws.day = date.today()
    report = ws.sync.sync()
    assert (report.pulled, report.refetched, report.requests) == (0, 1, 2)  # no change pulled
    assert ws.types(pid) >= WITHHELD
    assert ws.store.chart_access([pid]) == {}
    assert ws.sync.sync().requests == 1


def test_an_evicted_chart_keeps_no_access_record(tmp_path):
    from app.store import OutboxChange
    from app.sync.cache import ChartAccess
    store = Store.create("1000009", "pw", path=tmp_path / "e.db", kdf=FAST_KDF)
    try:
        cache = StoreCache(store)
        charts = {pid: [{"resourceType": "Patient", "id": pid},
                        {"resourceType": "Condition", "id": f"c-{pid}",
                         "subject": {"reference": f"Patient/{pid}"}}] for pid in ("a", "b")}
        due = ChartAccess(frozenset({DataClass.PROBLEMS}), date.today(), date.today())
        cache.apply_page(charts["a"] + charts["b"], [], {}, {"a": due, "b": due})
        assert set(cache.chart_access(["a", "b"])) == {"a", "b"}
        assert cache.access_due(date.today()) == ["a", "b"]
        store.enqueue([OutboxChange("Condition", "c-b", "update", charts["b"][1], "1", "b")])
        cache.evict("a")  # purged
        cache.evict("b")  # its queued change stays, its rows and record go
        assert cache.chart_access(["a", "b"]) == {} and cache.access_due(date.today()) == []
    finally:
        store.close()
        keys.delete_keyring_entries(store.key_file)
