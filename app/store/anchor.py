"""The access log's keyring anchor (see access_log.py), moved after every commit that adds
entries, so a store written only by processes that were killed is anchored too.

A Secret Service write costs ~30 ms (a D-Bus connection and the keyring file written; measured
by `python -m bench.anchor`), too much for the commit of a chart opening, so a thread of its own
writes the newest head: a commit only hands it over (`advance`), and commits made while a write
is in flight are coalesced into the next one. What a crash can leave unanchored: the entries
committed since the last keyring write began — with nothing else in flight, those of the last
~30 ms; under a burst of commits, at most those of the write in flight and the one waiting
(~60 ms). `flush()` (the store's close, so sign-out) waits until the newest head is written.

The first write of a session checks that the log still holds the entry the keyring anchors
(same sequence number, same hash). If not — the file was truncated or rewritten while the app
was closed — the anchor is never moved again: it stays as the evidence `audit verify` reports.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.store import keys
from app.store.errors import StoreError

log = logging.getLogger(__name__)
Head = tuple[int, str]


class AnchorWriter:
    """One per open store. `hash_at(seq)` reads an entry's hash on the calling thread (a read
    connection of its own): it is called on the writer's thread."""

    def __init__(self, key_file: keys.KeyFile, hash_at: Callable[[int], str | None]):
        self._key_file = key_file
        self._hash_at = hash_at
        self._cond = threading.Condition()
        self._pending: Head | None = None
        self._busy = False
        self._closing = False
        self._checked = False
        self.frozen = False  # the keyring anchor names an entry the log no longer holds
        self.written: Head | None = None  # the last head written (tests, figures)
        self._unwritten: Head | None = None  # a head whose write failed (keyring away)
        self._thread: threading.Thread | None = None

    def advance(self, head: Head) -> None:
        """A commit added entries up to `head`: have it written soon (newest wins)."""
        with self._cond:
            if self._closing or self.frozen:
                return
            self._pending = head
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="access-log-anchor",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every head handed over is written (or could not be); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._busy,
                                       timeout)

    def close(self, timeout: float | None = 10.0) -> None:
        """Flush, try once more a head whose write failed, stop the thread."""
        self.flush(timeout)
        with self._cond:
            self._closing = True
            retry, self._unwritten = self._unwritten, None
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        if retry is not None:
            self._attempt(retry)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closing)
                if self._pending is None:
                    return
                head, self._pending, self._busy = self._pending, None, True
            self._attempt(head)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _attempt(self, head: Head) -> None:
        try:
            self._write(head)
        except Exception as err:  # noqa: BLE001 — the next commit (or the close) tries again
            log.warning("access-log anchor not written: %s", _name(err))
            with self._cond:
                if self._pending is None:
                    self._unwritten = head

    def _write(self, head: Head) -> None:
        if not self._checked:
            anchor = keys.load_anchor(self._key_file)
            if anchor and anchor[0] > 0 and self._hash_at(anchor[0]) != anchor[1]:
                log.warning("access log does not hold its anchored entry %d; anchor kept",
                            anchor[0])
                self.frozen = True
                return
            self._checked = True
        if self.frozen:
            return
        keys.save_anchor(self._key_file, *head)
        self.written, self._unwritten = head, None


def _name(err: Exception) -> str:
    detail = getattr(err, "detail", "") if isinstance(err, StoreError) else ""
    return detail if isinstance(detail, str) and detail else type(err).__name__
