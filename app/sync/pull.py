"""Pull: charts the user opens (`$everything`) and sync rounds that bring every cached chart up
to date with as few requests as the server allows. The parts: reading the server
(app.sync.fetch: features learnt, pages checked, searches read whole by app.sync.windows),
the cursors (app.sync.cursors), writing into the cache (app.sync.ingest) and holding the cache
against what the server still shows (app.sync.reconcile).

A chart is stored complete or not at all (Kind.INCOMPLETE when it cannot be read whole). A
chart already cached opens online with only what changed since its own cursor.

With system `_history`, a round is one request when nothing changed: `_history?_since=cursor`,
entries filtered to the cached patients, every page followed and committed with its cursor.
Without it, type-level searches with `_lastUpdated` by batches of patients, leaving out the
types the server refuses this user's role (403), then a reconciliation of a batch of charts
(the deletions). A chart whose patient the server now refuses (403/404/410) is evicted from the
cache; a round that brings a Consent makes its chart due for an evaluation
(app.sync.consent_watch: the engine fetches again the charts a restriction no longer covers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from app.central.client import FhirClient
from app.central.errors import SyncError
from app.central.retry import Progress
from app.core.fhir import Resource, patient_of, resources
from app.core.profiles import practitioner_reference
from app.sync.cache import SyncCache
from app.sync.consent_watch import ConsentWatch
from app.sync.cursors import HISTORY, OVERLAP, chart_stream
from app.sync.fetch import SEARCHSET, Fetcher
from app.sync.ingest import Ingester, Lazy
from app.sync.reconcile import EVICT_KINDS, recheck_access, reconcile

__all__ = ["EVICT_KINDS", "HISTORY", "OVERLAP", "Puller", "chart_stream", "local_midnight"]


class Puller:
    def __init__(self, client: FhirClient, cache: SyncCache,
                 today: Callable[[], date] = date.today):
        self.client, self.cache = client, cache
        self.fetch = Fetcher(client)
        self.watch = ConsentWatch(cache, practitioner_reference(client.settings.username), today)
        self.ingester = Ingester(self.fetch, cache, self.watch)

    def open_chart(self, patient_id: str, cancel: threading.Event | None = None,
                   progress: Progress | None = None) -> int:
        """Fetch a chart into the cache; returns the resources stored (changed, for a chart
        already cached: only what changed since its cursor is asked). Evicts on 403/410."""
        since = None
        if self.cache.owner("Patient", patient_id) == patient_id:  # cached: one row read
            since = self.cache.cursor(chart_stream(patient_id))
        try:
            pages = self.fetch.chart_pages(patient_id, since, cancel, progress)
            count = self.ingester.ingest(pages, None, stream=chart_stream(patient_id),
                                         chart=None if since else patient_id, atomic=True,
                                         stamped=pages)
        except SyncError as err:
            if err.kind in EVICT_KINDS:
                self.cache.evict(patient_id)
            raise
        start = self.cache.cursor(chart_stream(patient_id))
        if start and self.cache.cursor(HISTORY) is None:  # history starts where this chart did
            self.cache.apply_page([], [], {HISTORY: start})
        return count

    def sync_round(self, cancel: threading.Event | None = None,
                   progress: Progress | None = None) -> int:
        """Bring every cached chart up to date; returns the resources changed locally."""
        since = self.cache.cursor(HISTORY)
        if since is None:
            return 0
        cached = Lazy(self.cache.cached_patients)  # read only when something came back
        self.fetch.start_round()  # the round's cursor: the server's clock at its first answer
        if self.fetch.offers_system_history(cancel) is not False:
            history = self.fetch.history_since(since, cancel, progress)
            if history is not None:
                pages = self.fetch.stamped(history, reset=False)
                return self.ingester.ingest(pages, cached, stream=HISTORY, cancel=cancel,
                                            stamped=pages)
        pages = self.fetch.stamped(self.fetch.search_since(sorted(cached), since, cancel,
                                                           progress), reset=False)
        changed = self.ingester.ingest(pages, cached, stream=HISTORY, cancel=cancel,
                                       stamped=pages)
        return changed + reconcile(self.fetch, self.cache, cancel)

    def recheck_access(self, cancel: threading.Event | None = None) -> list[str]:
        """The cached charts the server no longer shows this user, evicted (app.sync.reconcile)."""
        return recheck_access(self.fetch, self.cache, cancel)

    def prefetch_appointments(self, day: date, params: Resource | None = None,
                              cancel: threading.Event | None = None) -> list[str] | None:
        """The day's appointments (of the clinic: `params`, e.g. {"actor": "Location/x"}) into
        the cache; returns the patients they name, or None when the server cannot search
        appointments by date (its CapabilityStatement says so; nothing is asked then)."""
        if not self.client.capabilities(cancel).searchable("Appointment", "date"):
            return None
        query = {"date": [f"ge{local_midnight(day)}",
                          f"lt{local_midnight(day + timedelta(days=1))}"],
                 "_count": str(self.client.settings.page_size), **(params or {})}
        pages = list(self.fetch.pages("Appointment", query, SEARCHSET, cancel))
        self.ingester.ingest(pages, None, stream=f"appointments:{day.isoformat()}")
        found = {patient_of(r) for p in pages for r in resources(p, "Appointment")}
        return sorted(pid for pid in found if pid)


def local_midnight(day: date) -> str:
    """The start of `day` on this workstation's clock, with its UTC offset: the clinic's day,
    not UTC's (an evening appointment in Quebec is on the next day in UTC)."""
    return datetime.combine(day, time()).astimezone().isoformat()
