"""The conflict dialog over a real conflict record in the user's real SQLCipher store: whose
chart and which record in clinical words, a field-by-field comparison (differences marked, no
raw FHIR), the choice applied through app.sync.conflicts; empty, it says there is nothing."""

import pytest

from app.store import Store, StoreExecutor
from app.store.outbox import OutboxChange
from app.ui.conflicts import ConflictDialog
from app.workstation.conflict_display import comparison
from app.workstation.sync_status import SessionSync

TERMS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
SERVER = {"resourceType": "Condition", "id": "c1", "meta": {"versionId": "3"},
          "subject": {"reference": "Patient/p1"}, "code": {"text": "Hypertension"},
          "clinicalStatus": {"coding": [{"system": TERMS, "code": "active",
                                         "display": "Active"}]}}
LOCAL = {**SERVER, "meta": {"versionId": "2"},
         "clinicalStatus": {"coding": [{"system": TERMS, "code": "resolved",
                                        "display": "Resolved"}]}}
PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "1955-01-01",
           "name": [{"family": "Côté", "given": ["Hélène"]}]}
RAW = ("Patient/", "http", "reference", "coding", "Condition", "clinicalStatus", "{")


def test_comparison_is_field_by_field_in_words():
    rows = {r.label.source: (r.ours, r.theirs, r.differs) for r in comparison(LOCAL, SERVER)}
    assert rows == {"What": ("Hypertension", "Hypertension", False),
                    "Clinical status": ("Resolved", "Active", True)}


class _Session:
    def __init__(self, executor):
        self.executor, self.client, self.profile = executor, None, None


@pytest.fixture
def conflicted(tmp_path):
    path = tmp_path / "store.db"
    Store.create("1000001", "pw", path=path).close()
    executor = StoreExecutor(lambda: Store.unlock("1000001", "pw", path=path))
    change = OutboxChange("Condition", "c1", "update", LOCAL, "2", "p1")

    def make(store):
        store.put_resources([PATIENT])
        store.put_resources([LOCAL], outbox_changes=[change])
        return store.record_conflict(change.uuid, SERVER, "412")
    executor.call(make)
    yield executor
    executor.close()


def test_keeping_the_servers_version(qtbot, conflicted):
    sync = SessionSync(_Session(conflicted))
    dialog = ConflictDialog(sync)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=5000)
    assert dialog.list.item(0).text() == "Problem — Hypertension — CÔTÉ, Hélène — 1955-01-01"
    assert dialog.field_texts() == [("What", "Hypertension", "Hypertension"),
                                    ("▶ Clinical status", "Resolved", "Active")]
    shown = " ".join([dialog.list.item(0).text(), *sum(dialog.field_texts(), ())])
    assert not [raw for raw in RAW if raw in shown]  # no FHIR, no terminology URL
    with qtbot.waitSignal(dialog.resolved, timeout=5000):
        dialog.keep_server.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=5000)
    assert "No conflict to resolve" in dialog.explain.text()
    assert "changed" not in dialog.explain.text() and not dialog.keep_local.isEnabled()
    assert sync.conflicts() == [] and sync.status().conflicts == 0
    kept = conflicted.call(lambda store: store.get_resource("Condition", "c1"))
    assert kept["clinicalStatus"]["coding"][0]["code"] == "active"


def test_keeping_mine_queues_it_on_the_servers_version(qtbot, conflicted):
    sync = SessionSync(_Session(conflicted))
    dialog = ConflictDialog(sync)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=5000)
    with qtbot.waitSignal(dialog.resolved, timeout=5000):
        dialog.keep_local.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=5000)
    kept = conflicted.call(lambda store: store.get_resource("Condition", "c1"))
    assert kept["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert kept["meta"]["versionId"] == "3"
    queued = conflicted.call(lambda store: store.outbox_batch())
    assert [(e.method, e.base_version) for e in queued if e.resource_id == "c1"][-1] == (
        "update", "3")
