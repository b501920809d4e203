"""Pull: charts the user opens (`$everything`) and sync rounds that bring every cached chart up
to date with as few requests as the server allows.

With system `_history`, a round is one request when nothing changed: `_history?_since=cursor`,
entries filtered to the cached patients, every page followed and committed with its cursor.
Without it, type-level searches with `_lastUpdated` by batches of patients, leaving out the
types the server refuses this user's role (403). A chart whose patient the server now refuses
(403/404/410) is evicted from the cache. Every full fetch records what the chart's Consents
withhold from this user, and a round that brings a Consent makes its chart due for an evaluation
(app.sync.consent_watch: the engine fetches again the charts a restriction no longer covers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.central.client import FhirClient, what
from app.central.errors import Kind, SyncError
from app.central.replies import ReplyLimits, bounded_chart, checked_pages
from app.central.retry import Progress
from app.core.fhir import (
    Resource,
    earlier,
    format_instant,
    history_entry,
    parse_instant,
    patient_of,
    resources,
)
from app.core.fhir import entries as fhir_entries
from app.core.profiles import practitioner_reference
from app.sync.cache import SyncCache
from app.sync.consent_watch import ConsentWatch

HISTORY = "history"  # the stream of the system-level history
OVERLAP = 2.0  # seconds re-read at each round: commits in flight when the server answered
IDS_PER_SEARCH = 50
EVICT_KINDS = (Kind.FORBIDDEN, Kind.GONE)
SEARCHSET, HISTORY_BUNDLE = "searchset", "history"  # the Bundle types the replies must have


def chart_stream(patient_id: str) -> str:
    return f"chart:{patient_id}"


class Puller:
    def __init__(self, client: FhirClient, cache: SyncCache,
                 today: Callable[[], date] = date.today):
        self.client, self.cache = client, cache
        self.watch = ConsentWatch(cache, practitioner_reference(client.settings.username), today)
        # Types whose type-level search the server refused this user (a receptionist's
        # Observations): left out of later searches instead of failing every round.
        self.refused_types: set[str] = set()

    # -- one chart ---------------------------------------------------------------------------
    def open_chart(self, patient_id: str, cancel: threading.Event | None = None,
                   progress: Progress | None = None) -> int:
        """Fetch a chart into the cache; returns the resources stored. Evicts on 403/410."""
        try:
            count = self._fetch_chart(patient_id, None, cancel, progress)
        except SyncError as err:
            if err.kind in EVICT_KINDS:
                self.cache.evict(patient_id)
            raise
        start = self.cache.cursor(chart_stream(patient_id))
        if start and self.cache.cursor(HISTORY) is None:  # history starts where this chart did
            self.cache.apply_page([], [], {HISTORY: start})
        return count

    def _fetch_chart(self, patient_id: str, since: str | None,
                     cancel: threading.Event | None, progress: Progress | None) -> int:
        pages = self.chart_pages(patient_id, since, cancel, progress)
        return self._ingest(pages, None, stream=chart_stream(patient_id),
                            chart=None if since else patient_id, atomic=True)

    def chart_pages(self, patient_id: str, since: str | None = None,
                    cancel: threading.Event | None = None,
                    progress: Progress | None = None) -> Iterator[Resource]:
        """The pages of one chart: `$everything`, or type-level searches without it; each page
        checked, and the whole bounded (app.central.replies)."""
        caps = self.client.capabilities(cancel)
        params = {"_count": str(self.client.settings.page_size)}
        if since:
            params["_since"] = since
        if caps.everything:
            url = f"Patient/{patient_id}/$everything"
            pages = self._pages(url, params, SEARCHSET, cancel, progress, chart=patient_id)
        else:
            url = "Patient"
            pages = self._chart_by_type(patient_id, since, cancel, progress)
        return bounded_chart(pages, self.limits, what("GET", url))

    def _pages(self, url: str, params: Resource, bundle_type: str,
               cancel: threading.Event | None,
               progress: Progress | None = None, chart: str | None = None) -> Iterator[dict[str,
                                                                                            Any]]:
        """The client's pages, each checked before anything of it is used (app.central.replies)."""
        return checked_pages(self.client.pages(url, params, cancel=cancel, progress=progress),
                             bundle_type, self.limits, what("GET", url), chart)

    @property
    def limits(self) -> ReplyLimits:
        return self.client.settings.limits

    def _chart_by_type(self, patient_id: str, since: str | None,
                       cancel: threading.Event | None,
                       progress: Progress | None) -> Iterator[Resource]:
        for rtype in self._searchable_types(cancel):
            params = {"_id" if rtype == "Patient" else "patient": patient_id,
                      "_count": str(self.client.settings.page_size)}
            if since:
                params["_lastUpdated"] = f"ge{since}"
            yield from self._type_pages(rtype, params, cancel, progress, chart=patient_id)

    def _searchable_types(self, cancel: threading.Event | None) -> list[str]:
        types = self.client.capabilities(cancel).chart_types
        return [t for t in types if t not in self.refused_types]

    def _type_pages(self, rtype: str, params: Resource, cancel: threading.Event | None,
                    progress: Progress | None, chart: str | None = None) -> Iterator[dict[str,
                                                                                          Any]]:
        """A type-level search's pages; a 403 on a type other than Patient is the role's
        limit (no page of it is ever shown to this user): the type is skipped from now on.
        On Patient it stays an error: it is the chart that is refused."""
        try:
            yield from self._pages(rtype, params, SEARCHSET, cancel, progress, chart)
        except SyncError as err:
            if err.kind is not Kind.FORBIDDEN or rtype == "Patient":
                raise
            self.refused_types.add(rtype)

    # -- a round -----------------------------------------------------------------------------
    def sync_round(self, cancel: threading.Event | None = None,
                   progress: Progress | None = None) -> int:
        """Bring every cached chart up to date; returns the resources changed locally."""
        since = self.cache.cursor(HISTORY)
        if since is None:
            return 0
        cached = Lazy(self.cache.cached_patients)  # read only when something came back
        caps = self.client.capabilities(cancel)
        params = {"_since": since, "_count": str(self.client.settings.page_size)}
        if caps.system_history:
            pages = self._pages("_history", params, HISTORY_BUNDLE, cancel, progress)
        else:
            pages = self._search_since(sorted(cached), since, cancel, progress)
        return self._ingest(pages, cached, stream=HISTORY, cancel=cancel)

    def _search_since(self, patients: list[str], since: str,
                      cancel: threading.Event | None,
                      progress: Progress | None) -> Iterator[Resource]:
        for i in range(0, len(patients), IDS_PER_SEARCH):
            ids = ",".join(patients[i:i + IDS_PER_SEARCH])
            for rtype in self._searchable_types(cancel):
                params = {"_id" if rtype == "Patient" else "patient": ids,
                          "_lastUpdated": f"ge{since}",
                          "_count": str(self.client.settings.page_size)}
                yield from self._type_pages(rtype, params, cancel, progress)

    # -- ingest ------------------------------------------------------------------------------
    def _ingest(self, pages: Iterable[Resource], cached: set[str] | Lazy | None, stream: str,
                cancel: threading.Event | None = None, chart: str | None = None,
                atomic: bool = False) -> int:
        """Commit page by page — or, `atomic` (a chart pull), every page in one transaction
        once the last one came and passed its checks: a chart is stored complete or not at all.
        The stream's cursor goes with the last page: the time the server answered the first
        one, less the overlap (re-applying a version is harmless); so does the access record
        of `chart` (fetched in full) or of the cached charts whose Consents changed (due for
        an evaluation)."""
        changed, start, recheck, entries = 0, None, set(), 0
        consents: list[Resource] = []
        seen: dict[tuple[str, str], object] = {}  # newest version applied in this pass
        pending: tuple[list[Resource], list[tuple[str, str]]] | None = None
        for page in pages:
            if start is None:
                start = earlier(self.page_time(page), OVERLAP)
            if pending is not None and (pending[0] or pending[1]) and not atomic:
                self.cache.apply_page(*pending, {})
                pending = None
            entries += len(fhir_entries(page))
            upserts, deletes, touched = self.select(page, cached, seen)
            recheck |= touched | self._consent_owners(deletes, cached)
            consents += [r for r in upserts if r.get("resourceType") == "Consent"]
            pending = (upserts, deletes) if pending is None else \
                (pending[0] + upserts, pending[1] + deletes)
            changed += len(upserts) + len(deletes)
        if entries == 0:  # nothing new: the cursor may stay where it is (no write, no fsync)
            return 0
        cursors = {stream: start} if start else {}
        access = {chart: self.watch.fetched(consents)} if chart else (
            self.watch.due_today(recheck) if recheck else None)
        self.cache.apply_page(*(pending or ([], [])), cursors, access)
        for patient_id in recheck:
            self._recheck(patient_id, cancel)
        return changed

    def select(self, page: Resource, cached: set[str] | Lazy | None,
               seen: dict[tuple[str, str], object],
               ) -> tuple[list[Resource], list[tuple[str, str]], set[str]]:
        """This page's newest version of each resource, unless a page read earlier in the pass
        had a newer one (history runs newest first, so later pages hold older versions)."""
        latest: dict[tuple[str, str], tuple[object, Resource | None]] = {}
        touched: set[str] = set()
        for entry in fhir_entries(page):
            rtype, rid, resource, updated = history_entry(entry)
            if resource is not None and cached is not None:
                # An AuditEvent names the patient it records but is no row of that chart here.
                owner = None if rtype == "AuditEvent" else patient_of(resource)
                if owner is None or owner not in cached:
                    continue
                if rtype == "Consent":
                    touched.add(owner)
            elif resource is None and rtype == "Patient" and cached and rid in cached:
                touched.add(rid)
            key, when = (rtype, rid), parse_instant(updated) or updated
            if key in seen and not _newer(when, seen[key]):
                continue
            if key not in latest or not _newer(latest[key][0], when):
                latest[key] = (when, resource)
        seen.update((key, when) for key, (when, _) in latest.items())
        upserts = [res for _, res in latest.values() if res is not None]
        deletes = [key for key, (_, res) in latest.items() if res is None]
        return upserts, deletes, touched

    def _consent_owners(self, deletes: list[tuple[str, str]],
                        cached: set[str] | Lazy | None) -> set[str]:
        """The cached charts whose Consents these deletions remove (looked up before they go)."""
        if cached is None:
            return set()
        owners = {self.cache.owner(rtype, rid) for rtype, rid in deletes if rtype == "Consent"}
        return {pid for pid in owners if pid and pid in cached}

    def _recheck(self, patient_id: str, cancel: threading.Event | None) -> None:
        """A cached chart's consent changed or its patient went: may we still see it?"""
        try:
            self.client.get(f"Patient/{patient_id}", expect="Patient", cancel=cancel)
        except SyncError as err:
            if err.kind not in EVICT_KINDS:
                raise
            self.cache.evict(patient_id)

    def recheck_access(self, cancel: threading.Event | None = None) -> list[str]:
        """Ask, by batches of ids, which cached patients the server still shows this user;
        each one missing is read alone and evicted on 403/404/410. Returns the evicted."""
        cached = sorted(self.cache.cached_patients())
        evicted = []
        for i in range(0, len(cached), IDS_PER_SEARCH):
            ids = cached[i:i + IDS_PER_SEARCH]
            seen = {e["resource"]["id"] for page in self._pages(
                        "Patient", {"_id": ",".join(ids), "_count": str(len(ids))}, SEARCHSET,
                        cancel)
                    for e in fhir_entries(page) if e.get("resource")}
            for pid in ids:
                if pid not in seen:
                    self._recheck(pid, cancel)
                    if pid not in self.cache.cached_patients():
                        evicted.append(pid)
        return evicted

    def page_time(self, page: Resource) -> str:
        stamp = (page.get("meta") or {}).get("lastUpdated")
        return stamp or self.client.last_server_time or self._now()

    @staticmethod
    def _now() -> str:
        return format_instant(datetime.now(UTC))

    # -- the day's appointments --------------------------------------------------------------
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
        pages = list(self._pages("Appointment", query, SEARCHSET, cancel))
        self._ingest(pages, None, stream=f"appointments:{day.isoformat()}")
        found = {patient_of(r) for p in pages for r in resources(p, "Appointment")}
        return sorted(pid for pid in found if pid)


def local_midnight(day: date) -> str:
    """The start of `day` on this workstation's clock, with its UTC offset: the clinic's day,
    not UTC's (an evening appointment in Quebec is on the next day in UTC)."""
    return datetime.combine(day, time()).astimezone().isoformat()


def _newer(a: object, b: object) -> bool:
    """a strictly later than b (instants; raw strings when a server sent an unparsable one)."""
    try:
        return bool(a > b)  # type: ignore[operator]
    except TypeError:
        return str(a) > str(b)


class Lazy:
    """A set computed on first use (the cached patients, needed only when entries came)."""

    def __init__(self, compute: Callable[[], Iterable[str]]) -> None:
        self._compute: Callable[[], Iterable[str]] = compute
        self._value: set[str] | None = None

    def get(self) -> set[str]:
        if self._value is None:
            self._value = set(self._compute())
        return self._value

    def __contains__(self, item: object) -> bool:
        return item in self.get()

    def __iter__(self) -> Iterator[str]:
        return iter(self.get())

    def __bool__(self) -> bool:
        return bool(self.get())
