"""Through the fault-injecting proxy (drops, lost replies, resets, 5 s stalls, 500/503 with
Retry-After, truncated bodies) the workstation keeps working; once the faults stop it converges
with the real server: zero lost and zero duplicated changes, the cache equal to the server's."""

import pytest

from app.central.errors import SyncError
from tests.fixtures.sync import (
    ALL_FAULTS,
    copies_on_server,
    edit,
    editable,
    server_client,
    sync_pid,
    write_note,
)

CHARTS = (sync_pid(10), sync_pid(11))


def server_chart(fhir, pid: str) -> dict:
    found = fhir.get(f"Patient/{pid}/$everything").json()
    return {(e["resource"]["resourceType"], e["resource"]["id"]): e["resource"]
            for e in found.get("entry") or ()}


def cached_chart(ws, pid: str) -> dict:
    return {(r["resourceType"], r["id"]): r for r in ws.store._list_resources(pid)}


def test_faults_then_convergence_without_loss_or_duplicates(sync_server, fault_proxy_factory,
                                                            workstation_factory):
    proxy = fault_proxy_factory(sync_server.port, stall=5.0)
    ws = workstation_factory(proxy.url, timeout=2.0, connect_timeout=2.0,
                             bundle_size=4, attempts=3).sign_in()
    for pid in CHARTS:
        ws.sync.open_chart(pid)
    notes = [write_note(ws.store, pid, f"note {i}") for i in range(6) for pid in CHARTS]
    edited = []
    for pid in CHARTS:
        res = editable(ws.store, pid)
        edit(ws.store, res, note=[{"text": f"edited on {pid}"}])
        edited.append((res["resourceType"], res["id"], f"edited on {pid}"))

    proxy.script(*ALL_FAULTS)  # every kind at least once, then at random
    proxy.chaos(0.35, tuple(f for f in ALL_FAULTS if f != "stall"), seed=4)
    failures = 0
    for round_no in range(10):
        if round_no % 3 == 0:
            notes.append(write_note(ws.store, CHARTS[0], f"pendant les pannes {round_no}"))
        try:
            ws.sync.sync()
        except SyncError as err:
            assert err.transient, err
            failures += 1
    assert set(proxy.faults_applied()) >= {f.value for f in ALL_FAULTS}
    assert failures > 0  # the faults did reach the sync

    proxy.calm()
    ws.sync.run_until_synced(timeout=60)
    ws.sync.sync()  # one more round: everything the server has, nothing left to send
    assert ws.store.outbox_batch() == [] and ws.store.open_conflicts() == []
    with server_client(sync_server.base) as fhir:
        assert [copies_on_server(fhir, u) for u in notes] == [1] * len(notes)
        for rtype, rid, text in edited:
            assert fhir.get(f"{rtype}/{rid}").json()["note"] == [{"text": text}]
        for pid in CHARTS:
            server, cached = server_chart(fhir, pid), cached_chart(ws, pid)
            assert cached.keys() == server.keys()
            assert {k: r["meta"]["versionId"] for k, r in cached.items()} == \
                   {k: r["meta"]["versionId"] for k, r in server.items()}


@pytest.mark.parametrize("fault", ["lost_reply", "cut_json"])
def test_a_lost_transaction_answer_is_not_a_conflict(sync_server, fault_proxy_factory,
                                                     workstation_factory, fault):
    """The server applied the bundle but the answer never arrived: the retry must find the
    creates (If-None-Exist) and recognise its own updates (412 with our content)."""
    proxy = fault_proxy_factory(sync_server.port)
    ws = workstation_factory(proxy.url, attempts=4).sign_in()
    ws.sync.open_chart(sync_pid(4))
    note = write_note(ws.store, sync_pid(4))
    res = editable(ws.store, sync_pid(4))
    edit(ws.store, res, note=[{"text": "une fois"}])
    proxy.script(fault)
    report = ws.sync.sync()
    assert report.pushed.sent == 2 and report.pushed.conflicts == 0
    assert proxy.faults_applied() == [fault]
    with server_client(sync_server.base) as fhir:
        assert copies_on_server(fhir, note) == 1
        after = fhir.get(f"{res['resourceType']}/{res['id']}").json()
        assert after["note"] == [{"text": "une fois"}]
        assert int(after["meta"]["versionId"]) == int(res["meta"]["versionId"]) + 1
