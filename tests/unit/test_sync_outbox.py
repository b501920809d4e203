"""Outbox rows coalesced into the changes a push sends (one per resource per bundle)."""

from app.store import OutboxEntry
from app.sync.store_cache import coalesce


def row(seq, rid, method, body=None, base=None):
    return OutboxEntry(seq, f"u{seq}", "Observation", rid, "p1", method, body, base, "pending",
                       0, None, "2026-11-25T00:00:00")


def test_a_create_edited_before_it_was_sent_is_one_create_of_the_latest_body():
    [change] = coalesce([row(1, "L", "create", {"v": 1}), row(2, "L", "update", {"v": 2})],
                        10, complete=True)
    assert (change.op, change.resource, change.change_id) == ("create", {"v": 2}, "urn:uuid:u1")
    assert change.members == ("u1", "u2") and change.earlier == ({"v": 1},)


def test_two_edits_keep_the_first_base_version():
    [change] = coalesce([row(1, "r", "update", {"v": 1}, "7"), row(2, "r", "update", {"v": 2},
                                                                   "7")], 10, complete=True)
    assert (change.op, change.base_version, change.resource) == ("update", "7", {"v": 2})


def test_made_then_removed_before_sending_is_dropped():
    [change] = coalesce([row(1, "L", "create", {"v": 1}), row(2, "L", "delete")], 10, True)
    assert change.op == "drop"


def test_an_edit_then_a_delete_is_a_delete_on_the_first_base():
    [change] = coalesce([row(1, "r", "update", {"v": 1}, "3"), row(2, "r", "delete", None, "3")],
                        10, True)
    assert (change.op, change.base_version) == ("delete", "3")


def test_groups_keep_the_order_of_their_first_row_and_an_unfinished_read_holds_the_last():
    rows = [row(1, "a", "create", {}), row(2, "b", "create", {}), row(3, "a", "update", {}),
            row(4, "c", "create", {})]
    assert [c.rid for c in coalesce(rows, 10, complete=True)] == ["a", "b", "c"]
    assert [c.rid for c in coalesce(rows, 10, complete=False)] == ["a", "b"]  # c may go on
    assert [c.rid for c in coalesce(rows, 1, complete=True)] == ["a"]
    assert [c.rid for c in coalesce(rows[:1], 10, complete=False)] == ["a"]
