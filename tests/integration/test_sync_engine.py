"""Sync against the real reference server on loopback (auth on, seeded): charts, rounds,
deletions, eviction, two workstations in conflict, offline then back. No HTTP mocking."""

import threading

import pytest

from app.central.errors import Kind, SyncError
from app.central.retry import State
from app.sync.conflicts import Choice, open_conflicts, resolve
from app.sync.pull import HISTORY
from tests.fixtures.sync import (
    copies_on_server,
    delete_on_server,
    edit,
    server_client,
    sync_pid,
    write_note,
)

P1, P2 = sync_pid(0), sync_pid(1)


@pytest.fixture
def fhir(sync_server):
    with server_client(sync_server.base) as client:
        yield client


def test_a_chart_opens_and_a_note_reaches_the_server_once(sync_server, workstation_factory,
                                                           fhir):
    ws = workstation_factory(sync_server.base).sign_in()
    progress = []
    count = ws.sync.open_chart(P1, progress=lambda done, total: progress.append(done))
    assert count > 5 and progress[-1] == count
    assert ws.store.get_cursor(HISTORY)
    uuid = write_note(ws.store, P1)
    report = ws.sync.sync()
    assert report.pushed.sent == 1 and ws.store.outbox_batch() == []
    assert copies_on_server(fhir, uuid) == 1
    notes = ws.store._list_resources(P1, "DocumentReference")
    assert not any(n["id"].startswith("local-") for n in notes)  # renamed to the server's id


def test_a_round_brings_changes_and_deletions_and_nothing_else(sync_server, workstation_factory,
                                                              fhir):
    ws = workstation_factory(sync_server.base).sign_in()
    ws.sync.open_chart(P1)
    ws.sync.sync()
    obs = next(r for r in ws.store._list_resources(P1) if r["resourceType"] == "Observation")
    cond = next(r for r in ws.store._list_resources(P1) if r["resourceType"] == "Condition")
    other = fhir.get("Condition", params={"patient": P2}).json()["entry"][0]["resource"]
    # the server changes one, deletes another, and changes a chart this workstation lacks
    changed = {**cond, "note": [{"text": "revu"}]}
    ok = fhir.put(f"Condition/{cond['id']}", json=changed,
                  headers={"If-Match": f'W/"{cond["meta"]["versionId"]}"'})
    assert ok.status_code == 200
    gone = fhir.delete(f"Observation/{obs['id']}",
                       headers={"If-Match": f'W/"{obs["meta"]["versionId"]}"'})
    assert gone.status_code in (200, 204)
    fhir.put(f"Condition/{other['id']}", json={**other, "note": [{"text": "x"}]},
             headers={"If-Match": f'W/"{other["meta"]["versionId"]}"'})
    report = ws.sync.sync()
    assert report.requests <= 3
    assert ws.store.get_resource("Condition", cond["id"])["note"] == [{"text": "revu"}]
    assert ws.store.get_resource("Observation", obs["id"]) is None
    assert ws.store.get_resource("Condition", other["id"]) is None
    assert ws.store.cached_patient_ids() == [P1]


def test_two_workstations_one_wins_the_other_resolves(sync_server, workstation_factory, fhir):
    a = workstation_factory(sync_server.base, "a").sign_in()
    b = workstation_factory(sync_server.base, "b").sign_in()
    a.sync.open_chart(P2)
    b.sync.open_chart(P2)
    cond = next(r for r in a.store._list_resources(P2) if r["resourceType"] == "Condition")
    edit(a.store, cond, note=[{"text": "version A"}])
    edit(b.store, b.store.get_resource("Condition", cond["id"]), note=[{"text": "version B"}])
    assert a.sync.sync().pushed.sent == 1
    report = b.sync.sync()
    assert report.pushed.conflicts == 1 and report.pushed.sent == 0
    server_now = fhir.get(f"Condition/{cond['id']}").json()
    assert server_now["note"] == [{"text": "version A"}]  # no silent overwrite
    [conflict] = open_conflicts(b.cache)
    assert conflict["local"]["note"] == [{"text": "version B"}]
    assert conflict["server"]["note"] == [{"text": "version A"}]
    resolve(b.cache, conflict["id"], Choice.LOCAL)
    assert b.sync.sync().pushed.sent == 1 and open_conflicts(b.cache) == []
    assert fhir.get(f"Condition/{cond['id']}").json()["note"] == [{"text": "version B"}]
    a.sync.sync()
    assert a.store.get_resource("Condition", cond["id"])["note"] == [{"text": "version B"}]


def test_keeping_the_server_version_replaces_the_local_one(sync_server, workstation_factory,
                                                           fhir):
    a = workstation_factory(sync_server.base, "a").sign_in()
    b = workstation_factory(sync_server.base, "b").sign_in()
    for ws in (a, b):
        ws.sync.open_chart(P2)
    allergy = next(r for r in a.store._list_resources(P2)
                   if r["resourceType"] in ("AllergyIntolerance", "Condition"))
    rtype, rid = allergy["resourceType"], allergy["id"]
    edit(a.store, allergy, note=[{"text": "A"}])
    edit(b.store, b.store.get_resource(rtype, rid), note=[{"text": "B"}])
    a.sync.sync()
    b.sync.sync()
    [conflict] = open_conflicts(b.cache)
    resolve(b.cache, conflict["id"], Choice.SERVER)
    assert b.store.get_resource(rtype, rid)["note"] == [{"text": "A"}]
    assert b.sync.sync().pushed.sent == 0 and open_conflicts(b.cache) == []


def test_offline_notes_arrive_when_the_server_is_back(sync_server, workstation_factory, fhir):
    ws = workstation_factory(sync_server.base, attempts=2).sign_in()
    ws.sync.open_chart(P1)
    states = []
    ws.sync.connectivity.changed.connect(states.append)
    sync_server.stop()
    try:
        uuids = [write_note(ws.store, P1, f"hors ligne {i}") for i in range(3)]
        for _ in range(3):  # each round fails fast once the circuit is open
            with pytest.raises(SyncError) as caught:
                ws.sync.sync()
            assert caught.value.kind in (Kind.NETWORK, Kind.OFFLINE)
        assert states == [State.OFFLINE] and not ws.sync.online
        assert len(ws.store.outbox_batch()) == 3  # the writes queued, the cache has them
        assert len([n for n in ws.store._list_resources(P1, "DocumentReference")
                    if n["id"].startswith("local-")]) == 3
    finally:
        sync_server.start()
    report = ws.sync.run_until_synced(timeout=30)
    assert report.pushed.sent == 3 and states == [State.OFFLINE, State.ONLINE]
    fhir.close()
    with server_client(sync_server.base) as again:
        assert [copies_on_server(again, u) for u in uuids] == [1, 1, 1]


def test_a_chart_the_server_no_longer_shows_is_evicted(sync_server, workstation_factory, fhir):
    ws = workstation_factory(sync_server.base).sign_in()
    pid = sync_pid(5)
    ws.sync.open_chart(pid)
    assert fhir.delete(f"Patient/{pid}").status_code == 403  # never a user's to delete
    delete_on_server(sync_server, "Patient", pid)
    ws.sync.sync()
    assert pid not in ws.store.cached_patient_ids()
    assert ws.store._list_resources(pid) == []
    with pytest.raises(SyncError) as caught:
        ws.sync.open_chart(pid)
    assert caught.value.kind is Kind.GONE


def test_a_long_pull_can_be_cancelled(sync_server, workstation_factory):
    ws = workstation_factory(sync_server.base, page_size=2).sign_in()
    cancel = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done >= 4:
            cancel.set()
    from app.core.errors import Cancelled
    with pytest.raises(Cancelled):
        ws.sync.open_chart(P1, cancel=cancel, progress=progress)
    assert seen[:2] == [2, 4]


def test_many_charts_open_in_parallel_like_one_by_one(sync_server, workstation_factory):
    one = workstation_factory(sync_server.base, "one").sign_in()
    many = workstation_factory(sync_server.base, "many").sign_in()
    ids = [sync_pid(i) for i in range(12) if i not in (5, 7)]  # the eviction tests delete them
    expected = {pid: one.sync.open_chart(pid) for pid in ids}
    steps = []
    got = many.sync.open_charts([*ids, sync_pid(5)], progress=lambda d, t: steps.append((d, t)))
    assert got == expected  # the gone chart is left out, not an error for the others
    assert steps[-1][1] == 11 and len(steps) == 10
    for pid in ids:
        assert sorted(r["id"] for r in many.store._list_resources(pid)) == \
               sorted(r["id"] for r in one.store._list_resources(pid))
        assert many.store.get_cursor(f"chart:{pid}")
    assert many.store.get_cursor(HISTORY) <= min(many.store.get_cursor(f"chart:{p}") for p in ids)


def test_access_log_entries_reach_the_server_as_audit_events(sync_server, workstation_factory,
                                                            fhir):
    from app.core.data_class import DataClass
    from app.store import Access
    from app.sync.audit import ENTRY_HASH
    ws = workstation_factory(sync_server.base).sign_in()
    ws.sync.open_chart(P1)
    logged = [ws.store.log_access(Access("1000001", P1, DataClass.NOTES, "read")),
              ws.store.log_access(Access("1000001", P1, DataClass.LABS, "read",
                                         reason="urgence"))]
    assert len(ws.store.unacknowledged_access()) == 2
    assert ws.sync.sync().audited == 2
    assert ws.store.unacknowledged_access() == []
    assert ws.sync.sync().audited == 0  # acknowledged entries are not sent again
    events = fhir.get("AuditEvent", params={"patient": P1, "_count": "1000"}).json()
    hashes = [e["what"]["identifier"]["value"] for entry in events.get("entry") or ()
              for e in entry["resource"].get("entity") or ()
              if (e.get("what") or {}).get("identifier", {}).get("system") == ENTRY_HASH]
    assert sorted(hashes) == sorted(entry.hash for entry in logged)


def test_recheck_evicts_charts_the_server_no_longer_shows(sync_server, workstation_factory,
                                                          fhir):
    ws = workstation_factory(sync_server.base).sign_in()
    six, seven, eight = (sync_pid(i) for i in (6, 7, 8))
    for pid in (six, seven, eight):
        ws.sync.open_chart(pid)
    delete_on_server(sync_server, "Patient", seven)
    before = ws.client.requests
    assert ws.sync.recheck_access() == [seven]  # without waiting for a history round
    assert ws.client.requests - before == 2  # one search for the batch, one read of it
    assert ws.store.cached_patient_ids() == sorted([six, eight])
