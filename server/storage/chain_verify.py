"""`verify(store, checkpoint)` walks the audit chain (server.storage.chain) and names the first
bad record: an edited, removed, reordered or added row, an edited or removed search row, a head
that the chain does not reach (truncation), a checkpoint the chain no longer contains. Its
messages carry numbers only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from server.storage.chain import GENESIS, HEAD, ROW, identifiers, link


@dataclass(frozen=True)
class Report:
    count: int  # records walked
    head: tuple[int, str] | None
    bad: int | None = None  # the first bad record's chain number (None: intact)
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.bad is None


def verify(store: Any, checkpoint: tuple[int, str] | None = None) -> Report:
    with store.read() as tx:
        head_row = tx.conn.execute(HEAD).fetchone()
        head = (int(head_row[0]), head_row[1]) if head_row else None
        walked = _walk(tx, head)
    if walked.intact and checkpoint is not None:
        return _against_checkpoint(walked, checkpoint, store)
    return walked


def _walk(tx: Any, head: tuple[int, str] | None) -> Report:
    indexed: dict[int, list[tuple[str, str]]] = {}
    for n, system, value in tx.conn.execute("SELECT n, system, value FROM audit_identifier"):
        indexed.setdefault(int(n), []).append((system, value))
    prev, count = GENESIS, 0
    for n, rid, ts, patient, agent, action, subtype, content, digest in tx.conn.execute(
            f"SELECT {ROW} FROM audit_event ORDER BY n"):
        expected = count + 1
        if n != expected:
            return Report(count, head, expected, "chain record missing")
        if link(prev, n, rid, ts, patient, agent, action, subtype, content) != digest:
            return Report(count, head, n, "record edited or out of order")
        if sorted(indexed.pop(n, [])) != identifiers(json.loads(content)):
            return Report(count, head, n, "the record's search rows were edited")
        prev, count = digest, n
    if indexed:
        return Report(count, head, min(indexed), "a search row names no record")
    if head is None:
        return Report(count, head, count or None, "chain head missing" if count else "")
    if head[0] > count:
        return Report(count, head, count + 1, "records after this one removed (truncated)")
    if head[0] < count:
        return Report(count, head, head[0] + 1, "record beyond the chain head")
    if head[1] != prev:
        return Report(count, head, count, "chain head does not match the last record")
    return Report(count, head)


def _against_checkpoint(walked: Report, checkpoint: tuple[int, str], store: Any) -> Report:
    n, digest = checkpoint
    if n < 0:
        return Report(walked.count, walked.head, 1, "the checkpoint file is unreadable")
    if n == 0:
        return walked
    if n > walked.count:
        return Report(walked.count, walked.head, walked.count + 1,
                      "records after this one removed (the checkpoint is further)")
    with store.read() as tx:
        row = tx.conn.execute(store.dialect.sql("SELECT hash FROM audit_event WHERE n = ?"),
                              (n,)).fetchone()
    if row is None or row[0] != digest:
        return Report(walked.count, walked.head, 1, "the chain was rewritten up to the checkpoint")
    return walked
