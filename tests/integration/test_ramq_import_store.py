"""The import and the RAMQ tables straight on the storage back-ends (SQLite and PostgreSQL), and
the nightly scheduler firing in a server-like object."""

from __future__ import annotations

import threading
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from app.core import registration
from app.core.account_request import RequestRecord, Status
from app.core.ramq import ImportConfig, ImportState
from server import ramq
from server.identity.store import IdentityStore
from server.ramq.db import RamqDb
from server.ramq.importer import advance_requests, run_import
from server.ramq.source import RamqSource
from server.seed import load
from server.seed.generate import patient_id
from server.storage import open_store
from tests.fixtures.ramq import good_config, good_request
from tests.fixtures.server import BACKENDS

N = 40


@pytest.fixture(params=BACKENDS)
def seeded(request, tmp_path):
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("postgres").new_database(f"ramq_{tmp_path.name[-20:]}")
    store = open_store(tmp_path, url)
    load.load_staff(store)
    load.load_patients(store, N, 4)
    yield store, tmp_path
    store.close()


ANALYZED = {"sqlite": "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1' AND "
                      "EXISTS (SELECT 1 FROM sqlite_stat1 WHERE tbl = 'resource_current')",
            "postgres": "SELECT count(*) FROM pg_class WHERE relname = 'resource_current' "
                        "AND reltuples > 0"}


def _analyzed(store) -> bool:
    """Has the planner statistics of resource_current (ANALYZE)?"""
    with store.read() as tx:
        try:
            return tx.conn.execute(ANALYZED[store.backend]).fetchone()[0] > 0
        except Exception:  # SQLite: no sqlite_stat1 table before the first ANALYZE
            return False


def test_import_updates_registrations_and_keeps_them_on_failure(seeded):
    store, data = seeded
    db = RamqDb(store, data)
    db.put_config("gmf-plateau", ImportConfig.from_json(good_config(fmg_reference="1999")), "t")
    assert not _analyzed(store)
    status = run_import(store, db, RamqSource(data), "gmf-plateau", date(2026, 11, 25))
    assert status.state == ImportState.OK and status.updated == status.imported > 0
    assert _analyzed(store)  # a night's rewrite of the Patients: the planner told at once
    with store.read() as tx:
        patients = [tx.read("Patient", patient_id(i, 4)).resource() for i in range(N)]
    fmgs = {r.fmg for p in patients for r in registration.registrations_of(p) if r.active}
    assert fmgs == {"1999"}
    again = run_import(store, db, RamqSource(data), "gmf-plateau", date(2026, 11, 25))
    assert again.updated == 0  # the same night twice: nothing changes
    db.put_config("gmf-plateau", ImportConfig.from_json(good_config(
        fmg_reference="1999", aip1_password="x", aip2_password="y")), "t")
    stopped = run_import(store, db, RamqSource(data), "gmf-plateau", date(2026, 11, 26))
    assert stopped.state == ImportState.CREDENTIALS_INVALID and stopped.credential == "aip1+aip2"
    with store.read() as tx:
        assert [tx.read("Patient", patient_id(i, 4)).resource()["extension"] for i in range(N)
                if "extension" in patients[i]] == [p["extension"] for p in patients
                                                   if "extension" in p]


def test_passwords_are_encrypted_at_rest(seeded):
    store, data = seeded
    db = RamqDb(store, data)
    db.put_config("gmf-plateau", ImportConfig.from_json(good_config()), "t")
    with store.read() as tx:
        raw = tx.conn.execute("SELECT config FROM ramq_config").fetchone()[0]
    assert "demo-aip-1" not in raw and "demo-ce-1" not in raw
    assert db.config("gmf-plateau").aip1_password == "demo-aip-1"
    assert db.aip_codes_elsewhere("other") == {"AIPCD01", "AIPCD02"}


def test_requests_advance_to_welcome_sent_and_accounts_are_not_duplicated(seeded):
    store, data = seeded
    db = RamqDb(store, data)
    identity = IdentityStore(store)
    before = set(identity.usernames())
    request = good_request(email="a@example.ca")
    db.put_request(RequestRecord("r1", Status.SUBMITTED, "2026-11-25T10:00:00+00:00",
                                 "2026-11-30", request=request), "1000010", "a@example.ca")
    assert advance_requests(db) == 1 and db.requests("1000010")[0].status == Status.IN_PROGRESS
    assert advance_requests(db) == 1
    done = db.requests("1000010")[0]
    assert done.status == Status.WELCOME_SENT and done.welcome_sent
    assert set(identity.usernames()) - before == {done.username}
    profile = identity.account(done.username)[0]
    reference = identity.account("1000005")[0]
    assert profile.mandates == reference.mandates and profile.mandates
    assert [i.id for i in profile.institutions] == ["gmf-plateau"]
    assert profile.profession.value == "nurse" and len(done.username) == 7
    assert advance_requests(db) == 0
    again = {**request, "had_account": True, "last_name": "Bolduc-Roy"}
    db.put_request(RequestRecord("r1", Status.SUBMITTED, "2026-11-26T10:00:00+00:00",
                                 "2026-12-01", updates_existing=True, request=again,
                                 username=done.username), "1000010", "a@example.ca")
    advance_requests(db)
    advance_requests(db)
    assert set(identity.usernames()) - before == {done.username}  # updated, not duplicated
    assert identity.account(done.username)[0].display_name == "Annie Bolduc-Roy"


def test_nightly_scheduler_runs_the_import(tmp_path, monkeypatch):
    store = open_store(tmp_path)
    load.load_staff(store)
    load.load_patients(store, 10, 4)
    app = SimpleNamespace(state=SimpleNamespace(
        store=store, settings=SimpleNamespace(data_dir=tmp_path, ramq_import_hour=2)))
    svc = ramq.services(app)
    svc.db.put_config("gmf-plateau", ImportConfig.from_json(good_config()), "t")
    fired = threading.Event()
    waits = iter([0.0])

    def until(hour: int, now: datetime) -> float:
        assert hour == 2
        try:
            return next(waits)
        except StopIteration:
            fired.set()
            return 3600.0
    monkeypatch.setattr(ramq, "seconds_until", until)
    ramq.start(app)
    try:
        assert fired.wait(30)
        ramq.stop(app)
        assert svc.db.status("gmf-plateau").state == ImportState.OK
    finally:
        ramq.stop(app)
        store.close()


def test_seconds_until_the_hour():
    assert ramq.seconds_until(2, datetime(2026, 11, 25, 1, 30)) == 1800
    assert ramq.seconds_until(2, datetime(2026, 11, 25, 2, 0)) == 86400



@pytest.mark.parametrize("backend", BACKENDS)
def test_the_nightly_import_runs_once_among_processes_sharing_the_database(
        backend, tmp_path, monkeypatch, request):
    """Three schedulers, each on its own store (its own connections) of one database, as three
    server processes are: all wake at the hour, exactly one runs the import."""
    url = request.getfixturevalue("postgres").new_database("ramq_once") \
        if backend == "postgres" else None
    stores = [open_store(tmp_path, url) for _ in range(3)]
    apps = [SimpleNamespace(state=SimpleNamespace(store=s, settings=SimpleNamespace(
        data_dir=tmp_path, ramq_import_hour=2))) for s in stores]
    ran, lock, woken = [], threading.Lock(), threading.local()
    asleep = threading.Semaphore(0)  # released by each scheduler going back to sleep

    def until(hour: int, now: datetime) -> float:
        first = not getattr(woken, "once", False)
        woken.once = True
        if not first:
            asleep.release()
        return 0.0 if first else 3600.0

    def import_all(store, svc):
        with lock:
            ran.append(store)
    monkeypatch.setattr(ramq, "import_all", import_all)
    monkeypatch.setattr(ramq, "seconds_until", until)
    try:
        for app in apps:
            ramq.start(app)
        for _ in apps:
            assert asleep.acquire(timeout=30)
        assert len(ran) == 1
        db = ramq.services(apps[1]).db
        assert not db.claim_night(datetime.now().date().isoformat(), "again")
        assert db.claim_night("2099-01-01", "another night")
    finally:
        for app in apps:
            ramq.stop(app)
        for s in stores:
            s.close()
