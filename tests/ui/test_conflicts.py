"""The conflict dialog over a real conflict record in the user's real SQLCipher store: both
versions side by side, differences marked, and the choice applied through app.sync.conflicts."""

import pytest

from app.store import Store, StoreExecutor
from app.store.outbox import OutboxChange
from app.ui.conflicts import ConflictDialog, side_by_side
from app.workstation.sync_status import SessionSync

SERVER = {"resourceType": "Condition", "id": "c1", "meta": {"versionId": "3"},
          "subject": {"reference": "Patient/p1"}, "code": {"text": "Hypertension"},
          "clinicalStatus": {"text": "active"}}
LOCAL = {**SERVER, "meta": {"versionId": "2"}, "clinicalStatus": {"text": "resolved"}}


def test_side_by_side_marks_only_what_differs():
    ours, theirs, differ = side_by_side(LOCAL, SERVER)
    assert differ == {"clinicalStatus.text"}
    assert "▶ clinicalStatus.text: resolved" in ours.splitlines()
    assert "▶ clinicalStatus.text: active" in theirs.splitlines()
    assert "  code.text: Hypertension" in ours.splitlines()
    assert "meta" not in ours  # bookkeeping is not shown


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
    assert "▶ clinicalStatus.text: resolved" in dialog.local.toPlainText()
    assert "▶ clinicalStatus.text: active" in dialog.server.toPlainText()
    with qtbot.waitSignal(dialog.resolved, timeout=5000):
        dialog.keep_server.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=5000)
    assert sync.conflicts() == [] and sync.status().conflicts == 0
    kept = conflicted.call(lambda store: store.get_resource("Condition", "c1"))
    assert kept["clinicalStatus"]["text"] == "active"


def test_keeping_mine_queues_it_on_the_servers_version(qtbot, conflicted):
    sync = SessionSync(_Session(conflicted))
    dialog = ConflictDialog(sync)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=5000)
    with qtbot.waitSignal(dialog.resolved, timeout=5000):
        dialog.keep_local.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=5000)
    kept = conflicted.call(lambda store: store.get_resource("Condition", "c1"))
    assert kept["clinicalStatus"]["text"] == "resolved" and kept["meta"]["versionId"] == "3"
    queued = conflicted.call(lambda store: store.outbox_batch())
    assert [(e.method, e.base_version) for e in queued if e.resource_id == "c1"][-1] == (
        "update", "3")
