"""Opening many charts at once (first sign-in on a workstation, the day's patients): charts are
fetched by a few threads while this one writes them, several charts per store transaction,
each chart's cursor and access record (app.sync.consent_watch) committed with its resources.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from app.central.errors import SyncError
from app.central.retry import Progress, check_cancel
from app.core.fhir import earlier, resources
from app.sync.cursors import HISTORY, OVERLAP, chart_stream
from app.sync.pull import Puller
from app.sync.reconcile import EVICT_KINDS

WORKERS = 4
BATCH_RESOURCES = 2000  # resources per store transaction


def open_charts(puller: Puller, patient_ids: list[str], cancel: threading.Event | None = None,
                progress: Progress | None = None, workers: int = WORKERS) -> dict[str, int]:
    """Fetch these charts into the cache: {patient id: resources stored}. A chart the server
    refuses (403/404/410) is evicted and left out; any other failure stops the whole call."""
    stored: dict[str, int] = {}
    batch: list[dict[str, Any]] = []
    cursors: dict[str, str] = {}
    access: dict[str, Any] = {}
    first_start: str | None = None
    processed = 0
    with ThreadPoolExecutor(workers, thread_name_prefix="sync-fetch") as pool:
        window: deque[tuple[str, Future[Any]]] = deque()
        todo = iter(patient_ids)
        try:
            _fill(pool, window, todo, puller, cancel, 2 * workers)
            while window:
                check_cancel(cancel)
                pid, future = window.popleft()
                _fill(pool, window, todo, puller, cancel, 2 * workers)
                processed += 1
                try:
                    start, pages = future.result()
                except SyncError as err:
                    if err.kind not in EVICT_KINDS:
                        raise
                    puller.cache.evict(pid)
                    continue
                first_start = min(first_start or start, start)
                upserts = [r for page in pages for r in resources(page)]  # current versions only
                batch.extend(upserts)
                cursors[chart_stream(pid)] = start
                access[pid] = puller.watch.fetched(
                    [r for r in upserts if r.get("resourceType") == "Consent"])
                stored[pid] = len(upserts)
                if len(batch) >= BATCH_RESOURCES:
                    puller.cache.apply_page(batch, [], cursors, access)
                    batch, cursors, access = [], {}, {}
                if progress:
                    progress(processed, len(patient_ids))
        finally:
            for _, future in window:
                future.cancel()
    if first_start and puller.cache.cursor(HISTORY) is None:
        cursors[HISTORY] = first_start
    if batch or cursors:
        puller.cache.apply_page(batch, [], cursors, access)
    return stored


Window = deque[tuple[str, "Future[tuple[str, list[dict[str, Any]]]]"]]


def _fill(pool: ThreadPoolExecutor, window: Window, todo: Iterator[str], puller: Puller,
          cancel: threading.Event | None, size: int) -> None:
    while len(window) < size:
        pid = next(todo, None)
        if pid is None:
            return
        window.append((pid, pool.submit(_chart, puller, pid, cancel)))


def _chart(puller: Puller, pid: str,
           cancel: threading.Event | None) -> tuple[str, list[dict[str, Any]]]:
    """(the chart's cursor, its pages): the cursor is the server's clock at the chart's first
    answer, read in this worker thread (another thread's later answer would skip changes)."""
    stamped = puller.fetch.chart_pages(pid, None, cancel)
    pages = list(stamped)
    return stamped.start or earlier(puller.fetch.page_time(pages[0]), OVERLAP), pages
