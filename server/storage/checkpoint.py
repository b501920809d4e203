"""The checkpoint file of the audit trail (server.storage.chain): a line `lane k hash` per lane,
the head each lane had reached as its server process last wrote it, in the data directory,
outside the database; `audit verify` (server.storage.chain_verify) checks that every lane still
holds its checkpointed record with the same hash."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

CHECKPOINT_FILE = "audit-chain.checkpoint"
log = logging.getLogger(__name__)

Heads = dict[int, tuple[int, str]]  # lane: (k, hash) of its last record
UNREADABLE: Heads = {0: (-1, "")}  # a checkpoint file that cannot be read: verify reports it


def read_checkpoint(path: Path) -> Heads | None:
    """The heads a checkpoint file names (a line `lane k hash` each; `k hash`: lane 1, a file
    written before lanes)."""
    try:
        heads: Heads = {}
        for line in path.read_text(encoding="ascii").splitlines():
            lane, k, digest = ["1", *line.split()][-3:]
            heads[int(lane)] = (int(k), digest)
        return heads if heads and min(heads) >= 1 else UNREADABLE
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return UNREADABLE


def write_checkpoint(path: Path, head: tuple[int, int, str], force: bool = False) -> None:
    """This lane's head (lane, k, hash) into the file, beside the other lanes' (the processes
    of a data directory share it: a lock file orders their rewrites), forward only as far as
    this process knows (a checkpoint a little behind the head is still a true statement about
    the lane). `force`: the chain was rebuilt (the migration), the old checkpoint names another
    one."""
    lane, k, digest = head
    with _locked(path.with_name(path.name + ".lock")):
        known = {} if force else read_checkpoint(path) or {}
        known = {} if known is UNREADABLE else dict(known)
        if known.get(lane, (-1, ""))[0] >= k:
            return
        known[lane] = (k, digest)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text("".join(f"{line} {place} {h}\n" for line, (place, h)
                                     in sorted(known.items())), encoding="ascii")
        temporary.replace(path)


class Checkpoint:
    """The heads this process's appends reached, on their way to the checkpoint file: every
    append path notes the head it committed (the group commit, server.identity.audit_writer;
    a transaction that appended, Store); the file is written at most once per EVERY seconds,
    by `due` if set (the audit writer's thread) else by the noting thread, and at `flush`
    (closing)."""

    EVERY = 1.0

    def __init__(self, path: Path | None):
        self.path = path  # None: no file
        self.due: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._pending: Heads = {}  # lane: its furthest head noted, not written yet
        self._written = 0.0

    def note(self, head: tuple[int, int, str]) -> None:
        if self.path is None:
            return
        lane, k, digest = head
        with self._lock:
            if self._pending.get(lane, (-1, ""))[0] < k:
                self._pending[lane] = (k, digest)
            due = time.monotonic() - self._written >= self.EVERY
        if due:
            (self.due or self.flush)()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            self._written = time.monotonic()
        for lane, (k, digest) in sorted(pending.items()):
            try:
                write_checkpoint(self.path, (lane, k, digest))  # type: ignore[arg-type]
            except OSError as failure:
                log.error("could not write the audit checkpoint (%s)", type(failure).__name__)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on this file while the block runs (POSIX; elsewhere one process
    writes a data directory)."""
    with open(path, "a") as held:
        if fcntl is not None:
            fcntl.flock(held, fcntl.LOCK_EX)
        yield
