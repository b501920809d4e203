"""The Store API on a real SQLCipher file: cache + outbox in one transaction, lookups, sync
cursors, conflicts, purge, and the threading helpers."""

from __future__ import annotations

import threading

import pytest

from app.core.data_class import DataClass
from app.store import (
    Access,
    OutboxChange,
    Store,
    StoreClosed,
    StoreError,
    StoreExecutor,
    WrongPassword,
    db,
)
from tests.fixtures.store import PASSWORD, note_for, raw_connection, synthetic_patients


def test_put_resources_indexes_patients_and_finds_them(store):
    people = synthetic_patients(30, seed=1)
    store.put_resources(people)
    target = people[7]
    nam = target["identifier"][0]["value"]
    spaced = f"{nam[:4].lower()} {nam[4:8]} {nam[8:]}"
    assert [e.patient_id for e in store.find_by_nam(spaced)] == [target["id"]]
    name = target["name"][0]
    found = store.find_by_name_birthdate(name["family"].upper(), name["given"][0].lower(),
                                         target["birthDate"])
    assert target["id"] in [e.patient_id for e in found]
    assert store.find_by_chart_number("C100007")[0].patient_id == target["id"]
    assert store.find_by_nam("ZZZZ99999999") == []


def test_cache_change_and_outbox_entry_commit_together_or_not_at_all(store):
    patient = synthetic_patients(1)[0]
    change = OutboxChange("Patient", patient["id"], "update", patient, "1", patient["id"])
    store.put_resources([patient], outbox_changes=[change],
                        access=Access("alice", patient["id"], DataClass.DEMOGRAPHICS, "update"))
    assert store.outbox_entry(change.uuid).state == "pending"
    broken = dict(patient, id="p-new")
    with pytest.raises(StoreError):  # the same uuid twice violates UNIQUE: all rolled back
        store.put_resources([broken], outbox_changes=[change])
    assert store.get_resource("Patient", "p-new") is None
    assert len(store.outbox_batch()) == 1


def test_outbox_lifecycle_and_conflicts(store):
    changes = [OutboxChange("Observation", f"o{i}", "create", {"resourceType": "Observation",
                                                               "id": f"o{i}"}) for i in range(3)]
    store.enqueue(changes)
    assert [e.uuid for e in store.outbox_batch()] == [c.uuid for c in changes]
    store.mark_acknowledged(changes[0].uuid, server_resource={
        "resourceType": "Observation", "id": "srv-1", "meta": {"versionId": "7"}})
    assert store.get_resource("Observation", "srv-1")["meta"]["versionId"] == "7"
    store.mark_failed(changes[1].uuid, "NETWORK")
    assert store.outbox_entry(changes[1].uuid).attempts == 1
    conflict_id = store.record_conflict(changes[2].uuid, {"resourceType": "Observation",
                                                          "id": "o2", "status": "final"}, "412")
    [conflict] = store.open_conflicts()
    assert conflict["id"] == conflict_id and conflict["server"]["status"] == "final"
    assert conflict["local"]["id"] == "o2" and conflict["reason"] == "412"
    assert [e.uuid for e in store.outbox_batch()] == [changes[1].uuid]
    store.resolve_conflict(conflict_id)
    assert store.open_conflicts() == []


def test_apply_pull_moves_cursor_with_data(store):
    people = synthetic_patients(3)
    store.apply_pull(people, [], {"Patient": "2026-11-01T00:00:00Z"})
    store.apply_pull([], [("Patient", people[0]["id"])], {"Patient": "2026-11-02T00:00:00Z"})
    assert store.get_cursor("Patient") == "2026-11-02T00:00:00Z"
    assert store.get_resource("Patient", people[0]["id"]) is None
    assert store.find_by_chart_number("C100000") == []
    assert store.cached_patient_ids() == sorted(p["id"] for p in people[1:])


def test_purge_patient_removes_everything(store, store_path):
    people = synthetic_patients(2)
    gone = people[0]["id"]
    store.put_resources(people + [note_for(gone, "Consultation note")],
                        outbox_changes=[OutboxChange("Patient", gone, "update", people[0],
                                                     patient_id=gone)])
    assert store.purge_patient(gone) == 2
    assert store._list_resources(gone) == [] and store.find_by_chart_number("C100000") == []
    assert store.outbox_batch() == []
    assert store.get_resource("Patient", people[1]["id"])
    conn = raw_connection(store_path)
    assert conn.execute("SELECT count(*) FROM resources WHERE patient_id = ?",
                        (gone,)).fetchone()[0] == 0
    conn.close()


def test_reader_reads_on_another_thread_while_writer_writes(store):
    store.put_resources(synthetic_patients(5))
    reader = store.open_reader()
    seen: list = []
    worker = threading.Thread(target=lambda: seen.append(reader.list_by_type("Patient")))
    with store.transaction() as conn:  # writer holds a write transaction meanwhile
        conn.execute("DELETE FROM resources")
        worker.start()
        worker.join(5)
    assert len(seen[0]) == 5
    with pytest.raises(db.Error, match="readonly"):  # query_only: a reader cannot write
        reader._conn.execute("DELETE FROM resources")
    reader.close()


def test_executor_owns_the_store_on_one_thread(store, store_path):
    store.close()
    threads = set()

    def work(s: Store):
        threads.add(threading.current_thread().name)
        s.put_resources(synthetic_patients(2))
        return len(s.list_by_type("Patient"))

    with StoreExecutor(lambda: Store.unlock("alice", PASSWORD, path=store_path)) as executor:
        results = [executor.submit(work) for _ in range(3)]
        assert [f.result(10) for f in results] == [2, 2, 2]
    assert len(threads) == 1 and threads.pop().startswith("store")
    failing = StoreExecutor(lambda: Store.unlock("alice", "wrong", path=store_path))
    with pytest.raises(WrongPassword):
        failing.call(lambda s: s.list_by_type("Patient"), timeout=10)
    failing.close()


def test_closed_store_says_so(store):
    store.close()
    with pytest.raises(StoreClosed):
        store.get_resource("Patient", "x")
