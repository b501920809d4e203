"""`verify(store, checkpoint)` walks the lanes of the audit trail (server.storage.chain) and
names the first bad record: an edited, removed, reordered or added row, an edited or removed
search row, a head that its lane does not reach (truncation), a lane or head removed, a
checkpoint a lane no longer contains. Its messages carry numbers only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.storage.chain import GENESIS, HEADS, ROW, link, stored_identifiers
from server.storage.checkpoint import UNREADABLE, Heads


@dataclass(frozen=True)
class Report:
    count: int  # records walked
    heads: Heads = field(default_factory=dict)  # the head rows: lane → (k, hash)
    bad: int | None = None  # the first bad record's number n (0: none left to name; None: intact)
    problem: str = ""
    lane: int | None = None  # the lane it is in (None: the checkpoint file)

    @property
    def intact(self) -> bool:
        return self.bad is None


@dataclass
class _Lane:
    k: int = 0  # records walked
    hash: str = GENESIS
    n: int = 0  # the last one's number
    beyond: int | None = None  # the first record past the head row's


def verify(store: Any, checkpoint: Heads | None = None) -> Report:
    with store.read() as tx:
        heads = {int(lane): (int(k), digest) for lane, k, digest in tx.conn.execute(HEADS)}
        return _walk(tx, heads, checkpoint or {})


def _walk(tx: Any, heads: Heads, checkpoint: Heads) -> Report:
    indexed: dict[int, list[tuple[str, str]]] = {}
    for n, system, value in tx.conn.execute("SELECT n, system, value FROM audit_identifier"):
        indexed.setdefault(int(n), []).append((system, value))
    lanes: dict[int, _Lane] = {}
    count = 0
    for n, rid, ts, patient, agent, action, subtype, content, digest, lane in tx.conn.execute(
            f"SELECT {ROW} FROM audit_event ORDER BY n"):
        walked = lanes.setdefault(lane, _Lane())
        k = walked.k + 1
        if link(walked.hash, k, rid, ts, patient, agent, action, subtype, content,
                lane) != digest:
            return Report(count, heads, n, "record edited or out of order, or one before it "
                          "in its lane removed", lane)
        if sorted(indexed.pop(n, [])) != stored_identifiers(content):
            return Report(count, heads, n, "the record's search rows were edited", lane)
        mark = checkpoint.get(lane)
        if mark is not None and mark[0] == k and mark[1] != digest:
            return Report(count, heads, n, "the lane was rewritten up to the checkpoint", lane)
        if walked.beyond is None and k > heads.get(lane, (k,))[0]:
            walked.beyond = n
        walked.k, walked.hash, walked.n = k, digest, n
        count += 1
    if indexed:
        return Report(count, heads, min(indexed), "a search row names no record")
    for lane in sorted(heads.keys() | lanes.keys()):
        walked = lanes.get(lane, _Lane())
        head = heads.get(lane)
        if head is None:
            return Report(count, heads, walked.n, "the lane's head is missing", lane)
        if head[0] > walked.k:
            return Report(count, heads, walked.n, "records after this one removed (truncated)"
                          if walked.k else "the lane's records removed (truncated)", lane)
        if walked.beyond is not None:
            return Report(count, heads, walked.beyond, "record beyond the lane's head", lane)
        if head[1] != walked.hash:
            return Report(count, heads, walked.n, "the lane's head does not match its last "
                          "record", lane)
    return _against_checkpoint(Report(count, heads), checkpoint, lanes)


def _against_checkpoint(walked: Report, checkpoint: Heads, lanes: dict[int, _Lane]) -> Report:
    """What the walk could not see: a checkpoint further than a lane (its hashes at the
    checkpoint's places were compared on the way)."""
    if checkpoint is UNREADABLE:
        return Report(walked.count, walked.heads, 0, "the checkpoint file is unreadable")
    for lane, (k, _) in sorted(checkpoint.items()):
        reached = lanes.get(lane, _Lane())
        if k > reached.k:
            return Report(walked.count, walked.heads, reached.n,
                          "records after this one removed (the checkpoint is further)"
                          if reached.k else "the lane's records removed (the checkpoint "
                          "names some)", lane)
    return walked
