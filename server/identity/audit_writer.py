"""`AuditWriter`: the group commit of the AuditEvents that server.identity.audit notes (a
lone request commits its own in its worker thread; what queues meanwhile goes into one
transaction of the writer thread)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError
from pathlib import Path
from typing import Any

from server.storage import chain
from server.storage.checkpoint import Checkpoint

log = logging.getLogger(__name__)


def _failed(error: BaseException) -> Future:
    done: Future = Future()
    done.set_exception(error)
    return done


COMMITTED: Future = Future()  # what an inline leader's commit gives back: done, no result
COMMITTED.set_result(None)


class AuditWriter:
    """Commits the AuditEvents it is given; `submit` gives a Future done once they are durable
    (or failed). Leader and followers (group commit): a request's worker thread that finds no
    commit running commits its events itself, with whatever queued meanwhile (`lead`: no hop
    to another thread, the commit is done when the route returns); what queues while a commit
    runs goes, all together, into the next one, made by the writer thread (a leader never
    delays its own answer for others' events). `checkpoint`: the file the chain head is
    written to by the writer thread (Checkpoint: at most once a second, a file write
    per commit cost 0.7 ms, and when the writer closes); the store's own (its data
    directory's), the heads its transactions' appends reach (uploads) are written here too."""

    def __init__(self, store: Any, checkpoint: Path | None = None, max_batch: int = 500,
                 durable: bool = True):
        self.store, self.max_batch = store, max_batch
        self.durable = durable  # False: Settings.audit_durability "process"
        shared = checkpoint is not None and checkpoint == store.checkpoint.path
        self.checkpoint = store.checkpoint if shared else Checkpoint(checkpoint)
        self.checkpoint.due = self._checkpoint_due  # written by the writer thread
        self._known: tuple[int, int, str] | None = None  # (lane, k, hash) this writer moved it to
        self._lock = threading.Lock()  # guards the five below (`with`: no Python-level enter)
        self._cond = threading.Condition(self._lock)
        self._pending: list[tuple[Sequence[Any], Future]] = []  # never non-empty without a leader
        self._leading = False  # a commit is running (inline or in the writer thread)
        self._handed = False  # the writer thread leads (commits until nothing is pending)
        self._due = False  # a checkpoint is due (written by the writer thread)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def submit(self, events: Sequence[Any], lead: bool = False) -> Future:
        """`lead`: the caller may block (a worker thread, never the event loop): with no commit
        running it commits now, before returning (its Future then made only if it failed)."""
        with self._lock:
            if self._closed:
                return _failed(RuntimeError("the audit writer is closed"))
            if lead and not self._leading:  # nothing pending: a batch of its own
                self._leading = True
            else:
                done: Future = Future()
                self._pending.append((events, done))
                if not self._leading:
                    self._leading = True
                    self._hand_on()
                return done
        return self._lead_once(events)

    def write(self, events: Sequence[Any], timeout: float = 60) -> None:
        """Store now, from a thread that may block (raises if they could not be stored)."""
        self.submit(events, lead=True).result(timeout)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(60)
        self.checkpoint.due = None  # the store's appends from now on write it themselves
        self.checkpoint.flush()

    def _hand_on(self) -> None:
        """(Holding `_lock`, leading.) The writer thread commits what is pending."""
        self._handed = True
        self._cond.notify_all()

    def _take(self) -> list[tuple[Sequence[Any], Future]]:
        """(Holding `_lock`.) The next batch: at least one request, about max_batch events."""
        queued, k = 0, 0
        while k < len(self._pending) and queued < self.max_batch:
            queued += len(self._pending[k][0])
            k += 1
        batch, self._pending = self._pending[:k], self._pending[k:]
        return batch

    def _lead_once(self, events: Sequence[Any]) -> Future:
        """Inline leader: one commit of its own events, then what queued meanwhile to the
        writer thread."""
        try:
            failure = self._commit([(events, None)])
        finally:
            with self._lock:
                if self._pending:
                    self._hand_on()
                else:
                    self._leading = False
                    if self._closed:  # the closing writer thread may stop now (else it sleeps
                        self._cond.notify_all()  # on: waking it per request cost a switch)
        return COMMITTED if failure is None else _failed(failure)

    def _run(self) -> None:
        """The writer thread: leads when handed on; writes the checkpoint when one is due."""
        while True:
            with self._lock:
                while not (self._handed or self._due or (self._closed and not self._leading)):
                    self._cond.wait()
                handed, due = self._handed, self._due
            if due:
                self._write_checkpoint()
            if not handed and not due:
                break
            while handed:
                with self._lock:
                    batch = self._take()
                    if not batch:
                        self._handed = self._leading = handed = False
                        self._cond.notify_all()
                        break
                self._commit(batch)
        self._write_checkpoint()

    def _commit(self, batch: Sequence[tuple[Sequence[Any], Future | None]]
                ) -> BaseException | None:
        """Commit the batch, tell each waiter (None: the inline leader's own); the failure."""
        error: BaseException | None = None
        head = None
        try:
            head = self._known = chain.commit(
                self.store, [event for events, _ in batch for event in events], self.durable,
                self._known)
        except Exception as failure:  # said loudly; each waiting read is refused
            log.error("could not store %d audit events (%s)", len(batch), type(failure).__name__)
            error, self._known = failure, None
        for _, done in batch:
            if done is not None:
                with contextlib.suppress(InvalidStateError):  # its request was cancelled
                    done.set_exception(error) if error else done.set_result(None)
        if head is not None:
            self.checkpoint.note(head)
        return error

    def _checkpoint_due(self) -> None:
        """The file is written by the writer thread, never in a request's."""
        with self._lock:
            self._due = True
            self._cond.notify_all()

    def _write_checkpoint(self) -> None:
        with self._lock:
            self._due = False
        self.checkpoint.flush()
