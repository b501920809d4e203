"""The access log's hash chain (plain sqlite3 with the store's schema: the logic only; the
SQLCipher file and the CLI are in tests/integration/test_store_audit.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from app.core.data_class import DataClass
from app.store import access_log, migrations
from app.store.access_log import Access


def tamper_edit(conn):
    conn.execute("UPDATE access_log SET information = 'demographics' WHERE seq = 5")


def tamper_delete(conn):
    conn.execute("DELETE FROM access_log WHERE seq = 5")


def tamper_delete_first(conn):
    conn.execute("DELETE FROM access_log WHERE seq = 1")


def tamper_reorder(conn):
    """Swap rows 5 and 6 (everything but the sequence number)."""
    cols = access_log.FIELDS[1:]
    a, b = (conn.execute(f"SELECT {', '.join(cols)} FROM access_log WHERE seq = ?",
                         (s,)).fetchone() for s in (5, 6))
    sets = ", ".join(f"{c} = ?" for c in cols)
    conn.execute(f"UPDATE access_log SET {sets} WHERE seq = 5", b)
    conn.execute(f"UPDATE access_log SET {sets} WHERE seq = 6", a)


def tamper_truncate(conn):
    conn.execute("DELETE FROM access_log WHERE seq > 7")


def tamper_truncate_and_head(conn):
    tamper_truncate(conn)
    last = conn.execute("SELECT hash FROM access_log WHERE seq = 7").fetchone()[0]
    conn.execute("UPDATE access_log_head SET count = 7, hash = ?", (last,))


def tamper_rewrite_chain(conn):
    """Edit entry 5 and recompute every hash after it, head included (needs the DB key)."""
    rows = conn.execute("SELECT * FROM access_log WHERE seq >= 5 ORDER BY seq").fetchall()
    prev = conn.execute("SELECT hash FROM access_log WHERE seq = 4").fetchone()[0]
    conn.execute("DELETE FROM access_log WHERE seq >= 5")
    for row in rows:
        values = (*row[:4], "labs" if row[0] == 5 else row[4], *row[5:8], prev)
        prev = access_log.entry_hash(values)
        conn.execute("INSERT INTO access_log VALUES (?,?,?,?,?,?,?,?,?,?)", (*values, prev))
    conn.execute("UPDATE access_log_head SET hash = ?", (prev,))


def make_log(n: int = 10):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.migrate(conn)
    for i in range(n):
        access_log.append(conn, Access("dr.roy", f"pat-{i % 3}", DataClass.NOTES, "read",
                                       reason="urgence" if i == 3 else None),
                          workstation="ws-1", at=datetime(2026, 11, 25, 10, i, tzinfo=UTC))
    conn.execute("DROP TRIGGER access_log_no_update")  # what someone tampering would do
    conn.execute("DROP TRIGGER access_log_no_delete")
    return conn


def test_intact_chain_verifies_and_ack_does_not_break_it():
    conn = make_log()
    access_log.acknowledge(conn, [1, 2, 3])
    assert access_log.verify(conn) == access_log.ChainVerdict(True, 10)
    assert [e.seq for e in access_log.unacknowledged(conn)] == list(range(4, 11))
    assert access_log.verify(conn, anchor=access_log.head(conn)).ok


def test_hash_covers_sequence_and_every_field():
    values = (1, "t", "u", "p", "notes", "read", "ws", None, access_log.GENESIS)
    base = access_log.entry_hash(values)
    for i in range(len(values)):
        changed = list(values)
        changed[i] = "x" if values[i] != "x" else "y"
        assert access_log.entry_hash(tuple(changed)) != base


@pytest.mark.parametrize(("tamper", "first_bad", "problem", "anchored"), [
    (tamper_edit, 5, "edited", False),
    (tamper_delete, 5, "missing", False),
    (tamper_delete_first, 1, "missing", False),
    (tamper_reorder, 5, "broken-chain", False),
    (tamper_truncate, 8, "truncated", False),
    (tamper_truncate_and_head, 8, "truncated", True),
    (tamper_rewrite_chain, 10, "rewritten", True),
])
def test_tampering_is_found(tamper, first_bad, problem, anchored):
    conn = make_log()
    anchor = access_log.head(conn)
    tamper(conn)
    verdict = access_log.verify(conn, anchor if anchored else None)
    assert (verdict.ok, verdict.first_bad, verdict.problem) == (False, first_bad, problem)


def test_empty_log_is_intact():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.migrate(conn)
    assert access_log.verify(conn) == access_log.ChainVerdict(True, 0)
