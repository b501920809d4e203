"""The sync service the UI calls (through background operations): open a chart, run a round
(push the outbox, push the access log, pull), and report the online/offline state.

After the pull, a round fetches again in full the cached charts whose consent no longer
withholds from this user classes the server left out earlier (app.sync.consent_watch).

A round that cannot reach the server leaves everything queued and the state OFFLINE; the next
round (the UI's timer, or `run_until_synced`) picks up where it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.central.client import FhirClient
from app.central.errors import SyncError
from app.central.retry import Connectivity, Progress, State, sleep
from app.sync.audit import push_audit
from app.sync.bulk import open_charts
from app.sync.cache import SyncCache
from app.sync.pull import Puller
from app.sync.push import Pusher, PushReport

log = logging.getLogger(__name__)


@dataclass
class RoundReport:
    pushed: PushReport
    audited: int
    pulled: int
    requests: int
    refetched: int = 0  # charts fetched again in full: a restriction stopped applying


class SyncEngine:
    def __init__(self, client: FhirClient, cache: SyncCache,
                 today: Callable[[], date] = date.today):
        """`today`: the day Consent periods are judged on (the workstation's)."""
        self.client, self.cache = client, cache
        self.puller = Puller(client, cache, today)
        self.pusher = Pusher(client, cache)
        self._lock = threading.Lock()  # one round at a time

    @property
    def connectivity(self) -> Connectivity:
        return self.client.retrier.connectivity

    @property
    def online(self) -> bool:
        return self.connectivity.state is State.ONLINE

    def open_chart(self, patient_id: str, cancel: threading.Event | None = None,
                   progress: Progress | None = None) -> int:
        with self._lock:
            return self.puller.open_chart(patient_id, cancel, progress)

    def open_charts(self, patient_ids: list[str], cancel: threading.Event | None = None,
                    progress: Progress | None = None) -> dict[str, int]:
        """Many charts at once (fetched in parallel, written in batches): {id: resources}."""
        with self._lock:
            return open_charts(self.puller, patient_ids, cancel, progress)

    def prefetch_appointments(self, day: date, params: dict[str, Any] | None = None,
                              cancel: threading.Event | None = None,
                              with_charts: bool = False) -> list[str] | None:
        """The day's appointments (and, `with_charts`, the charts of their patients);
        None when the server cannot search appointments by date."""
        with self._lock:
            patients = self.puller.prefetch_appointments(day, params, cancel)
            if with_charts and patients:
                open_charts(self.puller, patients, cancel)
            return patients

    def sync(self, cancel: threading.Event | None = None,
             progress: Progress | None = None) -> RoundReport:
        """Push first (local changes are the ones that cannot be fetched again), then pull."""
        with self._lock:
            before, started = self.client.requests, time.perf_counter()
            try:
                pushed = self.pusher.push(cancel)
                audited = push_audit(self.client, self.cache, cancel)
                pulled = self.puller.sync_round(cancel, progress)
                lifted = self.puller.watch.lifted()
                if lifted:  # rows withheld earlier, which no incremental pull brings
                    open_charts(self.puller, lifted, cancel)
            except SyncError as err:  # kind and call name only: never patient data
                log.info("sync round stopped: %s", err)
                raise
            report = RoundReport(pushed, audited, pulled, self.client.requests - before,
                                 len(lifted))
            log.info("sync round: %d sent, %d conflicts, %d audit, %d pulled, %d charts again, "
                     "%d requests, %.0f ms", pushed.sent, pushed.conflicts, audited, pulled,
                     len(lifted), report.requests, 1000 * (time.perf_counter() - started))
            return report

    def recheck_access(self, cancel: threading.Event | None = None) -> list[str]:
        """Evict the cached charts the server no longer shows this user (mandate ended,
        consent withdrawn…); a few requests per 50 charts, so run it now and then, not every
        round (the UI: at sign-in and daily). Returns the evicted patient ids."""
        with self._lock:
            return self.puller.recheck_access(cancel)

    def run_until_synced(self, timeout: float, cancel: threading.Event | None = None,
                         pause: float = 0.5) -> RoundReport:
        """Rounds until one completes (transient failures waited out) or `timeout` passes."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.sync(cancel)
            except SyncError as err:
                if not err.transient or time.monotonic() > deadline:
                    raise
                sleep(pause, cancel)
